import { api, state } from "./core.js";
import { closeThread, markViewed } from "./channel.js";
import { decorate, postElement, refreshPost, removePost, replacePost } from "./posts.js";
import { loadSidebar, onChannelUpdated, renderSidebar } from "./shell.js";

// ---------- live updates ----------
export function connect() {
  if (state.ws) return;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v4/websocket`);
  state.ws = ws;
  ws.addEventListener("message", (e) => onEvent(JSON.parse(e.data)));
  ws.addEventListener("close", () => { state.ws = null; setTimeout(connect, 2000); });
}

async function onEvent(message) {
  if (message.event === "posted") {
    const post = JSON.parse(message.data.post);
    const mentions = message.data.mentions ? JSON.parse(message.data.mentions) : [];
    const mine = state.me && mentions.includes(state.me.id);
    const c = state.channels.find((x) => x.id === post.channel_id);
    if (state.channel && post.channel_id === state.channel.id && document.querySelector(".center .posts")) {
      const rendered = await api("GET", `/web/api/posts/${post.id}?team=${state.team.name}`);
      const list = document.querySelector(".center .posts");
      if (list.querySelector(`#post-${post.id}`)) return; // already there (a reconnect, a double event)
      const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
      const visible = document.visibilityState === "visible";
      // read as it arrives: no "New Messages" line for it (one appears when the tab is hidden)
      if (visible && list.view && !list.querySelector(".new-messages")) list.view.lastViewedAt = Math.max(list.view.lastViewedAt || 0, post.create_at);
      list.append(postElement(rendered));
      decorate(list);
      if (atBottom) list.scrollTop = list.scrollHeight;
      const thread = document.querySelector(".thread .posts");
      if (post.root_id && state.thread === post.root_id && thread) {
        const near = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 120;
        thread.append(postElement(rendered, { inThread: true }));
        decorate(thread);
        if (near) thread.scrollTop = thread.scrollHeight;
      }
      if (post.root_id) await refreshPost(post.root_id); // its "N replies"
      if (visible) await markViewed(post.channel_id);
    } else if (c) {
      c.unread += 1;
      if (mine) c.mentions += 1;
      const sidebar = document.querySelector(".sidebar");
      if (sidebar) sidebar.replaceWith(renderSidebar());
    } else if (state.team) {
      await loadSidebar(state.team.name);
      const sidebar = document.querySelector(".sidebar");
      if (sidebar) sidebar.replaceWith(renderSidebar());
    }
    if (mine && post.user_id !== state.me.id) notify(message.data, post);
  } else if (message.event === "channel_updated") {
    onChannelUpdated(JSON.parse(message.data.channel));
  } else if (message.event === "post_edited") {
    const post = JSON.parse(message.data.post);
    if (shown(post)) replacePost(await api("GET", `/web/api/posts/${post.id}?team=${state.team.name}`));
  } else if (message.event === "post_deleted") {
    const post = JSON.parse(message.data.post);
    if (state.thread && (post.id === state.thread)) closeThread();
    removePost(post.id);
    if (post.root_id) await refreshPost(post.root_id).catch(() => {});
  } else if (message.event === "channel_viewed") {
    const c = state.channels.find((x) => x.id === message.data.channel_id);
    if (c) { c.unread = 0; c.mentions = 0; document.querySelector(".sidebar")?.replaceWith(renderSidebar()); }
  }
}

// whether the post is on screen: in the open channel or the open thread
function shown(post) {
  return Boolean(document.querySelector(`.posts > .post[data-post-id="${post.id}"]`));
}

function notify(data, post) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const title = `${data.sender_name} in ${data.channel_display_name || "a direct message"}`;
  new Notification(title, { body: post.message.slice(0, 140), tag: post.id });
}

import { api, h, state } from "./core.js";
import { decorate, fill, forget, postElement, posts } from "./posts.js";
import { channelHeader, layout, renderSidebar } from "./shell.js";

async function loadOlder(list) {
  if (!state.hasMore || list.dataset.loading) return;
  list.dataset.loading = "1";
  const before = posts(list)[0]?.post.id;
  if (!before) { delete list.dataset.loading; return; }
  const page = await api("GET", `/web/api/channels/${state.channel.id}/posts?team=${state.team.name}&per_page=60&before=${before}`);
  const height = list.scrollHeight;
  list.prepend(...page.posts.slice().reverse().map((p) => postElement(p)));
  decorate(list); // grouping and day separators across the seam
  list.scrollTop += list.scrollHeight - height;
  state.hasMore = page.has_more;
  delete list.dataset.loading;
}

// A permalink (or a search result) to a post older than the first page: load older pages until
// it is there, at most SEEK_PAGES of them.
const SEEK_PAGES = 25;

async function seek(list, postId) {
  for (let i = 0; i < SEEK_PAGES && state.hasMore && !document.getElementById(`post-${postId}`); i++) {
    await loadOlder(list);
  }
}

export async function markViewed(channelId) {
  await api("POST", "/api/v4/channels/members/me/view", { channel_id: channelId });
  const c = state.channels.find((x) => x.id === channelId);
  if (c) { c.unread = 0; c.mentions = 0; }
}

export function composer(onSend, label) {
  const box = h("textarea", { "aria-label": label, placeholder: label, rows: 2 });
  box.addEventListener("keydown", async (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      const message = box.value.trim();
      if (!message) return;
      box.disabled = true;
      try { await onSend(message); box.value = ""; } catch (err) { alert(err.message); }
      box.disabled = false;
      box.focus();
    }
  });
  return h("div", { class: "composer" }, box);
}

export async function showChannel(channel, highlight) {
  state.channel = channel;
  state.thread = null;
  const list = h("div", { class: "posts", role: "log", "aria-label": `Messages in ${channel.display_name}`, tabindex: "0" }, h("p", { class: "loading" }, "Loading…"));
  const center = h("main", { class: "center" },
    channelHeader(channel),
    list,
    composer((message) => api("POST", "/api/v4/posts", { channel_id: channel.id, message }), `Write to ${channel.display_name}`));
  layout(center);
  const page = await api("GET", `/web/api/channels/${channel.id}/posts?team=${state.team.name}&per_page=60`);
  state.hasMore = page.has_more;
  // the "New Messages" line: above the first post of someone else newer than the reader's
  // last visit as it was before this one (the server reads it before we mark the channel viewed)
  fill(list, page.posts.slice().reverse(), { inThread: false, lastViewedAt: page.last_viewed_at });
  const line = list.querySelector(".new-messages");
  if (line && !highlight) line.scrollIntoView({ block: "start" });
  else list.scrollTop = list.scrollHeight;
  list.addEventListener("scroll", () => { if (list.scrollTop < 80) loadOlder(list); });
  if (highlight) {
    await seek(list, highlight);
    const target = document.getElementById(`post-${highlight}`);
    if (target) { target.classList.add("highlight"); target.scrollIntoView({ block: "center" }); }
  }
  await markViewed(channel.id);
  document.querySelector(".sidebar").replaceWith(renderSidebar());
}

// The open channel's newest page again, as showChannel loads it (after the live stream lost
// events): it replaces what the list shows, and stays at the bottom if it was there.
export async function refreshChannel() {
  const channel = state.channel;
  const list = document.querySelector(".center .posts");
  if (!channel || !list) return;
  const page = await api("GET", `/web/api/channels/${channel.id}/posts?team=${state.team.name}&per_page=60`);
  if (state.channel !== channel || !list.isConnected) return; // the reader moved on meanwhile
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
  for (const el of posts(list)) forget(el);
  state.hasMore = page.has_more;
  fill(list, page.posts.slice().reverse(), list.view || { inThread: false });
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// The open thread's posts again (its panel, composer and draft stay).
export async function refreshThread() {
  const rootId = state.thread;
  const list = document.querySelector(".thread .posts");
  if (!rootId || !list) return;
  let data;
  try {
    data = await api("GET", `/web/api/posts/${rootId}/thread?team=${state.team.name}`);
  } catch (err) {
    if (err.status === 404 || err.status === 403) { closeThread(); return; } // deleted meanwhile
    throw err;
  }
  if (state.thread !== rootId || !list.isConnected) return;
  for (const el of posts(list)) forget(el);
  fill(list, data.posts, { inThread: true });
  list.scrollTop = list.scrollHeight;
}

export async function openThread(rootId) {
  const data = await api("GET", `/web/api/posts/${rootId}/thread?team=${state.team.name}`);
  state.thread = rootId;
  const list = h("div", { class: "posts", role: "log", "aria-label": "Thread" });
  fill(list, data.posts, { inThread: true });
  const channel = state.channel;
  const where = channel ? (channel.type === "D" ? "@ " : channel.type === "P" ? "🔒 " : "# ") + channel.display_name : "";
  const panel = h("aside", { class: "thread", "aria-label": "Thread" },
    h("header", {},
      h("div", { class: "thread-title" }, h("strong", {}, "Thread"), where ? h("span", { class: "thread-channel" }, where) : null),
      h("button", { type: "button", class: "close", "aria-label": "Close thread", onclick: closeThread }, "✕")),
    list,
    composer((message) => api("POST", "/api/v4/posts", { channel_id: state.channel.id, message, root_id: rootId }), "Reply"));
  const root = document.querySelector(".layout");
  root.querySelector(".thread")?.remove();
  root.classList.add("with-thread");
  root.append(panel);
  list.scrollTop = list.scrollHeight;
  if (matchMedia("(hover: hover) and (min-width: 701px)").matches) panel.querySelector(".composer textarea").focus();
}

export function closeThread() {
  state.thread = null;
  const root = document.querySelector(".layout");
  root.querySelector(".thread")?.remove();
  root.classList.remove("with-thread");
}

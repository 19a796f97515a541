import { api, h, state } from "./core.js";
import { closeThread, markViewed, refreshChannel, refreshThread } from "./channel.js";
import { decorate, postElement, refreshPost, removePost, replacePost } from "./posts.js";
import { onReactionEvent } from "./reactions.js";
import { loadSidebar, onChannelUpdated, renderSidebar } from "./shell.js";

// ---------- live updates ----------
// Mattermost's reliable websocket, as its WebSocketClient uses it: `hello` names the connection
// (data.connection_id) and events are numbered from 0 (hello = 0). After a drop the client comes
// back with ?connection_id=<id>&sequence_number=<next seq it expects>: the server either goes on
// at that seq (what was missed first, no hello), or starts a new connection with a new hello, and
// then what the view shows is fetched again, since events may have been lost.
const RETRY_BASE_MS = 1000; // the first retry comes after 0.5–1 s, each failure doubles it…
const RETRY_CAP_MS = 60000; // …up to a minute (then 30–60 s between tries)
const STABLE_MS = 5000; // a socket open this long (or that brought a message) was a success
const PING_MS = 30000; // a ping each 30 s; no answer by the next one: the socket is dead

const live = {
  socket: null,
  connectionId: "", // from the last hello
  nextSeq: 0, // the seq of the next event we expect
  serverVersion: "", // hello.data.server_version of the first connection
  failures: 0,
  retry: null, // the pending reconnect's timer
  chain: Promise.resolve(), // events are handled one at a time, in order
  actionSeq: 1, // our own actions' seq (pings); the server answers with seq_reply
  pending: null, // the seq of a ping not answered yet
};

export function connect() {
  if (live.socket || live.retry) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = live.connectionId ? `?connection_id=${encodeURIComponent(live.connectionId)}&sequence_number=${live.nextSeq}` : "";
  const ws = new WebSocket(`${scheme}://${location.host}/api/v4/websocket${query}`);
  live.socket = ws;
  state.ws = ws;
  let stable = null;
  let pinger = null;
  const succeeded = () => { live.failures = 0; clearTimeout(stable); };
  ws.addEventListener("open", () => {
    stable = setTimeout(succeeded, STABLE_MS);
    live.pending = null;
    pinger = setInterval(() => ping(ws), PING_MS);
  });
  ws.addEventListener("message", (e) => {
    if (live.socket !== ws) return;
    let message;
    try { message = JSON.parse(e.data); } catch { return; }
    if (receive(ws, message)) succeeded();
  });
  ws.addEventListener("close", (e) => {
    clearTimeout(stable);
    clearInterval(pinger);
    if (live.socket !== ws) return;
    lost();
    // 4001: not signed in (any more); an API call sends the reader to the login page
    if (e.code === 4001) api("GET", "/api/v4/users/me").catch(() => {});
  });
}

// The socket is gone (closed, or found dead): try again after a jittered, capped backoff.
function lost() {
  live.socket = null;
  state.ws = null;
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** live.failures);
  live.failures += 1;
  const delay = ceiling / 2 + Math.random() * ceiling / 2;
  live.retry = setTimeout(() => { live.retry = null; connect(); }, delay);
}

function drop(ws) {
  if (live.socket !== ws) return;
  lost(); // at once: the close of a dead socket may take long to come
  try { ws.close(); } catch { /* already closing */ }
}

function ping(ws) {
  if (live.pending !== null) { drop(ws); return; }
  live.pending = live.actionSeq++;
  try { ws.send(JSON.stringify({ action: "ping", seq: live.pending })); } catch { drop(ws); }
}

// Back online: no need to wait for the timer.
window.addEventListener("online", () => {
  if (!live.retry) return;
  clearTimeout(live.retry);
  live.retry = null;
  live.failures = 0;
  connect();
});

function receive(ws, message) {
  if (message.seq_reply !== undefined) {
    if (message.seq_reply === live.pending) live.pending = null;
    return true;
  }
  if (typeof message.seq !== "number") return true;
  let resync = false;
  let counts = false;
  if (message.event === "hello") {
    const data = message.data || {};
    // a new connection although we asked to resume one: what happened meanwhile may be lost
    resync = Boolean(live.connectionId) && live.connectionId !== data.connection_id;
    // the first connection: a post made between the sidebar's load and this hello sent no
    // event here, so the unread and mention counts are fetched once more
    counts = !live.connectionId;
    live.connectionId = data.connection_id || "";
    live.nextSeq = 0;
    versionSeen(data.server_version || "");
  }
  if (message.seq !== live.nextSeq) {
    // a gap: reconnect asking for the event we expect; the server sends what was missed, or a
    // new hello and we fetch the view again
    console.warn(`live: missed events, got seq ${message.seq}, expected ${live.nextSeq}`);
    drop(ws);
    return false;
  }
  live.nextSeq = message.seq + 1;
  if (resync) enqueue(() => refetch());
  else if (counts) enqueue(() => refetchCounts());
  enqueue(() => onEvent(message));
  return true;
}

function enqueue(task) {
  live.chain = live.chain.then(task).catch((err) => console.error("live:", err));
}

// What the view shows, fetched again as on first load: the sidebar's unread counts, the open
// channel's newest page, the open thread.
async function refetch() {
  if (!state.team) return;
  const open = state.channel && document.querySelector(".center .posts") ? state.channel : null;
  if (open) {
    await refreshChannel();
    if (state.thread) await refreshThread();
  }
  await loadSidebar(state.team.name);
  if (open && document.visibilityState === "visible") await markViewed(open.id);
  document.querySelector(".sidebar")?.replaceWith(renderSidebar());
}

async function refetchCounts() {
  if (!state.team) return;
  await loadSidebar(state.team.name);
  document.querySelector(".sidebar")?.replaceWith(renderSidebar());
}

// Mattermost's web app offers a reload when the server it talks to is upgraded. The version's
// last two fields are the client config's hash and the license: a config change alone is not a
// new version (the sidebar's refetch brings the new config).
function versionSeen(version) {
  if (!live.serverVersion) { live.serverVersion = version; return; }
  const release = (v) => v.split(".").slice(0, -2).join(".");
  if (!version || release(version) === release(live.serverVersion)) return;
  live.serverVersion = version;
  if (document.querySelector(".version-banner")) return;
  const banner = h("div", { class: "version-banner", role: "status" },
    h("span", {}, "A new version of inbound is available."),
    h("button", { type: "button", class: "primary", onclick: () => location.reload() }, "Reload"),
    h("button", { type: "button", class: "close", "aria-label": "Dismiss", onclick: () => banner.remove() }, "✕"));
  document.body.append(banner);
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
  } else if (message.event === "reaction_added" || message.event === "reaction_removed") {
    await onReactionEvent(message);
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

import { api, applyColors, h, state, time } from "./core.js";
import { closeThread, openThread } from "./channel.js";
import { pickReaction, reactionBar } from "./reactions.js";
import { closeMenus, confirmDialog, openMenu } from "./menus.js";

// ---------- the rules (pure) ----------
export const COLLAPSE_MS = 5 * 60 * 1000; // Mattermost's POST_COLLAPSE_TIMEOUT
export const SHOW_MORE_PX = 600; // taller messages are collapsed behind "Show more"
const WEBHOOK_ICON = "/static/img/webhook.svg";

export function isSystem(post) { return (post.type || "").startsWith("system_"); }

// Mattermost's isConsecutivePost: the same sender within five minutes, neither a system message,
// in the same thread (or the reply right under its root), and for webhook posts the same face:
// a different override username or icon starts a new group. The view's display_name and avatar
// are the overrides the server applied, so comparing them compares what the reader sees.
export function isConsecutive(post, previous) {
  if (!previous || !post) return false;
  const gap = post.create_at - previous.create_at;
  return post.user_id === previous.user_id
    && gap >= 0 && gap <= COLLAPSE_MS
    && !isSystem(post) && !isSystem(previous)
    && (post.root_id === previous.root_id || post.root_id === previous.id)
    && Boolean(post.is_bot) === Boolean(previous.is_bot)
    && post.display_name === previous.display_name
    && (post.avatar || {}).kind === (previous.avatar || {}).kind
    && (post.avatar || {}).value === (previous.avatar || {}).value;
}

function startOfDay(ms) { const d = new Date(ms); return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(); }

export function sameDay(a, b) { return startOfDay(a) === startOfDay(b); }

// "Today", "Yesterday", "Wed, Nov 25" (with the year when it is not this year), in local time.
export function dayLabel(ms, now = Date.now()) {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / 86400000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const options = { weekday: "short", month: "short", day: "numeric" };
  if (new Date(ms).getFullYear() !== new Date(now).getFullYear()) options.year = "numeric";
  return new Date(ms).toLocaleDateString([], options);
}

// A reply starts its thread's run in the channel when the post above is not in that thread:
// then it says whose message it comments on.
export function isFirstReply(post, previous) {
  if (!post.root_id) return false;
  return !previous || (previous.id !== post.root_id && previous.root_id !== post.root_id);
}

export function permalink(post) { return `${location.origin}/${state.team.name}/pl/${post.id}`; }

// ---------- a post ----------
function hue(text) {
  let n = 0;
  for (const c of text) n = (n * 31 + c.codePointAt(0)) % 360;
  return n;
}

export function avatar(post) {
  const a = post.avatar;
  if (a.kind === "emoji") return h("div", { class: "avatar emoji", "aria-hidden": "true" }, a.value);
  if (a.kind === "url") {
    // an icon that does not load (gone, or unreachable from here) falls back to the webhook's
    const img = h("img", { src: a.value, alt: "", referrerpolicy: "no-referrer" });
    img.addEventListener("error", () => { img.src = WEBHOOK_ICON; img.parentElement?.classList.add("webhook"); }, { once: true });
    return h("div", { class: "avatar" }, img);
  }
  if (a.kind === "webhook") return h("div", { class: "avatar webhook" }, h("img", { src: WEBHOOK_ICON, alt: "" }));
  const el = h("div", { class: "avatar initials", "aria-hidden": "true" }, a.value);
  el.style.backgroundColor = `hsl(${hue(post.user_id || a.value)} 55% 82%)`;
  return el;
}

function commentedOn(post) {
  if (!post.root) return null;
  return h("div", { class: "commented-on" },
    "Commented on ",
    h("button", { type: "button", class: "link", onclick: () => openThread(post.root_id) }, `${post.root.display_name}'s message`),
    ": ", h("span", { class: "excerpt" }, post.root.excerpt));
}

function repliesLink(post, inThread) {
  if (inThread || post.root_id || !(post.reply_count > 0)) return null;
  const label = `${post.reply_count} ${post.reply_count === 1 ? "reply" : "replies"}`;
  return h("div", { class: "actions" }, h("button", { class: "replies", type: "button", onclick: () => openThread(post.id) }, label));
}

function actionMenu(post, el, inThread) {
  const more = h("button", { type: "button", class: "menu-more", "aria-label": "More actions", "aria-haspopup": "menu", "aria-expanded": "false", title: "More" }, "⋯");
  const items = [
    !inThread ? ["Reply", () => openThread(post.root_id || post.id)] : null,
    ["Add Reaction", () => pickReaction(post, more)],
    ["Copy Link", () => copyLink(post, more)],
    post.can_edit && !isSystem(post) ? ["Edit", () => startEdit(el, post)] : null,
    post.can_delete ? ["Delete", () => deletePost(post), "danger"] : null,
  ].filter(Boolean);
  more.addEventListener("click", () => openMenu(more, items));
  const react = h("button", { type: "button", class: "menu-react", "aria-label": "Add reaction", title: "Add reaction" }, "☺");
  react.addEventListener("click", () => pickReaction(post, react));
  const reply = inThread ? null
    : h("button", { type: "button", class: "menu-reply", "aria-label": "Reply", title: "Reply", onclick: () => openThread(post.root_id || post.id) }, "↩");
  return h("div", { class: "post-menu", role: "group", "aria-label": "Message actions" }, react, reply, more);
}

// "(edited)" goes at the end of the message's text, as Mattermost shows it: after the text's
// last paragraph, before any attachments or blocks (alone above them when there is no text).
function markEdited(body) {
  const edited = h("span", { class: "edited", title: "Edited" }, "(edited)");
  const parts = [...body.children];
  const extra = parts.findIndex((el) => el.classList.contains("attachment") || el.classList.contains("blocks"));
  const text = extra === -1 ? parts : parts.slice(0, extra);
  const last = text[text.length - 1];
  if (last && last.tagName === "P") last.append(" ", edited);
  else if (last) last.after(edited);
  else body.prepend(edited);
}

export function postElement(post, { inThread = false } = {}) {
  const body = h("div", { class: "post-body" });
  body.innerHTML = post.html; // sanitised server-side (markdown-it + nh3); see render/markdown.py
  applyColors(body);
  if (post.edited) markEdited(body);
  const toggle = h("button", { type: "button", class: "show-more", "aria-expanded": "false" }, "Show more");
  const clip = h("div", { class: "post-clip" }, body);
  const el = h("article", {
    class: "post" + (post.mentions_me ? " mentions-me" : "") + (post.root_id ? " reply" : ""),
    id: inThread ? null : `post-${post.id}`,
    dataset: { postId: post.id, rootId: post.root_id || "" },
    "aria-label": `${post.display_name}`,
  },
  h("div", { class: "post-gutter" }, avatar(post), h("span", { class: "hover-time" }, time(post.create_at))),
  h("div", { class: "post-main" },
    h("div", { class: "post-head" },
      h("span", { class: "name" }, post.display_name),
      post.is_bot ? h("span", { class: "bot-tag" }, "BOT") : null,
      time(post.create_at)),
    inThread ? null : commentedOn(post),
    clip, toggle,
    reactionBar(post),
    repliesLink(post, inThread)));
  el.append(actionMenu(post, el, inThread));
  el.post = post;
  el.inThread = inThread;
  toggle.addEventListener("click", () => {
    const open = el.classList.toggle("expanded");
    toggle.textContent = open ? "Show less" : "Show more";
    toggle.setAttribute("aria-expanded", String(open));
  });
  heights.observe(body);
  return el;
}

// "Show more": measured after layout, and again whenever the content's height changes (images
// loading, a live post, the window resized), by one observer for every post.
const heights = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const el = entry.target.closest(".post");
    if (el) el.classList.toggle("collapsible", entry.target.scrollHeight > SHOW_MORE_PX + 40);
  }
});

export function forget(el) { const body = el.querySelector(".post-body"); if (body) heights.unobserve(body); }

// ---------- a list of posts: grouping, day separators, the "New Messages" line ----------
function separator(label) {
  return h("div", { class: "date-separator", role: "separator" }, h("span", {}, label));
}

export function posts(list) { return [...list.querySelectorAll(":scope > .post")]; }

// Recompute what depends on a post's neighbours; run after every prepend, append or removal.
// ``list.view`` holds the list's options: { inThread, lastViewedAt }.
export function decorate(list) {
  const view = list.view || {};
  for (const extra of list.querySelectorAll(":scope > .date-separator, :scope > .new-messages, :scope > .thread-replies")) extra.remove();
  let previous = null;
  let lineShown = false;
  const now = Date.now();
  for (const el of posts(list)) {
    const post = el.post;
    let breaks = false;
    if (!previous || !sameDay(previous.create_at, post.create_at)) {
      el.before(separator(dayLabel(post.create_at, now)));
      breaks = true;
    }
    if (!lineShown && view.lastViewedAt !== undefined && post.create_at > view.lastViewedAt && post.user_id !== state.me?.id) {
      el.before(h("div", { class: "new-messages", role: "separator", "aria-label": "New messages" }, h("span", {}, "New Messages")));
      lineShown = true;
      breaks = true;
    }
    if (view.inThread && previous && !previous.root_id && post.root_id) {
      const n = posts(list).length - 1;
      el.before(h("div", { class: "thread-replies" }, h("span", {}, `${n} ${n === 1 ? "reply" : "replies"}`)));
      breaks = true;
    }
    el.classList.toggle("consecutive", !breaks && isConsecutive(post, previous));
    el.classList.toggle("first-reply", !view.inThread && isFirstReply(post, previous));
    previous = post;
  }
}

export function fill(list, found, view) {
  list.view = view;
  list.replaceChildren(...found.map((p) => postElement(p, { inThread: view.inThread })));
  decorate(list);
}

// ---------- actions ----------
function lists() { return [...document.querySelectorAll(".center .posts, .thread .posts")]; }

function elementsOf(id) { return lists().flatMap((list) => posts(list).filter((el) => el.post.id === id)); }

export function replacePost(view) {
  for (const el of elementsOf(view.id)) {
    const fresh = postElement(view, { inThread: el.inThread });
    if (el.classList.contains("highlight")) fresh.classList.add("highlight");
    forget(el);
    el.replaceWith(fresh);
  }
  lists().forEach(decorate);
}

export async function refreshPost(id) {
  if (!elementsOf(id).length) return;
  replacePost(await api("GET", `/web/api/posts/${id}?team=${state.team.name}`));
}

export function removePost(id) {
  for (const list of lists()) {
    for (const el of posts(list)) {
      if (el.post.id === id || el.post.root_id === id) { forget(el); el.remove(); }
    }
    decorate(list);
  }
}

async function copyLink(post, anchor) {
  const url = permalink(post);
  try {
    await navigator.clipboard.writeText(url);
  } catch {
    const area = h("textarea", { class: "sr-only", "aria-hidden": "true" });
    area.value = url;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  flash(anchor, "Link copied");
}

function flash(anchor, text) {
  const note = h("div", { class: "toast", role: "status" }, text);
  document.body.append(note);
  const box = anchor.getBoundingClientRect();
  note.style.top = `${Math.max(box.top - 36, 4)}px`;
  note.style.left = `${Math.max(box.right - note.offsetWidth, 4)}px`;
  setTimeout(() => note.remove(), 1600);
}

async function startEdit(el, post) {
  closeMenus();
  if (el.querySelector(".post-edit")) return;
  const full = await api("GET", `/api/v4/posts/${post.id}`);
  const box = h("textarea", { class: "edit-box", "aria-label": "Edit message", rows: 1 });
  box.value = full.message;
  const clip = el.querySelector(".post-clip");
  const cancel = () => { editor.remove(); clip.hidden = false; el.classList.remove("editing"); el.querySelector(".menu-more")?.focus(); };
  const save = async () => {
    box.disabled = true;
    try {
      await api("PUT", `/api/v4/posts/${post.id}/patch`, { message: box.value });
      replacePost(await api("GET", `/web/api/posts/${post.id}?team=${state.team.name}`));
    } catch (err) {
      box.disabled = false;
      error.textContent = err.message;
    }
  };
  const error = h("div", { class: "error", role: "alert" });
  const editor = h("div", { class: "post-edit" }, box,
    h("div", { class: "edit-help" },
      h("span", {}, "Enter to save · Escape to cancel"),
      h("button", { type: "button", onclick: cancel }, "Cancel"),
      h("button", { type: "button", class: "primary", onclick: save }, "Save")),
    error);
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); save(); }
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); cancel(); }
  });
  box.addEventListener("input", () => fit(box));
  clip.hidden = true;
  el.classList.add("editing");
  clip.after(editor);
  fit(box);
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
}

function fit(box) { box.style.height = "auto"; box.style.height = `${Math.min(box.scrollHeight + 2, 320)}px`; }

async function deletePost(post) {
  const replies = !post.root_id && post.reply_count > 0
    ? `This message has ${post.reply_count} ${post.reply_count === 1 ? "reply" : "replies"}; they are deleted with it.` : null;
  const ok = await confirmDialog({
    title: "Confirm Post Delete",
    text: "Are you sure you want to delete this message?",
    detail: replies,
    confirm: "Delete",
  });
  if (!ok) return;
  try {
    await api("DELETE", `/api/v4/posts/${post.id}`);
    if (state.thread === post.id) closeThread(); // a root takes its thread with it
    removePost(post.id);
    if (post.root_id) await refreshPost(post.root_id);
  } catch (err) {
    alert(err.message);
  }
}

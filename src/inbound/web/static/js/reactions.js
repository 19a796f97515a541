// Reactions under a post and the emoji picker. posts.js puts reactionBar(post) under each post;
// pickReaction(post, anchor) opens the picker (the "+" button here, the post menu elsewhere);
// live.js hands reaction_added / reaction_removed events to onReactionEvent.
// A post's reactions live in one model per post id, so the channel and the thread panel, which
// may both show the post, redraw from the same counts.

import { api, h, state } from "./core.js";

const FREQUENT = [["👀", "eyes"], ["✅", "white_check_mark"], ["👍", "+1"], ["🎉", "tada"], ["❌", "x"], ["🔥", "fire"]];
const NAMES_SHOWN = 20; // the server names at most this many people per emoji (render/posts.py)
const RESULTS_SHOWN = 300;

const models = new Map(); // post id → { id, groups: [{ emoji_name, glyph, count, mine, users: [{ id, username }] }] }
const usernames = new Map(); // user id → username, for people whose reactions arrive live
const glyphs = new Map(FREQUENT.map(([char, name]) => [name, char]));
let catalogue = null; // a promise of [[char, name, "every name"], …] from /web/api/emoji

// ---------- the bar ----------
export function reactionBar(post) {
  const groups = (post.reactions || []).map((g) => ({ ...g, users: [...g.users] }));
  for (const g of groups) {
    glyphs.set(g.emoji_name, g.glyph);
    for (const u of g.users) usernames.set(u.id, u.username);
  }
  const model = { id: post.id, groups };
  models.set(post.id, model);
  return renderBar(model);
}

function renderBar(model) {
  const add = h("button", {
    type: "button", class: "reaction-add", title: "Add a reaction", "aria-label": "Add a reaction", "aria-haspopup": "dialog",
    onclick: (e) => pickReaction(model, e.currentTarget),
  }, smiley(), h("span", { "aria-hidden": "true" }, "+"));
  return h("div", { class: "reactions" + (model.groups.length ? "" : " empty"), role: "group", "aria-label": "Reactions", dataset: { reactionsFor: model.id } },
    ...model.groups.map((g) => chip(model, g)), add);
}

function chip(model, g) {
  const label = tooltip(g);
  return h("button", {
    type: "button", class: "reaction" + (g.mine ? " mine" : ""), title: label, "aria-label": label,
    "aria-pressed": g.mine ? "true" : "false", dataset: { emoji: g.emoji_name },
    onclick: () => toggle(model.id, g.emoji_name),
  }, h("span", { class: "reaction-emoji", "aria-hidden": "true" }, g.glyph || `:${g.emoji_name}:`), h("span", { class: "reaction-count", "aria-hidden": "true" }, String(g.count)));
}

// "You, alice and bob reacted with :eyes:" (and "… and 3 others" past the names we have)
export function tooltip(g) {
  const names = g.users.map((u) => (state.me && u.id === state.me.id ? "You" : u.username));
  const others = g.count - names.length;
  if (others > 0) names.push(`${others} other${others === 1 ? "" : "s"}`);
  const who = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names[0] || "Nobody";
  return `${who} reacted with :${g.emoji_name}:`;
}

// An outline smiley as text (U+263A with the text presentation selector): the posts hold no SVG.
function smiley() {
  return h("span", { class: "reaction-add-icon", "aria-hidden": "true" }, "\u263a\ufe0e");
}

// ---------- changes: mine (clicks, the picker) and everyone's (live events) ----------
async function toggle(postId, name) {
  const model = models.get(postId);
  const g = model && model.groups.find((x) => x.emoji_name === name);
  if (g && g.mine) await removeMine(postId, name);
  else await addMine(postId, name);
}

async function addMine(postId, name) {
  try {
    await api("POST", "/api/v4/reactions", { user_id: state.me.id, post_id: postId, emoji_name: name });
    apply(postId, true, state.me.id, name);
  } catch (err) { report(postId, err); }
}

async function removeMine(postId, name) {
  try {
    await api("DELETE", `/api/v4/users/me/posts/${postId}/reactions/${encodeURIComponent(name)}`);
    apply(postId, false, state.me.id, name);
  } catch (err) { report(postId, err); }
}

function report(postId, err) {
  for (const bar of bars(postId)) {
    bar.querySelector(".reaction-error")?.remove();
    bar.append(h("span", { class: "reaction-error", role: "alert" }, err.message));
  }
}

export async function onReactionEvent(message) {
  const reaction = JSON.parse(message.data.reaction);
  if (!models.has(reaction.post_id)) return;
  const added = message.event === "reaction_added";
  if (added) await Promise.all([nameOf(reaction.user_id), glyphOf(reaction.emoji_name)]);
  apply(reaction.post_id, added, reaction.user_id, reaction.emoji_name);
}

// One user's reaction came or went. Each change arrives twice for my own (the API's answer and
// the live event), so a change already counted is ignored.
function apply(postId, added, userId, name) {
  const model = models.get(postId);
  if (!model) return;
  const mine = state.me && userId === state.me.id;
  let g = model.groups.find((x) => x.emoji_name === name);
  const index = g ? g.users.findIndex((u) => u.id === userId) : -1;
  if (added) {
    if (index >= 0) return;
    if (!g) model.groups.push(g = { emoji_name: name, glyph: glyphs.get(name) || "", count: 0, mine: false, users: [] });
    g.count += 1;
    if (mine) { g.mine = true; g.users.unshift({ id: userId, username: state.me.username }); }
    else if (g.users.length < NAMES_SHOWN) g.users.push({ id: userId, username: usernames.get(userId) || "someone" });
  } else {
    if (!g || (index < 0 && (mine || g.count <= g.users.length))) return; // mine are always named
    if (index >= 0) g.users.splice(index, 1);
    if (mine) g.mine = false;
    g.count -= 1;
    if (g.count <= 0) model.groups.splice(model.groups.indexOf(g), 1);
  }
  redraw(model);
}

function bars(postId) {
  return document.querySelectorAll(`.reactions[data-reactions-for="${CSS.escape(postId)}"]`);
}

function redraw(model) {
  for (const bar of bars(model.id)) {
    const focused = bar.contains(document.activeElement) ? document.activeElement : null;
    const fresh = renderBar(model);
    bar.replaceWith(fresh);
    if (focused) {
      const same = focused.dataset.emoji ? fresh.querySelector(`[data-emoji="${CSS.escape(focused.dataset.emoji)}"]`) : null;
      (same || fresh.querySelector(".reaction-add")).focus();
    }
  }
}

async function nameOf(userId) {
  if (usernames.has(userId)) return;
  try {
    const [user] = await api("POST", "/api/v4/users/ids", [userId]);
    if (user) usernames.set(user.id, user.username);
  } catch { /* the tooltip says "someone" */ }
}

function loadCatalogue() {
  if (!catalogue) {
    catalogue = api("GET", "/web/api/emoji").then((list) => {
      for (const [char, , names] of list) for (const n of names.split(" ")) if (!glyphs.has(n)) glyphs.set(n, char);
      for (const [char, name] of list) glyphs.set(name, char);
      return list;
    }).catch((err) => { catalogue = null; throw err; });
  }
  return catalogue;
}

async function glyphOf(name) {
  if (!glyphs.has(name)) { try { await loadCatalogue(); } catch { /* shown as :name: */ } }
}

// ---------- the picker ----------
let picker = null; // { el, anchor, close }

export function pickReaction(post, anchor) {
  const reopen = picker && picker.anchor === anchor;
  closePicker(false);
  if (reopen) { anchor.focus(); return; } // the "+" toggles the picker
  const postId = post.id;
  const search = h("input", { type: "search", class: "emoji-search", placeholder: "Search emoji", "aria-label": "Search emoji", autocomplete: "off" });
  const results = h("div", { class: "emoji-grid", role: "group", "aria-label": "All emoji" }, h("p", { class: "emoji-note" }, "Loading…"));
  const preview = h("div", { class: "emoji-preview", "aria-live": "polite" }, "\u00a0");
  const frequent = h("div", { class: "emoji-grid frequent", role: "group", "aria-label": "Frequently used" },
    ...FREQUENT.map(([char, name]) => emojiButton(char, name)));
  const el = h("div", { class: "emoji-picker", role: "dialog", "aria-label": "Choose a reaction" },
    search,
    h("div", { class: "emoji-scroll" },
      h("h3", {}, "Frequently used"), frequent,
      h("h3", { class: "emoji-results-title" }, "All emoji"), results),
    preview);

  function emojiButton(char, name) {
    return h("button", {
      type: "button", class: "emoji", title: `:${name}:`, "aria-label": `:${name}:`, dataset: { name },
      onclick: () => choose(name),
      onfocus: () => { preview.textContent = `${char} :${name}:`; },
      onmouseenter: () => { preview.textContent = `${char} :${name}:`; },
    }, char);
  }

  function choose(name) {
    closePicker(true);
    addMine(postId, name).then(() => {
      const bar = bars(postId)[0];
      (bar?.querySelector(`[data-emoji="${CSS.escape(name)}"]`) || bar?.querySelector(".reaction-add"))?.focus();
    });
  }

  function show(list) {
    const query = search.value.trim().toLowerCase().replace(/^:|:$/g, "");
    const found = query ? list.filter((e) => e[2].includes(query)) : list;
    el.querySelector(".emoji-results-title").textContent = query ? `Results for “${query}”` : "All emoji";
    frequent.hidden = el.querySelector("h3").hidden = Boolean(query);
    const shown = query ? found.slice(0, RESULTS_SHOWN) : found;
    results.replaceChildren(...(shown.length ? shown.map(([char, name]) => emojiButton(char, name)) : [h("p", { class: "emoji-note" }, "No emoji match.")]));
  }

  search.addEventListener("input", () => loadCatalogue().then(show));
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); const first = el.querySelector(".emoji-grid:not([hidden]) .emoji"); if (first) choose(first.dataset.name); }
    if (e.key === "ArrowDown") { e.preventDefault(); el.querySelector(".emoji-grid:not([hidden]) .emoji")?.focus(); }
  });
  el.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); closePicker(true); return; }
    if (e.target.classList.contains("emoji") && e.key.startsWith("Arrow")) { e.preventDefault(); move(el, e.target, e.key); }
  });
  el.addEventListener("focusout", (e) => { if (picker && picker.el === el && e.relatedTarget && !el.contains(e.relatedTarget) && e.relatedTarget !== anchor) closePicker(false); });

  document.body.append(el);
  place(el, anchor);
  const outside = (e) => { if (!el.contains(e.target) && !anchor.contains(e.target)) closePicker(false); };
  setTimeout(() => document.addEventListener("mousedown", outside), 0);
  anchor.setAttribute("aria-expanded", "true");
  picker = { el, anchor, postId, close: () => { document.removeEventListener("mousedown", outside); anchor.setAttribute("aria-expanded", "false"); } };
  search.focus();
  loadCatalogue().then(show).catch((err) => results.replaceChildren(h("p", { class: "error" }, err.message)));
}

function closePicker(refocus) {
  if (!picker) return;
  const { el, anchor, postId, close } = picker;
  picker = null;
  close();
  el.remove();
  if (refocus) (anchor.isConnected ? anchor : bars(postId)[0]?.querySelector(".reaction-add"))?.focus();
}

// Arrow keys move through the visible emoji as through a grid.
function move(el, from, key) {
  const all = [...el.querySelectorAll(".emoji-grid:not([hidden]) .emoji")];
  const i = all.indexOf(from);
  const columns = Math.max(1, Math.round(from.parentElement.clientWidth / from.offsetWidth));
  const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns }[key];
  const next = all[i + step];
  if (next) next.focus();
  else if (step < 0) el.querySelector(".emoji-search").focus();
}

function place(el, anchor) {
  if (window.innerWidth <= 600) return; // a sheet at the bottom of the screen (reactions.css)
  const r = anchor.getBoundingClientRect();
  const width = el.offsetWidth, height = el.offsetHeight;
  const left = Math.min(Math.max(8, r.left), window.innerWidth - width - 8);
  const below = r.bottom + 6 + height <= window.innerHeight;
  const top = below ? r.bottom + 6 : Math.max(8, r.top - height - 6);
  el.style.left = `${left}px`;
  el.style.top = `${top}px`;
}

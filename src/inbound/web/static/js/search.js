// Search: the header's search box and the results pane (in the thread pane's column).
// Results come from /web/api/teams/{team}/search; each post's HTML is the server's sanitised
// rendering, and the terms are highlighted on its text nodes only (never as HTML).
import { api, applyColors, h, router, state } from "./core.js";
import { avatar } from "./posts.js";

const PER_PAGE = 20;

export function searchBox() {
  const input = h("input", { type: "search", class: "search-box", placeholder: "Search", "aria-label": "Search messages", enterkeyhint: "search", maxlength: "1000" });
  if (state.search) input.value = state.search.terms;
  input.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const terms = input.value.trim();
    if (terms) runSearch(terms);
  });
  return input;
}

async function runSearch(terms) {
  const list = h("div", { class: "search-list", role: "list" }, h("p", { class: "loading" }, "Searching…"));
  showPanel(terms, list);
  const body = { terms, is_or_search: false, page: 0, per_page: PER_PAGE, include_deleted_channels: true, time_zone_offset: -new Date().getTimezoneOffset() * 60 };
  try {
    const data = await api("POST", `/web/api/teams/${encodeURIComponent(state.team.name)}/search`, body);
    state.search = { terms, data };
    fillList(list, data);
  } catch (err) {
    list.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
  }
}

function showPanel(terms, list) {
  const panel = h("aside", { class: "search-results", "aria-label": "Search results" },
    h("header", {},
      h("div", {}, h("strong", {}, "Search results"), h("div", { class: "search-terms" }, terms)),
      h("button", { type: "button", "aria-label": "Close search results", onclick: closeSearch }, "✕")),
    list);
  const root = document.querySelector(".layout");
  root.querySelector(".thread, .search-results")?.remove();
  root.classList.add("with-thread");
  root.append(panel);
}

export function closeSearch() {
  state.search = null;
  const root = document.querySelector(".layout");
  root.querySelector(".search-results")?.remove();
  if (!root.querySelector(".thread")) root.classList.remove("with-thread");
}

function fillList(list, data) {
  if (!data.posts.length) {
    list.replaceChildren(h("div", { class: "no-results" }, h("strong", {}, "No results"), h("p", {}, "Check the spelling, or try fewer words, a prefix (alert*) or from:, in:, before:, after:, on:.")));
    return;
  }
  list.replaceChildren(...data.posts.map((p) => resultElement(p, data.terms)));
  if (data.has_more) list.append(h("p", { class: "search-more" }, `Showing the newest ${data.posts.length}. Add words to narrow the search.`));
}

function resultElement(post, terms) {
  const body = h("div", { class: "post-body" });
  body.innerHTML = post.html; // sanitised server-side (markdown-it + nh3); see render/markdown.py
  applyColors(body);
  highlight(body, terms);
  const channel = post.channel_display_name ? (post.channel_display_name.startsWith("@") ? post.channel_display_name : "# " + post.channel_display_name) : "";
  const when = new Date(post.create_at);
  const item = h("article", { class: "search-result", role: "listitem", tabindex: "0", dataset: { postId: post.id }, "aria-label": `Message from ${post.display_name} in ${channel}` },
    h("div", { class: "search-channel" }, channel),
    h("div", { class: "search-post" }, avatar(post),
      h("div", {},
        h("div", { class: "post-head" },
          h("span", { class: "name" }, post.display_name),
          post.is_bot ? h("span", { class: "bot-tag" }, "BOT") : null,
          h("time", { datetime: when.toISOString(), title: when.toLocaleString() }, when.toLocaleDateString([], { month: "short", day: "numeric", year: "numeric" }) + " " + when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }))),
        body)));
  const jump = (e) => { if (!e.target.closest("a")) jumpTo(post.id); };
  item.addEventListener("click", jump);
  item.addEventListener("keydown", (e) => { if (e.key === "Enter") jump(e); });
  return item;
}

async function jumpTo(postId) {
  const kept = state.search;
  history.pushState({}, "", `/${state.team.name}/pl/${postId}`);
  await router();
  if (kept && window.matchMedia("(min-width: 701px)").matches) {
    const list = h("div", { class: "search-list", role: "list" });
    showPanel(kept.terms, list);
    state.search = kept;
    fillList(list, kept.data);
    list.querySelector(`[data-post-id="${postId}"]`)?.classList.add("current");
  }
}

// ---------- highlighting ----------
function termPattern(term) {
  const prefix = term.endsWith("*");
  const tokens = (prefix ? term.slice(0, -1) : term).split(" ").filter(Boolean).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (!tokens.length) return null;
  return "(?<![\\p{L}\\p{N}])" + tokens.join("[^\\p{L}\\p{N}]+") + (prefix ? "[\\p{L}\\p{N}]*" : "(?![\\p{L}\\p{N}])");
}

export function highlight(root, terms) {
  const patterns = (terms || []).map(termPattern).filter(Boolean);
  if (!patterns.length) return;
  const re = new RegExp(patterns.join("|"), "giu");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const text = node.nodeValue;
    re.lastIndex = 0;
    if (!re.test(text)) continue;
    re.lastIndex = 0;
    const parts = [];
    let at = 0;
    for (const m of text.matchAll(re)) {
      if (!m[0]) continue;
      if (m.index > at) parts.push(document.createTextNode(text.slice(at, m.index)));
      parts.push(h("mark", { class: "search-hit" }, m[0]));
      at = m.index + m[0].length;
    }
    if (at < text.length) parts.push(document.createTextNode(text.slice(at)));
    node.replaceWith(...parts);
  }
}

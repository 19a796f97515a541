import { $app, api, h, isAdmin, link, navigate, state } from "./core.js";
import { browseChannels, channelInfo, createChannel, editChannel } from "./channels.js";
import { menuButton, menuItem, menuLabel, menuLink, menuSeparator } from "./popups.js";
import { searchBox } from "./search.js";

// ---------- shell ----------
export async function loadSidebar(teamName) {
  const data = await api("GET", `/web/api/teams/${encodeURIComponent(teamName)}/sidebar`);
  Object.assign(state, { me: data.me, team: data.team, teams: data.teams, channels: data.channels, config: data.config });
}

export function channelHref(c) {
  return c.type === "D" ? `/${state.team.name}/messages/@${c.dm_username}` : `/${state.team.name}/channels/${c.name}`;
}

export function channelIcon(c) {
  return c.type === "O" ? "#" : c.type === "P" ? "🔒" : "@";
}

export function initials(text) {
  const words = String(text || "?").trim().split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : (words[0] || "?").slice(0, 2);
  return letters.toUpperCase();
}

// An inline SVG icon (no icon font: the CSP allows only this origin's files).
const ICONS = {
  people: ["M9 11.2a3.2 3.2 0 1 0 0-6.4 3.2 3.2 0 0 0 0 6.4z", "M3 19.5c0-3.4 2.7-5.6 6-5.6s6 2.2 6 5.6", "M15.5 11a2.7 2.7 0 1 0-1-5.2", "M17 14.2c2.3.4 4 2.3 4 5.3"],
  plus: ["M12 5v14", "M5 12h14"],
  chevron: ["M7 10l5 5 5-5"],
};
export function icon(name, size = 16) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: size, height: size, fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "aria-hidden": "true", focusable: "false", class: `icon icon-${name}` })) svg.setAttribute(k, v);
  for (const d of ICONS[name]) { const path = document.createElementNS(ns, "path"); path.setAttribute("d", d); svg.append(path); }
  return svg;
}

function sidebarItem(c) {
  const active = state.channel && state.channel.id === c.id;
  const label = `${channelIcon(c)} ${c.display_name}`;
  const badges = [];
  if (c.mentions > 0) badges.push(h("span", { class: "badge mention", "aria-label": `${c.mentions} mentions` }, c.mentions));
  const a = link(channelHref(c), h("span", { class: "channel-label" }, label), ...badges);
  a.className = [active ? "active" : "", !active && c.unread > 0 ? "unread" : ""].join(" ").trim();
  a.dataset.channelId = c.id;
  if (active) a.setAttribute("aria-current", "page");
  return h("li", {}, a);
}

function teamMenu() {
  const team = state.team;
  const items = () => [
    state.teams.length > 1 ? menuLabel("Switch team") : null,
    ...(state.teams.length > 1 ? state.teams.map((t) => menuItem(t.display_name, () => navigate(`/${t.name}/channels/town-square`), { role: "menuitemradio", "aria-checked": String(t.id === team.id) })) : []),
    state.teams.length > 1 ? menuSeparator() : null,
    menuItem("Browse channels", browseChannels),
    menuItem("Create new channel", createChannel),
    menuSeparator(),
    menuLink("Integrations", `/${team.name}/integrations/incoming_webhooks`),
    isAdmin() ? menuLink("System Console", "/admin_console/integrations/integration_management") : null,
  ];
  return menuButton("team", `${team.display_name} team menu`, items, { class: "team-button" },
    h("span", { class: "team-icon", "aria-hidden": "true" }, initials(team.display_name)),
    h("span", { class: "team-name" }, team.display_name), icon("chevron", 14));
}

function userMenu() {
  const me = state.me;
  const fullName = [me.first_name, me.last_name].filter(Boolean).join(" ");
  const items = () => [
    h("div", { class: "menu-user", role: "presentation" },
      h("span", { class: "me-avatar large", "aria-hidden": "true" }, initials(fullName || me.username)),
      h("span", {}, fullName ? h("strong", {}, fullName) : null, h("span", { class: "muted" }, `@${me.username}`))),
    menuSeparator(),
    menuItem("Log out", logout),
  ];
  return menuButton("user", `${me.username} account menu`, items, { class: "user-button" },
    h("span", { class: "me-avatar", "aria-hidden": "true" }, initials(fullName || me.username)),
    h("span", { class: "user-name" }, me.username));
}

// The sidebar is re-rendered whole (new posts, viewed channels): whatever in it had focus keeps it.
function keepFocus(nav) {
  const old = document.querySelector(".sidebar");
  const focused = old && old.contains(document.activeElement) ? document.activeElement : null;
  if (!focused) return;
  const same = focused.dataset.menu ? `[data-menu="${focused.dataset.menu}"]` : focused.dataset.channelId ? `a[data-channel-id="${focused.dataset.channelId}"]` : null;
  if (same) queueMicrotask(() => { if (nav.isConnected && !nav.contains(document.activeElement)) nav.querySelector(same)?.focus({ preventScroll: true }); });
}

export function renderSidebar() {
  const mine = (keep) => h("ul", {}, ...state.channels.filter(keep).map(sidebarItem));
  const plus = menuButton("channels-plus", "Add channels", () => [menuItem("Browse channels", browseChannels), menuItem("Create new channel", createChannel)], { class: "icon-button", title: "Browse or create channels" }, icon("plus"));
  const nav = h("nav", { class: "sidebar", id: "sidebar", "aria-label": "Channels" },
    h("div", { class: "sidebar-top" }, teamMenu(), userMenu()),
    h("div", { class: "sidebar-section" }, h("div", { class: "section-head" }, h("h2", {}, "Channels"), plus), mine((c) => c.type === "O" || c.type === "P")),
    h("div", { class: "sidebar-section" }, h("div", { class: "section-head" }, h("h2", {}, "Direct messages")), mine((c) => c.type === "D")));
  keepFocus(nav);
  return nav;
}

async function logout() {
  await api("POST", "/api/v4/users/logout");
  location.href = "/login";
}

export function layout(center, thread) {
  const root = h("div", { class: "layout" + (thread ? " with-thread" : "") }, renderSidebar(), center, thread || null);
  root.addEventListener("click", (e) => {
    if (root.classList.contains("show-sidebar") && !e.target.closest(".sidebar, .toggle-sidebar")) showSidebar(false);
  });
  $app.replaceChildren(root);
  return root;
}

function showSidebar(on) {
  const root = document.querySelector(".layout");
  if (!root) return;
  root.classList.toggle("show-sidebar", on);
  document.querySelector(".toggle-sidebar")?.setAttribute("aria-expanded", String(on));
  if (on) document.querySelector(".sidebar .team-button")?.focus();
}

function sidebarToggle() {
  return h("button", { class: "toggle-sidebar icon-button", type: "button", "aria-label": "Show channels", "aria-controls": "sidebar", "aria-expanded": "false",
    onclick: () => showSidebar(!document.querySelector(".layout").classList.contains("show-sidebar")) }, "☰");
}

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && document.querySelector(".layout.show-sidebar") && !document.querySelector(".modal-backdrop, .popup-menu")) {
    showSidebar(false);
    document.querySelector(".toggle-sidebar")?.focus();
  }
});

// The header of a page that is not a channel (Integrations, the System Console).
export function header(title, ...extra) {
  return h("header", { class: "channel-header" }, sidebarToggle(), h("h1", {}, title), ...extra);
}

// ---------- the channel header ----------
function canEdit(channel) {
  return isAdmin() || state.channels.some((c) => c.id === channel.id);
}

function channelMenuItems(channel) {
  const direct = channel.type === "D" || channel.type === "G";
  const edit = canEdit(channel);
  return () => [
    menuItem("View info", () => channelInfo(channel)),
    edit ? menuSeparator() : null,
    edit ? menuItem("Edit channel header", () => editChannel(channel, "header")) : null,
    edit && !direct ? menuItem("Edit channel purpose", () => editChannel(channel, "purpose")) : null,
    edit && !direct ? menuItem("Rename channel", () => editChannel(channel, "display_name")) : null,
  ];
}

// The channel's header: name (its menu edits header, purpose and name), member count, the header
// text on one line (all of it in the tooltip and in "View info"), and the search box.
export function channelHeader(channel) {
  const text = channel.header || channel.purpose || "";
  const count = h("span", { class: "member-count-n" }, "");
  const members = h("button", { type: "button", class: "member-count", title: "Members", "aria-label": "Members", onclick: () => channelInfo(channel) }, icon("people"), count);
  // member_count alone: /stats also counts pinned posts, a scan of the channel's posts
  api("POST", "/api/v4/channels/stats/member_count", [channel.id]).then((counts) => {
    const n = counts[channel.id] || 0;
    const label = `${n} member${n === 1 ? "" : "s"}`;
    count.textContent = n;
    members.title = label;
    members.setAttribute("aria-label", label);
  }).catch(() => members.remove());
  const about = text
    ? h("button", { type: "button", class: "header-text", title: text, onclick: () => channelInfo(channel) }, text)
    : canEdit(channel) ? h("button", { type: "button", class: "header-text add", onclick: () => editChannel(channel, "header") }, "Add a channel header") : null;
  const search = searchBox();
  return h("header", { class: "channel-header", dataset: { channelId: channel.id } },
    sidebarToggle(),
    h("h1", {}, menuButton("channel", `${channel.display_name} channel menu`, channelMenuItems(channel), { class: "channel-name" },
      h("span", { class: "channel-icon", "aria-hidden": "true" }, channelIcon(channel)), " ", h("span", { class: "channel-title" }, channel.display_name), icon("chevron", 14))),
    members,
    about,
    search ? h("div", { class: "header-search" }, search) : null);
}

// A channel changed (its patch answered, or `channel_updated` arrived): the sidebar, the state and
// the open header follow. A direct message keeps its display name (the other user's name).
export function onChannelUpdated(changed) {
  const fields = { name: changed.name, header: changed.header, purpose: changed.purpose, update_at: changed.update_at };
  if (changed.type !== "D" && changed.type !== "G") fields.display_name = changed.display_name;
  const mine = state.channels.find((c) => c.id === changed.id);
  if (mine) Object.assign(mine, fields);
  if (state.channel && state.channel.id === changed.id) {
    Object.assign(state.channel, fields);
    const old = document.querySelector(`.channel-header[data-channel-id="${changed.id}"]`);
    if (old) {
      const fresh = channelHeader(state.channel);
      const oldSearch = old.querySelector(".header-search");
      if (oldSearch) fresh.querySelector(".header-search")?.replaceWith(oldSearch);
      const focused = old.contains(document.activeElement) && !oldSearch?.contains(document.activeElement) ? document.activeElement : null;
      old.replaceWith(fresh);
      if (focused) (fresh.querySelector(focused.dataset.menu ? `[data-menu="${focused.dataset.menu}"]` : `.${focused.classList[0]}`) || fresh.querySelector(".channel-name")).focus();
    }
    const href = channelHref(state.channel);
    if ((changed.type === "O" || changed.type === "P") && location.pathname.includes("/channels/") && location.pathname !== href) history.replaceState({}, "", href);
  }
  document.querySelector(".sidebar")?.replaceWith(renderSidebar());
}

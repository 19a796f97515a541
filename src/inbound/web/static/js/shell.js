import { $app, api, h, isAdmin, link, navigate, state } from "./core.js";
import { searchBox } from "./search.js";

// ---------- shell ----------
export async function loadSidebar(teamName) {
  const data = await api("GET", `/web/api/teams/${encodeURIComponent(teamName)}/sidebar`);
  Object.assign(state, { me: data.me, team: data.team, teams: data.teams, channels: data.channels, config: data.config });
}

export function channelHref(c) {
  return c.type === "D" ? `/${state.team.name}/messages/@${c.dm_username}` : `/${state.team.name}/channels/${c.name}`;
}

function sidebarItem(c) {
  const active = state.channel && state.channel.id === c.id;
  const label = (c.type === "P" ? "🔒 " : c.type === "D" ? "@ " : "# ") + c.display_name;
  const badges = [];
  if (c.mentions > 0) badges.push(h("span", { class: "badge mention", "aria-label": `${c.mentions} mentions` }, c.mentions));
  const a = link(channelHref(c), h("span", {}, label), ...badges);
  a.className = [active ? "active" : "", !active && c.unread > 0 ? "unread" : ""].join(" ").trim();
  a.dataset.channelId = c.id;
  if (active) a.setAttribute("aria-current", "page");
  return h("li", {}, a);
}

export function renderSidebar() {
  const groups = [["Channels", (c) => c.type === "O" || c.type === "P"], ["Direct messages", (c) => c.type === "D"]];
  const teamSelect = h("select", { "aria-label": "Switch team", onchange: (e) => navigate(`/${e.target.value}/channels/town-square`) },
    ...state.teams.map((t) => h("option", { value: t.name, selected: t.id === state.team.id }, t.display_name)));
  const nav = h("nav", { class: "sidebar", "aria-label": "Channels" },
    h("header", {}, h("strong", {}, state.team.display_name), h("div", {}, state.me.username), teamSelect),
    h("div", { class: "menu", role: "menu", "aria-label": "Main menu" },
      link(`/${state.team.name}/integrations/incoming_webhooks`, "Integrations"),
      isAdmin() ? link("/admin_console/integrations/integration_management", "System Console") : null,
      h("button", { type: "button", onclick: logout }, "Log out")),
    ...groups.map(([title, keep]) => [h("h2", {}, title), h("ul", {}, ...state.channels.filter(keep).map(sidebarItem))]));
  return nav;
}

async function logout() {
  await api("POST", "/api/v4/users/logout");
  location.href = "/login";
}

export function layout(center, thread) {
  const root = h("div", { class: "layout" + (thread ? " with-thread" : "") }, renderSidebar(), center, thread || null);
  $app.replaceChildren(root);
  return root;
}

export function header(title, ...extra) {
  return h("header", { class: "channel-header" },
    h("button", { class: "toggle-sidebar", type: "button", "aria-label": "Show channels", onclick: () => document.querySelector(".layout").classList.toggle("show-sidebar") }, "☰"),
    h("h1", {}, title), ...extra, searchBox());
}

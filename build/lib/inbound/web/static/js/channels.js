// Channels: browse and join, create, edit the header/purpose/name, "View info", and the
// Ctrl+K / ⌘K channel switcher. All text from the server goes in through textContent (h()).
import { api, h, isAdmin, navigate, state } from "./core.js";
import { modal } from "./popups.js";
import { channelHref, channelIcon, icon, loadSidebar, onChannelUpdated } from "./shell.js";

const LIMITS = { header: 1024, purpose: 250, display_name: 64 };

export function canEdit(channel) {
  return isAdmin() || state.channels.some((c) => c.id === channel.id);
}

function errorLine() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

function showError(line, err) {
  line.textContent = err.message || String(err);
  line.hidden = false;
}

function memberCount(n) {
  return h("span", { class: "browse-count", title: `${n} member${n === 1 ? "" : "s"}` }, icon("people", 14), h("span", { "aria-hidden": "true" }, n), h("span", { class: "sr-only" }, ` member${n === 1 ? "" : "s"}`));
}

async function openChannel(channel) {
  await loadSidebar(state.team.name);
  navigate(channelHref(state.channels.find((c) => c.id === channel.id) || channel));
}

// ---------- browse ----------
export async function browseChannels() {
  const filter = h("input", { type: "search", class: "filter", placeholder: "Search channels", "aria-label": "Search channels", autocomplete: "off" });
  const list = h("ul", { class: "browse-list", "aria-label": "Channels you can join", "aria-busy": "true" }, h("li", { class: "loading" }, "Loading…"));
  const status = h("p", { class: "sr-only", role: "status" });
  const create = h("button", { type: "button", onclick: () => { dialog.close(); createChannel(); } }, "Create channel");
  const dialog = modal("Browse channels", h("div", {}, h("div", { class: "browse-tools" }, filter, create), status, list), { className: "browse" });
  let found = [], counts = {};
  try {
    const joined = new Set(state.channels.map((c) => c.id));
    found = (await api("GET", `/api/v4/teams/${state.team.id}/channels?per_page=200`)).filter((c) => !joined.has(c.id));
    counts = found.length ? await api("POST", "/api/v4/channels/stats/member_count", found.map((c) => c.id)) : {};
  } catch (err) {
    list.replaceChildren(h("li", { class: "error", role: "alert" }, err.message));
    return;
  }
  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = found.filter((c) => !q || c.display_name.toLowerCase().includes(q) || c.name.includes(q) || (c.purpose || "").toLowerCase().includes(q));
    list.removeAttribute("aria-busy");
    status.textContent = `${shown.length} channel${shown.length === 1 ? "" : "s"}`;
    if (!shown.length) {
      list.replaceChildren(h("li", { class: "empty" }, found.length ? "No channels match your search." : "There are no other public channels to join."));
      return;
    }
    list.replaceChildren(...shown.map((c) => browseRow(c, counts[c.id] || 0, dialog)));
  };
  filter.addEventListener("input", render);
  render();
}

function browseRow(channel, count, dialog) {
  const problem = errorLine();
  const join = h("button", { type: "button", class: "primary join", "aria-label": `Join ${channel.display_name}` }, "Join");
  join.addEventListener("click", async () => {
    join.disabled = true;
    try {
      await api("POST", `/api/v4/channels/${channel.id}/members`, { user_id: state.me.id });
      dialog.close();
      await openChannel(channel);
    } catch (err) {
      join.disabled = false;
      showError(problem, err);
    }
  });
  return h("li", { class: "browse-row", dataset: { channelId: channel.id } },
    h("div", { class: "browse-main" },
      h("div", { class: "browse-name" }, h("span", { "aria-hidden": "true" }, "# "), channel.display_name),
      channel.purpose ? h("div", { class: "browse-purpose", title: channel.purpose }, channel.purpose) : null,
      problem),
    memberCount(count),
    join);
}

// ---------- create ----------
// Mattermost's URL name from a display name: lower case, accents dropped, anything else → "-".
export function slugify(text) {
  const slug = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9_]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64).replace(/-+$/, "");
  return slug;
}

function randomName() {
  const bytes = crypto.getRandomValues(new Uint8Array(13));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function createChannel() {
  const displayName = h("input", { id: "new-channel-name", maxlength: "64", required: true, autocomplete: "off", placeholder: "e.g. Deployments" });
  const slug = h("input", { id: "new-channel-slug", maxlength: "64", class: "slug", autocomplete: "off", spellcheck: "false", "aria-describedby": "new-channel-url" });
  const purpose = h("textarea", { id: "new-channel-purpose", rows: 2, placeholder: "What is this channel about?" });
  const problem = errorLine();
  let slugEdited = false;
  displayName.addEventListener("input", () => { if (!slugEdited) slug.value = slugify(displayName.value); });
  slug.addEventListener("input", () => { slugEdited = slug.value !== ""; });
  const privacy = (value, title, text, checked) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "privacy", value, checked }),
    h("span", {}, h("strong", {}, title), h("span", { class: "muted" }, text)));
  const submit = h("button", { type: "submit", class: "primary" }, "Create channel");
  const form = h("form", { class: "form create-channel", novalidate: true },
    h("label", { for: "new-channel-name" }, "Name"), displayName,
    h("p", { class: "url-line", id: "new-channel-url" }, h("span", { class: "muted" }, `URL: /${state.team.name}/channels/`), slug),
    h("label", { for: "new-channel-purpose" }, "Purpose ", h("span", { class: "muted" }, "(optional)")), purpose,
    h("fieldset", { class: "privacy" }, h("legend", {}, "Who can join"),
      privacy("O", "Public channel", "Anyone in the team can find and join it.", true),
      privacy("P", "Private channel", "Only people who are added can see it.", false)),
    problem,
    h("div", { class: "form-actions" }, h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"), submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    problem.hidden = true;
    if (!displayName.value.trim()) { showError(problem, new Error("Please give the channel a name.")); displayName.focus(); return; }
    const body = {
      team_id: state.team.id,
      display_name: displayName.value.trim(),
      name: slug.value.trim() || slugify(displayName.value) || randomName(),
      purpose: purpose.value,
      type: form.querySelector("input[name=privacy]:checked").value,
    };
    submit.disabled = true;
    try {
      const channel = await api("POST", "/api/v4/channels", body);
      dialog.close();
      await openChannel(channel);
    } catch (err) {
      submit.disabled = false;
      showError(problem, err);
    }
  });
  const dialog = modal("Create a new channel", form, { className: "create" });
}

// ---------- edit and view info ----------
const EDIT_TITLES = { header: "Edit channel header", purpose: "Edit channel purpose", display_name: "Rename channel" };
const EDIT_HELP = {
  header: "Shown next to the channel name at the top of the channel.",
  purpose: "Describes what the channel is for; shown when people browse channels.",
  display_name: "The name people see in the sidebar and the header.",
};

export function editChannel(channel, field) {
  const limit = LIMITS[field];
  const id = `edit-${field}`;
  const box = field === "display_name"
    ? h("input", { id, autocomplete: "off", "aria-describedby": `${id}-help ${id}-count` })
    : h("textarea", { id, rows: field === "header" ? 4 : 3, "aria-describedby": `${id}-help ${id}-count` });
  box.value = channel[field] || "";
  const counter = h("span", { class: "counter", id: `${id}-count` });
  const recount = () => {
    const n = [...box.value].length;
    counter.textContent = `${n} / ${limit}`;
    counter.classList.toggle("over", n > limit);
  };
  box.addEventListener("input", recount);
  recount();
  const problem = errorLine();
  const save = h("button", { type: "submit", class: "primary" }, "Save");
  const form = h("form", { class: "form edit-channel" },
    h("label", { for: id }, field === "display_name" ? "Display name" : field === "header" ? "Header" : "Purpose"),
    h("p", { class: "muted help", id: `${id}-help` }, EDIT_HELP[field]),
    box, counter, problem,
    h("div", { class: "form-actions" }, h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"), save));
  box.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit(); });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      const updated = await api("PUT", `/api/v4/channels/${channel.id}/patch`, { [field]: box.value });
      dialog.close();
      onChannelUpdated(updated);
    } catch (err) {
      save.disabled = false;
      showError(problem, err);
    }
  });
  const dialog = modal(`${EDIT_TITLES[field]}${field === "display_name" ? "" : ` for ${channelIcon(channel)} ${channel.display_name}`}`, form, { className: "edit" });
  box.focus();
}

export function channelInfo(channel) {
  const direct = channel.type === "D" || channel.type === "G";
  const editable = canEdit(channel);
  const section = (title, field, empty) => h("section", { class: "info-section" },
    h("div", { class: "info-head" }, h("h3", {}, title),
      editable ? h("button", { type: "button", class: "link-button", "aria-label": `Edit ${title.toLowerCase()}`, onclick: () => { dialog.close(); editChannel(channel, field); } }, "Edit") : null),
    h("p", { class: channel[field] ? "info-text" : "info-text muted" }, channel[field] || empty));
  const members = h("ul", { class: "info-members", "aria-label": "Members" }, h("li", { class: "loading" }, "Loading…"));
  const count = h("h3", {}, "Members");
  const body = h("div", { class: "info" },
    direct ? null : section("Purpose", "purpose", "No purpose yet."),
    section("Header", "header", "No header yet."),
    h("section", { class: "info-section" }, count, members));
  const dialog = modal(`${channelIcon(channel)} ${channel.display_name}`, body, { className: "info-dialog" });
  api("GET", `/api/v4/users?in_channel=${channel.id}&per_page=200`).then((users) => {
    count.textContent = `Members (${users.length}${users.length === 200 ? "+" : ""})`;
    members.replaceChildren(...users.map((u) => h("li", {}, h("span", { class: "me-avatar", "aria-hidden": "true" }, u.username.slice(0, 2).toUpperCase()), `@${u.username}`)));
  }).catch(() => members.replaceChildren(h("li", { class: "muted" }, "Members could not be listed.")));
}

// ---------- the switcher ----------
// Substring matches on display name and name, best first (start of the name, start of a word,
// anywhere, then the letters in order); an empty query lists unread channels first.
export function rankChannels(channels, query) {
  const q = query.trim().toLowerCase();
  const unreadFirst = (a, b) => (b.mentions > 0) - (a.mentions > 0) || (b.unread > 0) - (a.unread > 0);
  const byName = (a, b) => a.display_name.localeCompare(b.display_name);
  if (!q) return [...channels].sort((a, b) => unreadFirst(a, b) || byName(a, b));
  const scored = [];
  for (const c of channels) {
    const score = matchScore(c, q);
    if (score !== null) scored.push([score, c]);
  }
  scored.sort((x, y) => x[0] - y[0] || unreadFirst(x[1], y[1]) || byName(x[1], y[1]));
  return scored.map(([, c]) => c);
}

function matchScore(channel, q) {
  const display = channel.display_name.toLowerCase();
  const name = (channel.type === "D" ? channel.dm_username || "" : channel.name).toLowerCase();
  if (display.startsWith(q) || name.startsWith(q)) return 0;
  if (display.split(/[\s\-_.]+/).some((w) => w.startsWith(q))) return 1;
  if (display.includes(q) || name.includes(q)) return 2;
  let at = 0;
  for (const ch of display) if (ch === q[at]) at += 1;
  return at === q.length ? 3 : null;
}

let switcher = null;

export function openSwitcher() {
  if (switcher) { switcher.close(); return; }
  const listId = "switcher-list";
  const input = h("input", { type: "text", class: "filter", role: "combobox", "aria-expanded": "true", "aria-controls": listId, "aria-autocomplete": "list", "aria-label": "Find a channel", placeholder: "Find a channel", autocomplete: "off", spellcheck: "false" });
  const list = h("ul", { id: listId, role: "listbox", "aria-label": "Channels" });
  let items = [], active = 0;
  const mark = () => {
    list.querySelectorAll("[role=option]").forEach((el, i) => el.setAttribute("aria-selected", String(i === active)));
    const current = document.getElementById(`${listId}-${active}`);
    if (current) { input.setAttribute("aria-activedescendant", current.id); current.scrollIntoView({ block: "nearest" }); } else input.removeAttribute("aria-activedescendant");
  };
  const go = (c) => { if (!c) return; switcher.close(); navigate(channelHref(c)); };
  const render = () => {
    items = rankChannels(state.channels, input.value).slice(0, 50);
    active = 0;
    list.replaceChildren(...items.map((c, i) => h("li", { id: `${listId}-${i}`, role: "option", class: c.unread > 0 ? "unread" : "", onclick: () => go(c), onpointermove: () => { if (active !== i) { active = i; mark(); } } },
      h("span", { class: "channel-icon", "aria-hidden": "true" }, channelIcon(c)), h("span", { class: "switch-name" }, c.display_name),
      c.type !== "D" ? h("span", { class: "muted switch-slug" }, `~${c.name}`) : null,
      c.mentions > 0 ? h("span", { class: "badge mention", "aria-label": `${c.mentions} mentions` }, c.mentions) : null)));
    if (!items.length) list.replaceChildren(h("li", { class: "empty", role: "presentation" }, "No channels match."));
    mark();
  };
  input.addEventListener("input", render);
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (items.length) { active = (active + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length; mark(); }
    } else if (e.key === "Enter") { e.preventDefault(); go(items[active]); }
  });
  const hint = h("p", { class: "muted hint", "aria-hidden": "true" }, "↑ ↓ to move · ↵ to open · Esc to close");
  switcher = modal("Switch channels", h("div", {}, input, list, hint), { className: "switcher", onClose: () => { switcher = null; } });
  render();
}

export function installChannelSwitcher() {
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "k" && state.team && document.querySelector(".layout")) {
      e.preventDefault();
      openSwitcher();
    }
  });
}

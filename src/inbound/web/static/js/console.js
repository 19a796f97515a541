import { $app, api, h, isAdmin, link, state } from "./core.js";
import { PAGES, SETTINGS } from "./console_settings.js";
import { layout } from "./shell.js";

// ---------- system console: its own navigation, one page per PAGES row ----------
const DEFAULT_PAGE = "integrations/integration_management";

export async function showConsole(section) {
  if (!isAdmin()) { layout(h("main", { class: "center page" }, h("p", { class: "error" }, "The System Console is for system admins."))); return; }
  const page = PAGES.find(([path]) => path === section) || PAGES.find(([path]) => path === DEFAULT_PAGE);
  const [path, group, title] = page;
  if (path !== section) history.replaceState({}, "", `/admin_console/${path}`);
  const body = h("div", { class: "console-body" }, h("p", { class: "loading" }, "Loading…"));
  consoleLayout(path, `${group} › ${title}`, body);
  const config = await api("GET", "/api/v4/config");
  if (path === "user_management/users") return consoleUsers(body, config);
  return settingsPage(body, config, SETTINGS.filter((s) => s.page === path));
}

function consoleLayout(current, title, body) {
  const groups = [...new Set(PAGES.map(([, group]) => group))];
  const nav = h("nav", { class: "console-nav", "aria-label": "System Console" },
    h("header", {}, link(`/${state.team.name}/channels/town-square`, `← Back to ${state.team.display_name}`), h("strong", {}, "System Console")),
    ...groups.map((group) => [h("h2", {}, group), h("ul", {}, ...PAGES.filter(([, g]) => g === group).map(([path, , label]) => {
      const a = link(`/admin_console/${path}`, label);
      if (path === current) { a.className = "active"; a.setAttribute("aria-current", "page"); }
      return h("li", {}, a);
    }))]));
  const root = h("div", { class: "console-layout" }, nav,
    h("main", { class: "console-main" },
      h("header", { class: "console-header" },
        h("button", { class: "toggle-console-nav", type: "button", "aria-label": "Show console menu", onclick: () => root.classList.toggle("show-nav") }, "☰"),
        h("h1", {}, title)),
      body));
  $app.replaceChildren(root);
}

// ---------- settings pages ----------
function inputId(key) { return key.replace(".", "-"); }

function valueOf(config, key) {
  const [section, name] = key.split(".");
  return config[section][name];
}

function shownDefault(setting) {
  if (setting.type === "bool") return setting.default ? "true" : "false";
  if (setting.type === "list") return setting.default.length ? setting.default.join(", ") : "empty";
  return setting.default === "" ? "empty" : String(setting.default);
}

function settingControl(setting, value) {
  const id = inputId(setting.key);
  if (setting.type === "bool") {
    return h("div", { class: "radios", role: "radiogroup", "aria-labelledby": `${id}-label` },
      ...[true, false].map((choice) => h("label", {},
        h("input", { type: "radio", name: setting.key, value: String(choice), checked: value === choice }), choice ? "True" : "False")));
  }
  const shown = setting.type === "list" ? (value || []).join(", ") : String(value);
  const attrs = { id, name: setting.key, value: shown, placeholder: setting.placeholder, "aria-describedby": `${id}-help ${id}-error` };
  if (setting.type === "number") return h("input", { ...attrs, type: "number", inputmode: "numeric", min: setting.min, max: setting.max, step: 1 });
  return h("input", { ...attrs, type: "text", spellcheck: "false" });
}

function settingRow(setting, value) {
  const id = inputId(setting.key);
  const label = setting.type === "bool"
    ? h("span", { class: "setting-label", id: `${id}-label` }, setting.label)
    : h("label", { class: "setting-label", for: id }, setting.label);
  return h("div", { class: "setting", dataset: { key: setting.key } }, label,
    h("div", { class: "setting-control" }, settingControl(setting, value),
      h("p", { class: "help", id: `${id}-help` }, setting.help),
      h("p", { class: "default" }, "Default: ", h("code", {}, shownDefault(setting)), h("span", { class: "key" }, ` · ${setting.key}`)),
      h("p", { class: "setting-error", id: `${id}-error`, role: "alert" })));
}

function readSetting(form, setting) {
  if (setting.type === "bool") return form.querySelector(`input[name="${setting.key}"]:checked`).value === "true";
  const raw = form.elements[setting.key].value.trim();
  if (setting.type === "list") return raw.split(",").map((item) => item.trim()).filter(Boolean);
  // Anything but a whole number goes to the server as typed, so its validation message shows.
  return setting.type === "number" && /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
}

function settingsPage(body, config, settings) {
  const status = h("span", { class: "save-status", role: "status" });
  const save = h("button", { class: "primary", type: "submit", disabled: true }, "Save");
  const form = h("form", { class: "console-form", novalidate: true },
    h("div", { class: "settings" }, ...settings.map((s) => settingRow(s, valueOf(config, s.key)))),
    h("div", { class: "console-save" }, save, status));
  form.addEventListener("input", () => { save.disabled = false; status.textContent = ""; status.className = "save-status"; });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const row of form.querySelectorAll(".setting")) { row.classList.remove("has-error"); row.querySelector(".setting-error").textContent = ""; }
    const patch = {};
    for (const s of settings) {
      const [section, name] = s.key.split(".");
      (patch[section] ||= {})[name] = readSetting(form, s);
    }
    save.disabled = true;
    try {
      await api("PUT", "/api/v4/config/patch", patch);
      status.className = "save-status saved"; status.textContent = "Saved.";
    } catch (err) {
      save.disabled = false;
      const culprit = settings.find((s) => err.message.includes(s.key));
      const row = culprit && form.querySelector(`.setting[data-key="${culprit.key}"]`);
      if (row) { row.classList.add("has-error"); row.querySelector(".setting-error").textContent = err.message; (row.querySelector("input:not([type=radio])") || row.querySelector("input")).focus(); }
      status.className = "save-status error"; status.textContent = row ? "Not saved: see the setting marked in red." : err.message;
    }
  });
  body.replaceChildren(form);
}

// ---------- users ----------
const USERS_PER_PAGE = 50;
const SEARCH_LIMIT = 100;

function userFilters(body) {
  const search = h("input", { type: "search", id: "user-search", placeholder: "Search by username, name or email", "aria-label": "Search users", autocomplete: "off" });
  const role = h("select", { id: "user-role", "aria-label": "Role" }, h("option", { value: "" }, "All roles"), h("option", { value: "system_admin" }, "System Admin"), h("option", { value: "system_user" }, "Member"));
  const status = h("select", { id: "user-status", "aria-label": "Status" }, h("option", { value: "" }, "Any status"), h("option", { value: "active" }, "Active"), h("option", { value: "inactive" }, "Deactivated"));
  body.append(h("div", { class: "user-filters" }, search, role, status));
  return { search, role, status };
}

async function fetchUsers(filters, pageNo) {
  const term = filters.search.value.trim();
  const roles = filters.role.value ? [filters.role.value] : [];
  const wanted = filters.status.value;
  if (term) {
    const found = await api("POST", "/api/v4/users/search", { term, allow_inactive: wanted !== "active", roles, limit: SEARCH_LIMIT });
    return { users: wanted === "inactive" ? found.filter((u) => u.delete_at !== 0) : found, paged: false };
  }
  const query = new URLSearchParams({ page: pageNo, per_page: USERS_PER_PAGE });
  if (roles.length) query.set("roles", roles.join(","));
  if (wanted) query.set(wanted, "true");
  return { users: await api("GET", `/api/v4/users?${query}`), paged: true };
}

function userRow(u, config, refresh) {
  const admin = u.roles.split(" ").includes("system_admin");
  const active = u.delete_at === 0;
  const locked = (u.failed_attempts || 0) >= config.ServiceSettings.MaximumLoginAttempts;
  const act = (label, onclick, cls = "") => h("button", { type: "button", class: cls, onclick: async () => { await onclick(); refresh(); } }, label);
  const name = [u.first_name, u.last_name].filter(Boolean).join(" ") || u.nickname;
  return h("tr", { dataset: { userId: u.id } },
    h("td", { "data-label": "User" }, h("strong", {}, u.username), name ? h("div", { class: "muted" }, name) : null),
    h("td", { "data-label": "Email" }, u.email),
    h("td", { "data-label": "Role" }, admin ? "System Admin" : "Member"),
    h("td", { "data-label": "Status" }, h("span", { class: `pill ${active ? (locked ? "locked" : "active") : "inactive"}` }, active ? (locked ? "Locked" : "Active") : "Deactivated")),
    h("td", { "data-label": "" }, h("div", { class: "actions" },
      act(admin ? "Remove system admin" : "Make system admin", () => api("PUT", `/api/v4/users/${u.id}/roles`, { roles: admin ? "system_user" : "system_user system_admin" })),
      act(active ? "Deactivate" : "Activate", () => api("PUT", `/api/v4/users/${u.id}/active`, { active: !active }), active ? "danger" : ""),
      locked ? act("Unlock", () => api("POST", `/api/v4/users/${u.id}/reset_failed_attempts`)) : null)));
}

async function consoleUsers(body, config) {
  body.replaceChildren();
  const filters = userFilters(body);
  const error = h("p", { class: "error", role: "alert" });
  const tbody = h("tbody");
  const summary = h("span", { class: "muted", role: "status" });
  const prev = h("button", { type: "button" }, "Previous");
  const next = h("button", { type: "button" }, "Next");
  let pageNo = 0;
  let seq = 0;
  async function refresh() {
    const mine = ++seq;
    try {
      const { users, paged } = await fetchUsers(filters, pageNo);
      if (mine !== seq) return; // a newer search answered first
      error.textContent = "";
      tbody.replaceChildren(...users.map((u) => userRow(u, config, refresh)));
      if (!users.length) tbody.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No users match.")));
      const first = pageNo * USERS_PER_PAGE;
      summary.textContent = paged ? (users.length ? `${first + 1}–${first + users.length}` : "") : `${users.length}${users.length === SEARCH_LIMIT ? "+" : ""} found`;
      prev.hidden = next.hidden = !paged;
      prev.disabled = pageNo === 0;
      next.disabled = users.length < USERS_PER_PAGE;
    } catch (err) { error.textContent = err.message; }
  }
  let timer = 0;
  filters.search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { pageNo = 0; refresh(); }, 250); });
  for (const select of [filters.role, filters.status]) select.addEventListener("change", () => { pageNo = 0; refresh(); });
  prev.addEventListener("click", () => { pageNo = Math.max(0, pageNo - 1); refresh(); });
  next.addEventListener("click", () => { pageNo += 1; refresh(); });
  body.append(error,
    h("div", { class: "table-wrap" }, h("table", { class: "users-table" }, h("thead", {}, h("tr", {}, ...["User", "Email", "Role", "Status", ""].map((t) => h("th", {}, t)))), tbody)),
    h("div", { class: "pager" }, summary, prev, next),
    createUserForm(refresh));
  await refresh();
}

function createUserForm(refresh) {
  const status = h("p", { role: "status" });
  const form = h("form", { class: "form create-user" }, h("h2", {}, "Create user"),
    h("label", { for: "new-username" }, "Username"), h("input", { id: "new-username", name: "username", required: true, autocomplete: "off" }),
    h("label", { for: "new-email" }, "Email"), h("input", { id: "new-email", name: "email", type: "email", required: true, autocomplete: "off" }),
    h("label", { for: "new-password" }, "Password"), h("input", { id: "new-password", name: "password", type: "password", required: true, minlength: 8, autocomplete: "new-password" }),
    status, h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, "Create user")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const user = await api("POST", "/api/v4/users", { username: form.username.value, email: form.email.value, password: form.password.value });
      await api("POST", `/api/v4/teams/${state.team.id}/members`, { team_id: state.team.id, user_id: user.id });
      form.reset();
      status.className = "notice"; status.textContent = `Created ${user.username} and added them to ${state.team.display_name}.`;
      refresh();
    } catch (err) { status.className = "error"; status.textContent = err.message; }
  });
  return form;
}

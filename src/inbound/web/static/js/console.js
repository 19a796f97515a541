import { api, h, isAdmin, link, state } from "./core.js";
import { header, layout } from "./shell.js";

// ---------- system console ----------
const SETTINGS = [
  ["EnableIncomingWebhooks", "Enable incoming webhooks", "bool"],
  ["EnablePostUsernameOverride", "Enable integrations to override usernames", "bool"],
  ["EnablePostIconOverride", "Enable integrations to override profile picture icons", "bool"],
  ["MaximumPayloadSizeBytes", "Maximum payload size (bytes)", "int"],
  ["PostMessageMaxRunes", "Maximum post length (characters)", "int"],
];

export async function showConsole(section) {
  if (!isAdmin()) { layout(h("main", { class: "center page" }, h("p", { class: "error" }, "The System Console is for system admins."))); return; }
  const tabs = h("div", { class: "actions" }, link("/admin_console/integrations/integration_management", "Integrations"), link("/admin_console/user_management/users", "Users"));
  const page = h("div", { class: "page" }, tabs);
  layout(h("main", { class: "center" }, header("System Console"), page));
  if (section.startsWith("user_management")) return consoleUsers(page);
  const config = await api("GET", "/api/v4/config");
  const status = h("p", { role: "status" });
  const form = h("form", { class: "form" }, h("h2", {}, "Integration Management"),
    ...SETTINGS.map(([key, label, kind]) => kind === "bool"
      ? h("label", { class: "check" }, h("input", { type: "checkbox", name: key, checked: config.ServiceSettings[key] }), label)
      : [h("label", { for: key }, label), h("input", { id: key, name: key, type: "number", value: config.ServiceSettings[key], min: 1 })]),
    status, h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, "Save")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const patch = Object.fromEntries(SETTINGS.map(([key, , kind]) => [key, kind === "bool" ? form[key].checked : Number(form[key].value)]));
    try { await api("PUT", "/api/v4/config/patch", { ServiceSettings: patch }); status.className = "notice"; status.textContent = "Saved."; }
    catch (err) { status.className = "error"; status.textContent = err.message; }
  });
  page.append(form);
}

async function consoleUsers(page) {
  const users = await api("GET", "/api/v4/users?per_page=200");
  const status = h("p", { role: "status" });
  const rows = users.map((u) => {
    const admin = u.roles.split(" ").includes("system_admin");
    const active = u.delete_at === 0;
    return h("tr", {}, h("td", {}, u.username), h("td", {}, u.email), h("td", {}, admin ? "System Admin" : "Member"), h("td", {}, active ? "Active" : "Deactivated"),
      h("td", {}, h("div", { class: "actions" },
        h("button", { type: "button", onclick: async () => { await api("PUT", `/api/v4/users/${u.id}/roles`, { roles: admin ? "system_user" : "system_user system_admin" }); consoleUsers(page); } }, admin ? "Remove system admin" : "Make system admin"),
        h("button", { type: "button", class: active ? "danger" : "", onclick: async () => { await api("PUT", `/api/v4/users/${u.id}/active`, { active: !active }); consoleUsers(page); } }, active ? "Deactivate" : "Activate"))));
  });
  const form = h("form", { class: "form" }, h("h2", {}, "Create user"),
    h("label", { for: "new-username" }, "Username"), h("input", { id: "new-username", name: "username", required: true }),
    h("label", { for: "new-email" }, "Email"), h("input", { id: "new-email", name: "email", type: "email", required: true }),
    h("label", { for: "new-password" }, "Password"), h("input", { id: "new-password", name: "password", type: "password", required: true, minlength: 8 }),
    status, h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, "Create user")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const user = await api("POST", "/api/v4/users", { username: form.username.value, email: form.email.value, password: form.password.value });
      await api("POST", `/api/v4/teams/${state.team.id}/members`, { team_id: state.team.id, user_id: user.id });
      consoleUsers(page);
    } catch (err) { status.className = "error"; status.textContent = err.message; }
  });
  const tabs = page.firstElementChild;
  page.replaceChildren(tabs, h("h2", {}, "Users"), h("table", {}, h("thead", {}, h("tr", {}, ...["Username", "Email", "Role", "Status", ""].map((t) => h("th", {}, t)))), h("tbody", {}, ...rows)), form);
}

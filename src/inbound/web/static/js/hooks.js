import { api, h, link, navigate, state } from "./core.js";
import { header, layout } from "./shell.js";

// ---------- integrations ----------
function hookUrl(hook) { return `${state.config.SiteURL || location.origin}/hooks/${hook.id}`; }

function curlFor(hook) {
  return `curl -i -X POST -H 'Content-Type: application/json' -d '{"text": "Hello from inbound :tada:"}' ${hookUrl(hook)}`;
}

function copyButton(text, label) {
  return h("button", { type: "button", onclick: async (e) => { await navigator.clipboard.writeText(text); e.target.textContent = "Copied"; } }, label);
}

export async function showHooks() {
  const notice = h("div", { role: "status" });
  const center = h("main", { class: "center" }, header("Incoming Webhooks", link(`/${state.team.name}/integrations/incoming_webhooks/add`, "Add incoming webhook")), h("div", { class: "page" }, notice, h("p", { class: "loading" }, "Loading…")));
  layout(center);
  const page = center.querySelector(".page");
  let hooks;
  try {
    hooks = await api("GET", `/api/v4/hooks/incoming?team_id=${state.team.id}&per_page=200`);
  } catch (err) {
    page.replaceChildren(h("p", { class: "error" }, err.message));
    return;
  }
  const names = Object.fromEntries(state.channels.map((c) => [c.id, c.display_name]));
  const rows = hooks.map((hook) => h("tr", { dataset: { hookId: hook.id } },
    h("td", {}, h("strong", {}, hook.display_name || "(no name)"), h("div", {}, hook.description), h("div", { class: "edited" }, `→ ${names[hook.channel_id] || hook.channel_id}${hook.channel_locked ? " (locked)" : ""} · ${hook.message_format}`)),
    h("td", {}, h("div", { class: "hook-url" }, hookUrl(hook)), h("pre", { class: "curl" }, curlFor(hook)),
      h("div", { class: "actions" },
        copyButton(hookUrl(hook), "Copy URL"), copyButton(curlFor(hook), "Copy curl"),
        h("button", { type: "button", onclick: async () => { const r = await fetch(`/hooks/${hook.id}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: `Test message from **${state.me.username}** :white_check_mark:` }) }); notice.replaceChildren(h("p", { class: r.ok ? "notice" : "error" }, r.ok ? "Test message sent." : `Test failed: ${await r.text()}`)); } }, "Send test message"),
        link(`/${state.team.name}/integrations/incoming_webhooks/edit?id=${hook.id}`, "Edit"),
        h("button", { type: "button", onclick: async () => { if (confirm("Give this hook a new URL? The old one keeps working for the grace period.")) { await api("POST", `/api/v4/hooks/incoming/${hook.id}/regenerate`); showHooks(); } } }, "Regenerate URL"),
        h("button", { type: "button", class: "danger", onclick: async () => { if (confirm(`Delete "${hook.display_name || hook.id}"? Its URL stops working at once.`)) { await api("DELETE", `/api/v4/hooks/incoming/${hook.id}`); showHooks(); } } }, "Delete")))));
  page.replaceChildren(notice, hooks.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Webhook"), h("th", {}, "URL"))), h("tbody", {}, ...rows)) : h("p", {}, "No incoming webhooks yet."));
}

export async function showHookForm(hookId) {
  const hook = hookId ? await api("GET", `/api/v4/hooks/incoming/${hookId}`) : { display_name: "", description: "", username: "", icon_url: "", channel_locked: true, message_format: "markdown", channel_id: "", rate_limit_per_sec: 0, rate_limit_burst: 0 };
  const postable = state.channels.filter((c) => c.type === "O" || c.type === "P");
  const error = h("p", { class: "error", role: "alert" });
  const field = (id, label, value, attrs = {}) => [h("label", { for: id }, label), h("input", { id, name: id, value: value || "", ...attrs })];
  const form = h("form", { class: "form page" },
    h("label", { for: "channel_id" }, "Channel"),
    h("select", { id: "channel_id", name: "channel_id", required: true }, ...postable.map((c) => h("option", { value: c.id, selected: c.id === hook.channel_id }, (c.type === "P" ? "🔒 " : "# ") + c.display_name))),
    ...field("display_name", "Title", hook.display_name, { maxlength: 64 }),
    ...field("description", "Description", hook.description, { maxlength: 500 }),
    ...field("username", "Username", hook.username, { maxlength: 64 }),
    ...field("icon_url", "Profile picture URL", hook.icon_url, { maxlength: 1024, type: "url" }),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "channel_locked", checked: hook.channel_locked }), "Lock to this channel"),
    h("label", { for: "message_format" }, "Message format"),
    h("select", { id: "message_format", name: "message_format" }, h("option", { value: "markdown", selected: hook.message_format === "markdown" }, "Markdown"), h("option", { value: "slack", selected: hook.message_format === "slack" }, "Slack mrkdwn (*bold*, ~strike~)")),
    ...field("rate_limit_per_sec", "Rate limit (requests a second; empty: the server's)", hook.rate_limit_per_sec, { type: "number", min: 0, max: 1000000, placeholder: "server default" }),
    ...field("rate_limit_burst", "Burst above the rate (empty: the server's)", hook.rate_limit_burst, { type: "number", min: 0, max: 1000000, placeholder: "server default" }),
    error,
    h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, hookId ? "Update" : "Add"), link(`/${state.team.name}/integrations/incoming_webhooks`, "Cancel")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { channel_id: form.channel_id.value, display_name: form.display_name.value, description: form.description.value, username: form.username.value, icon_url: form.icon_url.value, channel_locked: form.channel_locked.checked, message_format: form.message_format.value, rate_limit_per_sec: Number(form.rate_limit_per_sec.value || 0), rate_limit_burst: Number(form.rate_limit_burst.value || 0) };
    try {
      if (hookId) await api("PUT", `/api/v4/hooks/incoming/${hookId}`, { ...hook, ...body, id: hookId });
      else await api("POST", "/api/v4/hooks/incoming", body);
      navigate(`/${state.team.name}/integrations/incoming_webhooks`);
    } catch (err) { error.textContent = err.message; }
  });
  layout(h("main", { class: "center" }, header(hookId ? "Edit Incoming Webhook" : "Add Incoming Webhook"), form));
}

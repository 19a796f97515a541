import { api, h, link, navigate, state } from "./core.js";
import { consoleSection } from "./hook_console.js";
import { historySection, hookActivity } from "./hook_history.js";
import { networksField, readNetworks, secretSection, showNetworksError } from "./hook_security.js";
import { header, layout } from "./shell.js";

// ---------- integrations ----------
function hookUrl(hook) { return `${state.config.SiteURL || location.origin}/hooks/${hook.id}`; }

function curlFor(hook) {
  return `curl -i -X POST -H 'Content-Type: application/json' -d '{"text": "Hello from inbound :tada:"}' ${hookUrl(hook)}`;
}

function copyButton(text, label) {
  return h("button", { type: "button", onclick: async (e) => { await navigator.clipboard.writeText(text); e.target.textContent = "Copied"; } }, label);
}

function day(ms) {
  const d = new Date(ms);
  return h("time", { datetime: d.toISOString(), title: d.toLocaleString() }, d.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" }));
}

async function hookNames(hooks) {
  const channels = Object.fromEntries(state.channels.map((c) => [c.id, c.display_name]));
  const missing = [...new Set(hooks.map((hook) => hook.channel_id))].filter((id) => !(id in channels));
  await Promise.all(missing.map(async (id) => { try { channels[id] = (await api("GET", `/api/v4/channels/${id}`)).display_name; } catch { channels[id] = id; } }));
  const userIds = [...new Set(hooks.map((hook) => hook.user_id))];
  const users = userIds.length ? await api("POST", "/api/v4/users/ids", userIds).catch(() => []) : [];
  return { channels, users: Object.fromEntries(users.map((u) => [u.id, u.username])) };
}

function howTo() {
  return h("div", { class: "empty-state" },
    h("h2", {}, "No incoming webhooks yet"),
    h("p", {}, "An incoming webhook is a secret URL that posts to a channel: CI jobs, monitoring and scripts send it JSON and the channel's members read it as a message."),
    h("ol", {},
      h("li", {}, "Choose Add incoming webhook, pick a channel and give it a title."),
      h("li", {}, "Copy the URL it gets (keep it secret: whoever has it can post)."),
      h("li", {}, "Send it a message:")),
    h("pre", { class: "curl" }, `curl -i -X POST -H 'Content-Type: application/json' -d '{"text": "Hello :tada:"}' ${state.config.SiteURL || location.origin}/hooks/<key>`),
    h("p", {}, "Slack-style payloads (attachments, blocks) work unchanged."),
    link(`/${state.team.name}/integrations/incoming_webhooks/add`, "Add incoming webhook"));
}

function hookRow(hook, names, notice) {
  const channel = names.channels[hook.channel_id] || hook.channel_id;
  const button = (label, onclick, cls = "") => h("button", { type: "button", class: cls, onclick }, label);
  const edit = link(`/${state.team.name}/integrations/incoming_webhooks/edit?id=${hook.id}`, "Edit");
  edit.className = "button";
  return h("tr", { dataset: { hookId: hook.id, filter: [hook.display_name, hook.description, channel].join("\n").toLowerCase() } },
    h("td", { class: "hook-main", "data-label": "Webhook" },
      h("strong", { class: "hook-title" }, hook.display_name || "(no title)"),
      hook.description ? h("div", { class: "hook-description" }, hook.description) : null,
      h("div", { class: "muted" }, [hook.message_format === "slack" ? "slack" : "markdown", hook.channel_locked && "(locked)", hook.has_signing_secret && "signed", hook.allowed_cidrs && hook.allowed_cidrs.length && `from ${hook.allowed_cidrs.length === 1 ? hook.allowed_cidrs[0] : `${hook.allowed_cidrs.length} networks`}`].filter(Boolean).join(" · ")),
      h("div", { class: "hook-url-row" }, h("code", { class: "hook-url" }, hookUrl(hook)), copyButton(hookUrl(hook), "Copy URL")),
      h("details", { class: "curl-details" }, h("summary", {}, "curl example"), h("pre", { class: "curl" }, curlFor(hook)), copyButton(curlFor(hook), "Copy curl"))),
    h("td", { "data-label": "Channel" }, channel),
    h("td", { "data-label": "Created by" }, names.users[hook.user_id] || "someone", h("div", { class: "muted" }, day(hook.create_at))),
    h("td", { class: "hook-activity", "data-label": "Activity" }, hookActivity(hook)),
    h("td", { class: "hook-actions" }, h("div", { class: "actions" },
      button("Send test message", async () => { const r = await fetch(`/hooks/${hook.id}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: `Test message from **${state.me.username}** :white_check_mark:` }) }); notice.replaceChildren(h("p", { class: r.ok ? "notice" : "error" }, r.ok ? "Test message sent." : `Test failed: ${failure(await r.text())}`)); }),
      edit,
      button("Regenerate URL", async () => { if (confirm("Give this hook a new URL? The old one keeps working for the grace period.")) { await api("POST", `/api/v4/hooks/incoming/${hook.id}/regenerate`); showHooks(); } }),
      button("Delete", async () => { if (confirm(`Delete "${hook.display_name || hook.id}"? Its URL stops working at once.`)) { await api("DELETE", `/api/v4/hooks/incoming/${hook.id}`); showHooks(); } }, "danger"))));
}

function failure(text) {
  try { return JSON.parse(text).message || text; } catch { return text; }
}

function filterBox(tbody, count) {
  const input = h("input", { type: "search", class: "hook-filter", placeholder: "Filter by title, description or channel", "aria-label": "Filter incoming webhooks" });
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const tr of tbody.rows) { tr.hidden = !words.every((w) => tr.dataset.filter.includes(w)); if (!tr.hidden) shown += 1; }
    count.textContent = words.length ? `${shown} of ${tbody.rows.length}` : "";
  });
  return input;
}

export async function showHooks() {
  const notice = h("div", { role: "status" });
  const add = link(`/${state.team.name}/integrations/incoming_webhooks/add`, "Add incoming webhook");
  add.className = "button primary";
  const center = h("main", { class: "center" }, header("Incoming Webhooks", h("span", { class: "spacer" }), add), h("div", { class: "page hooks-page" }, notice, h("p", { class: "loading" }, "Loading…")));
  layout(center);
  const page = center.querySelector(".page");
  let hooks, names;
  try {
    hooks = await api("GET", `/api/v4/hooks/incoming?team_id=${state.team.id}&per_page=200&include_delivery_counts=true`);
    names = await hookNames(hooks);
  } catch (err) {
    page.replaceChildren(h("p", { class: "error" }, err.message));
    return;
  }
  if (!hooks.length) { page.replaceChildren(notice, howTo()); return; }
  const tbody = h("tbody", {}, ...hooks.map((hook) => hookRow(hook, names, notice)));
  const count = h("span", { class: "muted", role: "status" });
  page.replaceChildren(notice, h("div", { class: "hook-toolbar" }, filterBox(tbody, count), count),
    h("table", { class: "hooks-table" }, h("thead", {}, h("tr", {}, ...["Webhook", "Channel", "Created by", "Activity", ""].map((t) => h("th", {}, t)))), tbody));
}

export async function showHookForm(hookId) {
  const hook = hookId ? await api("GET", `/api/v4/hooks/incoming/${hookId}`) : { display_name: "", description: "", username: "", icon_url: "", channel_locked: true, message_format: "markdown", channel_id: "", rate_limit_per_sec: 0, rate_limit_burst: 0, allowed_cidrs: [] };
  const postable = state.channels.filter((c) => c.type === "O" || c.type === "P");
  const error = h("p", { class: "error", role: "alert" });
  const field = (id, label, value, attrs = {}) => [h("label", { for: id }, label), h("input", { id, name: id, value: value || "", ...attrs })];
  const form = h("form", { class: "form" },
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
    ...networksField(hook),
    error,
    h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, hookId ? "Update" : "Add"), link(`/${state.team.name}/integrations/incoming_webhooks`, "Cancel")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { channel_id: form.channel_id.value, display_name: form.display_name.value, description: form.description.value, username: form.username.value, icon_url: form.icon_url.value, channel_locked: form.channel_locked.checked, message_format: form.message_format.value, rate_limit_per_sec: Number(form.rate_limit_per_sec.value || 0), rate_limit_burst: Number(form.rate_limit_burst.value || 0), allowed_cidrs: readNetworks(form) };
    try {
      if (hookId) await api("PUT", `/api/v4/hooks/incoming/${hookId}`, { ...hook, ...body, id: hookId });
      else await api("POST", "/api/v4/hooks/incoming", body);
      navigate(`/${state.team.name}/integrations/incoming_webhooks`);
    } catch (err) { error.textContent = showNetworksError(form, err) ? "" : err.message; }
  });
  const page = h("div", { class: "page hook-page" }, form, hookId ? secretSection(hook) : null, hookId ? consoleSection(hook) : null);
  if (hookId) page.append(historySection(hook)); // only its managers reach this page (GET above)
  layout(h("main", { class: "center" }, header(hookId ? "Edit Incoming Webhook" : "Add Incoming Webhook"), page));
}

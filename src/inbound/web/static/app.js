// inbound web app: a small, dependency-free front end over API v4 and /web/api.
// Untrusted text is only ever set through textContent; the one HTML we insert (post.html) is
// rendered and sanitised by the server.

const $app = document.getElementById("app");
const state = { me: null, team: null, teams: [], channels: [], config: {}, channel: null, ws: null, oldest: null, hasMore: false, thread: null };

// ---------- helpers ----------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

async function api(method, path, body) {
  const options = { method, headers: { "X-Requested-With": "XMLHttpRequest" }, credentials: "same-origin" };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (response.status === 401 && !path.endsWith("/login")) {
    location.href = "/login?redirect_to=" + encodeURIComponent(location.pathname + location.search);
    throw new Error("signed out");
  }
  if (!response.ok) {
    const error = new Error((data && data.message) || response.statusText);
    error.status = response.status;
    error.id = data && data.id;
    throw error;
  }
  return data;
}

function navigate(path) {
  history.pushState({}, "", path);
  route();
}

function link(path, ...children) {
  return h("a", { href: path, onclick: (e) => { if (e.button === 0 && !e.metaKey && !e.ctrlKey) { e.preventDefault(); navigate(path); } } }, ...children);
}

function time(ms) {
  const d = new Date(ms);
  return h("time", { datetime: d.toISOString(), title: d.toLocaleString() }, d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
}

function applyColors(root) {
  for (const el of root.querySelectorAll(".attachment[data-color^='#']")) {
    const body = el.querySelector(".attachment-body");
    if (body && /^#[0-9a-fA-F]{3,6}$/.test(el.dataset.color)) body.style.borderLeftColor = el.dataset.color;
  }
}

// ---------- login ----------
// The server already checked redirect_to (pages.safe_redirect); the browser's own URL parser
// checks again that it stays on this origin. The whole URL is used, never its pathname alone
// ("/.//evil" has the pathname "//evil").
function localTarget(target) {
  try {
    const url = new URL(target || "/", location.origin);
    return url.origin === location.origin ? url.href : "/";
  } catch {
    return "/";
  }
}

function renderLogin() {
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Log in to inbound"),
    h("label", { for: "login_id" }, "Email or username"),
    h("input", { id: "login_id", name: "login_id", autocomplete: "username", required: true, autofocus: true }),
    h("label", { for: "password" }, "Password"),
    h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    error,
    h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, "Log in")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      await api("POST", "/api/v4/users/login", { login_id: form.login_id.value, password: form.password.value });
      location.href = localTarget(document.body.dataset.redirectTo);
    } catch (err) {
      error.textContent = err.message;
    }
  });
  $app.replaceChildren(form);
}

// ---------- shell ----------
async function loadSidebar(teamName) {
  const data = await api("GET", `/web/api/teams/${encodeURIComponent(teamName)}/sidebar`);
  Object.assign(state, { me: data.me, team: data.team, teams: data.teams, channels: data.channels, config: data.config });
}

function isAdmin() { return state.me && state.me.roles.split(" ").includes("system_admin"); }

function channelHref(c) {
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

function renderSidebar() {
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

function layout(center, thread) {
  const root = h("div", { class: "layout" + (thread ? " with-thread" : "") }, renderSidebar(), center, thread || null);
  $app.replaceChildren(root);
  return root;
}

function header(title, ...extra) {
  return h("header", { class: "channel-header" },
    h("button", { class: "toggle-sidebar", type: "button", "aria-label": "Show channels", onclick: () => document.querySelector(".layout").classList.toggle("show-sidebar") }, "☰"),
    h("h1", {}, title), ...extra);
}

// ---------- posts ----------
function avatar(post) {
  const a = post.avatar;
  if (a.kind === "emoji") return h("div", { class: "avatar emoji", "aria-hidden": "true" }, a.value);
  if (a.kind === "url") return h("div", { class: "avatar" }, h("img", { src: a.value, alt: "" }));
  return h("div", { class: "avatar", "aria-hidden": "true" }, a.value);
}

function postElement(post, { inThread = false } = {}) {
  const body = h("div", { class: "post-body" });
  body.innerHTML = post.html; // sanitised server-side (markdown-it + nh3); see render/markdown.py
  applyColors(body);
  const replies = !inThread && !post.root_id && post.reply_count > 0
    ? h("button", { class: "replies", type: "button", onclick: () => openThread(post.id) }, `${post.reply_count} ${post.reply_count === 1 ? "reply" : "replies"}`)
    : null;
  const reply = !inThread ? h("button", { class: "replies", type: "button", "aria-label": "Reply in thread", onclick: () => openThread(post.root_id || post.id) }, "Reply") : null;
  const el = h("article", { class: "post" + (post.mentions_me ? " mentions-me" : ""), id: `post-${post.id}`, dataset: { postId: post.id } },
    avatar(post),
    h("div", {},
      h("div", { class: "post-head" },
        h("span", { class: "name" }, post.display_name),
        post.is_bot ? h("span", { class: "bot-tag" }, "BOT") : null,
        time(post.create_at),
        post.edited ? h("span", { class: "edited" }, "(edited)") : null,
        post.root_id && !inThread ? h("span", { class: "edited" }, "replied in a thread") : null),
      body, h("div", { class: "actions" }, replies, reply)));
  return el;
}

async function loadOlder(list) {
  if (!state.hasMore || list.dataset.loading) return;
  list.dataset.loading = "1";
  const before = list.firstElementChild && list.firstElementChild.dataset.postId;
  const page = await api("GET", `/web/api/channels/${state.channel.id}/posts?team=${state.team.name}&per_page=60&before=${before}`);
  const height = list.scrollHeight;
  list.prepend(...page.posts.slice().reverse().map((p) => postElement(p)));
  list.scrollTop += list.scrollHeight - height;
  state.hasMore = page.has_more;
  delete list.dataset.loading;
}

async function markViewed(channelId) {
  await api("POST", "/api/v4/channels/members/me/view", { channel_id: channelId });
  const c = state.channels.find((x) => x.id === channelId);
  if (c) { c.unread = 0; c.mentions = 0; }
}

function composer(onSend, label) {
  const box = h("textarea", { "aria-label": label, placeholder: label, rows: 2 });
  box.addEventListener("keydown", async (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      const message = box.value.trim();
      if (!message) return;
      box.disabled = true;
      try { await onSend(message); box.value = ""; } catch (err) { alert(err.message); }
      box.disabled = false;
      box.focus();
    }
  });
  return h("div", { class: "composer" }, box);
}

async function showChannel(channel, highlight) {
  state.channel = channel;
  state.thread = null;
  const list = h("div", { class: "posts", role: "log", "aria-label": `Messages in ${channel.display_name}`, tabindex: "0" }, h("p", { class: "loading" }, "Loading…"));
  const center = h("main", { class: "center" },
    header((channel.type === "O" ? "# " : channel.type === "P" ? "🔒 " : "@ ") + channel.display_name, h("span", { class: "edited" }, channel.purpose || channel.header || "")),
    list,
    composer((message) => api("POST", "/api/v4/posts", { channel_id: channel.id, message }), `Write to ${channel.display_name}`));
  layout(center);
  const page = await api("GET", `/web/api/channels/${channel.id}/posts?team=${state.team.name}&per_page=60`);
  state.hasMore = page.has_more;
  list.replaceChildren(...page.posts.slice().reverse().map((p) => postElement(p)));
  list.scrollTop = list.scrollHeight;
  list.addEventListener("scroll", () => { if (list.scrollTop < 80) loadOlder(list); });
  if (highlight) {
    const target = document.getElementById(`post-${highlight}`);
    if (target) { target.classList.add("highlight"); target.scrollIntoView({ block: "center" }); }
  }
  await markViewed(channel.id);
  document.querySelector(".sidebar").replaceWith(renderSidebar());
}

async function openThread(rootId) {
  const data = await api("GET", `/web/api/posts/${rootId}/thread?team=${state.team.name}`);
  state.thread = rootId;
  const list = h("div", { class: "posts", role: "log", "aria-label": "Thread" }, ...data.posts.map((p) => postElement(p, { inThread: true })));
  const panel = h("aside", { class: "thread", "aria-label": "Thread" },
    h("header", {}, h("strong", {}, "Thread"), h("button", { type: "button", "aria-label": "Close thread", onclick: closeThread }, "✕")),
    list,
    composer((message) => api("POST", "/api/v4/posts", { channel_id: state.channel.id, message, root_id: rootId }), "Reply"));
  const root = document.querySelector(".layout");
  root.querySelector(".thread")?.remove();
  root.classList.add("with-thread");
  root.append(panel);
}

function closeThread() {
  state.thread = null;
  const root = document.querySelector(".layout");
  root.querySelector(".thread")?.remove();
  root.classList.remove("with-thread");
}

// ---------- live updates ----------
function connect() {
  if (state.ws) return;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v4/websocket`);
  state.ws = ws;
  ws.addEventListener("message", (e) => onEvent(JSON.parse(e.data)));
  ws.addEventListener("close", () => { state.ws = null; setTimeout(connect, 2000); });
}

async function onEvent(message) {
  if (message.event === "posted") {
    const post = JSON.parse(message.data.post);
    const mentions = message.data.mentions ? JSON.parse(message.data.mentions) : [];
    const mine = state.me && mentions.includes(state.me.id);
    const c = state.channels.find((x) => x.id === post.channel_id);
    if (state.channel && post.channel_id === state.channel.id && document.querySelector(".center .posts")) {
      const rendered = await api("GET", `/web/api/posts/${post.id}?team=${state.team.name}`);
      const list = document.querySelector(".center .posts");
      const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
      list.append(postElement(rendered));
      if (atBottom) list.scrollTop = list.scrollHeight;
      if (post.root_id && state.thread === post.root_id) document.querySelector(".thread .posts").append(postElement(rendered, { inThread: true }));
      if (document.visibilityState === "visible") await markViewed(post.channel_id);
    } else if (c) {
      c.unread += 1;
      if (mine) c.mentions += 1;
      const sidebar = document.querySelector(".sidebar");
      if (sidebar) sidebar.replaceWith(renderSidebar());
    } else if (state.team) {
      await loadSidebar(state.team.name);
      const sidebar = document.querySelector(".sidebar");
      if (sidebar) sidebar.replaceWith(renderSidebar());
    }
    if (mine && post.user_id !== state.me.id) notify(message.data, post);
  } else if (message.event === "channel_viewed") {
    const c = state.channels.find((x) => x.id === message.data.channel_id);
    if (c) { c.unread = 0; c.mentions = 0; document.querySelector(".sidebar")?.replaceWith(renderSidebar()); }
  }
}

function notify(data, post) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const title = `${data.sender_name} in ${data.channel_display_name || "a direct message"}`;
  new Notification(title, { body: post.message.slice(0, 140), tag: post.id });
}

// ---------- integrations ----------
function hookUrl(hook) { return `${state.config.SiteURL || location.origin}/hooks/${hook.id}`; }

function curlFor(hook) {
  return `curl -i -X POST -H 'Content-Type: application/json' -d '{"text": "Hello from inbound :tada:"}' ${hookUrl(hook)}`;
}

function copyButton(text, label) {
  return h("button", { type: "button", onclick: async (e) => { await navigator.clipboard.writeText(text); e.target.textContent = "Copied"; } }, label);
}

async function showHooks() {
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

async function showHookForm(hookId) {
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

// ---------- system console ----------
const SETTINGS = [
  ["EnableIncomingWebhooks", "Enable incoming webhooks", "bool"],
  ["EnablePostUsernameOverride", "Enable integrations to override usernames", "bool"],
  ["EnablePostIconOverride", "Enable integrations to override profile picture icons", "bool"],
  ["MaximumPayloadSizeBytes", "Maximum payload size (bytes)", "int"],
  ["PostMessageMaxRunes", "Maximum post length (characters)", "int"],
];

async function showConsole(section) {
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

// ---------- routing ----------
async function ensureTeam(teamName) {
  if (!state.team || state.team.name !== teamName) await loadSidebar(teamName);
}

async function route() {
  const path = decodeURIComponent(location.pathname);
  const parts = path.split("/").filter(Boolean);
  if (document.body.dataset.page === "login" || parts[0] === "login") return renderLogin();
  try {
    if (parts[0] === "admin_console") {
      if (!state.team) {
        const teams = await api("GET", "/api/v4/users/me/teams");
        await loadSidebar(teams[0].name);
      }
      connect();
      return showConsole(parts.slice(1).join("/"));
    }
    const [teamName, kind, ...rest] = parts;
    await ensureTeam(teamName);
    connect();
    if ("Notification" in window && Notification.permission === "default") document.addEventListener("click", () => Notification.requestPermission(), { once: true });
    if (kind === "channels") {
      const channel = state.channels.find((c) => c.name === rest[0]) || await api("GET", `/api/v4/teams/${state.team.id}/channels/name/${encodeURIComponent(rest[0])}`);
      return showChannel(channel);
    }
    if (kind === "messages") {
      const other = await api("GET", `/api/v4/users/username/${encodeURIComponent(rest[0].replace(/^@/, ""))}`);
      const dm = await api("POST", "/api/v4/channels/direct", [state.me.id, other.id]);
      if (!state.channels.some((c) => c.id === dm.id)) await loadSidebar(teamName);
      return showChannel(state.channels.find((c) => c.id === dm.id) || { ...dm, display_name: other.username });
    }
    if (kind === "pl") {
      const post = await api("GET", `/api/v4/posts/${rest[0]}`);
      const channel = state.channels.find((c) => c.id === post.channel_id) || await api("GET", `/api/v4/channels/${post.channel_id}`);
      history.replaceState({}, "", channelHref({ ...channel, dm_username: channel.dm_username || channel.display_name }));
      return showChannel(channel, post.id);
    }
    if (kind === "integrations") {
      if (rest[1] === "add") return showHookForm(null);
      if (rest[1] === "edit") return showHookForm(new URLSearchParams(location.search).get("id"));
      return showHooks();
    }
    navigate(`/${teamName}/channels/town-square`);
  } catch (err) {
    if (err.message !== "signed out") layout(h("main", { class: "center page" }, h("p", { class: "error", role: "alert" }, err.message)));
  }
}

window.addEventListener("popstate", route);
route();

// inbound web app: a small, dependency-free front end over API v4 and /web/api.
// Untrusted text is only ever set through textContent; the one HTML we insert (post.html) is
// rendered and sanitised by the server.

import { api, h, navigate, setRouter, state } from "./js/core.js";
import { showChannel } from "./js/channel.js";
import { installChannelSwitcher } from "./js/channels.js";
import { showConsole } from "./js/console.js";
import { showHookForm, showHooks } from "./js/hooks.js";
import { connect } from "./js/live.js";
import { renderLogin } from "./js/login.js";
import { channelHref, layout, loadSidebar } from "./js/shell.js";

// ---------- routing ----------
async function ensureTeam(teamName) {
  if (!state.team || state.team.name !== teamName) await loadSidebar(teamName);
}

export async function route() {
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
    if (kind === "integrations") { // awaited: a refused hook (403) lands in the catch below
      if (rest[1] === "add") return await showHookForm(null);
      if (rest[1] === "edit") return await showHookForm(new URLSearchParams(location.search).get("id"));
      return await showHooks();
    }
    navigate(`/${teamName}/channels/town-square`);
  } catch (err) {
    if (err.message !== "signed out") layout(h("main", { class: "center page" }, h("p", { class: "error", role: "alert" }, err.message)));
  }
}

setRouter(route);
installChannelSwitcher();
window.addEventListener("popstate", route);
route();

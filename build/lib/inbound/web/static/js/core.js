// The web app's shared state and the helpers every view uses: elements, the API, navigation.

export const $app = document.getElementById("app");
export const state = { me: null, team: null, teams: [], channels: [], config: {}, channel: null, ws: null, oldest: null, hasMore: false, thread: null };

// ---------- helpers ----------
export function h(tag, attrs = {}, ...children) {
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

export async function api(method, path, body) {
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

export let router = () => {};
export function setRouter(fn) { router = fn; }

export function navigate(path) {
  history.pushState({}, "", path);
  router();
}

export function link(path, ...children) {
  return h("a", { href: path, onclick: (e) => { if (e.button === 0 && !e.metaKey && !e.ctrlKey) { e.preventDefault(); navigate(path); } } }, ...children);
}

export function time(ms) {
  const d = new Date(ms);
  return h("time", { datetime: d.toISOString(), title: d.toLocaleString() }, d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
}

export function applyColors(root) {
  for (const el of root.querySelectorAll(".attachment[data-color^='#']")) {
    const body = el.querySelector(".attachment-body");
    if (body && /^#[0-9a-fA-F]{3,6}$/.test(el.dataset.color)) body.style.borderLeftColor = el.dataset.color;
  }
}

export function isAdmin() { return state.me && state.me.roles.split(" ").includes("system_admin"); }

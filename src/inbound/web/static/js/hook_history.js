import { api, h, link, state } from "./core.js";
import { ago, formatLatency, formatSize, prettyBody } from "./delivery_body.js";

// ---------- a hook's delivery history and replay (senders.md §6) ----------
// Everything in a delivery (body, headers, address, error text) came from a stranger: it only
// ever reaches the page as text nodes (h() children, textContent), never as HTML.

const PER_PAGE = 50;
const FILTERS = [["", "All"], ["failed", "Failed"], ["ignored", "Ignored"]];
const SOURCES = { "": "Slack-style", github: "GitHub", gitlab: "GitLab", alertmanager: "Alertmanager", grafana: "Grafana" };

// A time as "5 minutes ago", the exact time on hover.
export function relativeTime(ms) {
  const d = new Date(ms);
  return h("time", { datetime: d.toISOString(), title: d.toLocaleString() }, ago(ms));
}

// The hook list's activity cell: last use and the last 24 hours' counts.
export function hookActivity(hook) {
  const used = hook.last_used_at ? h("div", {}, "Last used ", relativeTime(hook.last_used_at)) : h("div", { class: "muted" }, "Never used");
  const counts = hook.deliveries_24h;
  if (!counts || !hook.last_used_at) return used;
  return [used, h("div", { class: "delivery-counts", title: "Deliveries in the last 24 hours" },
    h("span", { class: "muted" }, "24 h: "), `${counts.succeeded} ok · `,
    h("span", { class: counts.failed > 0 ? "count-failed" : "" }, `${counts.failed} failed`),
    counts.ignored > 0 ? ` · ${counts.ignored} ignored` : null)];
}

export function historySection(hook) {
  const path = `/api/v4/hooks/incoming/${hook.id}/deliveries`;
  const list = h("div", { class: "delivery-list" });
  const status = h("p", { class: "muted delivery-status", role: "status" });
  const more = h("button", { type: "button", class: "load-more", hidden: true, onclick: () => load(pages) }, "Load more");
  const filters = h("div", { class: "delivery-filters", role: "group", "aria-label": "Show deliveries" });
  const section = h("section", { class: "hook-history", "aria-labelledby": "delivery-history-heading" },
    h("div", { class: "history-head" }, h("h2", { id: "delivery-history-heading" }, "Delivery history"), filters,
      h("button", { type: "button", class: "refresh", onclick: () => reload() }, "Refresh")),
    h("p", { class: "muted" }, "The last 1,000 requests to this hook's URL, newest first. Secret headers are hidden."),
    h("div", { class: "delivery-columns", "aria-hidden": "true" }, ...["Received", "Status", "Source", "From", "Size", "Time"].map((t) => h("span", {}, t))),
    list, status, more);
  const seen = new Set();
  const open = new Set(); // delivery ids whose details are shown: kept open across a refresh
  const answers = new Map(); // delivery id → the replay answer shown in its details
  let filter = "";
  let pages = 0;
  let generation = 0; // a newer reload (another filter) makes older answers moot

  async function fetchPage(page) {
    const query = new URLSearchParams({ page, per_page: PER_PAGE });
    if (filter) query.set("status", filter);
    return api("GET", `${path}?${query}`);
  }

  async function load(page, mine = generation) {
    more.disabled = true;
    try {
      const deliveries = await fetchPage(page);
      if (mine !== generation) return;
      if (page === 0) { seen.clear(); list.replaceChildren(); } // swapped once the answer is in: no flash
      pages = page + 1;
      for (const delivery of deliveries) {
        if (seen.has(delivery.id)) continue; // newer deliveries shift the pages: skip repeats
        seen.add(delivery.id);
        list.append(deliveryRow(delivery, { hook, open, answers, replayed: reload }));
      }
      more.hidden = deliveries.length < PER_PAGE;
      status.textContent = seen.size ? "" : filter ? `No ${filter} deliveries.` : "No deliveries yet: requests to this hook's URL show here.";
    } catch (err) {
      if (err.status === 403 || err.status === 404) { section.remove(); return; } // not theirs to read
      status.textContent = err.message;
    } finally { more.disabled = false; }
  }

  // Loads again as many pages as are shown (after a replay, a refresh or a new filter).
  async function reload() {
    const shown = Math.max(pages, 1);
    const mine = ++generation;
    for (let page = 0; page < shown && mine === generation && (page === 0 || !more.hidden); page += 1) await load(page, mine);
  }

  for (const [value, label] of FILTERS) {
    filters.append(h("button", { type: "button", "aria-pressed": String(value === filter), dataset: { filter: value }, onclick: (e) => {
      filter = value;
      for (const b of filters.children) b.setAttribute("aria-pressed", String(b === e.currentTarget));
      pages = 0;
      reload();
    } }, label));
  }
  load(0);
  return section;
}

function badge(delivery) {
  const kind = delivery.outcome === "ignored" ? "ignored" : delivery.status_code >= 400 ? "failed" : "ok";
  return h("span", { class: `status-badge ${kind}`, title: delivery.outcome || kind }, String(delivery.status_code));
}

function deliveryRow(delivery, context) {
  const row = h("details", { class: "delivery", dataset: { deliveryId: delivery.id, outcome: delivery.outcome }, open: context.open.has(delivery.id) },
    h("summary", {},
      h("span", { class: "delivery-time" }, relativeTime(delivery.create_at)),
      h("span", { class: "delivery-code" }, badge(delivery)),
      h("span", { class: "delivery-source" }, SOURCES[delivery.source] ?? delivery.source),
      h("span", { class: "delivery-remote" }, delivery.remote_addr),
      h("span", { class: "delivery-size" }, formatSize(delivery.size)),
      h("span", { class: "delivery-latency" }, formatLatency(delivery.latency_ms)),
      delivery.error_id ? h("span", { class: "delivery-error-id" }, delivery.error_id) : null,
      delivery.outcome === "ignored" && !delivery.error_id ? h("span", { class: "delivery-ignored" }, "ignored: nothing posted") : null));
  const draw = () => { if (row.open && row.childElementCount === 1) row.append(details(delivery, context)); };
  row.addEventListener("toggle", () => { if (row.open) context.open.add(delivery.id); else context.open.delete(delivery.id); draw(); });
  draw();
  return row;
}

function postLinks(postIds) {
  if (!postIds || !postIds.length) return h("span", { class: "muted" }, "none");
  return h("span", { class: "post-links" }, ...postIds.map((id, i) => link(`/${state.team.name}/pl/${encodeURIComponent(id)}`, postIds.length > 1 ? `Post ${i + 1}` : "View post")));
}

function details(delivery, context) {
  const body = prettyBody(delivery);
  const headers = Object.entries(delivery.headers || {}).sort(([a], [b]) => a.localeCompare(b));
  const fact = (label, ...value) => [h("dt", {}, label), h("dd", {}, ...value)];
  return h("div", { class: "delivery-detail" },
    delivery.error_id ? h("div", { class: "delivery-error", role: "note" }, h("code", {}, delivery.error_id), h("p", {}, delivery.error_message)) : null,
    h("dl", { class: "delivery-facts" },
      ...fact("Received", new Date(delivery.create_at).toLocaleString()),
      ...fact("Outcome", `${delivery.outcome} (${delivery.status_code})`),
      ...fact("Content type", delivery.content_type || "(none)"),
      ...fact("Size, time", `${formatSize(delivery.size)}, answered in ${formatLatency(delivery.latency_ms)}`),
      ...fact("Posts", postLinks(delivery.post_ids))),
    h("h3", {}, "Headers"),
    h("table", { class: "delivery-headers" }, h("tbody", {}, ...headers.map(([name, value]) =>
      h("tr", {}, h("th", { scope: "row" }, name), h("td", { class: value === "***" ? "masked" : "" }, value))))),
    h("h3", {}, "Body ", h("span", { class: "muted body-kind" }, `${body.kind} · ${formatSize(delivery.size)}`)),
    h("pre", { class: "delivery-body", tabindex: "0" }, body.text),
    delivery.body_truncated ? h("p", { class: "muted truncated-note" }, "Truncated at 64 KiB: only the start of the body was kept.") : null,
    replayControls(delivery, context));
}

function replayControls(delivery, context) {
  const answer = context.answers.get(delivery.id) || h("div", { class: "replay-answer", role: "status" });
  context.answers.set(delivery.id, answer);
  const cut = delivery.body_truncated;
  const button = h("button", { type: "button", class: "replay", disabled: cut, title: cut ? "The body was cut at 64 KiB: it cannot be sent again." : "Send this body to the hook again, as a new request" }, "Replay");
  button.addEventListener("click", async () => {
    button.disabled = true;
    answer.replaceChildren(h("span", { class: "muted" }, "Sending…"));
    answer.replaceChildren(...await replay(context.hook, delivery));
    button.disabled = false;
    await context.replayed();
  });
  // a disabled button shows no tooltip in every browser: the reason is written beside it too
  return h("div", { class: "actions replay-row" }, h("span", { title: button.title }, button), cut ? h("span", { class: "muted" }, button.title) : null, answer);
}

// The replay's answer as nodes: its status and post links, or the error's id and message.
// Not through api(): the hook's own answer may be a 401 (a signature error), which is not a
// signed-out session.
async function replay(hook, delivery) {
  let response, answer;
  try {
    response = await fetch(`/api/v4/hooks/incoming/${hook.id}/deliveries/${delivery.id}/replay`, { method: "POST", headers: { "X-Requested-With": "XMLHttpRequest" }, credentials: "same-origin" });
    answer = await response.json().catch(() => ({}));
  } catch (err) {
    return [h("span", { class: "error" }, `Replay failed: ${err.message}`)];
  }
  const code = h("span", { class: `status-badge ${response.ok ? "ok" : "failed"}` }, String(response.status));
  if (response.ok) return [code, " Replayed: ", postLinks(answer.post_ids)];
  return [code, " ", answer.id ? h("code", {}, answer.id) : null, " ", answer.message || response.statusText];
}

import { h, state } from "./core.js";
import { postElement } from "./posts.js";

// ---------- the hook page's test console (senders.md §7) ----------
// Paste a payload (or pick a real one), Preview: the post(s) drawn as the channel will draw them
// and the answer POST /hooks/{key} would give — nothing is posted (docs/webhooks.md).

const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";

// Real payloads, from tests/payloads/ (the file named; a "channel" override dropped so they
// post to the hook's own channel).
const EXAMPLES = [
  { label: "Simple text (Mattermost docs)", type: JSON_TYPE, value: { text: "Hello, this is some text\nThis is more text. :tada:" } },
  { label: "Form payload= (Mattermost docs)", type: FORM_TYPE, raw: 'payload={"text": "Hello, this is some text\\nThis is more text. :tada:"}' },
  {
    label: "Attachment with fields (Mattermost docs)", type: JSON_TYPE, value: {
      attachments: [{
        fallback: "test", color: "#FF8000", pretext: "This is optional pretext that shows above the attachment.",
        text: "This is the text of the attachment. It should appear just above an image of the Mattermost logo. The left border of the attachment should be colored orange, and below the image it should include additional fields that are formatted in columns. At the top of the attachment, there should be an author name followed by a bolded title. Both the author name and the title should be hyperlinks.",
        author_name: "Mattermost", author_icon: "https://mattermost.com/wp-content/uploads/2022/02/icon_WS.png", author_link: "https://mattermost.org/",
        title: "Example Attachment", title_link: "https://developers.mattermost.com/integrate/reference/message-attachments/",
        fields: [
          { short: false, title: "Long Field", value: "Testing with a very long piece of text that will take up the whole width of the table. And then some more text to make it extra long." },
          { short: true, title: "Column One", value: "Testing" },
          { short: true, title: "Column Two", value: "Testing" },
          { short: false, title: "Another Field", value: "Testing" },
        ],
        image_url: "https://mattermost.com/wp-content/uploads/2022/02/icon_WS.png",
      }],
    },
  },
  {
    label: "Markdown table (Mattermost docs)", type: JSON_TYPE, value: {
      username: "test-automation", icon_url: "https://mattermost.com/wp-content/uploads/2022/02/icon.png",
      text: "#### Test results for July 27th, 2017\n@channel please review failed tests.\n\n| Component  | Tests Run   | Tests Failed                                   |\n|:-----------|:-----------:|:-----------------------------------------------|\n| Server     | 948         | :white_check_mark: 0                           |\n| Web Client | 123         | :warning: 2 [(see details)](https://linktologs) |\n| iOS Client | 78          | :warning: 3 [(see details)](https://linktologs) |",
    },
  },
  { label: "Slack mentions <!here> <!channel> (Mattermost e2e)", type: JSON_TYPE, value: { username: "new_username", text: "MM-T628: <!here> <!channel>", icon_url: "https://mattermost.com/wp-content/uploads/2022/02/icon_WS.png" } },
];

function exampleText(example) { return example.raw || JSON.stringify(example.value, null, 2); }

// The request body a sender would send: the text as it is, or for a form its payload= field.
function body(text, type) {
  if (type !== FORM_TYPE || text.trimStart().startsWith("payload=")) return text;
  return `payload=${encodeURIComponent(text)}`;
}

async function preview(hook, text, type) {
  const path = `/web/api/hooks/${hook.id}/preview?team=${encodeURIComponent(state.team.name)}`;
  const response = await fetch(path, { method: "POST", body: body(text, type), credentials: "same-origin", headers: { "Content-Type": type, "X-Requested-With": "XMLHttpRequest" } });
  if (response.status === 401) { location.href = "/login?redirect_to=" + encodeURIComponent(location.pathname + location.search); throw new Error("signed out"); }
  const data = await response.json().catch(() => ({ message: response.statusText }));
  if (!response.ok) throw new Error(data.message || response.statusText);
  return data;
}

function where(answer) {
  const id = answer.posts[0] && answer.posts[0].channel_id;
  if (id === "") return "a new direct message (created by the first real send)";
  const channel = state.channels.find((c) => c.id === id);
  const mark = { D: "@", G: "", P: "🔒 " }[channel?.type] ?? "~";
  return channel ? `${mark}${channel.display_name}` : "another channel";
}

function verdict(answer) {
  const ok = answer.status_code === 200;
  const line = h("p", { class: `console-status ${ok ? "ok" : "failed"}` }, h("strong", { class: "console-code" }, String(answer.status_code)), " ");
  if (!ok) line.append(h("code", { class: "console-error-id" }, answer.error.id), h("span", { class: "console-message" }, answer.error.message));
  else if (!answer.posts.length) line.append("Nothing would be posted (an event this source ignores).");
  else line.append(`Would post ${answer.posts.length === 1 ? "this message" : `${answer.posts.length} messages`} to ${where(answer)}.`);
  return line;
}

function rendered(answer) {
  const list = h("div", { class: "posts console-posts", "aria-label": "Preview of the post" });
  for (const view of answer.views) {
    const el = postElement(view);
    el.querySelector(".post-menu")?.remove(); // a preview has no thread, reactions or link
    el.removeAttribute("id");
    list.append(el);
  }
  return list;
}

function showAnswer(box, answer) {
  const { views, ...wire } = answer; // views: the web app's rendering, not part of the API answer
  const json = h("details", { class: "console-json" }, h("summary", {}, "The endpoint's answer (JSON)"), h("pre", {}, JSON.stringify(wire, null, 2)));
  box.replaceChildren(...[verdict(answer), views.length ? rendered(answer) : null, json].filter(Boolean));
}

export function consoleSection(hook) {
  const payload = h("textarea", { id: "console-payload", rows: 8, spellcheck: "false", autocapitalize: "off", placeholder: '{"text": "Deployed **v1.4** :rocket:"}' });
  const type = h("select", { id: "console-type" }, h("option", { value: JSON_TYPE }, "JSON (application/json)"), h("option", { value: FORM_TYPE }, "Form: payload= (x-www-form-urlencoded)"));
  const example = h("select", { id: "console-example" }, h("option", { value: "" }, "Pick an example…"), ...EXAMPLES.map((e, i) => h("option", { value: String(i) }, e.label)));
  example.addEventListener("change", () => {
    const chosen = EXAMPLES[Number(example.value)];
    if (!chosen || example.value === "") return;
    payload.value = exampleText(chosen);
    type.value = chosen.type;
  });
  const outcome = h("div", { class: "console-outcome", role: "status", "aria-live": "polite" });
  const run = h("button", { type: "button", class: "primary" }, "Preview");
  run.addEventListener("click", async () => {
    run.disabled = true;
    try { showAnswer(outcome, await preview(hook, payload.value, type.value)); } catch (err) { outcome.replaceChildren(h("p", { class: "error" }, err.message)); } finally { run.disabled = false; }
  });
  return h("section", { class: "hook-console", "aria-labelledby": "console-heading" },
    h("h2", { id: "console-heading" }, "Test console"),
    h("p", { class: "muted" }, "Try a payload: see the post as the channel will show it and the answer the webhook would give. Nothing is posted. The signing secret, allowed networks and rate limit are not checked."),
    h("div", { class: "console-controls" },
      h("div", {}, h("label", { for: "console-example" }, "Example"), example),
      h("div", {}, h("label", { for: "console-type" }, "Content-Type"), type)),
    h("label", { for: "console-payload" }, "Payload"), payload,
    h("div", { class: "actions" }, run),
    outcome);
}

// How a recorded delivery's body is shown (senders.md §6): JSON re-indented, a form's payload=
// decoded, anything else as the raw text it was. Pure functions on strings, no DOM.

// Re-indents JSON text token by token instead of JSON.parse + stringify, so the body reads
// exactly as it arrived: 12345678901234567890 keeps its digits and "\u003c" its escape.
// One pass over the text; it also copes with a body cut short (nothing to close at the end).
export function reindentJson(text) {
  let out = "";
  let depth = 0;
  const newline = () => "\n" + "  ".repeat(depth);
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (c === "{" || c === "[") {
      const next = nextNonSpace(text, i + 1);
      if (text[next] === (c === "{" ? "}" : "]")) { out += c + text[next]; i = next; continue; }
      depth += 1;
      out += c + newline();
    } else if (c === "}" || c === "]") {
      depth = Math.max(0, depth - 1);
      out += newline() + c;
    } else if (c === ",") out += "," + newline();
    else if (c === ":") out += ": ";
    else if (!" \t\n\r".includes(c)) out += c;
  }
  return out;
}

// The index just past the string literal that opens at `start` (or the end of a cut body).
function stringEnd(text, start) {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === "\\") i += 1;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

function nextNonSpace(text, from) {
  let i = from;
  while (i < text.length && " \t\n\r".includes(text[i])) i += 1;
  return i;
}

function isJson(text) {
  try { JSON.parse(text); return true; } catch { return false; }
}

function looksJson(text) { return /^\s*[[{]/.test(text); }

// { kind, text }: what the body is (shown as its label) and the text to show.
export function prettyBody(delivery) {
  const body = delivery.body || "";
  const cut = delivery.body_truncated;
  const type = (delivery.content_type || "").toLowerCase();
  if (type.includes("x-www-form-urlencoded") && !looksJson(body)) return prettyForm(body, cut);
  if (looksJson(body) && isJson(body)) return { kind: "JSON", text: reindentJson(body) };
  if (looksJson(body) && cut) return { kind: "JSON (cut short)", text: reindentJson(body) };
  return { kind: body ? "Text" : "Empty body", text: body };
}

function prettyForm(body, cut) {
  const form = new URLSearchParams(body);
  const payload = form.get("payload");
  if (payload !== null && looksJson(payload) && (cut || isJson(payload))) {
    return { kind: "Form, payload= as JSON", text: reindentJson(payload) };
  }
  return { kind: "Form", text: [...form].map(([key, value]) => `${key} = ${value}`).join("\n") };
}

// "512 B", "1.5 KiB", "2.0 MiB"
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatLatency(ms) {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

const UNITS = [["year", 365 * 864e5], ["month", 30 * 864e5], ["week", 7 * 864e5], ["day", 864e5], ["hour", 36e5], ["minute", 6e4]];

// "just now", "5 minutes ago", "yesterday", "3 weeks ago"
export function ago(ms, now = Date.now()) {
  const diff = ms - now;
  if (Math.abs(diff) < 45e3) return "just now";
  const format = new Intl.RelativeTimeFormat([], { numeric: "auto" });
  const [unit, size] = UNITS.find(([, length]) => Math.abs(diff) >= length) || UNITS[UNITS.length - 1];
  return format.format(Math.trunc(diff / size) || Math.sign(diff), unit);
}

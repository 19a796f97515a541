import { api, h } from "./core.js";

// ---------- a hook's allowed networks and signing secret (senders.md §4–5) ----------
const INVALID_CIDRS = "model.incoming_hook.allowed_cidrs.app_error";

// The "Allowed networks" field of the hook form: one network per line, saved with the hook.
export function networksField(hook) {
  const error = h("p", { class: "error field-error", id: "allowed_cidrs-error", role: "alert" });
  const input = h("textarea", {
    id: "allowed_cidrs", name: "allowed_cidrs", rows: 3, spellcheck: "false", autocapitalize: "off",
    placeholder: "203.0.113.0/24\n2001:db8::/32", "aria-describedby": "allowed_cidrs-help allowed_cidrs-error",
  });
  input.value = (hook.allowed_cidrs || []).join("\n");
  input.addEventListener("input", () => { error.textContent = ""; input.removeAttribute("aria-invalid"); });
  return [
    h("label", { for: "allowed_cidrs" }, "Allowed networks"),
    input,
    h("p", { class: "muted field-help", id: "allowed_cidrs-help" }, "One IPv4 or IPv6 network per line (CIDR). Requests from anywhere else get 403. Empty: any address."),
    error,
  ];
}

export function readNetworks(form) {
  return form.allowed_cidrs.value.split("\n").map((line) => line.trim()).filter(Boolean);
}

// Shows a save error under the networks field when it is theirs; returns whether it was.
export function showNetworksError(form, err) {
  if (err.id !== INVALID_CIDRS) return false;
  form.querySelector("#allowed_cidrs-error").textContent = err.message;
  form.allowed_cidrs.setAttribute("aria-invalid", "true");
  form.allowed_cidrs.focus();
  return true;
}

// The hook page's "Signing secret" section: create, replace, remove; a new secret shown once.
export function secretSection(hook) {
  let hasSecret = hook.has_signing_secret;
  const state = h("p", { class: "secret-state" });
  const once = h("div", { class: "secret-once", hidden: true });
  const error = h("p", { class: "error", role: "alert" });
  const actions = h("div", { class: "actions" });
  const path = `/api/v4/hooks/incoming/${hook.id}/signing_secret`;

  async function change(method, question) {
    if (question && !confirm(question)) return;
    error.textContent = "";
    try {
      const answer = await api(method, path);
      hasSecret = method === "POST";
      if (hasSecret) showOnce(once, answer.signing_secret); else once.replaceChildren();
      once.hidden = !hasSecret;
      render();
      if (hasSecret) once.scrollIntoView({ block: "nearest" });
    } catch (err) { error.textContent = err.message; }
  }

  function render() {
    state.replaceChildren(hasSecret
      ? h("span", {}, h("strong", {}, "On. "), "Every request must be signed with this hook's secret, the way Slack signs its requests (X-Slack-Signature, X-Slack-Request-Timestamp).")
      : h("span", {}, h("strong", {}, "Off. "), "The hook accepts unsigned requests. With a secret, requests without a valid signature get 401."));
    const button = (label, onclick, cls = "") => h("button", { type: "button", class: cls, onclick }, label);
    actions.replaceChildren(...(hasSecret
      ? [button("Replace secret", () => change("POST", "Replace the signing secret? Requests signed with the current one are refused from now on.")),
        button("Remove secret", () => change("DELETE", "Remove the signing secret? The hook accepts unsigned requests again."), "danger")]
      : [button("Create secret", () => change("POST"), "primary")]));
  }

  render();
  return h("section", { class: "hook-secret", "aria-labelledby": "signing-secret-heading" },
    h("h2", { id: "signing-secret-heading" }, "Signing secret"), state, once, error, actions);
}

function showOnce(box, secret) {
  const copy = h("button", { type: "button", onclick: async () => { await navigator.clipboard.writeText(secret); copy.textContent = "Copied"; } }, "Copy");
  box.replaceChildren(
    h("p", { class: "secret-note" }, h("strong", {}, "Copy it now: it is shown only once."), " If it is lost, replace it."),
    h("div", { class: "secret-row" }, h("code", { class: "secret-value", "aria-label": "New signing secret" }, secret), copy));
}

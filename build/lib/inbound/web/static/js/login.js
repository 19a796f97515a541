import { $app, api, h } from "./core.js";

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

export function renderLogin() {
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

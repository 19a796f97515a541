// Menus and modal dialogs, keyboard first: a menu opens under its button (Enter, Space or ↓),
// arrows move, Escape or Tab closes and focus goes back to the button; a dialog keeps Tab inside
// and gives focus back to whatever had it when it closes.
import { h, link } from "./core.js";

let openMenu = null;

export function closeMenu({ refocus = true } = {}) {
  if (!openMenu) return;
  const { panel, button, key } = openMenu;
  openMenu = null;
  panel.remove();
  document.removeEventListener("pointerdown", onOutside, true);
  const target = button.isConnected ? button : document.querySelector(`[data-menu="${key}"]`);
  if (target) target.setAttribute("aria-expanded", "false");
  if (refocus && target) target.focus();
}

function onOutside(e) {
  if (openMenu && !openMenu.panel.contains(e.target) && !openMenu.button.contains(e.target)) closeMenu({ refocus: false });
}

// A button that opens a menu. `items()` is called on each opening and returns menu items from
// menuItem()/menuLabel()/menuSeparator() (null entries are skipped).
export function menuButton(key, label, items, attrs = {}, ...children) {
  const button = h("button", { type: "button", "aria-haspopup": "menu", "aria-expanded": "false", "aria-label": label, dataset: { menu: key }, ...attrs }, ...children);
  if (openMenu && openMenu.key === key) { // re-rendered while its menu is open
    button.setAttribute("aria-expanded", "true");
    openMenu.button = button;
  }
  button.addEventListener("click", () => toggle(button, key, items));
  button.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") { e.preventDefault(); toggle(button, key, items, true); }
  });
  return button;
}

function toggle(button, key, items, forceOpen = false) {
  if (openMenu && openMenu.key === key) { if (!forceOpen) closeMenu(); return; }
  closeMenu({ refocus: false });
  const panel = h("div", { class: "popup-menu", role: "menu", "aria-label": button.getAttribute("aria-label"), dataset: { for: key } }, ...items().filter(Boolean));
  panel.addEventListener("keydown", onMenuKey);
  document.body.append(panel);
  place(panel, button);
  button.setAttribute("aria-expanded", "true");
  openMenu = { panel, button, key };
  document.addEventListener("pointerdown", onOutside, true);
  const first = panel.querySelector("[role^=menuitem]");
  if (first) first.focus({ preventScroll: true });
}

function place(panel, button) {
  const r = button.getBoundingClientRect();
  const width = Math.min(Math.max(r.width, 240), window.innerWidth - 16);
  panel.style.minWidth = `${width}px`;
  const left = Math.min(Math.max(8, r.left), window.innerWidth - width - 8);
  panel.style.left = `${left}px`;
  panel.style.top = `${r.bottom + 4}px`;
  panel.style.maxHeight = `${Math.max(160, window.innerHeight - r.bottom - 16)}px`;
}

function onMenuKey(e) {
  const items = [...openMenu.panel.querySelectorAll("[role^=menuitem]")];
  const at = items.indexOf(document.activeElement);
  const go = (i) => { e.preventDefault(); items[(i + items.length) % items.length]?.focus(); };
  if (e.key === "ArrowDown") go(at + 1);
  else if (e.key === "ArrowUp") go(at - 1);
  else if (e.key === "Home") go(0);
  else if (e.key === "End") go(items.length - 1);
  else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); closeMenu(); }
  else if (e.key === "Tab") closeMenu({ refocus: false });
}

export function menuItem(label, onSelect, attrs = {}) {
  const item = h("button", { type: "button", role: "menuitem", tabindex: "-1", ...attrs }, label);
  item.addEventListener("click", () => { closeMenu(); onSelect(); });
  return item;
}

// A menu item that is a real link (it can open in a new tab); a plain click navigates in place.
export function menuLink(label, path) {
  const item = link(path, label);
  item.setAttribute("role", "menuitem");
  item.setAttribute("tabindex", "-1");
  item.addEventListener("click", () => closeMenu({ refocus: false }));
  return item;
}

export function menuLabel(text) { return h("div", { class: "menu-label", role: "presentation" }, text); }
export function menuSeparator() { return h("div", { class: "menu-separator", role: "separator" }); }

// ---------- dialogs ----------
// modal(title, body, { footer, onClose, className }) → { root, close }. Escape and the ✕ close it.
export function modal(title, body, { footer = null, onClose = null, className = "" } = {}) {
  closeMenu({ refocus: false });
  const returnTo = document.activeElement;
  const titleId = `dialog-title-${Math.random().toString(36).slice(2, 9)}`;
  const close = () => {
    backdrop.remove();
    document.removeEventListener("keydown", onKey, true);
    if (onClose) onClose();
    // the element may have been re-rendered meanwhile (a live update): its stand-in gets focus
    const again = returnTo && !returnTo.isConnected && returnTo.dataset && returnTo.dataset.menu ? document.querySelector(`[data-menu="${returnTo.dataset.menu}"]`) : returnTo;
    if (again && again.isConnected) again.focus();
  };
  const dialog = h("div", { class: `modal ${className}`.trim(), role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
    h("header", { class: "modal-head" }, h("h2", { id: titleId }, title), h("button", { type: "button", class: "modal-close", "aria-label": "Close", onclick: () => close() }, "✕")),
    h("div", { class: "modal-body" }, body),
    footer ? h("footer", { class: "modal-foot" }, footer) : null);
  const backdrop = h("div", { class: "modal-backdrop" }, dialog);
  backdrop.addEventListener("pointerdown", (e) => { if (e.target === backdrop) close(); });
  function onKey(e) {
    if (!backdrop.isConnected) return;
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(); }
    else if (e.key === "Tab") trapTab(e, dialog);
  }
  document.addEventListener("keydown", onKey, true);
  document.body.append(backdrop);
  const first = dialog.querySelector("[autofocus], input, textarea, select") || dialog.querySelector("button");
  if (first) first.focus();
  return { root: dialog, close };
}

function trapTab(e, dialog) {
  const focusable = [...dialog.querySelectorAll("button, [href], input, textarea, select, [tabindex='0']")].filter((el) => !el.disabled && el.offsetParent !== null);
  if (!focusable.length) return;
  const first = focusable[0], last = focusable[focusable.length - 1];
  if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
  else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
}

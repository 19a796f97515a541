import { h } from "./core.js";

// ---------- a dropdown menu and a confirm dialog, keyboard accessible ----------
let open = null; // { menu, button }

export function closeMenus({ focus = false } = {}) {
  if (!open) return;
  const { menu, button } = open;
  open = null;
  menu.remove();
  button.setAttribute("aria-expanded", "false");
  button.closest(".post")?.classList.remove("menu-open");
  if (focus) button.focus();
}

// items: [label, action, className?]. Opens under ``button`` (above it when there is no room).
export function openMenu(button, items) {
  const again = open && open.button === button;
  closeMenus();
  if (again) return;
  const entries = items.map(([label, action, cls]) =>
    h("button", { type: "button", role: "menuitem", class: cls || null, tabindex: "-1", onclick: () => { closeMenus({ focus: true }); action(); } }, label));
  const menu = h("div", { class: "dropdown", role: "menu" }, ...entries);
  menu.addEventListener("keydown", (e) => {
    const at = entries.indexOf(document.activeElement);
    if (e.key === "ArrowDown") { e.preventDefault(); entries[(at + 1) % entries.length].focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); entries[(at - 1 + entries.length) % entries.length].focus(); }
    if (e.key === "Home") { e.preventDefault(); entries[0].focus(); }
    if (e.key === "End") { e.preventDefault(); entries[entries.length - 1].focus(); }
    if (e.key === "Escape" || e.key === "Tab") { e.preventDefault(); closeMenus({ focus: true }); }
  });
  button.after(menu);
  button.setAttribute("aria-expanded", "true");
  button.closest(".post")?.classList.add("menu-open");
  open = { menu, button };
  const box = menu.getBoundingClientRect();
  const scroller = button.closest(".posts");
  const bottom = scroller ? scroller.getBoundingClientRect().bottom : window.innerHeight;
  if (box.bottom > bottom) menu.classList.add("up");
  entries[0].focus();
}

document.addEventListener("pointerdown", (e) => {
  if (open && !open.menu.contains(e.target) && e.target !== open.button) closeMenus();
});

// Resolves true when the reader confirms, false on Cancel or Escape.
export function confirmDialog({ title, text, detail = null, confirm = "OK" }) {
  return new Promise((resolve) => {
    const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
    const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title" },
      h("h2", { id: "confirm-title" }, title),
      h("p", {}, text),
      detail ? h("p", { class: "muted" }, detail) : null,
      h("div", { class: "dialog-actions" },
        h("button", { type: "button", class: "cancel", onclick: () => done(false) }, "Cancel"),
        h("button", { type: "button", class: "primary danger-fill", onclick: () => done(true) }, confirm)));
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector(".danger-fill").focus();
  });
}

import { applyColors, h, time } from "./core.js";
import { openThread } from "./channel.js";
import { reactionBar } from "./reactions.js";

// ---------- posts ----------
export function avatar(post) {
  const a = post.avatar;
  if (a.kind === "emoji") return h("div", { class: "avatar emoji", "aria-hidden": "true" }, a.value);
  if (a.kind === "url") return h("div", { class: "avatar" }, h("img", { src: a.value, alt: "" }));
  return h("div", { class: "avatar", "aria-hidden": "true" }, a.value);
}

export function postElement(post, { inThread = false } = {}) {
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
      body,
      reactionBar(post),
      h("div", { class: "actions" }, replies, reply)));
  return el;
}

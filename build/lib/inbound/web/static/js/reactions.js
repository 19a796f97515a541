// Reactions under a post and the emoji picker. Interface used by posts.js (the reactions work
// fills these in): reactionBar(post) → an element or null; pickReaction(post, anchor) opens the picker.
export function reactionBar(_post) { return null; }
export function pickReaction(_post, _anchor) {}

"""A post's searchable text beyond its message: its attachments' and Block Kit blocks' text.

Webhook content often lives there (Grafana and CI alerts put everything in attachments), so it
is stored beside the message (``posts.search_text``) and indexed with it. Pure and cheap: a post
without attachments or blocks costs a dictionary lookup or two.
"""

from __future__ import annotations

from typing import Any

MAX_SEARCH_TEXT = 65_536  # characters indexed beyond the message; the rest is not searchable
MAX_DEPTH = 12  # Block Kit nests a few levels; deeper lists are not looked into
ATTACHMENT_TEXT = ("author_name", "pretext", "title", "text", "footer")
FIELD_TEXT = ("title", "value")


def search_text(props: dict[str, Any]) -> str:
    """The text of ``props``' attachments and blocks, one piece per line ("" when none)."""
    attachments, blocks = props.get("attachments"), props.get("blocks")
    if not attachments and not blocks:
        return ""
    parts: list[str] = []
    if isinstance(attachments, list):
        for attachment in attachments:
            if isinstance(attachment, dict):
                _attachment_text(attachment, parts)
    if isinstance(blocks, list):
        _block_text(blocks, parts)
    return "\n".join(parts)[:MAX_SEARCH_TEXT]


def _attachment_text(attachment: dict[str, Any], parts: list[str]) -> None:
    parts.extend(v for k in ATTACHMENT_TEXT if isinstance(v := attachment.get(k), str) and v)
    fields = attachment.get("fields")
    if isinstance(fields, list):
        for field in fields:
            if isinstance(field, dict):
                parts.extend(v for k in FIELD_TEXT if isinstance(v := field.get(k), str) and v)


def _block_text(blocks: list[Any], parts: list[str]) -> None:
    """Every ``text`` string in the blocks' tree (Block Kit text objects and rich text runs),
    depth-first in document order, at most ``MAX_DEPTH`` levels down."""
    stack: list[tuple[Any, int]] = [(b, 0) for b in reversed(blocks)]
    size = 0
    while stack and size < MAX_SEARCH_TEXT:
        node, depth = stack.pop()
        if isinstance(node, dict):
            text = node.get("text")
            if isinstance(text, str):
                if text:
                    parts.append(text)
                    size += len(text)
                continue
            children: list[Any] = [v for v in node.values() if isinstance(v, dict | list)]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth < MAX_DEPTH:
            stack.extend((c, depth + 1) for c in reversed(children))

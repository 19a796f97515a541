"""A post as escaped plain text, for when its Markdown is not rendered in time.

Everything here is linear in the post's size and needs no parser: the message, then each
attachment's pretext, title, text, fields and footer, then every text of its blocks, one per
line, escaped into a ``<pre class="plain-text">`` (line breaks kept, nothing interpreted).
"""

from __future__ import annotations

from html import escape
from typing import Any

FALLBACK_OPEN = '<pre class="plain-text">'
_ATTACHMENT_TEXTS = ("pretext", "author_name", "title", "text")
MAX_BLOCK_DEPTH = 12  # deeper than any Block Kit layout; never recurse without bound


def _strings(*values: Any) -> list[str]:
    return [str(v) for v in values if isinstance(v, str | int | float) and str(v)]


def _field_lines(fields: Any) -> list[str]:
    if not isinstance(fields, list):
        return []
    lines = []
    for item in fields:
        if isinstance(item, dict):
            lines.append(": ".join(_strings(item.get("title"), item.get("value"))))
    return [line for line in lines if line]


def attachment_lines(attachments: Any) -> list[str]:
    if not isinstance(attachments, list):
        return []
    lines: list[str] = []
    for attachment in attachments:
        if isinstance(attachment, dict):
            lines += _strings(*(attachment.get(name) for name in _ATTACHMENT_TEXTS))
            lines += _field_lines(attachment.get("fields"))
            lines += _strings(attachment.get("footer"))
    return lines


def block_lines(value: Any, depth: int = 0) -> list[str]:
    """Every ``text`` string in the blocks, in order (Slack text objects nest them)."""
    if depth > MAX_BLOCK_DEPTH:
        return []
    if isinstance(value, list):
        return [line for item in value for line in block_lines(item, depth + 1)]
    if not isinstance(value, dict):
        return []
    own = value.get("text")
    lines = [own] if isinstance(own, str) and own else []
    for key, item in value.items():
        if key != "text" or not isinstance(item, str):
            lines += block_lines(item, depth + 1)
    return lines


def plain_text(message: str, props: dict[str, Any]) -> str:
    """What a reader should see of the post when its HTML is not ready."""
    lines = _strings(message) + attachment_lines(props.get("attachments"))
    return "\n".join(lines + block_lines(props.get("blocks")))


def fallback_html(text: str) -> str:
    """``text`` escaped in a ``<pre>``: line breaks kept, no markup can get through."""
    return f"{FALLBACK_OPEN}{escape(text)}</pre>" if text else ""


def is_fallback(html: str) -> bool:
    """Whether this HTML is the plain-text fallback (rendered Markdown never starts so: raw
    HTML in a message is escaped, and code blocks are ``<pre class="code">``)."""
    return html.startswith(FALLBACK_OPEN)

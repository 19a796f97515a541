"""Slack Block Kit → Markdown, so block-only messages are never silent empty posts.

Rendered: header, section (text, fields, image/button accessory), context, divider, image and
rich_text. Interactive blocks (actions, input) are dropped: nothing here can answer them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inbound.webhooks.slack import mrkdwn_to_markdown

Translate = Callable[[str], str]
MAX_INDENT = 8  # Slack's deepest list level


def _items(value: Any) -> list[Any]:
    """A list the sender sent, or nothing (a number or object where a list belongs)."""
    return value if isinstance(value, list) else []


def _indent(value: Any) -> int:
    """Slack's list indent, 0–8; anything else is no indent (never a 2-GB string)."""
    return value if isinstance(value, int) and 0 <= value <= MAX_INDENT else 0


def _text(obj: Any, translate: Translate) -> str:
    """A Slack text object (``plain_text`` or ``mrkdwn``) as Markdown."""
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_markdown(translate(obj["text"]))
    return obj["text"]


def _image(obj: dict[str, Any]) -> str:
    url = obj.get("image_url")
    if not isinstance(url, str) or not url:
        return ""
    alt = obj.get("alt_text") if isinstance(obj.get("alt_text"), str) else "image"
    return f"![{alt}]({url})"


def _accessory(obj: Any, translate: Translate) -> str:
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "image":
        return _image(obj)
    if obj.get("type") == "button" and isinstance(obj.get("url"), str):
        return f"[{_text(obj.get('text'), translate) or obj['url']}]({obj['url']})"
    return ""


def _section(block: dict[str, Any], translate: Translate) -> str:
    parts = [_text(block.get("text"), translate)]
    fields = block.get("fields")
    if isinstance(fields, list):
        parts.append("\n".join(t for t in (_text(f, translate) for f in fields) if t))
    parts.append(_accessory(block.get("accessory"), translate))
    return "\n\n".join(p for p in parts if p)


def _context(block: dict[str, Any], translate: Translate) -> str:
    items = []
    for element in _items(block.get("elements")):
        if isinstance(element, dict) and element.get("type") == "image":
            items.append(str(element.get("alt_text") or ""))
        else:
            items.append(_text(element, translate))
    return " · ".join(i for i in items if i)


def _image_block(block: dict[str, Any], translate: Translate) -> str:
    title = _text(block.get("title"), translate)
    image = _image(block)
    return f"**{title}**\n{image}" if title and image else image


def _styled(text: str, style: Any) -> str:
    if not isinstance(style, dict) or not text.strip():
        return text
    if style.get("code"):
        return f"`{text}`"
    for key, mark in (("bold", "**"), ("italic", "_"), ("strike", "~~")):
        if style.get(key):
            text = f"{mark}{text}{mark}"
    return text


def _rich_inline(element: Any, translate: Translate) -> str:
    if not isinstance(element, dict):
        return ""
    kind = element.get("type")
    if kind == "text":
        return _styled(str(element.get("text") or ""), element.get("style"))
    if kind == "link":
        url = str(element.get("url") or "")
        return f"[{element.get('text') or url}]({url})" if url else ""
    if kind == "emoji":
        return f":{element.get('name')}:" if element.get("name") else ""
    if kind == "user":
        return translate(f"<@{element.get('user_id')}>")
    if kind == "channel":
        return translate(f"<#{element.get('channel_id')}>")
    if kind == "broadcast":
        return translate(f"<!{element.get('range')}>")
    return ""


def _rich_elements(elements: Any, translate: Translate) -> str:
    return "".join(_rich_inline(e, translate) for e in _items(elements))


def _rich_text(block: dict[str, Any], translate: Translate) -> str:
    out = []
    for element in _items(block.get("elements")):
        if not isinstance(element, dict):
            continue
        kind, inner = element.get("type"), element.get("elements")
        if kind == "rich_text_section":
            out.append(_rich_elements(inner, translate))
        elif kind == "rich_text_preformatted":
            out.append("```\n" + _rich_elements(inner, lambda s: s) + "\n```")
        elif kind == "rich_text_quote":
            out.append(
                "\n".join("> " + line for line in _rich_elements(inner, translate).split("\n"))
            )
        elif kind == "rich_text_list":
            indent = "  " * _indent(element.get("indent"))
            ordered = element.get("style") == "ordered"
            items = [
                _rich_elements(i.get("elements"), translate)
                for i in _items(inner)
                if isinstance(i, dict)
            ]
            out.append(
                "\n".join(
                    f"{indent}{f'{n}.' if ordered else '-'} {t}" for n, t in enumerate(items, 1)
                )
            )
    return "\n\n".join(o for o in out if o)


_RENDERERS: dict[str, Callable[[dict[str, Any], Translate], str]] = {
    "header": lambda b, t: f"### {_text(b.get('text'), t)}" if _text(b.get("text"), t) else "",
    "section": _section,
    "context": _context,
    "divider": lambda b, t: "---",
    "image": _image_block,
    "rich_text": _rich_text,
}


def blocks_to_markdown(blocks: list[dict[str, Any]], translate: Translate) -> str:
    """Markdown for the renderable blocks, separated by blank lines ("" when none render)."""
    rendered = []
    for block in blocks:
        renderer = _RENDERERS.get(str(block.get("type")))
        text = renderer(block, translate) if renderer else ""
        if text.strip():
            rendered.append(text)
    return "\n\n".join(rendered)

"""Slack Block Kit → Markdown, so block-only messages are never silent empty posts.

Rendered: header, section (text, fields, accessory), context, divider, image, rich_text and
actions. ``plain_text`` is escaped so it reads as the sender typed it; ``mrkdwn`` is translated.
Nothing here can answer a button or a menu: a button with an http(s) ``url`` becomes a link,
any other control its label in brackets (``[Approve]``, ``[Pick one ▾]``). Input blocks are
dropped (they only make sense in a modal).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from inbound.webhooks.slack import mrkdwn_to_markdown

Translate = Callable[[str], str]
MAX_INDENT = 8  # Slack's deepest list level
MENUS = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "overflow",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "radio_buttons",
        "checkboxes",
    }
)
_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~="})
_WEB = re.compile(r"https?://[^<>\\\n\r]+", re.IGNORECASE)


def plain_markdown(text: str) -> str:
    """Text that Markdown shows as it is: every character Markdown could read as markup is
    backslash-escaped (``*x*`` stays ``*x*``; emoji shortcodes and mentions still work)."""
    return text.translate(_ESCAPES)


def web_url(value: Any) -> str:
    """An http(s) URL that fits a Markdown link's ``(<…>)``, else ""."""
    return value if isinstance(value, str) and _WEB.fullmatch(value) else ""


def _items(value: Any) -> list[Any]:
    """A list the sender sent, or nothing (a number or object where a list belongs)."""
    return value if isinstance(value, list) else []


def _indent(value: Any) -> int:
    """Slack's list indent, 0–8; anything else is no indent (never a 2-GB string)."""
    return value if isinstance(value, int) and 0 <= value <= MAX_INDENT else 0


def plain_text(obj: Any) -> str:
    """The words of a Slack text object, as they were sent ("" when it is not one)."""
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return ""
    return str(obj["text"])


def text_markdown(obj: Any, translate: Translate) -> str:
    """A Slack text object as Markdown: ``mrkdwn`` translated, ``plain_text`` escaped."""
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_markdown(translate(obj["text"]))
    return plain_markdown(obj["text"])


def control_label(element: dict[str, Any]) -> str:
    """What a button or a menu shows: its text, placeholder, first option or initial value."""
    for key in ("text", "placeholder"):
        if plain_text(element.get(key)):
            return plain_text(element.get(key))
    options = _items(element.get("options")) or _items(element.get("initial_options"))
    first = options[0] if options and isinstance(options[0], dict) else {}
    chosen = plain_text(first.get("text")) or str(element.get("initial_date") or "")
    chosen = chosen or str(element.get("initial_time") or "")
    return chosen or ("Button" if element.get("type") == "button" else "Choose…")


def _control(element: Any) -> str:
    if not isinstance(element, dict):
        return ""
    kind, label = element.get("type"), control_label(element)
    url = web_url(element.get("url"))
    if kind == "button" and url:
        return f"[{plain_markdown(label)}](<{url}>)"
    if kind == "button":
        return f"\\[{plain_markdown(label)}\\]"
    return f"\\[{plain_markdown(label)} ▾\\]" if kind in MENUS else ""


def _actions(block: dict[str, Any], translate: Translate) -> str:
    return " ".join(c for c in (_control(e) for e in _items(block.get("elements"))) if c)


def _image(obj: dict[str, Any]) -> str:
    url = web_url(obj.get("image_url"))
    if not url:
        return ""
    alt = obj.get("alt_text") if isinstance(obj.get("alt_text"), str) else "image"
    return f"![{plain_markdown(str(alt))}](<{url}>)"


def _accessory(obj: Any, translate: Translate) -> str:
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "image":
        return _image(obj)
    return _control(obj)


def _section(block: dict[str, Any], translate: Translate) -> str:
    parts = [text_markdown(block.get("text"), translate)]
    fields = block.get("fields")
    if isinstance(fields, list):
        parts.append("\n".join(t for t in (text_markdown(f, translate) for f in fields) if t))
    parts.append(_accessory(block.get("accessory"), translate))
    return "\n\n".join(p for p in parts if p)


def _context(block: dict[str, Any], translate: Translate) -> str:
    items = []
    for element in _items(block.get("elements")):
        if isinstance(element, dict) and element.get("type") == "image":
            items.append(plain_markdown(str(element.get("alt_text") or "")))
        else:
            items.append(text_markdown(element, translate))
    return " · ".join(i for i in items if i)


def _image_block(block: dict[str, Any], translate: Translate) -> str:
    title = text_markdown(block.get("title"), translate)
    image = _image(block)
    return f"**{title}**\n{image}" if title and image else image


def _styled(text: str, style: Any, *, code: bool) -> str:
    """A rich text run: escaped (unless it sits in a code block), with its style as Markdown."""
    if not isinstance(style, dict) or not text.strip():
        return text if code else plain_markdown(text)
    if style.get("code") and not code:
        return f"`{text}`" if "`" not in text else plain_markdown(text)
    text = text if code else plain_markdown(text)
    for key, mark in (("bold", "**"), ("italic", "_"), ("strike", "~~")):
        if style.get(key) and not code:
            text = f"{mark}{text}{mark}"
    return text


def _rich_inline(element: Any, translate: Translate, *, code: bool = False) -> str:
    if not isinstance(element, dict):
        return ""
    kind = element.get("type")
    if kind == "text":
        return _styled(str(element.get("text") or ""), element.get("style"), code=code)
    if kind == "link":
        url = web_url(element.get("url"))
        label = str(element.get("text") or url or element.get("url") or "")
        return f"[{plain_markdown(label)}](<{url}>)" if url and not code else label
    if kind == "emoji":
        return f":{element.get('name')}:" if element.get("name") else ""
    if kind == "user":
        return translate(f"<@{element.get('user_id')}>")
    if kind == "channel":
        return translate(f"<#{element.get('channel_id')}>")
    if kind == "broadcast":
        return translate(f"<!{element.get('range')}>")
    return ""


def _rich_elements(elements: Any, translate: Translate, *, code: bool = False) -> str:
    return "".join(_rich_inline(e, translate, code=code) for e in _items(elements))


def rich_text_markdown(block: dict[str, Any], translate: Translate) -> str:
    out = []
    for element in _items(block.get("elements")):
        if not isinstance(element, dict):
            continue
        kind, inner = element.get("type"), element.get("elements")
        if kind == "rich_text_section":
            out.append(_rich_elements(inner, translate))
        elif kind == "rich_text_preformatted":
            out.append("```\n" + _rich_elements(inner, lambda s: s, code=True) + "\n```")
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
    "header": lambda b, t: f"### {h}" if (h := text_markdown(b.get("text"), t)) else "",
    "section": _section,
    "context": _context,
    "divider": lambda b, t: "---",
    "image": _image_block,
    "rich_text": rich_text_markdown,
    "actions": _actions,
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

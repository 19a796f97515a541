"""Slack Block Kit kept in a post's props → safe HTML, drawn as Slack lays it out.

Texts are Markdown (``webhooks.blocks``: ``mrkdwn`` translated, ``plain_text`` escaped so it
shows as sent); a section's fields sit in two columns, its accessory on the right; context is a
row of small images and texts; buttons and menus are drawn (``render.layout``), never dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from inbound.render.layout import button, clean_layout, controls, image, menu
from inbound.render.markdown import Viewer, render_markdown
from inbound.webhooks.blocks import (
    MENUS,
    control_label,
    plain_text,
    rich_text_markdown,
    text_markdown,
)
from inbound.webhooks.slack import NO_LOOKUPS, translate


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _translate(text: str) -> str:
    return translate(text, NO_LOOKUPS)


def _text(obj: Any, viewer: Viewer) -> str:
    return render_markdown(text_markdown(obj, _translate), viewer)


def _control(element: Any) -> str:
    if not isinstance(element, dict):
        return ""
    kind = element.get("type")
    if kind == "button":
        return button(control_label(element), element.get("url"))
    return menu(control_label(element)) if kind in MENUS else ""


def _accessory(obj: Any) -> str:
    if isinstance(obj, dict) and obj.get("type") == "image":
        return image(obj.get("image_url"), "block-thumb", obj.get("alt_text"))
    control = _control(obj)
    return f'<div class="block-accessory">{control}</div>' if control else ""


def _section(block: dict[str, Any], viewer: Viewer) -> str:
    text = _text(block.get("text"), viewer)
    fields = _list(block.get("fields"))
    cells = [f'<div class="block-field">{_text(f, viewer)}</div>' for f in fields]
    parts = [
        f'<div class="block-text">{text}</div>' if text else "",
        f'<div class="block-fields">{"".join(cells)}</div>' if any(cells) else "",
    ]
    main = "".join(parts)
    accessory = _accessory(block.get("accessory"))
    if not main and not accessory:
        return ""
    return f'<div class="block-section"><div class="block-main">{main}</div>{accessory}</div>'


def _context(block: dict[str, Any], viewer: Viewer) -> str:
    items = []
    elements = _list(block.get("elements"))
    for element in elements:
        if isinstance(element, dict) and element.get("type") == "image":
            items.append(image(element.get("image_url"), "context-icon", element.get("alt_text")))
        else:
            items.append(_text(element, viewer))
    shown = "".join(f'<div class="context-item">{i}</div>' for i in items if i)
    return f'<div class="block-context">{shown}</div>' if shown else ""


def _image_block(block: dict[str, Any], viewer: Viewer) -> str:
    picture = image(block.get("image_url"), "block-image", block.get("alt_text"))
    if not picture:
        return ""
    title = escape(plain_text(block.get("title")))
    caption = f'<div class="block-image-title">{title}</div>' if title else ""
    return f'<div class="block-picture">{caption}{picture}</div>'


def _header(block: dict[str, Any], viewer: Viewer) -> str:
    title = escape(plain_text(block.get("text")))
    return f"<h3>{title}</h3>" if title.strip() else ""


def _actions(block: dict[str, Any], viewer: Viewer) -> str:
    elements = _list(block.get("elements"))
    return controls([_control(e) for e in elements])


_DRAWERS: dict[str, Callable[[dict[str, Any], Viewer], str]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "divider": lambda block, viewer: "<hr>",
    "image": _image_block,
    "actions": _actions,
    "rich_text": lambda block, viewer: render_markdown(
        rich_text_markdown(block, _translate), viewer
    ),
}


def blocks_html(blocks: Any, viewer: Viewer) -> str:
    """The post's blocks as HTML ("" when none draws anything)."""
    if not isinstance(blocks, list):
        return ""
    drawn = []
    for block in blocks:
        drawer = _DRAWERS.get(str(block.get("type"))) if isinstance(block, dict) else None
        drawn.append(drawer(block, viewer) if drawer else "")
    inner = "".join(drawn)
    return clean_layout(f'<div class="blocks">{inner}</div>') if inner else ""

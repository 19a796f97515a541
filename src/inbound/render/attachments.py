"""Slack attachments → safe HTML, laid out as Mattermost draws them (Block Kit: ``render.blocks``).

Every URL passes ``safe_url`` (http/https only for images and links), every text is translated
from Slack markup and rendered through the sanitising Markdown renderer, a colour is only ever
``good``, ``warning``, ``danger`` or a validated hex value carried in ``data-color``, and the
whole passes ``clean_layout``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from inbound.render.blocks import blocks_html
from inbound.render.layout import (
    button,
    clean_layout,
    controls,
    image,
    link,
    menu,
    slack_inline,
    slack_markdown,
)
from inbound.render.markdown import Viewer

__all__ = ["attachment_html", "attachments_html", "blocks_html", "color_attrs"]

NAMED_COLORS = frozenset({"good", "warning", "danger"})
_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def color_attrs(color: Any) -> str:
    if not isinstance(color, str):
        return ""
    value = color.strip()
    if value.lower() in NAMED_COLORS:
        return f' data-color="{value.lower()}"'
    match = _HEX.match(value)
    return f' data-color="#{match.group(1)}"' if match else ""


def _timestamp(ts: Any) -> str:
    try:
        seconds = float(ts)
    except (TypeError, ValueError):
        return ""
    if not 0 < seconds < 1e11:
        return ""
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return f'<time datetime="{moment.isoformat()}">{moment.strftime("%b %d, %Y %H:%M UTC")}</time>'


def _fields(fields: Any, viewer: Viewer) -> str:
    """Short fields side by side, two to a row (as Mattermost lays them out), long ones across."""
    cells = []
    for item in fields if isinstance(fields, list) else []:
        if not isinstance(item, dict):
            continue
        width = "field-short" if item.get("short") is True else "field-long"
        title = f'<div class="field-title">{slack_inline(item.get("title"), viewer)}</div>'
        value = (
            f'<div class="field-value">{slack_markdown(_value(item.get("value")), viewer)}</div>'
        )
        cells.append(f'<div class="attachment-field {width}">{title}{value}</div>')
    return f'<div class="attachment-fields">{"".join(cells)}</div>' if cells else ""


def _value(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _author(attachment: dict[str, Any], viewer: Viewer) -> str:
    linked = bool(attachment.get("author_link"))
    name = slack_inline(attachment.get("author_name"), viewer, links=not linked)
    if not name:
        return ""
    icon = image(attachment.get("author_icon"), "author-icon")
    named = link(attachment.get("author_link"), name)
    return f'<div class="attachment-author">{icon}<span class="author-name">{named}</span></div>'


def _title(attachment: dict[str, Any], viewer: Viewer) -> str:
    linked = bool(attachment.get("title_link"))
    title = slack_inline(attachment.get("title"), viewer, links=not linked)
    if not title:
        return ""
    return f'<div class="attachment-title">{link(attachment.get("title_link"), title)}</div>'


def _footer(attachment: dict[str, Any], viewer: Viewer) -> str:
    text = slack_inline(attachment.get("footer"), viewer)
    stamp = _timestamp(attachment.get("ts"))
    if not text and not stamp:
        return ""
    icon = image(attachment.get("footer_icon"), "footer-icon")
    parts = [f'<span class="footer-text">{text}</span>' if text else "", stamp]
    return f'<div class="attachment-footer">{icon}{"<span> · </span>".join(p for p in parts if p)}</div>'


def _action(action: Any) -> str:
    """A legacy attachment action: Slack labels it ``text``, Mattermost ``name``."""
    if not isinstance(action, dict):
        return ""
    label = next(
        (str(action[k]) for k in ("text", "name") if isinstance(action.get(k), str) and action[k]),
        "",
    )
    if action.get("type") == "select":
        options = action.get("options")
        first = options[0] if isinstance(options, list) and options else {}
        return menu(
            label or (str(first.get("text") or "") if isinstance(first, dict) else "") or "Choose…"
        )
    return button(label or "Button", action.get("url"))


def _text_block(attachment: dict[str, Any], key: str, css: str, viewer: Viewer) -> str:
    rendered = slack_markdown(attachment.get(key), viewer)
    return f'<div class="{css}">{rendered}</div>' if rendered else ""


def attachment_html(attachment: Any, viewer: Viewer) -> str:
    """One attachment as Mattermost draws it: pretext above; in the coloured box the author,
    title, text, fields, image, buttons and footer, with the thumbnail on the right."""
    if not isinstance(attachment, dict):
        return ""
    actions = attachment.get("actions")
    parts = [
        _author(attachment, viewer),
        _title(attachment, viewer),
        _text_block(attachment, "text", "attachment-text", viewer),
        _fields(attachment.get("fields"), viewer),
        image(attachment.get("image_url"), "attachment-image", attachment.get("fallback")),
        controls(
            [_action(a) for a in actions] if isinstance(actions, list) else [], "attachment-actions"
        ),
        _footer(attachment, viewer),
    ]
    thumb = image(attachment.get("thumb_url"), "attachment-thumb")
    body = f'<div class="attachment-content">{"".join(parts)}</div>{thumb}'
    pre = _text_block(attachment, "pretext", "attachment-pretext", viewer)
    color = color_attrs(attachment.get("color"))
    return f'<div class="attachment"{color}>{pre}<div class="attachment-body">{body}</div></div>'


def attachments_html(attachments: Any, viewer: Viewer) -> str:
    if not isinstance(attachments, list):
        return ""
    return clean_layout("".join(attachment_html(a, viewer) for a in attachments))

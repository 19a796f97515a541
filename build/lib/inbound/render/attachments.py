"""Slack attachments and Block Kit → safe HTML, laid out as Mattermost draws them.

Every URL passes ``safe_url`` (http/https only for images and links), every text is escaped or
rendered through the sanitising Markdown renderer, and a colour is only ever ``good``,
``warning``, ``danger`` or a validated hex value carried in ``data-color``.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from typing import Any

from inbound.render.markdown import Viewer, render_markdown, safe_url
from inbound.webhooks.blocks import blocks_to_markdown

NAMED_COLORS = frozenset({"good", "warning", "danger"})
_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_IMAGE_SCHEMES = frozenset({"http", "https"})


def color_attrs(color: Any) -> str:
    if not isinstance(color, str):
        return ""
    value = color.strip()
    if value.lower() in NAMED_COLORS:
        return f' data-color="{value.lower()}"'
    match = _HEX.match(value)
    return f' data-color="#{match.group(1)}"' if match else ""


def _image(url: Any, css: str, alt: str = "") -> str:
    src = safe_url(str(url or ""), schemes=_IMAGE_SCHEMES)
    return (
        f'<img class="{css}" src="{escape(src)}" alt="{escape(alt)}" loading="lazy">' if src else ""
    )


def _link(url: Any, label: str) -> str:
    href = safe_url(str(url or ""), schemes=_IMAGE_SCHEMES)
    text = escape(label)
    return (
        f'<a href="{escape(href)}" rel="noopener noreferrer nofollow" target="_blank">{text}</a>'
        if href
        else text
    )


def _timestamp(ts: Any) -> str:
    try:
        seconds = float(ts)
    except (TypeError, ValueError):
        return ""
    if not 0 < seconds < 1e11:
        return ""
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return f'<time datetime="{moment.isoformat()}">{moment.strftime("%b %d, %Y %H:%M UTC")}</time>'


def _fields(fields: list[dict[str, Any]], viewer: Viewer) -> str:
    cells = []
    for item in fields:
        if not isinstance(item, dict):
            continue
        width = "field-short" if item.get("short") else "field-long"
        title = f'<div class="field-title">{escape(str(item.get("title") or ""))}</div>'
        value = f'<div class="field-value">{render_markdown(str(item.get("value") or ""), viewer)}</div>'
        cells.append(f'<div class="attachment-field {width}">{title}{value}</div>')
    return f'<div class="attachment-fields">{"".join(cells)}</div>' if cells else ""


def _author(attachment: dict[str, Any]) -> str:
    name = str(attachment.get("author_name") or "")
    if not name:
        return ""
    icon = _image(attachment.get("author_icon"), "author-icon")
    return (
        f'<div class="attachment-author">{icon}{_link(attachment.get("author_link"), name)}</div>'
    )


def _footer(attachment: dict[str, Any]) -> str:
    parts = [_image(attachment.get("footer_icon"), "footer-icon")]
    if attachment.get("footer"):
        parts.append(f"<span>{escape(str(attachment['footer']))}</span>")
    stamp = _timestamp(attachment.get("ts"))
    if stamp:
        parts.append(stamp)
    body = "".join(p for p in parts if p)
    return f'<div class="attachment-footer">{body}</div>' if body else ""


def attachment_html(attachment: dict[str, Any], viewer: Viewer) -> str:
    if not isinstance(attachment, dict):
        return ""
    pretext = attachment.get("pretext")
    parts = [
        _author(attachment),
        f'<div class="attachment-title">{_link(attachment.get("title_link"), str(attachment["title"]))}</div>'
        if attachment.get("title")
        else "",
        f'<div class="attachment-text">{render_markdown(str(attachment["text"]), viewer)}</div>'
        if attachment.get("text")
        else "",
        _fields(attachment.get("fields") or [], viewer),
        _image(
            attachment.get("image_url"), "attachment-image", str(attachment.get("fallback") or "")
        ),
        _footer(attachment),
    ]
    thumb = _image(attachment.get("thumb_url"), "attachment-thumb")
    body = f'<div class="attachment-content">{"".join(parts)}</div>{thumb}'
    pre = (
        f'<div class="attachment-pretext">{render_markdown(str(pretext), viewer)}</div>'
        if pretext
        else ""
    )
    return f'<div class="attachment"{color_attrs(attachment.get("color"))}>{pre}<div class="attachment-body">{body}</div></div>'


def attachments_html(attachments: Any, viewer: Viewer) -> str:
    if not isinstance(attachments, list):
        return ""
    return "".join(attachment_html(a, viewer) for a in attachments)


def blocks_html(blocks: Any, viewer: Viewer) -> str:
    if not isinstance(blocks, list):
        return ""
    markdown = blocks_to_markdown([b for b in blocks if isinstance(b, dict)], lambda s: s)
    return f'<div class="blocks">{render_markdown(markdown, viewer)}</div>' if markdown else ""

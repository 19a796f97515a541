"""The pieces attachments and Block Kit are drawn with, and the allowlist their HTML must pass.

Images and links only for http(s) URLs (an unsafe or missing one draws nothing, so it takes no
space); buttons and menus, which nothing here can answer: a button with an http(s) ``url`` is a
link styled as a button, anything else an inactive look-alike whose title says why. Sender text
goes through ``slack_markdown`` / ``slack_inline``: Slack markup (``<url|text>``, ``<!here>``,
``<@U…>``) translated with no lookups, then the sanitising Markdown renderer.
"""

from __future__ import annotations

from html import escape
from typing import Any

import nh3

from inbound.render.markdown import (
    ATTRIBUTES,
    CLASSES,
    TAGS,
    URL_SCHEMES,
    Viewer,
    render_inline,
    render_markdown,
    safe_url,
)
from inbound.webhooks.slack import ATTACHMENT_LINK, NO_LOOKUPS, TEXT_LINK, translate

WEB = frozenset({"http", "https"})
INACTIVE_BUTTON = "Interactive buttons are not supported here"
INACTIVE_MENU = "Interactive menus are not supported here"

_LAYOUT_ATTRIBUTES = {
    **ATTRIBUTES,
    "a": ATTRIBUTES["a"] | {"target"},
    "div": {"class", "data-color"},
    "img": ATTRIBUTES["img"] | {"loading"},
    "span": ATTRIBUTES["span"] | {"title"},
    "time": {"datetime"},
}
_layout_cleaner = nh3.Cleaner(
    tags=TAGS | {"time"},
    attributes=_LAYOUT_ATTRIBUTES,
    allowed_classes=CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def clean_layout(markup: str) -> str:
    """The last line of defence for attachment and block HTML (Markdown parts are clean already;
    this holds the hand-built layout to the same rules, plus ``data-color`` and ``<time>``)."""
    return _layout_cleaner.clean(markup)


def slack_markdown(text: Any, viewer: Viewer, *, attachment: bool = True) -> str:
    """A text a sender wrote (attachment text, a field's value, mrkdwn) → HTML."""
    if not isinstance(text, str) or not text:
        return ""
    link = ATTACHMENT_LINK if attachment else TEXT_LINK
    return render_markdown(translate(text, NO_LOOKUPS, link=link), viewer)


def slack_inline(text: Any, viewer: Viewer, *, links: bool = True) -> str:
    """A one-line text (title, author, footer, a field's title) → inline HTML; without ``links``
    (it sits in a link already) a Slack or Markdown link shows as its text."""
    if not isinstance(text, str) or not text:
        return ""
    return render_inline(translate(text, NO_LOOKUPS, link=ATTACHMENT_LINK), viewer, links=links)


def web_url(url: Any) -> str:
    return safe_url(url, schemes=WEB) if isinstance(url, str) else ""


def image(url: Any, css: str, alt: Any = "") -> str:
    src = web_url(url)
    label = escape(alt if isinstance(alt, str) else "")
    return f'<img class="{css}" src="{escape(src)}" alt="{label}" loading="lazy">' if src else ""


def link(url: Any, inner: str) -> str:
    """``inner`` (HTML) as a link to ``url``, or just ``inner`` when the URL is not http(s)."""
    href = web_url(url)
    return f'<a href="{escape(href)}" target="_blank">{inner}</a>' if href else inner


def button(label: str, url: Any = None) -> str:
    href = web_url(url)
    if href:
        return f'<a class="button" href="{escape(href)}" target="_blank">{escape(label)}</a>'
    title = escape(INACTIVE_BUTTON)
    return f'<span class="button button-inactive" title="{title}">{escape(label)}</span>'


def menu(label: str) -> str:
    title = escape(INACTIVE_MENU)
    return f'<span class="menu menu-inactive" title="{title}">{escape(label)}</span>'


def controls(items: list[str], css: str = "controls") -> str:
    shown = [item for item in items if item]
    return f'<div class="{css}">{"".join(shown)}</div>' if shown else ""

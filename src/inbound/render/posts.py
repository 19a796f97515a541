"""A post as the web app draws it: who (with overrides and the BOT tag), avatar, and HTML."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import emoji

from inbound.config import Config
from inbound.models import Post, User
from inbound.render.attachments import attachments_html, blocks_html
from inbound.render.markdown import Viewer, render_markdown, safe_url


def icon_emoji(value: str) -> str:
    """``ghost``, ``:ghost:`` or a literal emoji → the emoji character ("" when unknown)."""
    name = value.strip()
    if emoji.is_emoji(name):
        return name
    rendered = emoji.emojize(f":{name.strip(':')}:", language="alias")
    return rendered if emoji.is_emoji(rendered) else ""


def avatar(post: Post, author: User | None, config: Config) -> dict[str, str]:
    props = post.props
    if props.get("from_webhook") == "true" and config.service["EnablePostIconOverride"]:
        glyph = icon_emoji(str(props.get("override_icon_emoji") or ""))
        if glyph:
            return {"kind": "emoji", "value": glyph}
        url = safe_url(
            str(props.get("override_icon_url") or ""), schemes=frozenset({"http", "https"})
        )
        if url:
            return {"kind": "url", "value": url}
    name = author.username if author else "?"
    return {"kind": "initials", "value": name[:2].upper()}


def display_name(post: Post, author: User | None, config: Config) -> str:
    override = post.props.get("override_username")
    if (
        post.props.get("from_webhook") == "true"
        and config.service["EnablePostUsernameOverride"]
        and override
    ):
        return str(override)
    return author.username if author else "unknown"


HTML_CACHE_CHARS = 8_000_000  # ~8 MB of HTML: a few thousand posts
_html_cache: OrderedDict[tuple[str, int, Viewer], str] = OrderedDict()
_html_cache_chars = 0


def post_html(post: Post, viewer: Viewer) -> str:
    """The post's message, attachments and blocks as safe HTML.

    Markdown parsing is pure Python (a 4,000-character log takes ~2 ms), so recent renderings
    are kept, up to ``HTML_CACHE_CHARS`` characters: a post's HTML changes only when the post
    does (``update_at``) or for another reader (``viewer``), so reopening a channel renders
    nothing.
    """
    global _html_cache_chars
    key = (post.id, post.update_at, viewer)
    html = _html_cache.get(key)
    if html is not None:
        _html_cache.move_to_end(key)
        return html
    props = post.props
    html = render_markdown(post.message, viewer)
    html += attachments_html(props.get("attachments"), viewer)
    html += blocks_html(props.get("blocks"), viewer)
    _html_cache[key] = html
    _html_cache_chars += len(html)
    while _html_cache_chars > HTML_CACHE_CHARS and _html_cache:
        _html_cache_chars -= len(_html_cache.popitem(last=False)[1])
    return html


def post_view(
    post: Post, author: User | None, config: Config, viewer: Viewer, *, reply_count: int = 0
) -> dict[str, Any]:
    props = post.props
    html = post_html(post, viewer)
    return {
        "id": post.id,
        "channel_id": post.channel_id,
        "root_id": post.root_id,
        "user_id": post.user_id,
        "create_at": post.create_at,
        "edited": post.edit_at > 0,
        "username": author.username if author else "",
        "display_name": display_name(post, author, config),
        "is_bot": props.get("from_webhook") == "true",
        "avatar": avatar(post, author, config),
        "html": html,
        "reply_count": reply_count,
        "mentions_me": bool(viewer.username) and f'data-username="{viewer.username}"' in html,
    }

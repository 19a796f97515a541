"""A post as the web app draws it: who (with overrides and the BOT tag), avatar, and HTML.

The HTML is cached per post version and reader; on the event loop it comes from ``post_htmls``,
which renders in the worker processes of ``render.pool`` within a page budget and shows what is
not ready in time as escaped plain text (``render.fallback``).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future
from functools import partial
from typing import Any

import emoji

from inbound.config import Config
from inbound.models import Post, Reaction, User
from inbound.render.attachments import attachments_html, blocks_html
from inbound.render.emojis import glyph
from inbound.render.fallback import fallback_html, is_fallback, plain_text
from inbound.render.markdown import Viewer, render_markdown, safe_url
from inbound.render.pool import RenderPool


def icon_emoji(value: str) -> str:
    """``ghost``, ``:ghost:`` or a literal emoji → the emoji character ("" when unknown)."""
    name = value.strip()
    if emoji.is_emoji(name):
        return name
    rendered = emoji.emojize(f":{name.strip(':')}:", language="alias")
    return rendered if emoji.is_emoji(rendered) else ""


def avatar(post: Post, author: User | None, config: Config) -> dict[str, str]:
    props = post.props
    if props.get("from_webhook") == "true" and config.service.enable_post_icon_override:
        glyph = icon_emoji(str(props.get("override_icon_emoji") or ""))
        if glyph:
            return {"kind": "emoji", "value": glyph}
        url = safe_url(
            str(props.get("override_icon_url") or ""), schemes=frozenset({"http", "https"})
        )
        if url:
            return {"kind": "url", "value": url}
    if props.get("from_webhook") == "true":
        return {"kind": "webhook", "value": ""}  # no icon of its own: the integration's picture
    name = author.username if author else "?"
    return {"kind": "initials", "value": name[:2].upper()}


def display_name(post: Post, author: User | None, config: Config) -> str:
    override = post.props.get("override_username")
    if (
        post.props.get("from_webhook") == "true"
        and config.service.enable_post_username_override
        and override
    ):
        return str(override)
    return author.username if author else "unknown"


EXCERPT_CHARS = 100  # "Commented on …'s message: …" shows about this much of the root
_MARKUP = str.maketrans("", "", "*_`~#>|")


def excerpt(post: Post, limit: int = EXCERPT_CHARS) -> str:
    """The post as one short line of plain text: Markdown's marks dropped, white space folded,
    cut at ``limit`` characters (linear; only the first few kilobytes are looked at)."""
    text = plain_text(post.message[: limit * 40], {"attachments": post.props.get("attachments")})
    folded = " ".join(text[: limit * 40].translate(_MARKUP).split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


HTML_CACHE_CHARS = 8_000_000  # ~8 MB of HTML: a few thousand posts
PAGE_BUDGET_S = 1.5  # a page waits this long for renderings, then shows the rest as text
STARTUP_S = 30.0  # the first page also waits for the workers to start (not in the budget)
UNRENDERABLE_KEPT = 10_000  # post versions known to exceed the CPU limit (any reader)

CacheKey = tuple[str, int, Viewer]
_html_cache: OrderedDict[CacheKey, str] = OrderedDict()
_html_cache_chars = 0
_lock = threading.Lock()  # the cache is filled from the render pool's threads
_rendering: dict[CacheKey, Future[str | None]] = {}
_unrenderable: OrderedDict[tuple[str, int], None] = OrderedDict()
_pool = RenderPool()  # starts its workers on first use, or when a serving runtime starts


WARM_UP = (  # one message that touches every part of the renderer (and its lazy tables)
    "**warm** _up_ :tada: @all ~town-square <https://example.com|link>\n"
    "| a | b |\n|:-:|--:|\n| 1 | 2 |\n```python\nx = 1\n```",
    [{"color": "good", "title": "t", "fields": [{"title": "f", "value": "v", "short": True}]}],
    [{"type": "section", "text": {"type": "mrkdwn", "text": "*b*"}}],
    Viewer("warm-up"),
)


def start_renderers() -> None:
    """Start the render workers now, in the background, and have them render one message (a
    serving process calls this at start: the first channel anyone opens would otherwise wait
    a second or more for the workers' imports and first renderings)."""
    _pool.warm()
    _pool.submit(render_post, *WARM_UP, cost=0)


def render_post(message: str, attachments: Any, blocks: Any, viewer: Viewer) -> str:
    """The post's message, attachments and blocks as safe HTML (no cache: a worker runs this)."""
    html = render_markdown(message, viewer)
    html += attachments_html(attachments, viewer)
    html += blocks_html(blocks, viewer)
    return html


def render_cost(text: str) -> int:
    """A guess at how long ``text`` takes to render, to start cheap posts first: its length,
    and much more for the punctuation markdown-it backtracks on."""
    return len(text) + 16 * sum(text.count(c) for c in "[]!*_`<>|\\")


def _cached(key: CacheKey) -> str | None:
    with _lock:
        html = _html_cache.get(key)
        if html is not None:
            _html_cache.move_to_end(key)
        return html


def _remember(key: CacheKey, html: str) -> None:
    global _html_cache_chars
    with _lock:
        if key in _html_cache:
            return
        _html_cache[key] = html
        _html_cache_chars += len(html)
        while _html_cache_chars > HTML_CACHE_CHARS and _html_cache:
            _html_cache_chars -= len(_html_cache.popitem(last=False)[1])


def post_html(post: Post, viewer: Viewer) -> str:
    """The post's HTML, rendered here and now (not for the event loop: see ``post_htmls``).

    Recent renderings are kept, up to ``HTML_CACHE_CHARS`` characters: a post's HTML changes
    only when the post does (``update_at``) or for another reader (``viewer``), so reopening a
    channel renders nothing.
    """
    key = (post.id, post.update_at, viewer)
    html = _cached(key)
    if html is None:
        props = post.props
        html = render_post(post.message, props.get("attachments"), props.get("blocks"), viewer)
        _remember(key, html)
    return html


def _finished(
    key: CacheKey, version: tuple[str, int], text: str, future: Future[str | None]
) -> None:
    """A rendering ended (in a pool thread): cache its HTML, or the fallback when it ran out of
    CPU time, which also spares every other reader the attempt."""
    with _lock:
        _rendering.pop(key, None)
    if future.cancelled() or future.exception() is not None:
        return  # dropped, or its worker died: the next view tries again
    html = future.result()
    if html is None:
        with _lock:
            _unrenderable[version] = None
            while len(_unrenderable) > UNRENDERABLE_KEPT:
                _unrenderable.popitem(last=False)
        html = fallback_html(text)
    _remember(key, html)


def _start_all(
    found: Sequence[tuple[Post, CacheKey, str]],
) -> list[Future[str | None] | None]:
    """Each post's rendering in the pool (already running for this key, or queued now, the
    page's posts together: ``RenderPool.submit_all``); ``None`` for one that will not be
    rendered: known to be too slow, or the queue is full."""
    futures: list[Future[str | None] | None] = [None] * len(found)
    calls: list[tuple[tuple[Any, ...], int]] = []
    queued: list[int] = []
    for index, (post, key, text) in enumerate(found):
        with _lock:
            running = _rendering.get(key)
            hopeless = (post.id, post.update_at) in _unrenderable
        if running is not None or hopeless:
            futures[index] = running
            continue
        props = post.props
        args = (post.message, props.get("attachments"), props.get("blocks"), key[2])
        calls.append((args, render_cost(text)))
        queued.append(index)
    for index, future in zip(queued, _pool.submit_all(render_post, calls), strict=True):
        futures[index] = future
        if future is not None:
            post, key, text = found[index]
            with _lock:
                _rendering[key] = future
            future.add_done_callback(partial(_finished, key, (post.id, post.update_at), text))
    return futures


async def _settled(futures: Sequence[Future[Any]], *, seconds: float) -> None:
    """Wait until every future is done or ``seconds`` passed, without a thread."""
    if not futures:
        return
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()
    left = [len(futures)]
    counting = threading.Lock()

    def wake() -> None:
        if not waiter.done():
            waiter.set_result(None)

    def one_done(_future: Future[Any]) -> None:
        with counting:
            left[0] -= 1
            last = left[0] == 0
        if last:
            with contextlib.suppress(RuntimeError):  # the page's loop is gone (shutdown)
                loop.call_soon_threadsafe(wake)

    for future in futures:
        future.add_done_callback(one_done)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(waiter, seconds)


def _outcome(future: Future[str | None], text: str) -> str:
    if future.done() and not future.cancelled() and future.exception() is None:
        html = future.result()
        if html is not None:
            return html
    return fallback_html(text)


def _has_content(post: Post) -> bool:
    return bool(post.message or post.props.get("attachments") or post.props.get("blocks"))


async def post_htmls(
    found: Sequence[Post], viewer: Viewer, *, budget: float = PAGE_BUDGET_S
) -> list[str]:
    """Each post's HTML, rendered off the event loop: from the cache, else by the render pool
    within ``budget`` seconds for the whole page. A post not ready by then is shown as escaped
    plain text (``fallback_html``) while its rendering goes on and fills the cache, so the
    next view shows it rendered."""
    htmls = [_cached((p.id, p.update_at, viewer)) if _has_content(p) else "" for p in found]
    missing = [
        (index, (post, (post.id, post.update_at, viewer), plain_text(post.message, post.props)))
        for index, post in enumerate(found)
        if htmls[index] is None
    ]
    waiting: dict[int, tuple[Future[str | None], str]] = {}
    for (index, (_, _, text)), future in zip(
        missing, _start_all([item for _, item in missing]), strict=True
    ):
        if future is None:
            htmls[index] = fallback_html(text)
        else:
            waiting[index] = (future, text)
    if waiting:
        await _settled([_pool.warm()], seconds=STARTUP_S)
        await _settled([future for future, _ in waiting.values()], seconds=budget)
    for index, (future, text) in waiting.items():
        htmls[index] = _outcome(future, text)
    return [html or "" for html in htmls]


NAMES_PER_REACTION = 20  # who reacted, for the tooltip; ``count`` is exact


def reaction_groups(reactions: Sequence[Reaction], me: str) -> list[dict[str, Any]]:
    """The post's reactions by emoji, in the order each emoji first came: how many, whether
    ``me`` (a user id) is among them, and who (user ids: ``me`` first, then up to
    ``NAMES_PER_REACTION`` in all, in the order they reacted)."""
    groups: dict[str, dict[str, Any]] = {}
    for reaction in reactions:
        name = reaction.emoji_name
        group = groups.setdefault(
            name, {"emoji_name": name, "glyph": glyph(name), "count": 0, "mine": False, "users": []}
        )
        group["count"] += 1
        if reaction.user_id == me:
            group["mine"] = True
            group["users"].insert(0, me)
        else:
            group["users"].append(reaction.user_id)
    for group in groups.values():
        del group["users"][NAMES_PER_REACTION:]
    return list(groups.values())


def name_reactors(groups: Sequence[dict[str, Any]], usernames: dict[str, str]) -> None:
    """Replace each group's user ids by ``{"id", "username"}`` (for the tooltip)."""
    for group in groups:
        group["users"] = [
            {"id": u, "username": usernames.get(u, "someone")} for u in group["users"]
        ]


def post_view(
    post: Post,
    author: User | None,
    config: Config,
    viewer: Viewer,
    *,
    reply_count: int = 0,
    html: str | None = None,
    reactions: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """What the web app draws for the post; ``html`` from ``post_htmls`` (else rendered now).
    ``rendered`` is false when the HTML is the plain-text fallback."""
    props = post.props
    html = post_html(post, viewer) if html is None else html
    rendered = not is_fallback(html)
    return {
        "id": post.id,
        "channel_id": post.channel_id,
        "root_id": post.root_id,
        "user_id": post.user_id,
        "create_at": post.create_at,
        "update_at": post.update_at,
        "type": post.type,
        "edited": post.edit_at > 0,
        "username": author.username if author else "",
        "display_name": display_name(post, author, config),
        "is_bot": props.get("from_webhook") == "true",
        "avatar": avatar(post, author, config),
        "html": html,
        "reply_count": reply_count,
        "rendered": rendered,
        "mentions_me": bool(viewer.username) and f'data-username="{viewer.username}"' in html,
        "reactions": list(reactions),  # reaction_groups
    }

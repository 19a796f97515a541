"""Mattermost-style Markdown → safe HTML.

markdown-it-py (CommonMark + GFM tables, strikethrough, autolinks) renders; as in Mattermost, every
newline of a paragraph is a line break (not in code), and a table column's alignment is a class
(``align-center``…: the page's CSP allows no inline style); raw HTML in a message is escaped; Pygments highlights fenced code; text runs get emoji
shortcodes, ``@mentions`` and ``~channel`` links; nh3 sanitises the result as a last line of
defence, so only http(s)/mailto links and http(s) images survive.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import emoji
import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from inbound.render import speedups

TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ATTRIBUTES = {
    "a": {"href", "title", "class", "data-channel"},
    "img": {"src", "alt", "title", "class"},
    "span": {"class", "data-username"},
    "code": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "ol": {"start"},
}
ALIGNMENTS = {"left", "center", "right"}
# td/th may carry only these classes (nh3 wants them here, not in ATTRIBUTES)
CLASSES = {cell: {f"align-{side}" for side in ALIGNMENTS} for cell in ("td", "th")}
URL_SCHEMES = {"http", "https", "mailto"}
_SHORTCODE = re.compile(r":([a-z0-9_+\-]+):")
_MENTION = re.compile(r"(?<![\w@/])@([a-z0-9.\-_]+[a-z0-9_])", re.IGNORECASE)
_CHANNEL = re.compile(r"(?<![\w~])~([a-z0-9\-_]+)")
SPECIAL_MENTIONS = frozenset({"channel", "all", "here"})
_formatter = HtmlFormatter(nowrap=True, classes=True)


@dataclass(frozen=True)
class Viewer:
    """Who is reading, so their own mentions stand out; and how to link channels."""

    username: str = ""
    team_name: str = ""
    channel_names: frozenset[str] = field(default_factory=frozenset)


def _highlight(code: str, lang: str, _attrs: Any) -> str:
    try:
        lexer = get_lexer_by_name(lang.strip()) if lang.strip() else None
    except ClassNotFound:
        lexer = None
    body = highlight(code, lexer, _formatter) if lexer else html.escape(code)
    return f'<pre class="code"><code class="highlight">{body}</code></pre>'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return new_parser()


def new_parser(*, shortcuts: bool = True) -> MarkdownIt:
    """markdown-it configured as Mattermost renders; with ``shortcuts``, made faster by
    ``render.speedups`` (same output: ``tests/render/test_speedups.py`` compares the two)."""
    md = MarkdownIt(
        "commonmark",
        {
            "html": False,
            "breaks": True,
            "linkify": True,
            "typographer": False,
            "highlight": _highlight,
        },
    )
    md.enable(["table", "strikethrough", "linkify"])
    if shortcuts:
        speedups.install(md)
    return md


@lru_cache(maxsize=1)
def _emoji_names() -> frozenset[str]:
    """Every ``:name:`` emojize knows (English names and aliases): it looks each unknown one up
    by scanning all of its emoji (about 1 ms), so a page of ``:x1: :x2: …`` took a minute."""
    names: set[str] = set()
    for data in emoji.EMOJI_DATA.values():
        names.add(data["en"])
        names.update(data.get("alias", []))
    return frozenset(names)


def _shortcode(match: re.Match[str]) -> str:
    code = match.group(0)
    return _emojized(code) if code in _emoji_names() else code


@lru_cache(maxsize=8192)  # only known names get here: about 5,000 of them
def _emojized(code: str) -> str:
    rendered = emoji.emojize(code, language="alias")
    return rendered if rendered != code else code


def _text_html(text: str, viewer: Viewer) -> str:
    escaped = html.escape(text, quote=False)
    if ":" in escaped:  # each pattern below starts at its one character: skip it when absent
        escaped = _SHORTCODE.sub(_shortcode, escaped)

    def mention(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        own = name == viewer.username or (name in SPECIAL_MENTIONS and bool(viewer.username))
        css = "mention mention-self" if own else "mention"
        return f'<span class="{css}" data-username="{name}">@{match.group(1)}</span>'

    def channel(match: re.Match[str]) -> str:
        name = match.group(1)
        if viewer.team_name and name in viewer.channel_names:
            return f'<a class="channel-link" href="/{viewer.team_name}/channels/{name}">~{name}</a>'
        return match.group(0)

    if "@" in escaped:
        escaped = _MENTION.sub(mention, escaped)
    return _CHANNEL.sub(channel, escaped) if "~" in escaped else escaped


_LINK_TOKENS = {"link_open": 1, "link_close": -1}


def _render(md: MarkdownIt, tokens: Sequence[Token], viewer: Viewer, *, links: bool = True) -> str:
    """Render tokens with markdown-it's own rules, except plain text outside links, which gets
    emoji, mentions and channel links (code spans and blocks are other token types). Without
    ``links``, a link is drawn as its text (for text that sits inside a link already)."""
    renderer = cast(RendererHTML, md.renderer)
    listed = list(tokens)
    out = []
    inside_link = 0
    for index, token in enumerate(listed):
        inside_link += _LINK_TOKENS.get(token.type, 0)
        if token.type in ("th_open", "td_open"):
            _align_by_class(token)
        if token.type in _LINK_TOKENS and not links:
            continue
        if token.type == "inline" and token.children is not None:
            out.append(_render(md, token.children, viewer, links=links))
        elif token.type == "text" and not inside_link:
            out.append(_text_html(token.content, viewer))
        elif token.type in renderer.rules:
            out.append(renderer.rules[token.type](listed, index, md.options, {}))
        else:
            out.append(renderer.renderToken(listed, index, md.options, {}))
    return "".join(out)


def _align_by_class(cell: Token) -> None:
    """markdown-it aligns a column with ``style="text-align:…"``: make it ``class="align-…"``."""
    style = str(cell.attrs.pop("style", ""))
    side = style.removeprefix("text-align:")
    if side in ALIGNMENTS:
        cell.attrSet("class", f"align-{side}")


def render_markdown(text: str, viewer: Viewer = Viewer()) -> str:
    """Safe HTML for one message."""
    if not text:
        return ""
    md = _parser()
    return sanitize(_render(md, md.parse(text), viewer))


def render_inline(text: str, viewer: Viewer = Viewer(), *, links: bool = True) -> str:
    """Safe HTML for one line of an attachment (a title, an author, a footer): emphasis, code,
    links, emoji and mentions, but no blocks (a "# " or "- " stays text)."""
    if not text:
        return ""
    md = _parser()
    return sanitize(_render(md, md.parseInline(text), viewer, links=links))


_cleaner = nh3.Cleaner(
    tags=TAGS,
    attributes=ATTRIBUTES,
    allowed_classes=CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize(markup: str) -> str:
    return _cleaner.clean(markup)


def safe_url(url: str, *, schemes: frozenset[str] = frozenset({"http", "https", "mailto"})) -> str:
    """The URL when its scheme is allowed (http, https, mailto), else ""."""
    value = url.strip()
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    return value if scheme in schemes and not any(c in value for c in "\n\r\t") else ""


def code_css() -> str:
    return str(_formatter.get_style_defs(".highlight"))

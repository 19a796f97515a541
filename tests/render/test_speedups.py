"""The renderer's shortcuts (``render.speedups``) give markdown-it-py's own answers."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from inbound.render import markdown, speedups
from inbound.render.markdown import Viewer, render_markdown

VIEWER = Viewer("ann", "main", frozenset({"off-topic"}))
_PIECES = st.sampled_from(
    ["a", "word", " ", "\n", "\n\n", "\t", ".", "..", ".com", ".co.", ".1.", ".12.", ".org>",
     ".xn--p1ai", ".рф", "1.2.3.4", "@", "a@b.co", ":", "://", "//", "http:", "HTTPS:", "ftp:",
     "mailto:", "httpſ:", "localhost", "LOCALHOſT", "www.", "WWW.", "wWw", "_", "-", "<", ">",
     "｜", "、", "\x00", "\x85", "é", "日本", "*", "**", "~", "~~", "`", "[", "]", "(", ")", "!",
     "&", "&amp;", "\\", "#", "- ", "1. ", "> ", "|", "|-|", "$", "%", "^", "+", "=", "{", "}",
     "@ann", "~off-topic", ":tada:", "[l](http://l.m)", "![i](http://p.q/r.png)", "<http://a.b>",
     "[x]: http://y.z", "[x]", "2026-11-27T12:00:00Z", "worker[42]"]
)  # fmt: skip
TEXT = st.lists(_PIECES, max_size=50).map("".join)


@lru_cache(maxsize=1)
def plain_parser() -> MarkdownIt:
    """The renderer's parser without the shortcuts."""
    return markdown.new_parser(shortcuts=False)


def test_every_shortcut_is_installed() -> None:
    """A markdown-it-py or linkify-it-py upgrade that changes their shape turns them off:
    look again at speedups.py then."""
    assert speedups.install(markdown.new_parser(shortcuts=False)) == [
        "no html rules",
        "terminators",
        "pretest",
    ]


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_quick_pretest_answers_as_linkify_it(text: str) -> None:
    linkify = plain_parser().linkify
    quick = speedups.quick_pretest(linkify)
    assert quick is not None
    assert quick(text) == linkify.pretest(text)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_rendering_with_the_shortcuts_is_the_same(text: str) -> None:
    md = plain_parser()
    try:
        expected = markdown.sanitize(markdown._render(md, md.parse(text), VIEWER))
    except RuntimeError:  # markdown-it-py's own "inline rule didn't increment state.pos"
        return
    assert render_markdown(text, VIEWER) == expected


def test_a_log_renders_the_same() -> None:
    line = "2026-11-27T12:00:00Z INFO worker[42] processed batch ok: 10.0.0.1 took 1.5s ~x @y"
    text = "\n".join([line] * 40)
    md = plain_parser()
    expected = markdown.sanitize(markdown._render(md, md.parse(text), VIEWER))
    assert render_markdown(text, VIEWER) == expected

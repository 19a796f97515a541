"""The plain-text fallback: everything a reader should see, escaped, line breaks kept."""

from __future__ import annotations

from typing import Any

import pytest

from inbound.render.fallback import fallback_html, is_fallback, plain_text
from inbound.render.markdown import render_markdown

CASES = [
    pytest.param("hello", {}, "hello", id="plain"),
    pytest.param("a\nb\n\nc", {}, "a\nb\n\nc", id="line-breaks-kept"),
    pytest.param(
        "<script>alert(1)</script>",
        {},
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        id="tags-escaped",
    ),
    pytest.param("\"quote\" & 'apos'", {}, "&quot;quote&quot; &amp; &#x27;apos&#x27;", id="quotes"),
    pytest.param(
        "</pre><img src=x onerror=alert(1)>",
        {},
        "&lt;/pre&gt;&lt;img src=x",
        id="no-escape-from-pre",
    ),
    pytest.param(
        "**not bold** [x](http://a)", {}, "**not bold** [x](http://a)", id="markdown-as-is"
    ),
    pytest.param(
        "msg",
        {
            "attachments": [
                {
                    "pretext": "pre",
                    "title": "T",
                    "text": "body <b>",
                    "fields": [{"title": "k", "value": "v"}, {"title": "only"}, "junk"],
                    "footer": "foot",
                },
                "junk",
            ]
        },
        "msg\npre\nT\nbody &lt;b&gt;\nk: v\nonly\nfoot",
        id="attachments",
    ),
    pytest.param(
        "",
        {
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "Head"}},
                {"type": "section", "fields": [{"type": "mrkdwn", "text": "*f1*"}]},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "ctx"}]},
            ]
        },
        "Head\n*f1*\nctx",
        id="blocks",
    ),
    pytest.param("x", {"attachments": "not a list", "blocks": {"text": 5}}, "x", id="junk-props"),
]


@pytest.mark.parametrize(("message", "props", "expected"), CASES)
def test_fallback_html(message: str, props: dict[str, Any], expected: str) -> None:
    html = fallback_html(plain_text(message, props))
    assert html.startswith('<pre class="plain-text">') and html.endswith("</pre>")
    assert expected in html
    assert html.count("<") == 2  # only the <pre> and </pre>: nothing from the post is markup
    assert is_fallback(html)


def test_an_empty_post_has_no_fallback() -> None:
    assert fallback_html(plain_text("", {})) == ""


def test_deep_blocks_stop_at_a_bound() -> None:
    deep: Any = {"text": "bottom"}
    for _ in range(5000):
        deep = {"elements": [deep]}
    assert plain_text("", {"blocks": [deep]}) == ""


@pytest.mark.parametrize(
    "message",
    ['<pre class="plain-text">x</pre>', "```\ncode\n```", "    indented", "plain"],
)
def test_rendered_markdown_is_never_taken_for_the_fallback(message: str) -> None:
    assert not is_fallback(render_markdown(message))

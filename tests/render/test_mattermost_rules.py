"""Rendering that matches Mattermost's: line breaks, table alignment, Slack markup in every text of
an attachment or a block, buttons and menus, icons; and nothing a stranger sends can slow it or
get past the sanitiser."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.render.attachments import attachments_html, blocks_html
from inbound.render.layout import INACTIVE_BUTTON, INACTIVE_MENU, clean_layout
from inbound.render.markdown import Viewer, render_markdown, sanitize
from inbound.webhooks.blocks import text_markdown
from inbound.webhooks.slack import ATTACHMENT_LINK, NO_LOOKUPS, translate

VIEWER = Viewer("ann")
_STYLED = re.compile(r"<[a-z][^>]*\sstyle\s*=")  # sender text's "<" is always escaped


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("one\ntwo", "<p>one<br>\ntwo</p>"),
        ("Hello, this is some text\nThis is more text. :tada:", "text<br>\nThis is more text. 🎉"),
        ("- one\n  still one\n- two", "<li>one<br>\nstill one</li>"),
        ("> q1\n> q2", "<blockquote>\n<p>q1<br>\nq2</p>"),
        ("**a**\n_b_", "<strong>a</strong><br>\n<em>b</em>"),
        ("one\n\ntwo", "<p>one</p>\n<p>two</p>"),
    ],
    ids=["paragraph", "seed-example", "list-item", "blockquote", "after-emphasis", "blank-line"],
)
def test_newline_is_a_line_break(text: str, html: str) -> None:
    assert html in render_markdown(text, VIEWER)


@pytest.mark.parametrize(
    "text",
    [
        "```\nx\ny\n```",
        "```python\nx = 1\ny = 2\n```",
        "    x\n    y",
        "`x\ny`",
        "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |",
        "# h\ntext",
    ],
    ids=["fence", "fence-highlighted", "indented-code", "code-span", "table", "heading"],
)
def test_no_line_break_where_mattermost_draws_none(text: str) -> None:
    assert "<br>" not in render_markdown(text, VIEWER)


def test_table_stays_a_table_after_a_line() -> None:
    html = render_markdown("Results\n\n| a | b |\n|---|---|\n| 1 | 2 |", VIEWER)
    assert "<table>" in html and html.count("<td") == 2


@pytest.mark.parametrize(
    ("rule", "cell"),
    [
        (":---:", '<td class="align-center">1</td>'),
        ("---:", '<td class="align-right">1</td>'),
        (":---", '<td class="align-left">1</td>'),
        ("---", "<td>1</td>"),
    ],
    ids=["center", "right", "left", "none"],
)
def test_table_alignment_is_a_class(rule: str, cell: str) -> None:
    html = render_markdown(f"| a |\n|{rule}|\n| 1 |", VIEWER)
    assert cell in html and "style" not in html and "align=" not in html


def test_only_alignment_classes_survive_on_cells() -> None:
    cleaned = sanitize('<table><tr><td class="evil align-right">1</td></tr></table>')
    assert '<td class="align-right">' in cleaned


def test_seed_test_results_table_keeps_its_columns() -> None:
    text = (
        "| Component  | Tests Run   | Tests Failed |\n"
        "|:-----------|:-----------:|-------------:|\n"
        "| Server     | 948         | :white_check_mark: 0 |"
    )
    html = render_markdown(text, VIEWER)
    assert '<th class="align-center">Tests Run</th>' in html
    assert '<td class="align-right">✅ 0</td>' in html


SLACK = "see <https://x.org/a|the docs> <!here>"
LINK = '<a href="https://x.org/a"'


@pytest.mark.parametrize(
    ("attachment", "needle"),
    [
        ({"pretext": SLACK}, LINK),
        ({"text": SLACK}, LINK),
        ({"title": SLACK}, LINK),
        ({"author_name": SLACK}, LINK),
        ({"footer": SLACK}, LINK),
        ({"fields": [{"title": SLACK, "value": "v"}]}, LINK),
        ({"fields": [{"title": "t", "value": SLACK}]}, LINK),
        ({"text": "<!channel> go"}, 'data-username="channel">@channel</span>'),
        ({"text": "hi <@U123|ann>"}, 'class="mention mention-self" data-username="ann"'),
        ({"title": SLACK, "title_link": "https://t.org"}, '<a href="https://t.org"'),
        ({"text": "`<https://x.org|kept>`"}, "<code>&lt;https://x.org|kept&gt;</code>"),
        ({"text": "a <> b <|> c"}, "a &lt;&gt; b &lt;|&gt; c"),
    ],
    ids=[
        "pretext",
        "text",
        "title",
        "author",
        "footer",
        "field-title",
        "field-value",
        "announcement",
        "user-label",
        "linked-title-shows-label",
        "code-untouched",
        "angle-brackets-pipes",
    ],
)
def test_slack_markup_in_every_attachment_text(attachment: dict[str, Any], needle: str) -> None:
    html = attachments_html([attachment], VIEWER)
    assert needle in html
    assert "&lt;https://x.org/a|" not in html


def test_linked_title_has_no_link_inside_its_link() -> None:
    html = attachments_html([{"title": SLACK, "title_link": "https://t.org"}], VIEWER)
    title = re.search(r'<div class="attachment-title">(.*?)</div>', html)
    assert title is not None and title.group(1).count("<a ") == 1
    assert "the docs" in title.group(1)


def _section(text: dict[str, Any]) -> dict[str, Any]:
    return {"type": "section", "text": text}


MRKDWN = {"type": "mrkdwn", "text": SLACK}


@pytest.mark.parametrize(
    ("block", "needle"),
    [
        (_section(MRKDWN), LINK),
        ({"type": "section", "fields": [MRKDWN, MRKDWN]}, LINK),
        ({"type": "context", "elements": [MRKDWN]}, LINK),
        (_section({"type": "mrkdwn", "text": "*bold* <!here>"}), "<strong>bold</strong>"),
        (_section({"type": "plain_text", "text": "*not* <https://x|y>"}), "*not* &lt;"),
        ({"type": "header", "text": {"type": "plain_text", "text": "# *H*"}}, "<h3># *H*</h3>"),
        (
            {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
                {"type": "text", "text": "*lit*"}, {"type": "broadcast", "range": "here"}]}]},
            '*lit*<span class="mention mention-self" data-username="here">',
        ),
    ],
    ids=["section", "fields", "context", "mrkdwn", "plain-text", "header", "rich-text"],
)  # fmt: skip
def test_slack_markup_in_every_block_text(block: dict[str, Any], needle: str) -> None:
    assert needle in blocks_html([block], VIEWER)


@pytest.mark.parametrize(
    ("action", "html"),
    [
        (
            {"type": "button", "text": "Open", "url": "https://x.org"},
            '<a class="button" href="https://x.org" target="_blank"',
        ),
        ({"type": "button", "name": "Update"}, f'title="{INACTIVE_BUTTON}">Update</span>'),
        ({"name": "Ephemeral"}, f'title="{INACTIVE_BUTTON}">Ephemeral</span>'),
        ({"type": "button", "text": "x", "url": "javascript:alert(1)"}, "button-inactive"),
        ({"type": "select", "name": "Pick…"}, f'title="{INACTIVE_MENU}">Pick…</span>'),
        ({"type": "select", "options": [{"text": "One", "value": "1"}]}, ">One</span>"),
        ({"type": "button"}, ">Button</span>"),
    ],
    ids=["url", "mattermost-name", "no-type", "unsafe-url", "menu", "menu-option", "no-label"],
)
def test_attachment_actions_are_shown(action: dict[str, Any], html: str) -> None:
    assert html in attachments_html([{"text": "t", "actions": [action]}], VIEWER)


@pytest.mark.parametrize(
    ("element", "html"),
    [
        (
            {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "url": "https://x"},
            '<a class="button" href="https://x"',
        ),
        ({"type": "button", "text": {"type": "plain_text", "text": "Go"}}, "button-inactive"),
        (
            {"type": "static_select", "placeholder": {"type": "plain_text", "text": "Pick"}},
            f'<span class="menu menu-inactive" title="{INACTIVE_MENU}">Pick</span>',
        ),
        ({"type": "overflow", "options": [{"text": {"type": "plain_text", "text": "A"}}]}, ">A<"),
        ({"type": "datepicker", "initial_date": "2024-05-01"}, ">2024-05-01<"),
    ],
    ids=["button-url", "button", "select", "overflow", "datepicker"],
)
def test_block_controls_are_shown(element: dict[str, Any], html: str) -> None:
    assert html in blocks_html([{"type": "actions", "elements": [element]}], VIEWER)
    accessory = {"type": "section", "text": MRKDWN, "accessory": element}
    assert html in blocks_html([accessory], VIEWER)


@pytest.mark.parametrize("url", [None, "", "javascript:alert(1)", "data:image/png,x", "//x/i.png"])
def test_missing_or_unsafe_icons_take_no_space(url: str | None) -> None:
    attachment = {
        "author_name": "bob",
        "author_icon": url,
        "footer": "F",
        "footer_icon": url,
        "thumb_url": url,
        "text": "t",
    }
    html = attachments_html([attachment], VIEWER)
    assert "<img" not in html
    context = {"type": "context", "elements": [{"type": "image", "image_url": url}, MRKDWN]}
    image = {"type": "image", "image_url": url, "alt_text": "a"}
    assert "<img" not in blocks_html([context, image], VIEWER)


def test_icons_are_drawn_for_web_urls() -> None:
    attachment = {
        "author_name": "bob",
        "author_icon": "https://i/a.png",
        "footer": "F",
        "footer_icon": "http://i/f.png",
        "thumb_url": "https://i/t.png",
    }
    html = attachments_html([attachment], VIEWER)
    for css in ("author-icon", "footer-icon", "attachment-thumb"):
        assert f'<img class="{css}"' in html
    context = {"type": "context", "elements": [{"type": "image", "image_url": "https://i/c.png"}]}
    assert '<img class="context-icon" src="https://i/c.png"' in blocks_html([context], VIEWER)


HOSTILE = [
    "<" * 300_000,
    "<a|" * 100_000,
    "<@a|" * 75_000,
    "<!here|" * 42_000,
    "<#C1|" * 60_000,
    "<http://x|" * 30_000,
    "<a|b>" * 60_000,
    "*a " * 100_000,
    "~a " * 100_000,
    "[" * 300_000,
    "\\<" * 150_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:8]))
def test_slack_markup_of_300_kb_translates_in_a_fraction_of_a_second(text: str) -> None:
    """Every pattern render runs on a sender's text before Markdown (attachment links, message
    links, mrkdwn, plain_text escaping) is linear. Markdown itself is markdown-it's cost, bounded
    by the render pool's CPU limit (tests/test_render_budget.py)."""
    started = time.perf_counter()
    translate(text, NO_LOOKUPS, link=ATTACHMENT_LINK)
    text_markdown({"type": "mrkdwn", "text": text}, lambda s: translate(s, NO_LOOKUPS))
    text_markdown({"type": "plain_text", "text": text}, lambda s: s)
    assert time.perf_counter() - started < 1.0  # three passes; 0.2–0.6 s measured


def test_code_spans_of_300_kb_translate_in_linear_time() -> None:
    """75,000 code spans are held aside one by one (``code_spans``): linear, about 10 µs each."""
    started = time.perf_counter()
    translate("`<a|" * 75_000, NO_LOOKUPS, link=ATTACHMENT_LINK)
    assert time.perf_counter() - started < 2.0


def test_hostile_attachment_renders_within_the_budget() -> None:
    text = "<http://x|" * 1_000  # 10 KB in each of five texts
    attachment = {"pretext": text, "title": text, "footer": text, "text": text}
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    started = time.perf_counter()
    attachments_html([attachment], VIEWER)
    blocks_html([block], VIEWER)
    assert time.perf_counter() - started < 1.5


_PIECES = st.sampled_from(
    ["<", ">", "|", "@", "!", "here", "http://x.org", "javascript:", "*", "_", "`", "\n", "#",
     ":tada:", "[", "]", "(", ")", " ", "a", "\"", "'", "=", "style", "on", "&", "-", ":"]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=40).map("".join)
_VALUE = st.one_of(_TEXT, st.none(), st.integers(), st.booleans(), st.lists(_TEXT, max_size=2))
_ATTACHMENT = st.dictionaries(
    st.sampled_from(
        ["pretext", "text", "title", "title_link", "author_name", "author_icon", "author_link",
         "footer", "footer_icon", "thumb_url", "image_url", "color", "ts", "fallback"]
    ),
    _VALUE,
)  # fmt: skip
_FIELD = st.fixed_dictionaries({"title": _VALUE, "value": _VALUE, "short": _VALUE})
_TEXT_OBJECT = st.fixed_dictionaries(
    {"type": st.sampled_from(["mrkdwn", "plain_text", "x"]), "text": _VALUE}
)
_ELEMENT = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["button", "static_select", "overflow", "image", "mrkdwn"]),
        "text": st.one_of(_TEXT_OBJECT, _VALUE),
        "url": _VALUE,
        "image_url": _VALUE,
        "placeholder": _TEXT_OBJECT,
    }
)
_BLOCK = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["section", "context", "actions", "header", "image", "divider"]),
        "text": st.one_of(_TEXT_OBJECT, _VALUE),
        "fields": st.lists(_TEXT_OBJECT, max_size=2),
        "elements": st.lists(_ELEMENT, max_size=3),
        "accessory": _ELEMENT,
        "image_url": _VALUE,
    }
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(_ATTACHMENT, _ATTACHMENT.map(lambda a: {**a, "actions": [{"type": "button"}]})),
        max_size=2,
    ),
    st.lists(_FIELD, max_size=3),
    st.lists(_BLOCK, max_size=3),
)
def test_any_attachment_or_block_renders_clean(
    attachments: list[dict[str, Any]], fields: list[dict[str, Any]], blocks: list[dict[str, Any]]
) -> None:
    for attachment in attachments:
        attachment["fields"] = fields
    for html in (attachments_html(attachments, VIEWER), blocks_html(blocks, VIEWER)):
        assert clean_layout(html) == html
        assert not _STYLED.search(html)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_any_markdown_passes_the_sanitiser_unchanged(text: str) -> None:
    html = render_markdown(text, VIEWER)
    assert sanitize(html) == html
    assert not _STYLED.search(html)

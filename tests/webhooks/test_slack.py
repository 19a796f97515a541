"""Slack → Markdown translation, one row per rule (and its non-matches)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbound.webhooks.slack import (
    ATTACHMENT_LINK,
    Lookups,
    mrkdwn_to_markdown,
    referenced_ids,
    translate,
)

USER_ID = "bf9gyrjufpfs5eg5yr8wgcbnpr"
CHANNEL_ID = "c9gyrjufpfs5eg5yr8wgcbnpra"
LOOKUPS = Lookups({USER_ID: "jim"}, {CHANNEL_ID: "deploys"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!channel> hi", "@channel hi"),
        ("<!here> hi", "@here hi"),
        ("<!all> hi", "@all hi"),
        ("<!everyone> hi", "@all hi"),
        ("<!group> hi", "@channel hi"),
        ("<!here|here> hi", "@here hi"),
        ("<!channel|channel>", "@channel"),
        (f"<@{USER_ID}> look", "@jim look"),
        (f"<@{USER_ID}|ignored> look", "@jim look"),
        ("<@U999|sam> look", "@sam look"),
        ("<@U999> look", "<@U999> look"),
        (f"see <#{CHANNEL_ID}|general>", "see ~deploys"),
        (f"see <#{CHANNEL_ID}>", "see ~deploys"),
        ("see <#C0000|general>", "see #general"),
        ("<http://www.mattermost.com/>", "<http://www.mattermost.com/>"),
        (
            "Click <http://www.mattermost.com/|here> for a link.",
            "Click [here](http://www.mattermost.com/) for a link.",
        ),
        ("<https://a.b/c?d=1&e=2|label with spaces>", "[label with spaces](https://a.b/c?d=1&e=2)"),
        ("MM-T632 <>|<>|", "MM-T632 <>|<>|"),
        ("if (a < b || c >= d) { }", "if (a < b || c >= d) { }"),
        ("Author: foo <foo@example.org>", "Author: foo <foo@example.org>"),
        ("`<http://x|code>` and <http://y|out>", "`<http://x|code>` and [out](http://y)"),
        ("```\n<!channel> <http://x|y>\n```\n<!here>", "```\n<!channel> <http://x|y>\n```\n@here"),
        ("<http://a|b\nc>", "<http://a|b\nc>"),
        ("a &amp; b &lt;x&gt;", "a &amp; b &lt;x&gt;"),
        ("no markup at all", "no markup at all"),
    ],
    ids=[
        "channel",
        "here",
        "all",
        "everyone",
        "group",
        "labelled-here",
        "labelled-channel",
        "user-id",
        "user-id-known-wins",
        "user-label",
        "unknown-user-stays",
        "channel-link",
        "channel-link-bare",
        "unknown-channel-label",
        "bare-url-stays",
        "link-label",
        "link-query",
        "brackets-pipes-unchanged",
        "code-comparison-unchanged",
        "git-author-unchanged",
        "inline-code-untouched",
        "fence-untouched",
        "no-newline-in-text-link",
        "entities-left-for-renderer",
        "plain",
    ],
)
def test_translate_text(text: str, expected: str) -> None:
    assert translate(text, LOOKUPS) == expected


def test_attachment_link_regex_is_looser() -> None:
    text = "<http://a|b\nc>"
    assert translate(text, LOOKUPS, link=ATTACHMENT_LINK) == "[b\nc](http://a)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*bold*", "**bold**"),
        ("**already**", "**already**"),
        ("~gone~", "~~gone~~"),
        ("_italic_", "_italic_"),
        ("> quote", "> quote"),
        ("a * b * c", "a * b * c"),
        ("2*3*4", "2*3*4"),
        ("*see `x` now*", "**see `x` now**"),
        ("`*code*`", "`*code*`"),
        ("```\n*fence*\n```", "```\n*fence*\n```"),
        ("- *one*\n- *two*", "- **one**\n- **two**"),
    ],
    ids=[
        "bold",
        "markdown-bold",
        "strike",
        "italic",
        "quote",
        "spaced-stars",
        "math",
        "bold-around-code",
        "code",
        "fence",
        "list",
    ],
)
def test_mrkdwn_to_markdown(text: str, expected: str) -> None:
    assert mrkdwn_to_markdown(text) == expected


def test_referenced_ids() -> None:
    assert referenced_ids("<@U1> <@U2|x> <#C1|y> <#C2>") == ({"U1", "U2"}, {"C1", "C2"})


@given(st.text(max_size=200))
def test_translation_never_crashes_and_is_identity_without_brackets(text: str) -> None:
    result = translate(text, LOOKUPS)
    if "<" not in text:
        assert result == text


@given(st.text(alphabet=st.characters(blacklist_characters="<>`~*"), max_size=100))
def test_code_contents_survive_translation(code: str) -> None:
    fence = f"```\n<!channel>{code}\n```"
    assert translate(fence + " <!here>", LOOKUPS).startswith(fence)

"""Block Kit → Markdown."""

from __future__ import annotations

import pytest

from inbound.webhooks.blocks import blocks_to_markdown


def render(*blocks: dict) -> str:  # type: ignore[type-arg]
    return blocks_to_markdown(list(blocks), lambda s: s.replace("<!here>", "@here"))


def test_header_section_divider_image_context() -> None:
    text = render(
        {"type": "header", "text": {"type": "plain_text", "text": "Deploy"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*done* <!here>"}},
        {"type": "divider"},
        {
            "type": "image",
            "image_url": "https://x/i.png",
            "alt_text": "graph",
            "title": {"type": "plain_text", "text": "CPU"},
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "by ci"},
                {"type": "plain_text", "text": "now"},
            ],
        },
    )
    assert (
        text
        == "### Deploy\n\n**done** @here\n\n---\n\n**CPU**\n![graph](<https://x/i.png>)\n\nby ci · now"
    )


def test_section_fields_and_accessories() -> None:
    text = render(
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": "*A*\n1"}, {"type": "plain_text", "text": "B"}],
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open"},
                "url": "https://x",
            },
        }
    )
    assert text == "**A**\n1\nB\n\n[Open](<https://x>)"


@pytest.mark.parametrize(
    ("element", "markdown"),
    [
        (
            {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": "https://x"},
            "[Open](<https://x>)",
        ),
        (
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Go"},
                "url": "https://x/${{ a }}",
            },
            "[Go](<https://x/${{ a }}>)",
        ),
        ({"type": "button", "text": {"type": "plain_text", "text": "Approve"}}, "\\[Approve\\]"),
        (
            {"type": "button", "text": {"type": "plain_text", "text": "x"}, "url": "javascript:x"},
            "\\[x\\]",
        ),
        ({"type": "button"}, "\\[Button\\]"),
        (
            {"type": "static_select", "placeholder": {"type": "plain_text", "text": "Pick"}},
            "\\[Pick ▾\\]",
        ),
        (
            {"type": "overflow", "options": [{"text": {"type": "plain_text", "text": "Edit"}}]},
            "\\[Edit ▾\\]",
        ),
        ({"type": "datepicker", "initial_date": "2024-05-01"}, "\\[2024\\-05\\-01 ▾\\]"),
        ({"type": "users_select"}, "\\[Choose… ▾\\]"),
        ({"type": "unknown_widget"}, ""),
    ],
    ids=[
        "button-url",
        "button-url-with-spaces",
        "button-inactive",
        "button-unsafe-url",
        "button-no-text",
        "menu-placeholder",
        "overflow-first-option",
        "datepicker",
        "menu-nothing",
        "unknown",
    ],
)
def test_controls_are_shown_never_dropped(element: dict, markdown: str) -> None:  # type: ignore[type-arg]
    assert render({"type": "actions", "elements": [element]}) == markdown
    accessory = render({"type": "section", "accessory": element})
    assert accessory == markdown


def test_input_blocks_are_dropped() -> None:
    assert render({"type": "input", "label": {}}) == ""


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("*not bold*", "\\*not bold\\*"),
        ("# not a heading", "\\# not a heading"),
        ("1. not a list", "1\\. not a list"),
        ("<https://x|y>", "\\<https://x\\|y\\>"),
        ("hi :tada: @ann", "hi :tada: @ann"),
    ],
    ids=["emphasis", "heading", "list", "slack-link", "emoji-and-mention-kept"],
)
def test_plain_text_is_not_markdown(text: str, markdown: str) -> None:
    section = {"type": "section", "text": {"type": "plain_text", "text": text}}
    assert render(section) == markdown


def test_rich_text() -> None:
    text = render(
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Hi "},
                        {"type": "text", "text": "bold", "style": {"bold": True}},
                        {"type": "link", "url": "https://x", "text": "link"},
                        {"type": "emoji", "name": "tada"},
                        {"type": "broadcast", "range": "here"},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "ordered",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "one"}],
                        },
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "two"}],
                        },
                    ],
                },
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "code"}]},
                {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted"}]},
            ],
        }
    )
    assert (
        text
        == "Hi **bold**[link](<https://x>):tada:@here\n\n1. one\n2. two\n\n```\ncode\n```\n\n> quoted"
    )


def test_garbage_blocks_render_nothing() -> None:
    assert render({"type": "section", "text": "not an object"}, {"type": 5}, {"no": "type"}) == ""

"""Block Kit → Markdown."""

from __future__ import annotations

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
        == "### Deploy\n\n**done** @here\n\n---\n\n**CPU**\n![graph](https://x/i.png)\n\nby ci · now"
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
    assert text == "**A**\n1\nB\n\n[Open](https://x)"


def test_interactive_blocks_are_dropped() -> None:
    assert (
        render(
            {"type": "actions", "elements": [{"type": "button"}]}, {"type": "input", "label": {}}
        )
        == ""
    )


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
        == "Hi **bold**[link](https://x):tada:@here\n\n1. one\n2. two\n\n```\ncode\n```\n\n> quoted"
    )


def test_garbage_blocks_render_nothing() -> None:
    assert render({"type": "section", "text": "not an object"}, {"type": 5}, {"no": "type"}) == ""

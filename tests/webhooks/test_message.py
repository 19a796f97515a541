"""From request to pieces: props ownership, overrides, types, attachment packing."""

from __future__ import annotations

import pytest

from inbound.errors import BadRequestError
from inbound.webhooks.message import Identity, check_type, mentions_in, pieces, render
from inbound.webhooks.payload import WebhookRequest
from inbound.webhooks.slack import Lookups

IDENTITY = Identity(display_name="CI", username="hookname", icon_url="http://hook/icon.png")


def test_server_owned_props_cannot_be_set_by_the_client() -> None:
    spoof = {
        k: "x"
        for k in (
            "from_webhook",
            "override_username",
            "override_icon_url",
            "override_icon_emoji",
            "webhook_display_name",
            "from_bot",
            "from_plugin",
            "attachments",
        )
    }
    request = render(
        WebhookRequest(text="t", props={**spoof, "card": "keep"}), Lookups(), slack_format=False
    )
    [piece] = pieces(request, IDENTITY, limit=4000)
    assert piece.props == {"card": "keep", "from_webhook": "true", "webhook_display_name": "CI"}


@pytest.mark.parametrize(
    ("username_override", "icon_override", "request_fields", "expected"),
    [
        (False, False, {"username": "robot", "icon_url": "http://r", "icon_emoji": "ghost"}, {}),
        (True, False, {"username": "robot"}, {"override_username": "robot"}),
        (True, False, {}, {"override_username": "hookname"}),
        (
            False,
            True,
            {"icon_emoji": ":ghost:"},
            {"override_icon_url": "http://hook/icon.png", "override_icon_emoji": ":ghost:"},
        ),
        (False, True, {"icon_url": "http://r"}, {"override_icon_url": "http://r"}),
    ],
    ids=[
        "both-off",
        "username-from-payload",
        "username-from-hook",
        "emoji-and-hook-icon",
        "icon-from-payload",
    ],
)
def test_overrides_only_when_settings_allow(
    username_override: bool, icon_override: bool, request_fields: dict, expected: dict
) -> None:  # type: ignore[type-arg]
    identity = Identity("CI", "hookname", "http://hook/icon.png", username_override, icon_override)
    [piece] = pieces(WebhookRequest(text="t", **request_fields), identity, limit=4000)
    assert {k: v for k, v in piece.props.items() if k.startswith("override_")} == expected


def test_default_override_username_is_webhook() -> None:
    [piece] = pieces(WebhookRequest(text="t"), Identity(username_override=True), limit=4000)
    assert piece.props["override_username"] == "webhook"


@pytest.mark.parametrize("post_type", ["", "slack_attachment", "custom_deploy"])
def test_allowed_types(post_type: str) -> None:
    check_type(post_type)


@pytest.mark.parametrize("post_type", ["system_join_channel", "weird"])
def test_other_types_are_rejected(post_type: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        check_type(post_type)
    assert caught.value.error_id == "api.context.invalid_param.app_error"


def test_long_text_with_attachments_puts_them_on_the_last_piece() -> None:
    request = WebhookRequest(text="a" * 8200, attachments=[{"text": "att", "fields": []}])
    made = pieces(request, IDENTITY, limit=4000)
    assert [len(p.message) for p in made] == [4000, 4000, 200]
    assert [("attachments" in p.props) for p in made] == [False, False, True]
    assert made[-1].type == "slack_attachment" and made[0].type == ""


def test_attachments_spill_into_new_pieces_when_props_grow_too_large() -> None:
    big = {"text": "x" * 300_000, "fields": []}
    made = pieces(WebhookRequest(text="t", attachments=[big, big, big]), IDENTITY, limit=4000)
    assert [len(p.props["attachments"]) for p in made] == [2, 1]
    assert [p.message for p in made] == ["t", ""]


def test_one_attachment_too_large_is_400() -> None:
    with pytest.raises(BadRequestError) as caught:
        pieces(
            WebhookRequest(attachments=[{"text": "x" * 800_000, "fields": []}]),
            IDENTITY,
            limit=4000,
        )
    assert caught.value.error_id == "web.incoming_webhook.split_props_length.app_error"


def test_blocks_render_into_empty_text_or_are_kept_in_props() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi* <!here>"}}]
    only_blocks = render(WebhookRequest(blocks=blocks), Lookups(), slack_format=False)
    assert only_blocks.text == "**hi** @here" and "blocks" not in only_blocks.props
    with_text = render(
        WebhookRequest(text="fallback", blocks=blocks), Lookups(), slack_format=False
    )
    assert with_text.text == "fallback" and with_text.props["blocks"] == blocks


def test_attachment_blocks_fill_empty_attachment_text() -> None:
    attachment = {
        "fields": [],
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": "inside"}}],
    }
    rendered = render(WebhookRequest(attachments=[attachment]), Lookups(), slack_format=False)
    assert rendered.attachments[0]["text"] == "inside" and "blocks" not in rendered.attachments[0]


def test_slack_format_converts_mrkdwn_in_text_and_attachments() -> None:
    request = WebhookRequest(
        text="*bold*",
        attachments=[
            {"pretext": "~old~", "fields": [{"title": "t", "value": "*v*", "short": False}]}
        ],
    )
    markdown = render(request, Lookups(), slack_format=False)
    assert markdown.text == "*bold*"
    slack = render(request, Lookups(), slack_format=True)
    assert slack.text == "**bold**"
    assert (
        slack.attachments[0]["pretext"] == "~~old~~"
        and slack.attachments[0]["fields"][0]["value"] == "**v**"
    )


def test_attachment_links_use_the_looser_regex_and_mentions_are_found_everywhere() -> None:
    request = WebhookRequest(
        text="hi @ann",
        attachments=[
            {
                "pretext": "@bob",
                "text": "<http://x|a\nb> @carl",
                "fields": [{"title": "@nobody", "value": "<!channel>", "short": True}],
            }
        ],
    )
    rendered = render(request, Lookups(), slack_format=False)
    assert rendered.attachments[0]["text"] == "[a\nb](http://x) @carl"
    mentions = mentions_in(rendered)
    assert mentions.usernames == {"ann", "bob", "carl"} and mentions.channel

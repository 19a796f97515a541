"""``message.build``, the whole pure hook path: request + lookups in, pieces and mentions out."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.errors import BadRequestError
from inbound.webhooks.blocks import blocks_to_markdown
from inbound.webhooks.message import Checked, Identity, build, check
from inbound.webhooks.payload import DecodeError, WebhookRequest, normalise
from inbound.webhooks.slack import NO_LOOKUPS, Lookups, translate

HOOK = Identity(display_name="CI", username="hookname", icon_url="http://hook/icon.png")
OVERRIDES = Identity("CI", "hookname", "http://hook/icon.png", True, True)
ANN = Lookups({"U1": "ann"}, {"C1": "town"})
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*hi* <@U1> <!here>"}}
ATTACHMENT = {"pretext": "@bob", "text": "<@U1>", "fields": [{"value": "@carl", "short": True}]}

# id, request, lookups, identity, limit, slack → [(message, type)], override props, mentioned names
CASES: list[tuple[Any, ...]] = [
    ("plain-text", WebhookRequest(text="hello @ann"), NO_LOOKUPS, HOOK, 4000, False,
     [("hello @ann", "")], {}, {"ann"}),
    ("blocks-only", WebhookRequest(blocks=[SECTION]), NO_LOOKUPS, HOOK, 4000, False,
     [("**hi** <@U1> @here", "")], {}, {"u1"}),
    ("blocks-only-with-lookups", WebhookRequest(blocks=[SECTION]), ANN, HOOK, 4000, False,
     [("**hi** @ann @here", "")], {}, {"ann"}),
    ("blocks-beside-text", WebhookRequest(text="fallback", blocks=[SECTION]), ANN, HOOK, 4000,
     False, [("fallback", "")], {}, set()),
    ("attachments", WebhookRequest(text="t", attachments=[ATTACHMENT]), ANN, HOOK, 4000, False,
     [("t", "slack_attachment")], {}, {"bob", "ann", "carl"}),
    ("attachments-only", WebhookRequest(attachments=[{"text": "a", "fields": []}]), NO_LOOKUPS,
     HOOK, 4000, False, [("", "slack_attachment")], {}, set()),
    ("split-long-text", WebhookRequest(text="aaaa bbbb cccc dddd eeee"), NO_LOOKUPS, HOOK, 16,
     False, [("aaaa bbbb cccc", ""), ("dddd eeee", "")], {}, set()),
    ("split-with-attachments", WebhookRequest(text="x" * 20, attachments=[ATTACHMENT]),
     NO_LOOKUPS, HOOK, 16, False, [("x" * 16, ""), ("xxxx", "slack_attachment")], {},
     {"bob", "carl", "u1"}),
    ("custom-type", WebhookRequest(text="t", type="custom_deploy"), NO_LOOKUPS, HOOK, 4000, False,
     [("t", "custom_deploy")], {}, set()),
    ("overrides-off", WebhookRequest(text="t", username="robot", icon_emoji=":ghost:"),
     NO_LOOKUPS, HOOK, 4000, False, [("t", "")], {}, set()),
    ("overrides-on", WebhookRequest(text="t", username="robot", icon_emoji=":ghost:"),
     NO_LOOKUPS, OVERRIDES, 4000, False, [("t", "")],
     {"override_username": "robot", "override_icon_url": "http://hook/icon.png",
      "override_icon_emoji": ":ghost:"}, set()),
    ("overrides-on-hook-defaults", WebhookRequest(text="t"), NO_LOOKUPS, OVERRIDES, 4000, False,
     [("t", "")], {"override_username": "hookname", "override_icon_url": "http://hook/icon.png"},
     set()),
    ("mentions-in-attachments", WebhookRequest(text="-", attachments=[ATTACHMENT]), NO_LOOKUPS,
     HOOK, 4000, False, [("-", "slack_attachment")], {}, {"bob", "carl", "u1"}),
    ("slack-format", WebhookRequest(text="*bold* ~old~"), NO_LOOKUPS, HOOK, 4000, True,
     [("**bold** ~~old~~", "")], {}, set()),
    ("markdown-format", WebhookRequest(text="*bold* ~old~"), NO_LOOKUPS, HOOK, 4000, False,
     [("*bold* ~old~", "")], {}, set()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("request_", "lookups", "identity", "limit", "slack", "posts", "overrides", "mentioned"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_build(
    request_: WebhookRequest,
    lookups: Lookups,
    identity: Identity,
    limit: int,
    slack: bool,
    posts: list[tuple[str, str]],
    overrides: dict[str, str],
    mentioned: set[str],
) -> None:
    pieces, mentions = build(request_, lookups, identity=identity, limit=limit, slack=slack)
    assert [(p.message, p.type) for p in pieces] == posts
    for piece in pieces:
        assert piece.props["from_webhook"] == "true"
        assert {k: v for k, v in piece.props.items() if k.startswith("override_")} == overrides
    assert set(mentions.usernames) == mentioned
    assert build(check(request_), lookups, identity=identity, limit=limit, slack=slack) == (
        pieces,
        mentions,
    )


@pytest.mark.parametrize(
    ("request_", "error_id"),
    [
        (WebhookRequest(), "web.incoming_webhook.text.app_error"),
        (WebhookRequest(text=" \n"), "web.incoming_webhook.text.app_error"),
        (WebhookRequest(blocks=[{"type": "actions"}]), "web.incoming_webhook.text.app_error"),
        (WebhookRequest(text="t", type="system_join"), "api.context.invalid_param.app_error"),
        (
            WebhookRequest(attachments=[{"text": "x" * 800_000, "fields": []}]),
            "web.incoming_webhook.split_props_length.app_error",
        ),
    ],
    ids=["empty", "blank-text", "blocks-render-nothing", "type-not-allowed", "attachment-too-big"],
)
def test_build_rejects(request_: WebhookRequest, error_id: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        build(request_, NO_LOOKUPS, identity=HOOK, limit=4000)
    assert caught.value.error_id == error_id


def test_blank_content_comes_before_a_bad_type() -> None:
    with pytest.raises(BadRequestError) as caught:
        check(WebhookRequest(type="system_join"))
    assert caught.value.error_id == "web.incoming_webhook.text.app_error"


# ---------- properties ----------

MARKUP = st.text(alphabet="ab @<>|!#*~`_\n U1C", max_size=40)
KEYS = ["text", "pretext", "title", "value", "elements", "fields", "type", "user_id", "url"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | MARKUP,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=10,
)
BLOCK_TYPES = st.sampled_from(["section", "header", "context", "rich_text", "image", "divider"])
TEXT_OBJECT = st.fixed_dictionaries(
    {"type": st.sampled_from(["mrkdwn", "plain_text"]), "text": MARKUP}
)
RICH_ELEMENT = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "link", "emoji", "user", "channel", "broadcast"])},
    optional={k: MARKUP for k in ("text", "url", "name", "user_id", "channel_id", "range")},
)
RICH_TEXT = st.fixed_dictionaries(
    {
        "type": st.just("rich_text"),
        "elements": st.lists(
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(["rich_text_section", "rich_text_quote"]),
                    "elements": st.lists(RICH_ELEMENT, max_size=3),
                }
            ),
            max_size=2,
        ),
    }
)
BLOCK = (
    st.fixed_dictionaries({"type": BLOCK_TYPES}, optional={k: JSON for k in KEYS[:5]})
    | st.fixed_dictionaries({"type": st.sampled_from(["section", "header"]), "text": TEXT_OBJECT})
    | RICH_TEXT
)
FIELD = st.fixed_dictionaries({"value": MARKUP | st.integers(), "short": st.booleans()})
ATTACHMENT_BODY = st.fixed_dictionaries(
    {},
    optional={
        "text": MARKUP,
        "pretext": MARKUP,
        "title": MARKUP,
        "fields": st.lists(FIELD, max_size=3),
        "blocks": st.lists(BLOCK, max_size=2),
    },
)
BODY = st.fixed_dictionaries(
    {},
    optional={
        "text": MARKUP,
        "username": MARKUP,
        "icon_emoji": MARKUP,
        "type": st.sampled_from(["", "slack_attachment", "custom_x", "system_join"]),
        "attachments": st.lists(ATTACHMENT_BODY, max_size=3),
        "blocks": st.lists(BLOCK, max_size=3),
        "props": st.dictionaries(st.sampled_from(["card", "from_webhook", "attachments"]), JSON),
    },
)
LOOKUPS = st.builds(
    Lookups,
    st.dictionaries(st.sampled_from(["U1", "a", "b"]), st.sampled_from(["ann", "bob"])),
    st.dictionaries(st.sampled_from(["C1", "a"]), st.sampled_from(["town", "off"])),
)
DOCUMENTED = {
    "web.incoming_webhook.text.app_error",
    "api.context.invalid_param.app_error",
    "web.incoming_webhook.split_props_length.app_error",
}
IDENTITY = st.builds(Identity, MARKUP, MARKUP, MARKUP, st.booleans(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(
    body=BODY,
    lookups=LOOKUPS,
    identity=IDENTITY,
    limit=st.integers(16, 64),
    slack=st.booleans(),
)
def test_build_raises_only_bad_request_and_keeps_to_the_limit(
    body: dict[str, Any], lookups: Lookups, identity: Identity, limit: int, slack: bool
) -> None:
    try:
        request = normalise(body)
    except DecodeError:
        return
    try:
        built = build(request, lookups, identity=identity, limit=limit, slack=slack)
    except BadRequestError as error:
        assert error.error_id in DOCUMENTED
        return
    assert built.pieces
    assert all(len(piece.message) <= limit for piece in built.pieces)
    fresh = Checked(request)  # blocks rendered anew, never the rendering check kept
    assert build(fresh, lookups, identity=identity, limit=limit, slack=slack) == built


@settings(max_examples=300, deadline=None)
@given(blocks=st.lists(BLOCK, max_size=4))
def test_translation_never_changes_whether_blocks_say_anything(blocks: list[Any]) -> None:
    """``check`` renders blocks with Slack translation where it once rendered them raw: the
    answer (content or 400) must not change."""
    raw = blocks_to_markdown(blocks, lambda s: s)
    translated = blocks_to_markdown(blocks, lambda s: translate(s, NO_LOOKUPS))
    assert bool(raw.strip()) == bool(translated.strip())

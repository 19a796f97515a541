"""A decoded request + its hook → the posts to write. Pure: lookups are passed in.

Order: translate Slack markup (text, attachments, blocks) → build the props (server-owned keys
set here, never from the client) → split long text into pieces, attachments on the last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from inbound.errors import BadRequest
from inbound.mentions import Mentions, find_mentions
from inbound.models import SERVER_OWNED_PROPS
from inbound.webhooks.blocks import blocks_to_markdown
from inbound.webhooks.payload import WebhookRequest
from inbound.webhooks.slack import ATTACHMENT_LINK, Lookups, mrkdwn_to_markdown, translate
from inbound.webhooks.split import split_text

MAX_PROPS_CHARS = 760_000
ALLOWED_TYPES = ("", "slack_attachment")
SLACK_ATTACHMENT = "slack_attachment"


@dataclass(frozen=True)
class Identity:
    """What the hook and the server settings say about how the post presents itself."""

    display_name: str = ""
    username: str = ""
    icon_url: str = ""
    username_override: bool = False
    icon_override: bool = False
    slack_format: bool = False


@dataclass(frozen=True)
class Piece:
    message: str
    props: dict[str, Any]
    type: str


def check_type(post_type: str) -> None:
    if post_type not in ALLOWED_TYPES and not post_type.startswith("custom_"):
        raise BadRequest(
            "api.context.invalid_param.app_error",
            f"type {post_type!r} is not allowed: use '', 'slack_attachment' or 'custom_…'.",
        )


def _attachment(raw: dict[str, Any], lookups: Lookups, *, slack: bool) -> dict[str, Any]:
    def tr(text: str) -> str:
        converted = translate(text, lookups, link=ATTACHMENT_LINK)
        return mrkdwn_to_markdown(converted) if slack else converted

    out = dict(raw)
    for key in ("pretext", "text", "title"):
        if key in out:
            out[key] = tr(out[key])
    out["fields"] = [{**f, "value": tr(f["value"])} for f in raw.get("fields", [])]
    blocks = out.pop("blocks", None)
    if blocks and not out.get("text"):
        out["text"] = blocks_to_markdown(blocks, lambda s: translate(s, lookups))
    return out


def render(request: WebhookRequest, lookups: Lookups, *, slack_format: bool) -> WebhookRequest:
    """Translate Slack markup everywhere it can appear; render blocks when text is empty."""

    def tr(text: str) -> str:
        converted = translate(text, lookups)
        return mrkdwn_to_markdown(converted) if slack_format else converted

    text = tr(request.text)
    props = {k: v for k, v in request.props.items() if k not in SERVER_OWNED_PROPS}
    if request.blocks:
        if text.strip():
            props["blocks"] = request.blocks
        else:
            text = blocks_to_markdown(request.blocks, lambda s: translate(s, lookups))
    attachments = [_attachment(a, lookups, slack=slack_format) for a in request.attachments]
    return WebhookRequest(
        text=text,
        channel=request.channel,
        username=request.username,
        icon_url=request.icon_url,
        icon_emoji=request.icon_emoji,
        type=request.type,
        attachments=attachments,
        props=props,
        priority=request.priority,
        root_id=request.root_id,
        blocks=request.blocks,
    )


def mentions_in(request: WebhookRequest) -> Mentions:
    """Mentions in the text and in attachment pretext, text and field values."""
    found = find_mentions(request.text)
    for attachment in request.attachments:
        for key in ("pretext", "text"):
            found |= find_mentions(attachment.get(key, ""))
        for item in attachment.get("fields", []):
            found |= find_mentions(item["value"])
    return found


def post_props(request: WebhookRequest, identity: Identity) -> dict[str, Any]:
    props: dict[str, Any] = dict(request.props)
    props["from_webhook"] = "true"
    props["webhook_display_name"] = identity.display_name
    if identity.username_override:
        props["override_username"] = request.username or identity.username or "webhook"
    if identity.icon_override:
        icon_url = request.icon_url or identity.icon_url
        if icon_url:
            props["override_icon_url"] = icon_url
        if request.icon_emoji:
            props["override_icon_emoji"] = request.icon_emoji
    return props


def pieces(request: WebhookRequest, identity: Identity, *, limit: int) -> list[Piece]:
    """The posts of one message, in order: text pieces, attachments with the last one."""
    base = post_props(request, identity)
    post_type = SLACK_ATTACHMENT if request.attachments else request.type
    texts = split_text(request.text, limit)
    out = [Piece(t, dict(base), post_type if not request.attachments else "") for t in texts[:-1]]
    groups = _attachment_groups(request.attachments, base) if request.attachments else []
    last_text = texts[-1]
    if not groups:
        return [*out, Piece(last_text, base, post_type)]
    for index, group in enumerate(groups):
        message = last_text if index == 0 else ""
        out.append(Piece(message, {**base, "attachments": group}, SLACK_ATTACHMENT))
    return out


def _attachment_groups(
    attachments: list[dict[str, Any]], base: dict[str, Any]
) -> list[list[dict[str, Any]]]:
    """Attachments packed so each post's props stay under Mattermost's 760,000 characters."""
    room = MAX_PROPS_CHARS - len(orjson.dumps(base))
    groups: list[list[dict[str, Any]]] = []
    used = room + 1
    for index, attachment in enumerate(attachments):
        size = len(orjson.dumps(attachment)) + 1
        if size > room:
            raise BadRequest(
                "web.incoming_webhook.split_props_length.app_error",
                f"attachments[{index}] is too large to store ({size} characters of JSON; the limit is {room}).",
            )
        if used + size > room:
            groups.append([])
            used = 0
        groups[-1].append(attachment)
        used += size
    return groups

"""A decoded request + its hook → the posts to write. Pure: lookups are passed in.

``check`` runs first, before any storage (Mattermost answers a message without content, or of a
type not allowed, before it looks at the key). ``build`` then does the rest in one call:
translate Slack markup (text, attachments, blocks) → build the props (server-owned keys set here,
never from the client) → split long text into pieces, attachments on the last → find mentions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from inbound.errors import BadRequestError
from inbound.mentions import Mentions, find_mentions
from inbound.models import SERVER_OWNED_PROPS
from inbound.webhooks.blocks import blocks_to_markdown
from inbound.webhooks.payload import WebhookRequest
from inbound.webhooks.slack import (
    ATTACHMENT_LINK,
    NO_LOOKUPS,
    Lookups,
    mrkdwn_to_markdown,
    referenced_ids,
    translate,
)
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


@dataclass(frozen=True)
class Piece:
    message: str
    props: dict[str, Any]
    type: str


@dataclass(frozen=True)
class TranslatedMessage:
    """A request with its Slack markup translated: what its posts are made of. The client's props
    have lost the server-owned keys; blocks became the text when there was none."""

    text: str
    attachments: list[dict[str, Any]]
    props: dict[str, Any]
    type: str = ""
    username: str = ""
    icon_url: str = ""
    icon_emoji: str = ""


@dataclass(frozen=True)
class Checked:
    """A request that passed ``check``. A Block-Kit-only message had its blocks rendered there to
    tell whether it says anything; without lookups that rendering is final, so ``build`` reuses it
    instead of rendering the blocks again."""

    request: WebhookRequest
    blocks_text: str | None = None


class Built(NamedTuple):
    pieces: list[Piece]
    mentions: Mentions


def check(request: WebhookRequest) -> Checked:
    """The answers that need no storage: a message must say something, in an allowed type."""
    blocks_text = None
    if not request.text.strip() and not request.attachments:
        blocks_text = _blocks_text(request.blocks, NO_LOOKUPS)
        if not blocks_text.strip():
            raise BadRequestError(
                "web.incoming_webhook.text.app_error",
                "No text specified: send text, attachments or blocks.",
            )
    check_type(request.type)
    return Checked(request, blocks_text)


def build(
    request: WebhookRequest | Checked,
    lookups: Lookups,
    *,
    identity: Identity,
    limit: int,
    slack: bool = False,
) -> Built:
    """The posts' pieces (messages of at most ``limit`` characters) and the mentions.

    ``slack`` converts Slack's mrkdwn emphasis (a hook whose format is ``slack``). Raises only
    ``BadRequestError``: from ``check`` (when given a bare request) and for an attachment too large
    to store.
    """
    checked = request if isinstance(request, Checked) else check(request)
    reusable = not lookups.usernames and not lookups.channel_names
    blocks_text = checked.blocks_text if reusable else None
    translated = render(checked.request, lookups, slack_format=slack, blocks_text=blocks_text)
    return Built(pieces(translated, identity, limit=limit), mentions_in(translated))


def check_type(post_type: str) -> None:
    if post_type not in ALLOWED_TYPES and not post_type.startswith("custom_"):
        raise BadRequestError(
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


def _blocks_text(blocks: list[dict[str, Any]], lookups: Lookups) -> str:
    return blocks_to_markdown(blocks, lambda s: translate(s, lookups))


def render(
    request: WebhookRequest,
    lookups: Lookups,
    *,
    slack_format: bool,
    blocks_text: str | None = None,
) -> TranslatedMessage:
    """Translate Slack markup everywhere it can appear; render blocks when text is empty
    (``blocks_text``: that rendering, already made with these lookups)."""

    def tr(text: str) -> str:
        converted = translate(text, lookups)
        return mrkdwn_to_markdown(converted) if slack_format else converted

    text = tr(request.text)
    props = {k: v for k, v in request.props.items() if k not in SERVER_OWNED_PROPS}
    if request.blocks:
        if text.strip():
            props["blocks"] = request.blocks
        elif blocks_text is not None:
            text = blocks_text
        else:
            text = _blocks_text(request.blocks, lookups)
    return TranslatedMessage(
        text=text,
        attachments=[_attachment(a, lookups, slack=slack_format) for a in request.attachments],
        props=props,
        type=request.type,
        username=request.username,
        icon_url=request.icon_url,
        icon_emoji=request.icon_emoji,
    )


def referenced(request: WebhookRequest) -> tuple[set[str], set[str]]:
    """The ``<@ID>`` and ``<#ID>`` references anywhere in the message, for the caller to look up."""
    user_ids: set[str] = set()
    channel_ids: set[str] = set()
    for text in _texts(request):
        if "<@" in text or "<#" in text:
            users, channels = referenced_ids(text)
            user_ids |= users
            channel_ids |= channels
    return user_ids, channel_ids


def _texts(request: WebhookRequest) -> list[str]:
    """Every string Slack markup may hide in: text, attachment text fields, field values."""
    texts = [request.text]
    if not request.attachments and not request.blocks:
        return texts
    for attachment in request.attachments:
        texts.extend(attachment.get(k, "") for k in ("pretext", "text", "title"))
        texts.extend(f["value"] for f in attachment.get("fields", ()))
    if request.blocks:
        texts.append(str(request.blocks))
    return texts


def mentions_in(request: TranslatedMessage) -> Mentions:
    """Mentions in the text and in attachment pretext, text and field values."""
    found = find_mentions(request.text)
    for attachment in request.attachments:
        for key in ("pretext", "text"):
            found |= find_mentions(attachment.get(key, ""))
        for item in attachment.get("fields", []):
            found |= find_mentions(item["value"])
    return found


def post_props(request: TranslatedMessage, identity: Identity) -> dict[str, Any]:
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


def pieces(request: TranslatedMessage, identity: Identity, *, limit: int) -> list[Piece]:
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
            raise BadRequestError(
                "web.incoming_webhook.split_props_length.app_error",
                f"attachments[{index}] is too large to store ({size} characters of JSON; the limit is {room}).",
            )
        if used + size > room:
            groups.append([])
            used = 0
        groups[-1].append(attachment)
        used += size
    return groups

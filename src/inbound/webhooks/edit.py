"""An edit of a hook's post (senders.md §2): body → the fields it sets → the post's new values.

Pure: the caller reads the post and passes the lookups in. Fields the body sets replace the
post's, absent ones are kept (a ``null`` value counts as absent). Everything goes through the
posting rules: Slack markup translated (``message.render``), client props stripped of the
server-owned keys, the username and icon overrides only when the server allows them, the type
``slack_attachment`` exactly while there are attachments. ``channel``, ``root_id``, ``type`` and
``priority`` are ignored, so a sender may PATCH the very body it POSTed. An edit never splits:
text over the limit is a 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from inbound.errors import BadRequestError
from inbound.models import SERVER_OWNED_PROPS, Post
from inbound.webhooks import message
from inbound.webhooks.decode import decode_value
from inbound.webhooks.payload import WebhookRequest, normalise, present_keys
from inbound.webhooks.slack import Lookups

EDITABLE = frozenset(
    {"text", "blocks", "attachments", "props", "username", "icon_url", "icon_emoji"}
)
EMPTY = "web.incoming_webhook.edit.empty.app_error"
TOO_LONG = "web.incoming_webhook.edit.too_long.app_error"
TEXT = "web.incoming_webhook.text.app_error"
PROPS_TOO_LARGE = "web.incoming_webhook.split_props_length.app_error"
KEPT_BY_PROPS = SERVER_OWNED_PROPS | {"blocks"}  # a ``props`` edit replaces everything else
OVERRIDES = (  # (field, prop, which setting allows it)
    ("username", "override_username", "username_override"),
    ("icon_url", "override_icon_url", "icon_override"),
    ("icon_emoji", "override_icon_emoji", "icon_override"),
)


@dataclass(frozen=True)
class Edit:
    request: WebhookRequest
    fields: frozenset[str]  # the editable fields the body sets


def decode_edit(body: bytes, content_type: str = "", query: bytes = b"") -> Edit:
    """The same body formats and decoding rules as ``POST /hooks/{key}``."""
    value = decode_value(body, content_type, query)
    return Edit(normalise(value), present_keys(value) & EDITABLE)


def check(edit: Edit) -> None:
    """The answer that needs no storage: an edit must change something."""
    if not edit.fields:
        raise BadRequestError(
            EMPTY,
            "Nothing to change: send text, attachments, props, blocks, username, icon_url "
            "or icon_emoji.",
        )


def edited(
    post: Post,
    edit: Edit,
    lookups: Lookups,
    *,
    identity: message.Identity,
    limit: int,
    slack: bool = False,
) -> dict[str, Any]:
    """The post's new ``message``, ``props`` and ``type``; raises ``BadRequestError`` for text
    over ``limit``, an edit that leaves the post saying nothing, or props too large to store."""
    translated = message.render(edit.request, lookups, slack_format=slack)
    text = translated.text if edit.fields & {"text", "blocks"} else post.message
    props = _props(post, edit, translated, identity)
    post_type = _type(post, edit, props)
    _check_result(text, props, edit, limit=limit)
    return {"message": text, "props": props, "type": post_type}


def _props(
    post: Post, edit: Edit, translated: message.TranslatedMessage, identity: message.Identity
) -> dict[str, Any]:
    fields, request = edit.fields, edit.request
    props = dict(post.props)
    if "props" in fields:
        kept = {k: v for k, v in props.items() if k in KEPT_BY_PROPS}
        props = {k: v for k, v in request.props.items() if k not in KEPT_BY_PROPS} | kept
    if "blocks" in fields:  # as posting: blocks beside text, or (without text) they are the text
        props.pop("blocks", None)
        if request.blocks and request.text.strip():
            props["blocks"] = request.blocks
    if "attachments" in fields:
        props.pop("attachments", None)
        if translated.attachments:
            props["attachments"] = translated.attachments
    base = message.post_props(translated, identity)
    for field, prop, setting in OVERRIDES:
        if field in fields and getattr(identity, setting):
            if prop in base:
                props[prop] = base[prop]
            else:
                props.pop(prop, None)
    return props


def _type(post: Post, edit: Edit, props: dict[str, Any]) -> str:
    if "attachments" not in edit.fields:
        return post.type
    if props.get("attachments"):
        return message.SLACK_ATTACHMENT
    return "" if post.type == message.SLACK_ATTACHMENT else post.type


def _check_result(text: str, props: dict[str, Any], edit: Edit, *, limit: int) -> None:
    if len(text) > limit:
        raise BadRequestError(
            TOO_LONG,
            f"The edited text is {len(text)} characters long; the limit is {limit} "
            "(ServiceSettings.PostMessageMaxRunes). An edit is never split into more posts.",
        )
    if not text.strip() and not props.get("attachments"):
        raise BadRequestError(
            TEXT, "The edit would leave the post empty: keep some text, attachments or blocks."
        )
    if edit.fields & {"props", "attachments", "blocks"}:
        size = len(orjson.dumps(props))
        if size > message.MAX_PROPS_CHARS:
            raise BadRequestError(
                PROPS_TOO_LARGE,
                f"The edited post's props are too large to store ({size} characters of JSON; "
                f"the limit is {message.MAX_PROPS_CHARS}).",
            )

"""Mattermost API v4 JSON shapes of inbound's nouns (shared by the API and the websocket)."""

from __future__ import annotations

from typing import Any

import orjson

from inbound.models import (
    Channel,
    ChannelMember,
    IncomingHook,
    Post,
    Preference,
    Reaction,
    Team,
    TeamMember,
    User,
)
from inbound.services.deliveries import Delivery
from inbound.services.posts import PostList
from inbound.services.search import SearchResults
from inbound.services.teams import TeamUnread
from inbound.services.users import VisibleUser


def user_json(user: User, *, as_admin: bool = False) -> dict[str, Any]:
    """``failed_attempts`` (logins) only for a system admin's eyes."""
    data = {
        "id": user.id,
        "create_at": user.create_at,
        "update_at": user.update_at,
        "delete_at": user.delete_at,
        "username": user.username,
        "auth_data": "",
        "auth_service": "",
        "email": user.email,
        "email_verified": True,
        "nickname": user.nickname,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "position": "",
        "roles": user.roles,
        "locale": user.locale,
        "is_bot": False,
        "props": {},
        "notify_props": {},
        "timezone": {},
    }
    if as_admin:
        data["failed_attempts"] = user.failed_attempts
    return data


# What Mattermost's ``User.ClearNonProfileFields`` blanks in anyone's profile but one's own.
NON_PROFILE_FIELDS: dict[str, Any] = {
    "auth_data": "",
    "email_verified": False,
    "notify_props": {},
    "last_password_update": 0,
    "failed_attempts": 0,
}


def profile_json(user: User, *, show_email: bool, as_admin: bool) -> dict[str, Any]:
    """Another user's profile as Mattermost's ``SanitizeProfile`` leaves it: account fields
    blanked, the email only when ``show_email``, the auth service only for admins."""
    data = user_json(user, as_admin=as_admin)
    for key, blank in NON_PROFILE_FIELDS.items():
        if key in data and not (as_admin and key == "failed_attempts"):
            data[key] = blank
    if not show_email:
        data["email"] = ""
    if not as_admin:
        data["auth_service"] = ""
    return data


def visible_user_json(seen: VisibleUser) -> dict[str, Any]:
    if seen.whole:
        return user_json(seen.user, as_admin=seen.as_admin)
    return profile_json(seen.user, show_email=seen.show_email, as_admin=seen.as_admin)


def team_json(team: Team) -> dict[str, Any]:
    return {
        "id": team.id,
        "create_at": team.create_at,
        "update_at": team.update_at,
        "delete_at": team.delete_at,
        "display_name": team.display_name,
        "name": team.name,
        "description": team.description,
        "email": team.email,
        "type": team.type,
        "company_name": "",
        "allowed_domains": "",
        "invite_id": team.invite_id,
        "allow_open_invite": team.allow_open_invite,
        "scheme_id": None,
        "group_constrained": None,
    }


def team_member_json(member: TeamMember) -> dict[str, Any]:
    return {
        "team_id": member.team_id,
        "user_id": member.user_id,
        "roles": member.roles,
        "delete_at": member.delete_at,
        "scheme_user": True,
        "scheme_guest": False,
        "scheme_admin": member.is_admin,
        "explicit_roles": "",
    }


def channel_json(channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "create_at": channel.create_at,
        "update_at": channel.update_at,
        "delete_at": channel.delete_at,
        "team_id": channel.team_id,
        "type": channel.type,
        "display_name": channel.display_name,
        "name": channel.name,
        "header": channel.header,
        "purpose": channel.purpose,
        "last_post_at": channel.last_post_at,
        "total_msg_count": channel.total_msg_count,
        "extra_update_at": 0,
        "creator_id": channel.creator_id,
        "scheme_id": None,
        "group_constrained": None,
    }


def channel_member_json(member: ChannelMember) -> dict[str, Any]:
    return {
        "channel_id": member.channel_id,
        "user_id": member.user_id,
        "roles": member.roles,
        "last_viewed_at": member.last_viewed_at,
        "msg_count": member.msg_count,
        "mention_count": member.mention_count,
        "notify_props": {
            "desktop": "default",
            "email": "default",
            "mark_unread": "all",
            "push": "default",
        },
        "last_update_at": member.last_update_at,
        "scheme_user": True,
        "scheme_admin": "channel_admin" in member.roles.split(),
    }


def reaction_json(reaction: Reaction) -> dict[str, Any]:
    """Mattermost's ``Reaction`` (inbound deletes reactions: ``delete_at`` is always 0)."""
    return {
        "user_id": reaction.user_id,
        "post_id": reaction.post_id,
        "emoji_name": reaction.emoji_name,
        "create_at": reaction.create_at,
        "update_at": reaction.create_at,
        "delete_at": 0,
        "remote_id": "",
        "channel_id": reaction.channel_id,
    }


def post_json(post: Post, *, reply_count: int = 0) -> dict[str, Any]:
    """Mattermost's ``Post``; ``metadata.reactions`` and ``has_reactions`` only when it has some
    (omitempty)."""
    metadata = post.metadata
    if post.reactions:
        metadata = {**metadata, "reactions": [reaction_json(r) for r in post.reactions]}
    data = {
        "id": post.id,
        "create_at": post.create_at,
        "update_at": post.update_at,
        "edit_at": post.edit_at,
        "delete_at": post.delete_at,
        "is_pinned": post.is_pinned,
        "user_id": post.user_id,
        "channel_id": post.channel_id,
        "root_id": post.root_id,
        "original_id": "",
        "message": post.message,
        "type": post.type,
        "props": post.props,
        "hashtags": post.hashtags,
        "pending_post_id": "",
        "reply_count": reply_count,
        "metadata": metadata,
    }
    if post.reactions:
        data["has_reactions"] = True
    return data


def post_list_json(found: PostList) -> dict[str, Any]:
    """Mattermost's ``PostList``: each post carries its thread's reply count."""
    return {
        "order": found.order,
        "posts": {
            pid: post_json(p, reply_count=found.reply_counts.get(p.root_id or pid, 0))
            for pid, p in found.posts.items()
        },
        "next_post_id": found.next_post_id,
        "prev_post_id": found.prev_post_id,
        "has_next": bool(found.prev_post_id),
    }


def hook_json(hook: IncomingHook) -> dict[str, Any]:
    return {
        "id": hook.id,
        "create_at": hook.create_at,
        "update_at": hook.update_at,
        "delete_at": hook.delete_at,
        "user_id": hook.user_id,
        "channel_id": hook.channel_id,
        "team_id": hook.team_id,
        "display_name": hook.display_name,
        "description": hook.description,
        "username": hook.username,
        "icon_url": hook.icon_url,
        "channel_locked": hook.channel_locked,
        "message_format": hook.message_format,
        "last_used_at": hook.last_used_at,
        "rate_limit_per_sec": hook.rate_limit_per_sec,
        "rate_limit_burst": hook.rate_limit_burst,
        # the secret itself leaves the server once, in the answer that creates it
        "has_signing_secret": bool(hook.signing_secret),
        "allowed_cidrs": hook.cidrs,
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    """One request in a hook's history (senders.md §6): the body as text (invalid UTF-8 as
    U+FFFD), the headers as they were kept (secrets already masked)."""
    try:
        headers = orjson.loads(delivery.headers) if delivery.headers else {}
    except orjson.JSONDecodeError:
        headers = {}
    return {
        "id": delivery.id,
        "create_at": delivery.create_at,
        "remote_addr": delivery.remote_addr,
        "content_type": delivery.content_type,
        "size": delivery.size,
        "status_code": delivery.status_code,
        "error_id": delivery.error_id,
        "error_message": delivery.error_message,
        "latency_ms": round(delivery.latency_us / 1000, 3),
        "post_ids": delivery.post_ids.split(),
        "body": delivery.body.decode("utf-8", "replace"),
        "body_truncated": delivery.body_truncated,
        "headers": headers,
        "outcome": delivery.outcome,
        "source": delivery.source,
    }


def search_results_json(found: SearchResults) -> dict[str, Any]:
    """Mattermost's ``PostSearchResults``: a post list and, per post, the terms it matched."""
    return {
        **post_list_json(found.posts),
        "first_inaccessible_post_time": 0,
        "matches": found.matches or None,
    }


def preference_json(preference: Preference) -> dict[str, Any]:
    return {
        "user_id": preference.user_id,
        "category": preference.category,
        "name": preference.name,
        "value": preference.value,
    }


def team_unread_json(unread: TeamUnread) -> dict[str, Any]:
    """Mattermost's ``TeamUnread``. inbound counts every post (no separate root counts, no
    followed threads): the ``_root`` counts repeat the totals and the thread counts are 0."""
    return {
        "team_id": unread.team_id,
        "msg_count": unread.msg_count,
        "mention_count": unread.mention_count,
        "mention_count_root": unread.mention_count,
        "msg_count_root": unread.msg_count,
        "thread_count": 0,
        "thread_mention_count": 0,
        "thread_urgent_mention_count": 0,
    }

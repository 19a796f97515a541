"""Reactions: a user's emoji on a post ("👀" on an alert says "mine"). Mattermost's rules: one
may react as oneself only, on a post one can read, in a channel that is not archived, with a
system emoji, and a post carries at most ``UNIQUE_EMOJI_PER_POST`` different emoji."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.errors import BadRequestError, ForbiddenError, NotFoundError, permission_denied
from inbound.models import Channel, Post, Reaction, User, is_valid_emoji_name, now_ms
from inbound.render.emojis import is_system_emoji
from inbound.services.context import Context
from inbound.services.events import ReactionAdded, ReactionRemoved
from inbound.services.permissions import can_read_channel
from inbound.services.posts import post_not_found
from inbound.store import channels as channel_store
from inbound.store import posts as post_store
from inbound.store import reactions as reaction_store

UNIQUE_EMOJI_PER_POST = 50  # Mattermost's ServiceSettings.UniqueEmojiReactionLimitPerPost default


def check_emoji_name(name: str) -> None:
    if not is_valid_emoji_name(name):
        raise BadRequestError(
            "model.reaction.is_valid.emoji_name.app_error",
            "emoji_name must be 1 to 64 letters, digits, '-', '+' or '_'.",
        )
    if not is_system_emoji(name):
        raise NotFoundError("app.emoji.get_by_name.no_result", f"There is no emoji named {name!r}.")


async def _post_for(conn: AsyncConnection, actor: User, post_id: str) -> tuple[Post, Channel]:
    """The post and its channel, as Mattermost's ``SessionHasPermissionToChannelByPost``
    then ``GetSinglePost``: a post the caller cannot see is 403 (even when there is none, so
    ids cannot be probed), a deleted one 404."""
    post = await post_store.get_post_by_id(conn, post_id, include_deleted=True)
    channel = await channel_store.get_channel_by_id(conn, post.channel_id) if post else None
    if post is None or channel is None:
        if actor.is_system_admin:
            raise post_not_found()
        raise permission_denied()
    if not await can_read_channel(conn, actor, channel):
        raise permission_denied()
    if post.delete_at:
        raise post_not_found()
    return post, channel


def _not_archived(channel: Channel, error_id: str) -> None:
    if channel.delete_at:
        raise ForbiddenError(error_id, "Reactions cannot change in an archived channel.")


async def add_reaction(ctx: Context, actor: User, reaction: Reaction) -> Reaction:
    """Add ``reaction`` (idempotent: adding it again answers the one already there)."""
    if reaction.user_id != actor.id:
        raise ForbiddenError(
            "api.reaction.save_reaction.user_id.app_error", "You can only react as yourself."
        )
    async with ctx.db.begin() as conn:
        post, channel = await _post_for(conn, actor, reaction.post_id)
        check_emoji_name(reaction.emoji_name)
        await _check_room(conn, post.id, reaction.emoji_name)
        _not_archived(channel, "api.reaction.save.archived_channel.app_error")
        now = now_ms()
        reaction.create_at, reaction.channel_id = now, channel.id
        added = await reaction_store.insert_reaction(conn, reaction)
        if added:
            await reaction_store.touch_post(conn, post.id, at=now)
        else:
            kept = await reaction_store.get_reaction(conn, post.id, actor.id, reaction.emoji_name)
            reaction = kept or reaction
    if added:
        ctx.events.publish(ReactionAdded(reaction))
    return reaction


async def _check_room(conn: AsyncConnection, post_id: str, emoji_name: str) -> None:
    if await reaction_store.has_emoji_on_post(conn, post_id, emoji_name):
        return
    if await reaction_store.count_emoji_on_post(conn, post_id) >= UNIQUE_EMOJI_PER_POST:
        raise BadRequestError(
            "app.reaction.save.save.too_many_reactions",
            f"A post carries at most {UNIQUE_EMOJI_PER_POST} different emoji.",
        )


async def remove_reaction(ctx: Context, actor: User, reaction: Reaction) -> None:
    """Remove ``reaction``; anyone's for a system admin (remove_others_reactions). Removing
    one that is not there is not an error."""
    async with ctx.db.begin() as conn:
        post, channel = await _post_for(conn, actor, reaction.post_id)
        if reaction.user_id != actor.id and not actor.is_system_admin:
            raise permission_denied("You can only remove your own reactions.")
        _not_archived(channel, "api.reaction.delete.archived_channel.app_error")
        reaction.channel_id = channel.id
        removed = await reaction_store.delete_reaction(conn, reaction)
        if removed:
            await reaction_store.touch_post(conn, post.id, at=now_ms())
    if removed:
        ctx.events.publish(ReactionRemoved(reaction))


async def get_reactions(ctx: Context, actor: User, post_id: str) -> list[Reaction]:
    async with ctx.db.connect() as conn:
        post, _ = await _post_for(conn, actor, post_id)
        found = await reaction_store.get_reactions_for_posts(conn, [post.id])
    return found.get(post.id, [])

"""Posts: create (through the group-committing writer), read, page, thread, edit, delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.errors import BadRequestError, ForbiddenError, NotFoundError, permission_denied
from inbound.mentions import Mentions, find_mentions
from inbound.models import DIRECT, SERVER_OWNED_PROPS, Channel, Post, User, new_time_id, now_ms
from inbound.services.context import Context
from inbound.services.events import PostDeleted, PostEdited
from inbound.services.permissions import (
    DELETE_OTHERS_POSTS,
    has_team_permission,
    readable_channel,
)
from inbound.services.writer import PostBatch
from inbound.store import channels as channel_store
from inbound.store import posts as post_store
from inbound.store import reactions as reaction_store
from inbound.store import search as search_store

MAX_PER_PAGE = 200
NAMES_PER_QUERY = 1000


def post_not_found() -> NotFoundError:
    return NotFoundError("app.post.get.app_error", "Unable to get the post.")


def client_props(props: dict[str, Any]) -> dict[str, Any]:
    """What a client may set: everything but the keys only the server writes."""
    return {k: v for k, v in props.items() if k not in SERVER_OWNED_PROPS}


async def mentioned_members(
    conn: AsyncConnection,
    channel: Channel,
    mentions: Mentions,
    *,
    poster_id: str,
    notify_poster: bool,
) -> list[str]:
    """Ids of channel members mentioned by name (DMs: the other member, always)."""
    if channel.type == DIRECT:
        return [u for u in channel.name.split("__") if u != poster_id or notify_poster]
    if not mentions.usernames:
        return []
    names = sorted(mentions.usernames)
    found: list[str] = []
    for start in range(0, len(names), NAMES_PER_QUERY):  # a statement binds ≤ 32,767 values
        chunk = names[start : start + NAMES_PER_QUERY]
        found += await channel_store.get_member_ids_by_usernames(conn, channel.id, chunk)
    return [u for u in found if u != poster_id or notify_poster]


async def check_root(conn: AsyncConnection, channel: Channel, root_id: str) -> None:
    if not root_id:
        return
    root = await post_store.get_post_by_id(conn, root_id)
    if root is None or root.channel_id != channel.id:
        raise BadRequestError(
            "api.post.create_post.root_id.app_error",
            f"root_id {root_id!r} is not a post in this channel.",
        )
    if root.root_id:
        raise BadRequestError(
            "api.post.create_post.root_id.app_error",
            f"root_id {root_id!r} is a reply; reply to its root post {root.root_id!r} instead.",
        )


async def create_post(
    ctx: Context,
    actor: User,
    *,
    channel_id: str,
    message: str,
    root_id: str = "",
    props: dict[str, Any] | None = None,
) -> Post:
    limit = ctx.config.service.post_message_max_runes
    if len(message) > limit:
        raise BadRequestError(
            "model.post.is_valid.msg.app_error", f"The message is longer than {limit} characters."
        )
    if not message.strip() and not props:
        raise BadRequestError("api.post.create_post.empty.app_error", "The message is empty.")
    async with ctx.db.connect() as conn:
        channel = await writable_channel(conn, actor, channel_id)
        await check_root(conn, channel, root_id)
        mentions = find_mentions(message)
        mentioned = await mentioned_members(
            conn, channel, mentions, poster_id=actor.id, notify_poster=False
        )
    now = now_ms()
    post = Post(new_time_id(now), channel.id, actor.id, message, now, now, root_id=root_id)
    post.props = client_props(props or {})
    batch = PostBatch(
        channel,
        [post],
        mentioned_user_ids=mentioned,
        mention_everyone=mentions.everyone,
        exclude_from_mentions=actor.id,
        viewed_by=actor.id,
        sender_name=actor.username,
    )
    await ctx.writer.write(batch)
    return post


async def writable_channel(conn: AsyncConnection, actor: User, channel_id: str) -> Channel:
    channel = await readable_channel(conn, actor, channel_id)
    if channel.delete_at:
        raise ForbiddenError(
            "api.post.create_post.can_not_post_to_deleted.error",
            "Can not post to a deleted (archived) channel.",
        )
    return channel


async def get_post(ctx: Context, actor: User, post_id: str) -> Post:
    async with ctx.db.connect() as conn:
        post = await post_store.get_post_by_id(conn, post_id)
        if post is None:
            raise post_not_found()
        await readable_channel(conn, actor, post.channel_id)
        await attach_reactions(conn, [post])
    return post


@dataclass
class PostList:
    order: list[str]
    posts: dict[str, Post]
    reply_counts: dict[str, int]
    next_post_id: str = ""
    prev_post_id: str = ""


async def attach_reactions(conn: AsyncConnection, found: Sequence[Post]) -> None:
    """Fill each post's ``reactions``: one query for the whole page, never one per post, and
    none when no post has any."""
    reacted = [p.id for p in found if p.has_reactions]
    by_post = await reaction_store.get_reactions_for_posts(conn, reacted) if reacted else {}
    for post in found:
        post.reactions = by_post.get(post.id, [])


async def _post_list(conn: AsyncConnection, found: list[Post]) -> PostList:
    roots = {p.root_id or p.id for p in found}
    counts = await post_store.count_replies(conn, sorted(roots))
    await attach_reactions(conn, found)
    return PostList([p.id for p in found], {p.id: p for p in found}, counts)


async def get_thread(ctx: Context, actor: User, post_id: str) -> PostList:
    post = await get_post(ctx, actor, post_id)
    async with ctx.db.connect() as conn:
        found = await post_store.get_thread(conn, post.root_id or post.id)
        return await _post_list(conn, list(reversed(found)))


async def channel_posts(
    ctx: Context,
    actor: User,
    channel_id: str,
    *,
    page: int = 0,
    per_page: int = 60,
    since: int = 0,
    before: str = "",
    after: str = "",
) -> PostList:
    """Mattermost's channel page: ``since`` (changes), ``before``/``after`` (keyset), or page."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    async with ctx.db.connect() as conn:
        await readable_channel(conn, actor, channel_id)
        if since:
            return await _post_list(conn, await post_store.get_posts_since(conn, channel_id, since))
        anchor_id = before or after
        if anchor_id:
            anchor = await post_store.get_post_by_id(conn, anchor_id, include_deleted=True)
            if anchor is None or anchor.channel_id != channel_id:
                raise post_not_found()
            fetch = post_store.get_posts_before if before else post_store.get_posts_after
            found = await fetch(conn, channel_id, anchor, limit=per_page + 1)
        else:
            found = await post_store.get_posts_page(
                conn, channel_id, offset=page * per_page, limit=per_page + 1
            )
        result = await _paged(conn, found, per_page, after=bool(after))
        if before:
            result.next_post_id = before
        if after:
            result.prev_post_id = after
        return result


async def _paged(
    conn: AsyncConnection, found: list[Post], per_page: int, *, after: bool
) -> PostList:
    """``found`` holds one extra post, which tells whether there is a further page."""
    more = len(found) > per_page
    page = found[len(found) - per_page :] if after and more else found[:per_page]
    result = await _post_list(conn, page)
    if more and not after:
        result.prev_post_id = found[per_page].id
    if more and after:
        result.next_post_id = found[0].id
    return result


@dataclass(frozen=True)
class PostPatch:
    """A post edit: None leaves a field as it is; ``props={}`` clears the client's props."""

    message: str | None = None
    props: dict[str, Any] | None = None
    is_pinned: bool | None = None


@dataclass(frozen=True)
class PostRights:
    """What the actor may do to other people's posts in one channel (their own: always)."""

    edit_others: bool
    delete_others: bool

    def may_edit(self, actor: User, post: Post) -> bool:
        return post.user_id == actor.id or self.edit_others

    def may_delete(self, actor: User, post: Post) -> bool:
        return post.user_id == actor.id or self.delete_others


@dataclass(frozen=True)
class PageContext:
    """What the web app shows around a page of one channel's posts, read in one go."""

    roots: dict[str, Post]  # the root of each reply on the page, by id
    rights: PostRights  # the rules ``patch_post`` and ``delete_post`` apply
    last_viewed_at: int  # the actor's, as it is now (0 when not a member)


async def page_context(
    ctx: Context, actor: User, channel_id: str, found: list[Post]
) -> PageContext:
    """For posts of ``channel_id`` the actor was allowed to read: a few queries per page, on one
    connection, whatever the number of posts. A root is always in its replies' channel
    (``check_root``); a deleted root has no replies left."""
    roots = {p.id: p for p in found if not p.root_id}
    wanted = sorted({p.root_id for p in found if p.root_id and p.root_id not in roots})
    async with ctx.db.connect() as conn:
        if wanted:
            roots.update((p.id, p) for p in await post_store.get_posts_by_ids(conn, wanted))
        others = await _may_delete_others(ctx, conn, actor, channel_id)
        member = await channel_store.get_channel_member(conn, channel_id, actor.id)
    rights = PostRights(edit_others=actor.is_system_admin, delete_others=others)
    needed = {p.root_id for p in found if p.root_id}
    return PageContext(
        {r.id: r for r in roots.values() if r.id in needed and r.channel_id == channel_id},
        rights,
        member.last_viewed_at if member else 0,
    )


async def patch_post(ctx: Context, actor: User, post_id: str, patch: PostPatch) -> Post:
    post = await get_post(ctx, actor, post_id)
    if post.user_id != actor.id and not actor.is_system_admin:
        raise permission_denied("You can only edit your own posts.")
    now = now_ms()
    values: dict[str, Any] = {"update_at": now}
    if patch.message is not None:
        limit = ctx.config.service.post_message_max_runes
        if len(patch.message) > limit:
            raise BadRequestError(
                "model.post.is_valid.msg.app_error",
                f"The message is longer than {limit} characters.",
            )
        values["message"], values["edit_at"] = patch.message, now
    if patch.props is not None:
        owned = {k: v for k, v in post.props.items() if k in SERVER_OWNED_PROPS}
        values["props"] = {**client_props(patch.props), **owned}
    if patch.is_pinned is not None:
        values["is_pinned"] = patch.is_pinned
    reindex = "message" in values or "props" in values
    async with ctx.db.begin() as conn:
        if reindex:
            await search_store.unindex_post(conn, post.id)
        await post_store.update_post(conn, post.id, **values)
        if reindex:
            await search_store.index_post(conn, post.id)
    updated = await get_post(ctx, actor, post_id)
    ctx.events.publish(PostEdited(updated))
    return updated


async def delete_post(ctx: Context, actor: User, post_id: str) -> None:
    post = await get_post(ctx, actor, post_id)
    now = now_ms()
    async with ctx.db.begin() as conn:
        others = post.user_id != actor.id
        if others and not await _may_delete_others(ctx, conn, actor, post.channel_id):
            raise permission_denied("You can only delete your own posts.")
        await post_store.delete_thread(conn, post.id, at=now)
    post.delete_at = post.update_at = now
    ctx.events.publish(PostDeleted(post))


async def _may_delete_others(
    ctx: Context, conn: AsyncConnection, actor: User, channel_id: str
) -> bool:
    """Mattermost's delete_others_posts: system admins, and team admins in their team."""
    if actor.is_system_admin:
        return True
    channel = await channel_store.get_channel_by_id(conn, channel_id, include_deleted=True)
    if channel is None or not channel.team_id:
        return False
    return await has_team_permission(conn, ctx.config, actor, channel.team_id, DELETE_OTHERS_POSTS)

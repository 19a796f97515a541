"""Read models for the web app: the sidebar with its badges, and posts rendered to HTML."""

from __future__ import annotations

from typing import Any

from inbound.models import DIRECT, Post, User
from inbound.render.markdown import Viewer
from inbound.render.posts import post_htmls, post_view
from inbound.services import channels, posts, teams, users
from inbound.services import search as search_service
from inbound.services.context import Context
from inbound.web import wire


async def viewer_for(ctx: Context, user: User, team_name: str) -> Viewer:
    team = await teams.get_team_by_name(ctx, user, team_name) if team_name else None
    if team is None:
        return Viewer(user.username)
    names = await channels.linkable_names(ctx, user, team.id)
    return Viewer(user.username, team.name, names)


async def sidebar(ctx: Context, user: User, team_name: str) -> dict[str, Any]:
    team = await teams.get_team_by_name(ctx, user, team_name)
    my_teams = await teams.list_teams_for_user(ctx, user, user.id)
    found = await channels.list_for_user(ctx, user, user.id, team.id)
    members = await channels.memberships(ctx, user, [c.id for c in found])
    others = [u for c in found if c.type == DIRECT for u in c.name.split("__") if u != user.id]
    names = {u.id: u.username for u in await users.get_users_by_ids(ctx, sorted(set(others)))}
    items = []
    for channel in found:
        member = members.get(channel.id)
        item = wire.channel_json(channel)
        item["unread"] = max(channel.total_msg_count - (member.msg_count if member else 0), 0)
        item["mentions"] = member.mention_count if member else 0
        if channel.type == DIRECT:
            other = next((u for u in channel.name.split("__") if u != user.id), user.id)
            item["display_name"] = names.get(other, user.username)
            item["dm_username"] = names.get(other, user.username)
        items.append(item)
    return {
        "me": wire.user_json(user),
        "team": wire.team_json(team),
        "teams": [wire.team_json(t) for t in my_teams],
        "channels": items,
        "config": ctx.config.client_subset(),
    }


async def render_posts(
    ctx: Context, found: list[Post], viewer: Viewer, reply_counts: dict[str, int]
) -> list[dict[str, Any]]:
    ids = sorted({p.user_id for p in found})
    authors = {u.id: u for u in await users.get_users_by_ids(ctx, ids)}
    htmls = await post_htmls(found, viewer)  # off the event loop, within a page budget
    return [
        post_view(
            p,
            authors.get(p.user_id),
            ctx.config,
            viewer,
            reply_count=reply_counts.get(p.root_id or p.id, 0),
            html=html,
        )
        for p, html in zip(found, htmls, strict=True)
    ]


async def channel_page(
    ctx: Context,
    user: User,
    channel_id: str,
    *,
    team_name: str,
    before: str = "",
    per_page: int = 60,
) -> dict[str, Any]:
    page = await posts.channel_posts(ctx, user, channel_id, per_page=per_page, before=before)
    viewer = await viewer_for(ctx, user, team_name)
    ordered = [page.posts[pid] for pid in page.order]
    rendered = await render_posts(ctx, ordered, viewer, page.reply_counts)
    return {"posts": rendered, "has_more": bool(page.prev_post_id)}


async def one_post(ctx: Context, user: User, post_id: str, *, team_name: str) -> dict[str, Any]:
    post = await posts.get_post(ctx, user, post_id)
    thread = await posts.get_thread(ctx, user, post.root_id or post.id)
    viewer = await viewer_for(ctx, user, team_name)
    [rendered] = await render_posts(ctx, [post], viewer, thread.reply_counts)
    return rendered


async def thread(ctx: Context, user: User, post_id: str, *, team_name: str) -> dict[str, Any]:
    found = await posts.get_thread(ctx, user, post_id)
    viewer = await viewer_for(ctx, user, team_name)
    ordered = sorted(found.posts.values(), key=lambda p: (p.create_at, p.id))
    return {"posts": await render_posts(ctx, ordered, viewer, found.reply_counts)}


async def search(
    ctx: Context, user: User, team_name: str, request: search_service.SearchRequest
) -> dict[str, Any]:
    """Search results as the web app draws them: each post rendered, with its channel's name,
    and the terms to highlight."""
    team = await teams.get_team_by_name(ctx, user, team_name)
    found = await search_service.search_posts(ctx, user, team.id, request)
    ordered = [found.posts.posts[pid] for pid in found.posts.order]
    viewer = await viewer_for(ctx, user, team_name)
    rendered = await render_posts(ctx, ordered, viewer, found.posts.reply_counts)
    labels = await _channel_labels(ctx, user, team.id, {p.channel_id for p in ordered})
    for item in rendered:
        item["channel_name"], item["channel_display_name"] = labels.get(
            item["channel_id"], ("", "")
        )
    terms = sorted({t for ts in found.matches.values() for t in ts})
    return {"posts": rendered, "terms": terms, "has_more": bool(found.posts.prev_post_id)}


async def _channel_labels(
    ctx: Context, user: User, team_id: str, ids: set[str]
) -> dict[str, tuple[str, str]]:
    """Channel id → (name, display name); a direct message is "@" + the other member."""
    found = [c for c in await channels.list_for_user(ctx, user, user.id, team_id) if c.id in ids]
    dms = {c.id: _other(c.name, user.id) for c in found if c.type == DIRECT}
    names = {u.id: u.username for u in await users.get_users_by_ids(ctx, sorted(set(dms.values())))}
    labels = {c.id: (c.name, c.display_name) for c in found}
    for cid, other in dms.items():
        labels[cid] = (labels[cid][0], "@" + names.get(other, user.username))
    return labels


def _other(name: str, me: str) -> str:
    return next((u for u in name.split("__") if u != me), me)

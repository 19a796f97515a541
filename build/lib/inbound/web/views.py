"""Read models for the web app: the sidebar with its badges, and posts rendered to HTML."""

from __future__ import annotations

from typing import Any

from inbound.models import DIRECT, Post, User
from inbound.render.markdown import Viewer
from inbound.render.posts import display_name, excerpt, post_htmls, post_view
from inbound.services import channels, posts, teams, users
from inbound.services.context import Context
from inbound.services.posts import PageContext
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
    ctx: Context,
    user: User,
    found: list[Post],
    viewer: Viewer,
    reply_counts: dict[str, int],
    around: PageContext,
) -> list[dict[str, Any]]:
    """Each post as the web app draws it, with what the reader may do to it and, for a reply,
    whose message it comments on (``around``: read once for the page, never per post)."""
    ids = sorted({p.user_id for p in (*found, *around.roots.values())})
    authors = {u.id: u for u in await users.get_users_by_ids(ctx, ids)} if ids else {}
    htmls = await post_htmls(found, viewer)  # off the event loop, within a page budget
    views = []
    for p, html in zip(found, htmls, strict=True):
        view = post_view(
            p,
            authors.get(p.user_id),
            ctx.config,
            viewer,
            reply_count=reply_counts.get(p.root_id or p.id, 0),
            html=html,
        )
        view["can_edit"] = around.rights.may_edit(user, p)
        view["can_delete"] = around.rights.may_delete(user, p)
        root = around.roots.get(p.root_id) if p.root_id else None
        if root is not None:
            view["root"] = {
                "display_name": display_name(root, authors.get(root.user_id), ctx.config),
                "excerpt": excerpt(root),
            }
        views.append(view)
    return views


async def _rendered(
    ctx: Context, user: User, found: list[Post], reply_counts: dict[str, int], *, team_name: str
) -> tuple[list[dict[str, Any]], PageContext]:
    channel_id = found[0].channel_id if found else ""
    around = await posts.page_context(ctx, user, channel_id, found)
    viewer = await viewer_for(ctx, user, team_name)
    return await render_posts(ctx, user, found, viewer, reply_counts, around), around


async def channel_page(
    ctx: Context,
    user: User,
    channel_id: str,
    *,
    team_name: str,
    before: str = "",
    per_page: int = 60,
) -> dict[str, Any]:
    """A page of the channel, newest first. ``last_viewed_at`` is the reader's as it is now,
    before the web app marks the channel viewed: the "New Messages" line goes above the first
    post of someone else newer than it (0 when the reader is not a member)."""
    page = await posts.channel_posts(ctx, user, channel_id, per_page=per_page, before=before)
    ordered = [page.posts[pid] for pid in page.order]
    around = await posts.page_context(ctx, user, channel_id, ordered)
    viewer = await viewer_for(ctx, user, team_name)
    rendered = await render_posts(ctx, user, ordered, viewer, page.reply_counts, around)
    return {
        "posts": rendered,
        "has_more": bool(page.prev_post_id),
        "last_viewed_at": around.last_viewed_at,
    }


async def one_post(ctx: Context, user: User, post_id: str, *, team_name: str) -> dict[str, Any]:
    post = await posts.get_post(ctx, user, post_id)
    thread = await posts.get_thread(ctx, user, post.root_id or post.id)
    [rendered], _ = await _rendered(ctx, user, [post], thread.reply_counts, team_name=team_name)
    return rendered


async def thread(ctx: Context, user: User, post_id: str, *, team_name: str) -> dict[str, Any]:
    found = await posts.get_thread(ctx, user, post_id)
    ordered = sorted(found.posts.values(), key=lambda p: (p.create_at, p.id))
    rendered, _ = await _rendered(ctx, user, ordered, found.reply_counts, team_name=team_name)
    return {"posts": rendered}

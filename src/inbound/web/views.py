"""Read models for the web app: the sidebar with its badges, and posts rendered to HTML."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from inbound.models import DIRECT, Post, User, new_id
from inbound.render.markdown import Viewer
from inbound.render.posts import (
    display_name,
    excerpt,
    name_reactors,
    post_htmls,
    post_view,
    reaction_groups,
)
from inbound.services import channels, posts, teams, users
from inbound.services import search as search_service
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
    """Each post as ``user`` sees it: what they may do to it, its reactions (read with the
    page) and, for a reply, whose message it comments on (``around``: read once for the page,
    never per post). Authors, roots' authors and reactors come in one query."""
    groups = [reaction_groups(p.reactions, user.id) for p in found]
    reactors = {u for post_groups in groups for g in post_groups for u in g["users"]}
    ids = sorted({p.user_id for p in (*found, *around.roots.values())} | reactors)
    people = {u.id: u for u in await users.get_users_by_ids(ctx, ids)} if ids else {}
    names = {u.id: u.username for u in people.values()}
    htmls = await post_htmls(found, viewer)  # off the event loop, within a page budget
    views = []
    for post, html, post_groups in zip(found, htmls, groups, strict=True):
        name_reactors(post_groups, names)
        view = post_view(
            post,
            people.get(post.user_id),
            ctx.config,
            viewer,
            reply_count=reply_counts.get(post.root_id or post.id, 0),
            html=html,
            reactions=post_groups,
        )
        view["can_edit"] = around.rights.may_edit(user, post)
        view["can_delete"] = around.rights.may_delete(user, post)
        root = around.roots.get(post.root_id) if post.root_id else None
        if root is not None:
            view["root"] = {
                "display_name": display_name(root, people.get(root.user_id), ctx.config),
                "excerpt": excerpt(root),
            }
        views.append(view)
    return views


PREVIEW_BUDGET_S = 5.0  # one message someone asked to see: worth a longer wait than a page's


async def preview_views(
    ctx: Context, user: User, found: list[Post], *, team_name: str
) -> list[dict[str, Any]]:
    """The test console's posts (``services.preview``: not stored, ids "") as the channel view
    draws them, rendered off the event loop as a page is. Each is rendered under a throwaway
    id: the HTML cache is keyed by post id, and every preview's would be ""."""
    ids = sorted({p.user_id for p in found})
    people = {u.id: u for u in await users.get_users_by_ids(ctx, ids)} if ids else {}
    viewer = await viewer_for(ctx, user, team_name)
    keyed = [replace(p, id=new_id()) for p in found]
    htmls = await post_htmls(keyed, viewer, budget=PREVIEW_BUDGET_S)
    return [
        post_view(post, people.get(post.user_id), ctx.config, viewer, html=html)
        for post, html in zip(found, htmls, strict=True)
    ]


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


async def search(
    ctx: Context, user: User, team_name: str, request: search_service.SearchRequest
) -> dict[str, Any]:
    """Search results as the web app draws them: each post rendered, with its channel's name,
    and the terms to highlight."""
    team = await teams.get_team_by_name(ctx, user, team_name)
    found = await search_service.search_posts(ctx, user, team.id, request)
    ordered = [found.posts.posts[pid] for pid in found.posts.order]
    by_channel: dict[str, list[Post]] = {}
    for post in ordered:  # rights and roots are read per channel (few on a page of results)
        by_channel.setdefault(post.channel_id, []).append(post)
    views: dict[str, dict[str, Any]] = {}
    for group in by_channel.values():
        done, _ = await _rendered(ctx, user, group, found.posts.reply_counts, team_name=team_name)
        views.update((view["id"], view) for view in done)
    rendered = [views[post.id] for post in ordered]
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

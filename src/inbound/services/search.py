"""Search: a team's posts that the searcher can read, matching Mattermost's search terms.

What may be read is Mattermost's database search: the channels of the team the searcher is a
member of, plus their direct and group messages; archived channels only when asked
(``include_deleted_channels``, which Mattermost's web app sends); never deleted posts or
system messages. Newest first, a page at a time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.errors import BadRequestError
from inbound.models import DIRECT, Channel, User
from inbound.search.query import MAX_TERMS_LENGTH, SearchParams, parse
from inbound.services.context import Context
from inbound.services.permissions import readable_team
from inbound.services.posts import MAX_PER_PAGE, PostList
from inbound.store import channels as channel_store
from inbound.store import posts as post_store
from inbound.store import search as search_store
from inbound.store import users as user_store

MAX_RESULTS = 10_000  # how deep pages go: page × per_page beyond this is an empty page


@dataclass
class SearchResults:
    posts: PostList
    matches: dict[str, list[str]] = field(default_factory=dict)  # post id → the terms searched


@dataclass(frozen=True)
class SearchRequest:
    terms: str
    is_or_search: bool = False
    time_zone_offset: int = 0  # seconds east of UTC
    page: int = 0
    per_page: int = 60
    include_deleted_channels: bool = False


def _checked(request: SearchRequest) -> SearchParams:
    if not request.terms:
        raise BadRequestError("api.context.invalid_param.app_error", "Invalid terms parameter.")
    if len(request.terms) > MAX_TERMS_LENGTH:
        raise BadRequestError(
            "api.post.search_posts.terms_too_long.app_error",
            f"Search terms are limited to {MAX_TERMS_LENGTH} characters.",
        )
    params = parse(request.terms, time_zone_offset=request.time_zone_offset)
    if params.truncated:
        raise BadRequestError(
            "api.post.search_posts.too_many_terms.app_error",
            "Too many search terms: search for fewer words.",
        )
    return params


async def check_team(ctx: Context, actor: User, team_id: str) -> None:
    """403 unless the searcher may read the team: Mattermost checks this before the body."""
    async with ctx.db.connect() as conn:
        await readable_team(conn, actor, team_id)


async def search_posts(
    ctx: Context, actor: User, team_id: str, request: SearchRequest
) -> SearchResults:
    per_page = max(1, min(request.per_page, MAX_PER_PAGE))
    offset = request.page * per_page
    async with ctx.db.connect() as conn:
        await readable_team(conn, actor, team_id)
        params = _checked(request)
        if params.is_empty or params.impossible or offset >= MAX_RESULTS:
            return SearchResults(PostList([], {}, {}))
        query = await _resolve(conn, actor, team_id, params, request)
        if query is None:
            return SearchResults(PostList([], {}, {}))
        query = _paged(query, offset=offset, limit=per_page + 1)
        found = await search_store.search_posts(conn, query)
        page = found[:per_page]
        counts = await post_store.count_replies(conn, sorted({p.root_id or p.id for p in page}))
    result = PostList([p.id for p in page], {p.id: p for p in page}, counts)
    if len(found) > per_page:
        result.prev_post_id = found[per_page].id  # what post_list_json reads as has_next
    terms = [t.text for t in params.terms]
    return SearchResults(result, {p.id: terms for p in page} if terms else {})


def _paged(query: search_store.PostQuery, *, offset: int, limit: int) -> search_store.PostQuery:
    return dataclasses.replace(query, offset=offset, limit=limit)


async def _resolve(
    conn: AsyncConnection, actor: User, team_id: str, params: SearchParams, request: SearchRequest
) -> search_store.PostQuery | None:
    """Names → ids: the readable channels ``in:`` keeps, the ``from:`` users. None when a
    filter names nothing that exists (nothing can match)."""
    names = {*params.from_users, *params.excluded_users}
    names |= {c[1:] for c in (*params.in_channels, *params.excluded_channels) if c[:1] == "@"}
    found = await user_store.get_users_by_usernames(conn, sorted(names))
    by_name = {u.username.lower(): u.id for u in found}
    from_ids = [by_name[n] for n in params.from_users if n in by_name]
    if params.from_users and not from_ids:
        return None
    channels = await channel_store.list_channels_for_user(
        conn, actor.id, team_id, include_deleted=request.include_deleted_channels
    )
    keys = {c.id: _channel_key(c, actor.id) for c in channels}
    wanted = {_wanted_key(n, by_name) for n in params.in_channels}
    unwanted = {_wanted_key(n, by_name) for n in params.excluded_channels}
    channel_ids = [
        c.id for c in channels if (not wanted or keys[c.id] & wanted) and not keys[c.id] & unwanted
    ]
    if not channel_ids:
        return None
    return search_store.PostQuery(
        channel_ids=channel_ids,
        terms=params.terms,
        excluded_terms=params.excluded_terms,
        or_terms=request.is_or_search,
        user_ids=from_ids,
        excluded_user_ids=[by_name[n] for n in params.excluded_users if n in by_name],
        created_from=params.created_from,
        created_to=params.created_to,
        excluded_days=params.excluded_days,
    )


def _channel_key(channel: Channel, me: str) -> set[str]:
    """What ``in:`` may call a channel: its name; a DM also ``@`` + the other member's id."""
    if channel.type == DIRECT:
        others = [u for u in channel.name.split("__") if u != me] or [me]
        return {"@" + others[0]}
    return {channel.name.lower()}


def _wanted_key(name: str, by_name: dict[str, str]) -> str:
    if name.startswith("@"):
        return "@" + by_name.get(name[1:], "?")
    return name

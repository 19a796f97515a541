"""SQL for search: the full-text indexes (their DDL, used by migration 0006) and the query.

Both databases split text the same way, into runs of letters and digits, lowercased, with no
stemming and no stop words (Mattermost's PostgreSQL search stems English; we chose the same
answers on both databases, and a ``word*`` prefix covers plurals):

- SQLite: FTS5 ``post_search`` over ``posts.message`` and ``posts.search_text`` with the
  ``unicode61`` tokenizer (diacritics kept, as PostgreSQL keeps them), external content (no
  second copy of the text) and no column sizes (no ranking: results are newest first). Every
  write of a post's text updates it in the same transaction: the post writer
  (``SQLITE_INDEX_POST``) and ``reindex_post`` for edits; soft deletes leave it (searches skip
  deleted posts), so nothing in inbound hard-deletes posts without telling the index. Its
  rowids are ``posts``' rowids: insertion order, so
  ``ORDER BY rowid DESC`` is newest first and lets FTS5 stop after a page (a word in every one
  of a million posts still answers at once). ``VACUUM`` keeps these rowids (SQLite copies the
  table as it is); if they ever move, ``INSERT INTO post_search(post_search) VALUES('rebuild')``.
- PostgreSQL: ``posts.search_vector``, a stored generated column (PostgreSQL keeps it with the
  row, whoever writes it) from the same two columns with every run of
  other characters made a space (so ``grafana.example.com/d/x`` is words, not one host token),
  ``to_tsvector('simple', …)``, and a GIN index.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, func, literal_column, select, table, text, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from inbound.models import Post
from inbound.search.query import Term
from inbound.store.posts import to_post
from inbound.store.tables import posts

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE post_search USING fts5(message, search_text, content='posts', "
    "columnsize=0, tokenize='unicode61 remove_diacritics 0')",
    "INSERT INTO post_search(post_search) VALUES ('rebuild')",
)
# The post writer's statement, one row per new post: (id, message, search_text). Not a trigger:
# FTS5 flushes its pending terms at every statement savepoint, so a trigger into it costs a new
# index segment per row (~35 µs); an executemany after the posts' costs ~3 µs plus the text.
SQLITE_INDEX_POST = (
    "INSERT INTO post_search(rowid, message, search_text) "
    "VALUES ((SELECT rowid FROM posts WHERE id = ?), ?, ?)"
)
SQLITE_DROP = ("DROP TABLE post_search",)
PG_DDL = (
    "ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, "
    "regexp_replace(message || ' ' || search_text, '[^[:alnum:]]+', ' ', 'g'))) STORED",
    "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
)
PG_DROP = ("DROP INDEX ix_posts_search_vector", "ALTER TABLE posts DROP COLUMN search_vector")
INDEX_TABLE = "post_search"  # and FTS5's shadow tables post_search_*


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """For Alembic's comparisons: everything but the SQLite index's tables, which are outside
    ``tables.metadata`` (SQLAlchemy has no FTS5)."""
    return not (type_ == "table" and bool(name) and str(name).startswith(INDEX_TABLE))


# ---------- the query ----------

BRANCHES = 64  # channels searched one by one (each in its own create_at order); more: one IN
RECENT = 2_000  # PostgreSQL: the newest posts looked through first (see ``_pg_search``)


@dataclass(frozen=True)
class PostQuery:
    """One search, resolved: the channels it may read, the users, the time range, the terms
    (as ``search.query`` terms) and the page."""

    channel_ids: Sequence[str]
    terms: Sequence[Term] = ()
    excluded_terms: Sequence[Term] = ()
    or_terms: bool = False
    user_ids: Sequence[str] = ()
    excluded_user_ids: Sequence[str] = ()
    created_from: int | None = None
    created_to: int | None = None
    excluded_days: Sequence[tuple[int, int]] = ()
    offset: int = 0
    limit: int = 60


def _fts5_term(term: Term) -> str:
    """A term as an FTS5 string: tokens are letters and digits only, so quoting is safe."""
    return f'"{" ".join(term.tokens)}"' + (" *" if term.prefix else "")


def fts5_match(terms: Sequence[Term], *, or_terms: bool = False) -> str:
    """The FTS5 query matching ``terms`` (all of them, or any with ``or_terms``)."""
    return (" OR " if or_terms else " AND ").join(_fts5_term(t) for t in terms)


def _ts_term(term: Term) -> str:
    quoted = " <-> ".join(f"'{token}'" for token in term.tokens)
    return quoted + (":*" if term.prefix else "")


def ts_query(query: PostQuery) -> str:
    """The ``to_tsquery('simple', …)`` text: the terms joined, each exclusion a ``!``."""
    joiner = " | " if query.or_terms else " & "
    parts = []
    if query.terms:
        parts.append("(" + joiner.join(f"({_ts_term(t)})" for t in query.terms) + ")")
    parts.extend(f"!({_ts_term(t)})" for t in query.excluded_terms)
    return " & ".join(parts)


def _filters(query: PostQuery) -> list[Any]:
    found = [posts.c.delete_at == 0, ~posts.c.type.startswith("system_", autoescape=True)]
    if query.user_ids:
        found.append(posts.c.user_id.in_(query.user_ids))
    if query.excluded_user_ids:
        found.append(posts.c.user_id.not_in(query.excluded_user_ids))
    if query.created_from is not None:
        found.append(posts.c.create_at >= query.created_from)
    if query.created_to is not None:
        found.append(posts.c.create_at <= query.created_to)
    found.extend(~posts.c.create_at.between(lo, hi) for lo, hi in query.excluded_days)
    return found


_FTS = table(INDEX_TABLE, column("rowid"))
_ROWID: Any = literal_column("posts.rowid")


def _sqlite_matches(query: PostQuery) -> Any:
    """Driven by FTS5 in rowid order (newest first): it stops after the page."""
    match = text(f"{INDEX_TABLE} MATCH :match").bindparams(
        match=fts5_match(query.terms, or_terms=query.or_terms)
    )
    where = [match, posts.c.channel_id.in_(query.channel_ids), *_filters(query)]
    if query.excluded_terms:
        where.append(_ROWID.not_in(_excluded_rowids(query)))
    return (
        select(posts)
        .select_from(posts.join(_FTS, _FTS.c.rowid == _ROWID))
        .where(*where)
        .order_by(_FTS.c.rowid.desc())
        .offset(query.offset)
        .limit(query.limit)
    )


def _excluded_rowids(query: PostQuery) -> Any:
    match = text(f"{INDEX_TABLE} MATCH :excluded").bindparams(
        excluded=fts5_match(query.excluded_terms, or_terms=True)
    )
    return select(_FTS.c.rowid).where(match)


def _newest(where: list[Any], *extra: Any) -> Any:
    return select(posts, *extra).where(*where).order_by(posts.c.create_at.desc(), posts.c.id.desc())


def _by_channel(query: PostQuery, where: list[Any], *extra: Any) -> Any:
    """Newest first over the channels: one branch per channel walks its (channel, create_at)
    index backwards and stops at the page's end."""
    channels = list(query.channel_ids)
    if len(channels) > BRANCHES:
        stmt = _newest([posts.c.channel_id.in_(channels), *where], *extra)
        return stmt.offset(query.offset).limit(query.limit)
    end = query.offset + query.limit
    branches = [
        select(_newest([posts.c.channel_id == cid, *where], *extra).limit(end).subquery())
        for cid in channels
    ]
    merged = union_all(*branches).subquery()
    return (
        select(merged)
        .order_by(merged.c.create_at.desc(), merged.c.id.desc())
        .offset(query.offset)
        .limit(query.limit)
    )


def _statement(query: PostQuery) -> Any:
    """SQLite: FTS5 drives when there are terms; only exclusions, the channels do."""
    where = _filters(query)
    if not query.terms and not query.excluded_terms:
        return _by_channel(query, where)
    if query.terms:
        return _sqlite_matches(query)
    return _by_channel(query, [*where, _ROWID.not_in(_excluded_rowids(query))])


def _matched(column: Any, query: PostQuery) -> Any:
    return column.op("@@")(func.to_tsquery(literal_column("'simple'"), ts_query(query)))


def _pg_recent(query: PostQuery) -> Any:
    """The matches among the ``RECENT`` newest readable posts: where a common word's page is."""
    vector: Any = literal_column("posts.search_vector").label("search_vector")
    window = dataclasses.replace(query, offset=0, limit=RECENT)
    recent = _by_channel(window, _filters(query), vector).subquery()
    return (
        select(*(recent.c[c.name] for c in posts.c))
        .where(_matched(recent.c.search_vector, query))
        .order_by(recent.c.create_at.desc(), recent.c.id.desc())
        .offset(query.offset)
        .limit(query.limit)
    )


def _pg_all(query: PostQuery) -> Any:
    """Every match through the GIN index, sorted (``create_at + 0``: not the channel index's
    order, which PostgreSQL would walk through a whole channel to find a rare word)."""
    where = [posts.c.channel_id.in_(query.channel_ids), *_filters(query)]
    return (
        select(posts)
        .where(*where, _matched(literal_column("posts.search_vector"), query))
        .order_by((posts.c.create_at + 0).desc(), posts.c.id.desc())
        .offset(query.offset)
        .limit(query.limit)
    )


async def _fetch(conn: AsyncConnection, stmt: Any) -> list[Post]:
    return [to_post(row) for row in (await conn.execute(stmt)).mappings()]


async def _pg_search(conn: AsyncConnection, query: PostQuery) -> list[Post]:
    """PostgreSQL estimates a word it has no statistics for at 0.5 % of rows, so left to itself
    it walks a channel's index backwards looking for a rare word (a second per million posts).
    So: first the newest ``RECENT`` posts (a common word fills its page there); a page not
    filled there comes from the GIN index, which is fast exactly when the word is rare."""
    if not query.terms and not query.excluded_terms:
        return await _fetch(conn, _by_channel(query, _filters(query)))
    if query.offset + query.limit <= RECENT:
        found = await _fetch(conn, _pg_recent(query))
        if len(found) == query.limit:
            return found
    return await _fetch(conn, _pg_all(query))


_FTS_COLUMNS = f"{INDEX_TABLE}(rowid, message, search_text)"


async def unindex_post(conn: AsyncConnection, post_id: str) -> None:
    """Before a post's text changes (SQLite): take its terms out of the index. External
    content indexes are told the old text, which is still in the row."""
    if conn.dialect.name == "sqlite":
        await conn.execute(
            text(
                f"INSERT INTO {INDEX_TABLE}({INDEX_TABLE}, rowid, message, search_text) "
                "SELECT 'delete', rowid, message, search_text FROM posts WHERE id = :id"
            ),
            {"id": post_id},
        )


async def index_post(conn: AsyncConnection, post_id: str) -> None:
    """After a post's text changed (SQLite): index the text now in the row."""
    if conn.dialect.name == "sqlite":
        await conn.execute(
            text(
                f"INSERT INTO {_FTS_COLUMNS} "
                "SELECT rowid, message, search_text FROM posts WHERE id = :id"
            ),
            {"id": post_id},
        )


async def search_posts(conn: AsyncConnection, query: PostQuery) -> list[Post]:
    """A page of the posts matching ``query``, newest first."""
    if not query.channel_ids:
        return []
    if conn.dialect.name == "sqlite":
        found = await _fetch(conn, _statement(query))
    else:
        found = await _pg_search(conn, query)
    found.sort(key=lambda p: (p.create_at, p.id), reverse=True)
    return found

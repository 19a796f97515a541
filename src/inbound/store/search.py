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


def _newest(where: list[Any]) -> Any:
    return select(posts).where(*where).order_by(posts.c.create_at.desc(), posts.c.id.desc())


def _by_channel(query: PostQuery, where: list[Any]) -> Any:
    """Newest first over the channels: one branch per channel walks its (channel, create_at)
    index backwards (or, for a rare word, the full-text index) and stops at the page's end."""
    channels = list(query.channel_ids)
    if len(channels) > BRANCHES:
        stmt = _newest([posts.c.channel_id.in_(channels), *where])
        return stmt.offset(query.offset).limit(query.limit)
    end = query.offset + query.limit
    branches = [
        select(_newest([posts.c.channel_id == cid, *where]).limit(end).subquery())
        for cid in channels
    ]
    merged = union_all(*branches).subquery()
    return (
        select(merged)
        .order_by(merged.c.create_at.desc(), merged.c.id.desc())
        .offset(query.offset)
        .limit(query.limit)
    )


def _statement(query: PostQuery, dialect: str) -> Any:
    where = _filters(query)
    if not query.terms and not query.excluded_terms:
        return _by_channel(query, where)
    if dialect == "sqlite":
        if query.terms:
            return _sqlite_matches(query)
        return _by_channel(query, [*where, _ROWID.not_in(_excluded_rowids(query))])
    vector: Any = literal_column("posts.search_vector")
    matched = vector.op("@@")(func.to_tsquery(literal_column("'simple'"), ts_query(query)))
    return _by_channel(query, [*where, matched])


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
    rows = (await conn.execute(_statement(query, conn.dialect.name))).mappings()
    found = [to_post(row) for row in rows]
    found.sort(key=lambda p: (p.create_at, p.id), reverse=True)
    return found

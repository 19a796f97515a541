"""The index query strings built from terms (tokens are letters and digits: quoting is safe)."""

from __future__ import annotations

import pytest

from inbound.search.query import Term
from inbound.store.search import PostQuery, fts5_match, ts_query

DISK, FULL = Term(("disk",)), Term(("full",))
PHRASE, PREFIX = Term(("disk", "full")), Term(("aler",), prefix=True)


@pytest.mark.parametrize(
    ("terms", "or_terms", "expected"),
    [
        ([DISK], False, '"disk"'),
        ([DISK, FULL], False, '"disk" AND "full"'),
        ([DISK, FULL], True, '"disk" OR "full"'),
        ([PHRASE], False, '"disk full"'),
        ([PREFIX], False, '"aler" *'),
    ],
)
def test_fts5_match(terms: list[Term], or_terms: bool, expected: str) -> None:
    assert fts5_match(terms, or_terms=or_terms) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (PostQuery([], terms=[DISK]), "(('disk'))"),
        (PostQuery([], terms=[DISK, PHRASE]), "(('disk') & ('disk' <-> 'full'))"),
        (PostQuery([], terms=[DISK, PREFIX], or_terms=True), "(('disk') | ('aler':*))"),
        (PostQuery([], terms=[DISK], excluded_terms=[FULL]), "(('disk')) & !('full')"),
        (PostQuery([], excluded_terms=[FULL, PHRASE]), "!('full') & !('disk' <-> 'full')"),
    ],
)
def test_ts_query(query: PostQuery, expected: str) -> None:
    assert ts_query(query) == expected

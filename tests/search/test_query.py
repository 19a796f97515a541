"""The search terms grammar: a table of terms → parameters, and hypothesis for any string."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.search.query import (
    DAY_MS,
    MAX_TOKENS,
    MAX_WORDS,
    SearchParams,
    Term,
    parse,
    split_words,
    trim_word,
)

DAY = 19_723 * DAY_MS  # 2024-01-01 00:00 UTC


def words(*texts: str) -> tuple[Term, ...]:
    return tuple(Term(tuple(t.split())) for t in texts)


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        pytest.param("disk", SearchParams(terms=words("disk")), id="word"),
        pytest.param("Disk FULL", SearchParams(terms=words("disk", "full")), id="words-lowercased"),
        pytest.param('"disk full"', SearchParams(terms=words("disk full")), id="phrase"),
        pytest.param(
            '"disk  full" now', SearchParams(terms=words("disk full", "now")), id="phrase+word"
        ),
        pytest.param("disk-full", SearchParams(terms=words("disk full")), id="hyphen-is-phrase"),
        pytest.param("-disk", SearchParams(excluded_terms=words("disk")), id="exclude"),
        pytest.param(
            '-"disk full"', SearchParams(excluded_terms=words("disk full")), id="exclude-phrase"
        ),
        pytest.param("aler*", SearchParams(terms=(Term(("aler",), prefix=True),)), id="prefix"),
        pytest.param("*", SearchParams(), id="star-alone"),
        pytest.param("...!", SearchParams(), id="punctuation-only"),
        pytest.param("(disk),", SearchParams(terms=words("disk")), id="punctuation-trimmed"),
        pytest.param("##tag", SearchParams(terms=words("tag")), id="hashtag-is-a-word"),
        pytest.param("from:bob", SearchParams(from_users=("bob",)), id="from"),
        pytest.param("FROM:@Bob", SearchParams(from_users=("bob",)), id="from-at-any-case"),
        pytest.param(
            "from: bob x", SearchParams(terms=words("x"), from_users=("bob",)), id="from-space"
        ),
        pytest.param("from:", SearchParams(terms=words("from")), id="flag-without-value-is-a-word"),
        pytest.param("-from:bob", SearchParams(excluded_users=("bob",)), id="not-from"),
        pytest.param("in:~ops", SearchParams(in_channels=("ops",)), id="in"),
        pytest.param("channel:ops", SearchParams(in_channels=("ops",)), id="channel"),
        pytest.param("in:@bob", SearchParams(in_channels=("@bob",)), id="in-dm"),
        pytest.param("-in:ops", SearchParams(excluded_channels=("ops",)), id="not-in"),
        pytest.param("ext:pdf", SearchParams(), id="ext-ignored"),
        pytest.param("time:10", SearchParams(terms=words("time 10")), id="unknown-flag-is-text"),
        pytest.param(
            "on:2024-01-01", SearchParams(created_from=DAY, created_to=DAY + DAY_MS - 1), id="on"
        ),
        pytest.param("after:2024-01-01", SearchParams(created_from=DAY + DAY_MS), id="after"),
        pytest.param("before:2024-01-01", SearchParams(created_to=DAY - 1), id="before"),
        pytest.param("before:2024-1-1", SearchParams(created_to=DAY - 1), id="short-date"),
        pytest.param(
            "-after:2024-01-01", SearchParams(created_to=DAY + DAY_MS - 1), id="not-after"
        ),
        pytest.param("-before:2024-01-01", SearchParams(created_from=DAY), id="not-before"),
        pytest.param(
            "-on:2024-01-01", SearchParams(excluded_days=((DAY, DAY + DAY_MS - 1),)), id="not-on"
        ),
        pytest.param("on:2024-02-30", SearchParams(impossible=True), id="impossible-date"),
        pytest.param("on:yesterday", SearchParams(impossible=True), id="not-a-date"),
        pytest.param(
            "after:2024-01-01 after:2024-01-03",
            SearchParams(created_from=DAY + 3 * DAY_MS),
            id="latest-after-wins",
        ),
        pytest.param(
            '"unclosed phrase', SearchParams(terms=words("unclosed", "phrase")), id="unclosed-quote"
        ),
        pytest.param("café", SearchParams(terms=words("café")), id="accents-kept"),
        pytest.param("日本語", SearchParams(terms=words("日本語")), id="cjk"),
        pytest.param("a_b", SearchParams(terms=words("a b")), id="underscore-splits"),
    ],
)
def test_parse(terms: str, expected: SearchParams) -> None:
    assert parse(terms) == expected


def test_dates_follow_the_time_zone() -> None:
    east = parse("on:2024-01-01", time_zone_offset=3600)
    assert (east.created_from, east.created_to) == (DAY - 3_600_000, DAY + DAY_MS - 3_600_001)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a "b c" d', ["a", '"b c"', "d"]),
        ('a -"b c"', ["a", '-"b c"']),
        ('x"y z"', ["x", '"y z"']),
        ('"open', ['"open']),
        ("  ", []),
    ],
)
def test_split_words(text: str, expected: list[str]) -> None:
    assert split_words(text) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("(a)", "a"),
        ('"a"', '"a"'),
        ("a*", "a*"),
        ("-a", "a"),
        ("#a", "a"),
        ("***", ""),
        ("é!", "é"),
    ],
)
def test_trim_word(word: str, expected: str) -> None:
    assert trim_word(word) == expected


def test_bounds_say_truncated() -> None:
    assert parse(" ".join(["w"] * (MAX_WORDS + 1))).truncated
    assert not parse(" ".join(["w"] * MAX_WORDS)).truncated
    assert parse("-".join(["t"] * (MAX_TOKENS + 1))).truncated


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_string_parses_into_bounded_parameters(text: str) -> None:
    params = parse(text, time_zone_offset=0)
    tokens = sum(len(t.tokens) for t in (*params.terms, *params.excluded_terms))
    assert tokens <= MAX_TOKENS
    flags = (*params.from_users, *params.excluded_users, *params.in_channels)
    assert len(params.terms) + len(params.excluded_terms) + len(flags) <= MAX_WORDS
    for term in (*params.terms, *params.excluded_terms):
        assert term.tokens and all(t.isalnum() for t in term.tokens)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet='ab -"*:#fromin@~', max_size=200))
def test_grammar_characters_never_raise(text: str) -> None:
    parse(text)


@pytest.mark.parametrize(
    "hostile",
    [
        '"' * 65_536,
        "-" * 65_536,
        "from:" * 13_000,
        "a" * 65_536,
        "a-" * 32_768,
        "(" * 32_768 + "x" + ")" * 32_768,
        '-"' * 32_768,
        " " * 65_536,
        "é" * 65_536,
    ],
    ids=["quotes", "dashes", "flags", "one-word", "hyphens", "parens", "neg-quotes", "spaces", "é"],
)
def test_a_64_kb_hostile_string_parses_fast(hostile: str) -> None:
    start = time.process_time()  # CPU: the machine may be busy with other work
    params = parse(hostile)
    assert time.process_time() - start < 0.05
    assert sum(len(t.tokens) for t in params.terms) <= MAX_TOKENS

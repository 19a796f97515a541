"""The search terms grammar, as Mattermost's ``model/search_params.go`` reads it.

``parse(terms)`` turns what a user typed into a typed ``SearchParams``:

- words, AND-ed (OR-ed with ``is_or_search``); ``"quoted phrases"``; ``word*`` a prefix;
- ``-word`` and ``-"a phrase"`` exclude;
- ``from:username`` (``@`` optional), ``in:channel-name`` or ``channel:`` (``~`` optional;
  ``in:@username`` is the direct messages with them); each may be negated (``-from:bob``) and
  may take its value from the next word (``from: bob``); flag names ignore case;
- ``before:``/``after:``/``on:YYYY-MM-DD`` in the searcher's time zone; ``after`` and
  ``before`` exclude the day itself, as Mattermost's do; an impossible date matches nothing;
- leading and trailing punctuation is trimmed from words (a trailing ``*`` stays); a ``#`` is
  punctuation here (hashtags are searched as words); ``ext:`` (files) is accepted and ignored.

Words become *tokens* the way the indexes split text (runs of letters and digits, lowercased),
so ``disk-full`` is the phrase "disk full". ``parse`` never raises: it reads at most
``MAX_WORDS`` words and ``MAX_TOKENS`` tokens and says so in ``truncated``; the service turns
that, and terms over ``MAX_TERMS_LENGTH``, into a 400. It is linear in the input.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, replace

MAX_TERMS_LENGTH = 1_000  # characters: Mattermost's web app caps its search box below this
MAX_WORDS = 32  # words and flags
MAX_TOKENS = 64  # tokens over all terms
MAX_NAME = 64  # characters of a flag's value (user and channel names are shorter)
FLAGS = ("from", "channel", "in", "before", "after", "on", "ext")
DAY_MS = 86_400_000

_TOKEN = re.compile(r"[^\W_]+")  # what FTS5's unicode61 and the PostgreSQL index keep
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


@dataclass(frozen=True)
class Term:
    """A word or a phrase as index tokens; ``prefix``: its last token is a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False

    @property
    def text(self) -> str:
        """As shown back to the user (``matches``, highlighting): ``disk full``, ``aler*``."""
        return " ".join(self.tokens) + ("*" if self.prefix else "")


@dataclass(frozen=True)
class SearchParams:
    terms: tuple[Term, ...] = ()
    excluded_terms: tuple[Term, ...] = ()
    from_users: tuple[str, ...] = ()
    excluded_users: tuple[str, ...] = ()
    in_channels: tuple[str, ...] = ()
    excluded_channels: tuple[str, ...] = ()
    created_from: int | None = None  # ms, inclusive
    created_to: int | None = None  # ms, inclusive
    excluded_days: tuple[tuple[int, int], ...] = ()  # -on: ranges, inclusive
    impossible: bool = False  # a date that is no date: nothing matches
    truncated: bool = False  # more words or tokens than the bounds: refuse the search

    @property
    def is_empty(self) -> bool:
        """No term and no filter: Mattermost answers nothing (``*`` alone, ``"--"``)."""
        return self == SearchParams(truncated=self.truncated)


def split_words(text: str, limit: int = MAX_WORDS + 1) -> list[str]:
    """``splitWords``: whitespace-separated words, a quoted section (with a ``-`` just before
    it) one word; an unclosed quote leaves the rest as plain words. At most ``limit`` words
    (the last may hold the rest of the text: it only tells that there was more)."""
    words: list[str] = []
    location = 0
    while len(words) < limit and (opening := text.find('"', location)) != -1:
        closing = text.find('"', opening + 1)
        if closing == -1:
            break
        start = opening - 1 if opening > location and text[opening - 1] == "-" else opening
        words.extend(text[location:start].split(maxsplit=limit))
        words.append(text[start : closing + 1])
        location = closing + 1
    if len(words) < limit:
        words.extend(text[location:].split(maxsplit=limit - len(words)))
    return words[:limit]


_KEEP_START = re.compile(r'[^\W_]|[\s"]')  # a letter, digit, space or quote
_KEEP_END = re.compile(r'[^\W_]|[\s"*]')


def trim_word(word: str) -> str:
    """Mattermost's ``searchTermPuncStart``/``End``: punctuation off both ends, except a
    leading quote and a trailing quote or ``*`` (one forward and one backward scan)."""
    first = _KEEP_START.search(word)
    if first is None:
        return ""
    last = _KEEP_END.search(word[::-1])
    end = len(word) - last.start() if last else len(word)
    return word[first.start() : end] if end > first.start() else ""


def tokens(text: str, limit: int = MAX_TOKENS + 1) -> list[str]:
    """Index tokens: runs of letters and digits, lowercased (the first ``limit``)."""
    return [m.group() for m in itertools.islice(_TOKEN.finditer(text.lower()), limit)]


def _flag(word: str) -> tuple[str, str, bool] | None:
    colon = word.find(":")
    if colon == -1:
        return None
    exclude = word.startswith("-")
    name = word[1 if exclude else 0 : colon].lower()
    return (name, word[colon + 1 :][:MAX_NAME], exclude) if name in FLAGS else None


def _read(words: list[str]) -> tuple[list[tuple[str, bool]], list[tuple[str, str, bool]]]:
    """``parseSearchFlags``: (word, excluded) pairs and (flag, value, excluded) triples."""
    plain: list[tuple[str, bool]] = []
    flags: list[tuple[str, str, bool]] = []
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        flag = _flag(word)
        if flag is not None and (flag[1] or i < len(words) - 1):
            name, value, exclude = flag
            if not value:
                value, skip = words[i + 1][:MAX_NAME], True
            flags.append((name, value, exclude))
            continue
        trimmed = trim_word(word)
        if trimmed:
            plain.append((trimmed, word.startswith("-")))
    return plain, flags


def _term(word: str) -> Term | None:
    phrase = len(word) >= 2 and word[0] == '"' and word[-1] == '"'
    prefix = not phrase and word.endswith("*")
    found = tokens(word)
    return Term(tuple(found), prefix) if found else None


def _day_start(day: str, offset_ms: int) -> int | None:
    """Midnight starting ``day`` (``YYYY-M-D``) in the searcher's zone, in ms; None if no date."""
    match = _DATE.fullmatch(day)
    if match is None:
        return None
    try:
        date = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
    epoch = dt.date(1970, 1, 1)
    return (date - epoch).days * DAY_MS - offset_ms


def parse(text: str, *, time_zone_offset: int = 0) -> SearchParams:
    """``text`` as search parameters; ``time_zone_offset`` in seconds east of UTC."""
    words = split_words(text)
    truncated = len(words) > MAX_WORDS
    plain, flags = _read(words[:MAX_WORDS])
    terms: list[Term] = []
    excluded: list[Term] = []
    count = 0
    for word, exclude in plain:
        term = _term(word)
        if term is None:
            continue
        count += len(term.tokens)
        if count > MAX_TOKENS:
            truncated = True
            break
        (excluded if exclude else terms).append(term)
    filters = _with_flags(flags, time_zone_offset * 1000)
    return replace(filters, terms=tuple(terms), excluded_terms=tuple(excluded), truncated=truncated)


def _with_flags(flags: list[tuple[str, str, bool]], offset_ms: int) -> SearchParams:
    users: dict[bool, list[str]] = {False: [], True: []}
    channels: dict[bool, list[str]] = {False: [], True: []}
    low: list[int] = []
    high: list[int] = []
    excluded_days: list[tuple[int, int]] = []
    impossible = False
    for name, value, exclude in flags:
        if name == "from":
            users[exclude].append(value.removeprefix("@").lower())
        elif name in ("in", "channel"):
            channels[exclude].append(value.removeprefix("~").lower())
        elif name in ("before", "after", "on"):
            start = _day_start(value, offset_ms)
            if start is None:
                impossible = True
                continue
            _date_bounds(name, start, exclude, low, high, excluded_days)
    return SearchParams(
        from_users=tuple(users[False]),
        excluded_users=tuple(users[True]),
        in_channels=tuple(channels[False]),
        excluded_channels=tuple(channels[True]),
        created_from=max(low) if low else None,
        created_to=min(high) if high else None,
        excluded_days=tuple(excluded_days),
        impossible=impossible,
    )


def _date_bounds(
    name: str,
    start: int,
    exclude: bool,
    low: list[int],
    high: list[int],
    excluded_days: list[tuple[int, int]],
) -> None:
    """One date flag as bounds: ``after:D`` from the next day, ``before:D`` up to the day
    before, ``on:D`` that day; negated, the complement (``-on:D`` a range left out)."""
    end = start + DAY_MS - 1
    if name == "after":
        (high if exclude else low).append(end if exclude else end + 1)
    elif name == "before":
        (low if exclude else high).append(start if exclude else start - 1)
    elif exclude:
        excluded_days.append((start, end))
    else:
        low.append(start)
        high.append(end)

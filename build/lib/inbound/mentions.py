"""Who a message mentions. Pure: text in, names out; the post service resolves the names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from inbound.code_spans import backtick_spans, plain_fences, replace_regions

# A mention is @ followed by a username, not preceded by a word character or another "@" (so
# emails don't count). The pattern starts with the literal "@" so the scan jumps from one "@" to
# the next, and checks the character before it afterwards ((?<![\w@]@) looks back over the "@"
# itself): a lookbehind first would make the engine stop at every character of a long log.
_MENTION = re.compile(r"@(?<![\w@]@)([a-z0-9.\-_]+)", re.IGNORECASE)
CHANNEL_WIDE = frozenset({"channel", "all"})


@dataclass(frozen=True)
class Mentions:
    usernames: frozenset[str] = field(default_factory=frozenset)
    channel: bool = False  # @channel / @all: every member
    here: bool = False  # @here: members who are online (we count it like @channel)

    @property
    def everyone(self) -> bool:
        return self.channel or self.here

    def __or__(self, other: Mentions) -> Mentions:
        return Mentions(
            self.usernames | other.usernames,
            self.channel or other.channel,
            self.here or other.here,
        )


def strip_code(text: str) -> str:
    """Drop fenced blocks and code spans: mentions inside code don't notify anyone.

    As ``^(```|~~~).*?^\1[ \t]*$`` (MULTILINE, DOTALL) then ``(`+)(?!`).+?(?<!`)\1(?!`)``
    (DOTALL) would, each match replaced by a space, but in linear time (``code_spans``).
    """
    text = replace_regions(text, plain_fences(text), " ")
    return replace_regions(text, list(backtick_spans(text)), " ")


NO_MENTIONS = Mentions()


def find_mentions(text: str) -> Mentions:
    if "@" not in text:  # most texts: skip both scans
        return NO_MENTIONS
    if "`" in text or "~~~" in text:
        text = strip_code(text)
    return classify(set(_MENTION.findall(text)))


def classify(names: Iterable[str]) -> Mentions:
    """Mentioned names (as written after the @) → users, @channel/@all and @here."""
    users: set[str] = set()
    channel = here = False
    for written in names:
        name = written.lower().rstrip(".-_")
        if name in CHANNEL_WIDE:
            channel = True
        elif name == "here":
            here = True
        elif name:
            users.add(name)
    return Mentions(frozenset(users), channel, here)

"""Who a message mentions. Pure: text in, names out; the post service resolves the names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# A mention is @ followed by a username, not preceded by a word character (so emails don't
# count). The pattern starts with the literal "@" so the scan jumps from one "@" to the next;
# a lookbehind first would make the engine stop at every character of a long log.
_MENTION = re.compile(r"@([a-z0-9.\-_]+)", re.IGNORECASE)
_WORD_OR_AT = re.compile(r"[\w@]")
_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
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
    """Drop fenced blocks and code spans: mentions inside code don't notify anyone."""
    return _CODE_SPAN.sub(" ", _FENCE.sub(" ", text))


NO_MENTIONS = Mentions()


def find_mentions(text: str) -> Mentions:
    if "@" not in text:  # most texts: skip both scans
        return NO_MENTIONS
    if "`" in text or "~~~" in text:
        text = strip_code(text)
    names = []
    for match in _MENTION.finditer(text):
        start = match.start()
        if not (start and _WORD_OR_AT.match(text, start - 1)):
            names.append(match.group(1))
    return classify(names)


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

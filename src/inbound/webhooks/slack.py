"""Slack → Markdown, as small pure functions.

``translate`` applies Mattermost's rules (announcements, user ids, links) plus ours (labelled
announcements, ``<!everyone>``/``<!group>``, ``<#ID|name>`` channel links), never inside code.
``mrkdwn_to_markdown`` converts Slack's own emphasis for hooks whose format is ``slack``.
Lookups (user and channel ids) are passed in: this module does no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

_ANNOUNCEMENT = re.compile(r"<!(channel|here|all|everyone|group)(?:\|[^>\n]*)?>")
_ANNOUNCED = {
    "channel": "@channel",
    "here": "@here",
    "all": "@all",
    "everyone": "@all",
    "group": "@channel",
}
_USER = re.compile(r"<@([A-Za-z0-9]+)(?:\|([^>\n]+))?>")
_CHANNEL = re.compile(r"<#([A-Za-z0-9]+)(?:\|([^>\n]*))?>")
# Mattermost's two link patterns: strict for the message, looser for attachment fields.
TEXT_LINK = re.compile(r"<([^\n<\|>]+)\|([^\|\n>]+)>")
ATTACHMENT_LINK = re.compile(r"<([^<\|]+)\|([^>]+)>")
_CODE = re.compile(
    r"(?P<fence>^[ ]{0,3}(?P<mark>`{3,}|~{3,})[^\n]*\n.*?(?:^[ ]{0,3}(?P=mark)[ \t]*$|\Z))"
    r"|(?P<span>(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`))",
    re.MULTILINE | re.DOTALL,
)
_BOLD = re.compile(r"(?<![\w*\\])\*(?![\s*])([^*\n]+?)(?<![\s\\])\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~\\])~(?![\s~])([^~\n]+?)(?<![\s\\])~(?![\w~])")


@dataclass(frozen=True)
class Lookups:
    """What the ids in a Slack message refer to: user id → username, channel id → name."""

    usernames: Mapping[str, str] = field(default_factory=dict)
    channel_names: Mapping[str, str] = field(default_factory=dict)


def outside_code(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to ``text`` with its code spans and fenced blocks held aside.

    Code is swapped for NUL-delimited placeholders first, so a rule may still see across it
    (``*see `x` now*`` is one bold run) but never rewrites inside it.
    """
    if "\0" in text:  # cannot use placeholders; translate nothing rather than corrupt code
        return text
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(match.group(0))
        return f"\0{len(held) - 1}\0"

    changed = change(_CODE.sub(hold, text))
    return re.sub(r"\0(\d+)\0", lambda m: held[int(m.group(1))], changed)


def referenced_ids(text: str) -> tuple[set[str], set[str]]:
    """User and channel ids that ``<@ID>`` and ``<#ID>`` mention, so the caller can look them up."""
    return {m.group(1) for m in _USER.finditer(text)}, {m.group(1) for m in _CHANNEL.finditer(text)}


def expand_announcements(text: str) -> str:
    return _ANNOUNCEMENT.sub(lambda m: _ANNOUNCED[m.group(1)], text)


def replace_user_ids(text: str, usernames: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        user_id, label = match.group(1), match.group(2)
        if user_id in usernames:
            return "@" + usernames[user_id]
        return "@" + label.lstrip("@") if label else match.group(0)

    return _USER.sub(one, text)


def replace_channel_ids(text: str, channel_names: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        channel_id, label = match.group(1), match.group(2)
        if channel_id in channel_names:
            return "~" + channel_names[channel_id]
        return "#" + label.lstrip("#") if label else match.group(0)

    return _CHANNEL.sub(one, text)


def replace_links(text: str, pattern: re.Pattern[str] = TEXT_LINK) -> str:
    return pattern.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", text)


def translate(text: str, lookups: Lookups, *, link: re.Pattern[str] = TEXT_LINK) -> str:
    """Slack's markup → Mattermost Markdown, leaving code untouched."""
    if "<" not in text:
        return text

    def change(part: str) -> str:
        part = expand_announcements(part)
        part = replace_user_ids(part, lookups.usernames)
        part = replace_channel_ids(part, lookups.channel_names)
        return replace_links(part, link)

    return outside_code(text, change)


def mrkdwn_to_markdown(text: str) -> str:
    """Slack emphasis → Markdown: ``*bold*`` → ``**bold**``, ``~strike~`` → ``~~strike~~``.

    ``_italic_`` and ``>`` quotes already mean the same in both; code is left alone.
    """

    def change(part: str) -> str:
        part = _BOLD.sub(r"**\1**", part)
        return _STRIKE.sub(r"~~\1~~", part)

    return outside_code(text, change)

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

from inbound.code_spans import slack_code

# Each of these also matches what it would fail on (a ``<@ID|…`` left open runs to the end of its
# line), and such a match is put back unchanged: the scan then resumes after it instead of
# rescanning the same run from every "<" (quadratic; a 40 KB ``<@a|<@a|…`` took 13 s). A match
# counts only when its ``end`` group (the closing ">") matched; see ``_closed``.
_ANNOUNCEMENT = re.compile(r"<!(channel|here|all|everyone|group)(?:\|[^>\n]*+)?(?P<end>>)?")
_ANNOUNCED = {
    "channel": "@channel",
    "here": "@here",
    "all": "@all",
    "everyone": "@all",
    "group": "@channel",
}
_USER = re.compile(r"<@([A-Za-z0-9]++)(?:\|([^>\n]*+))?(?P<end>>)?")  # a "|" needs a label
_CHANNEL = re.compile(r"<#([A-Za-z0-9]++)(?:\|([^>\n]*+))?(?P<end>>)?")
# Mattermost's two link patterns: strict for the message, looser for attachment fields. The
# strict one is linear as it is (each part stops at the next "<" or "|").
TEXT_LINK = re.compile(r"<([^\n<\|>]+)\|([^\|\n>]+)>")
ATTACHMENT_LINK = re.compile(r"<([^<|]++)(?:\|([^>]*+)(?P<end>>)?)?")  # as <([^<\|]+)\|([^>]+)>
_BOLD = re.compile(r"(?<![\w*\\])\*(?![\s*])([^*\n]+?)(?<![\s\\])\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~\\])~(?![\s~])([^~\n]+?)(?<![\s\\])~(?![\w~])")


@dataclass(frozen=True)
class Lookups:
    """What the ids in a Slack message refer to: user id → username, channel id → name."""

    usernames: Mapping[str, str] = field(default_factory=dict)
    channel_names: Mapping[str, str] = field(default_factory=dict)


NO_LOOKUPS = Lookups()


def outside_code(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to ``text`` with its code spans and fenced blocks held aside.

    Code is swapped for NUL-delimited placeholders first, so a rule may still see across it
    (``*see `x` now*`` is one bold run) but never rewrites inside it.
    """
    if "\0" in text:  # cannot use placeholders; translate nothing rather than corrupt code
        return text
    if "`" not in text and "~~~" not in text:
        return change(text)
    held: list[str] = []
    parts: list[str] = []
    position = 0
    for start, end in slack_code(text):
        parts += (text[position:start], f"\0{len(held)}\0")
        held.append(text[start:end])
        position = end
    changed = change("".join(parts) + text[position:])
    return re.sub(r"\0(\d+)\0", lambda m: held[int(m.group(1))], changed)


def _closed(match: re.Match[str]) -> bool:
    """Whether a match of the patterns above is the markup (closed by ">", with a label when it
    has a "|" and the pattern needs one), not just the run the scan skips."""
    if "end" not in match.re.groupindex:
        return True
    if match.group("end") is None:
        return False
    return match.group(2) != "" if match.re in (_USER, ATTACHMENT_LINK) else True


def referenced_ids(text: str) -> tuple[set[str], set[str]]:
    """User and channel ids that ``<@ID>`` and ``<#ID>`` mention, so the caller can look them up."""
    users = {m.group(1) for m in _USER.finditer(text) if _closed(m)}
    return users, {m.group(1) for m in _CHANNEL.finditer(text) if _closed(m)}


def expand_announcements(text: str) -> str:
    return _ANNOUNCEMENT.sub(lambda m: _ANNOUNCED[m.group(1)] if _closed(m) else m.group(0), text)


def replace_user_ids(text: str, usernames: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        user_id, label = match.group(1), match.group(2)
        if not _closed(match):
            return match.group(0)
        if user_id in usernames:
            return "@" + usernames[user_id]
        return "@" + label.lstrip("@") if label else match.group(0)

    return _USER.sub(one, text)


def replace_channel_ids(text: str, channel_names: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        channel_id, label = match.group(1), match.group(2)
        if not _closed(match):
            return match.group(0)
        if channel_id in channel_names:
            return "~" + channel_names[channel_id]
        return "#" + label.lstrip("#") if label else match.group(0)

    return _CHANNEL.sub(one, text)


def replace_links(text: str, pattern: re.Pattern[str] = TEXT_LINK) -> str:
    return pattern.sub(
        lambda m: f"[{m.group(2)}]({m.group(1)})" if _closed(m) else m.group(0), text
    )


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

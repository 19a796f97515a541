"""A stranger's text made safe to post, and the one message shape every native source builds.

Whatever a tool's payload says was written by someone outside this server: a commit message, an
issue title, a branch name. Three things must not happen when it is posted:

- **a mention**: ``@channel`` in a commit message must not notify a channel, nor ``@alice`` a
  local user who happens to share a GitHub login. Every ``@`` from a payload is followed by a
  ZERO WIDTH JOINER (U+200D): it still reads ``@alice`` but is not a mention (a mention needs a
  name character right after the ``@``). Slack's ``<!channel>``, ``<@ID>`` and ``<#ID>`` forms
  (the ordinary hook path turns them into mentions and channel links) get the same joiner after
  their ``<``. Links are percent-encoded instead (``%40``), so they keep working;
- **broken Markdown**: one-line text (titles, branch names, commit subjects) has its Markdown
  punctuation backslash-escaped, so ``fix_this_thing`` stays as written and a ``[`` cannot open
  a link. Bodies (issue descriptions, comments, release notes) are Markdown already and are kept
  so, in the attachment's own text where an unclosed fence cannot swallow the rest of the post;
- **a huge post**: every piece is cut to a fixed length (with "…") before anything else is done
  with it, so the work and the post are bounded whatever the payload's size.

Everything here is a single pass over text already cut short: linear, no regular expressions.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

ZWJ = "\u200d"
ELLIPSIS = "…"
TITLE_CHARS = 200
BODY_CHARS = 600
URL_CHARS = 2000

_CONTROLS = {c: None for c in range(32) if c not in (9, 10)} | {127: None}
_ONE_LINE = _CONTROLS | {9: " ", 10: " "}
_MARKDOWN = {ord(c): "\\" + c for c in "\\`*_[]<>~|"}
# One escaped character, or a bare backtick (of a code span we made): linear.
_ESCAPED = re.compile(r"\\([\\`*_\[\]<>~|])|`")
# A link destination must not contain what ends it or what the mention scan would read.
_URL_ESCAPES = {ord(c): quote(c, safe="") for c in "()<>[]`\\\"'@ "}


def clip(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` characters, the cut marked with "…"."""
    return value if len(value) <= limit else value[: limit - 1] + ELLIPSIS


def quiet(text: str) -> str:
    """No mention, no Slack announcement or reference can come out of ``text``."""
    text = text.replace("@", "@" + ZWJ)
    for opener in ("<!", "<#"):
        text = text.replace(opener, "<" + ZWJ + opener[1])
    return text


def inline(value: Any, limit: int = TITLE_CHARS) -> str:
    """One line of payload text for a title, a list item or a field: escaped and quiet."""
    if not isinstance(value, str):
        return ""
    line = clip(value, limit).translate(_ONE_LINE).strip()
    return quiet(escape(line))


def escape(text: str) -> str:
    """``text`` with its Markdown punctuation backslash-escaped: it reads as written."""
    return text.translate(_MARKDOWN)


def unescaped(text: str) -> str:
    """Escaped text as plain text for the ``fallback`` (what notifications show): without its
    backslashes, and without the backticks of a code span such as a commit's short sha."""
    return _ESCAPED.sub(lambda m: m.group(1) or "", text)


def first_line(value: Any, limit: int = TITLE_CHARS) -> str:
    """The subject of a commit message (its first line), as ``inline``."""
    if not isinstance(value, str):
        return ""
    return inline(clip(value, limit + 1).split("\n", 1)[0], limit)


def body(value: Any, limit: int = BODY_CHARS) -> str:
    """A Markdown body (description, comment, release notes): cut short and quiet."""
    if not isinstance(value, str):
        return ""
    return quiet(clip(value.strip(), limit).translate(_CONTROLS))


def url(value: Any) -> str:
    """An http(s) address fit for a Markdown link, or "" for anything else."""
    if not isinstance(value, str) or len(value) > URL_CHARS:
        return ""
    if not value.lower().startswith(("https://", "http://")):
        return ""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return ""
    return value.translate(_URL_ESCAPES)


def path(value: str) -> str:
    """A branch, tag or file name as one part of an address (``/`` kept, the rest encoded)."""
    return quote(value, safe="/")


def link(text: str, href: str) -> str:
    """``[text](href)``, or the text alone when there is no usable address."""
    return f"[{text}]({href})" if href and text else text


def number(value: Any) -> str:
    """An issue, pull request or pipeline number as text; "" when it is not a plain integer."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**15:
        return ""
    return str(value)


def message(
    *,
    tool: str,
    fallback: str = "",
    color: str,
    title: str,
    title_link: str = "",
    text: str = "",
    author: tuple[str, str, str] = ("", "", ""),
    fields: list[tuple[str, str]] | None = None,
    footer: str = "",
) -> dict[str, Any]:
    """The Slack-style payload of one event: a single coloured attachment.

    ``author`` is (name, profile link, avatar address); ``fields`` are (title, value) pairs
    shown side by side; ``fallback`` (the plain text of notifications) defaults to the title
    unescaped. Empty parts are left out.
    """
    name, profile, avatar = author
    attachment: dict[str, Any] = {
        "fallback": fallback or unescaped(title),
        "color": color,
        "title": title,
        "title_link": title_link,
        "text": text,
        "author_name": name,
        "author_link": profile,
        "author_icon": avatar,
        "footer": footer,
    }
    attachment = {k: v for k, v in attachment.items() if v}
    if fields:
        attachment["fields"] = [
            {"title": t, "value": v, "short": True} for t, v in fields if t and v
        ]
    return {"username": tool, "attachments": [attachment]}

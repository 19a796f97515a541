"""Long messages → consecutive pieces within the post limit, code fences kept valid."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})(.*)$")


def open_fence(text: str) -> str | None:
    """The opening line of a fenced block left open at the end of ``text`` (else ``None``)."""
    opener: str | None = None
    if "```" not in text and "~~~" not in text:
        return None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if not match:
            continue
        if opener is None:
            opener = line.strip()
        elif (
            match.group(1)[0] == opener[0]
            and len(match.group(1)) >= _fence_len(opener)
            and not match.group(2).strip()
        ):
            opener = None
    return opener


def _fence_len(opener: str) -> int:
    return len(opener) - len(opener.lstrip(opener[0]))


def _cut(window: str, limit: int) -> tuple[int, int]:
    """Where to cut ``window`` for a piece of at most ``limit``: (end of the piece, start of the
    rest). At the last newline before ``limit``, else the last whitespace, else hard."""
    at = window.rfind("\n", 0, limit + 1)
    if at <= 0:
        at = max(window.rfind(" ", 0, limit + 1), window.rfind("\t", 0, limit + 1))
    if at <= 0:
        return limit, limit
    return at, at + 1


def _closed(window: str, cut: tuple[int, int], *, marks_only: bool) -> tuple[str, int, str]:
    """The piece ``cut`` gives, closed if it ends inside a fence, with what reopens it."""
    end, used = cut
    opener = open_fence(window[:end])
    if opener is None:
        return window[:end], used, ""
    marks = opener[: _fence_len(opener)]
    return window[:end] + "\n" + marks, used, (marks if marks_only else opener) + "\n"


def _fenced(window: str, limit: int, marks: int) -> tuple[str, int, str] | None:
    """A piece ending inside a fence, closed and reopened after: cut as usual, else hard, else
    hard and reopened with just the marks; ``None`` when each would barely move on."""
    short = limit - marks - 1
    tries = ((_cut(window, short), False), ((short, short), False), ((short, short), True))
    for cut, marks_only in tries:
        piece, used, reopen = _closed(window, cut, marks_only=marks_only)
        if len(piece) <= limit and (not reopen or used - len(reopen) >= limit // 4):
            return piece, used, reopen
    return None


def _next(window: str, limit: int) -> tuple[str, int, str]:
    """The next piece of ``window`` (the rest's first ``limit + 1`` characters): the piece, how
    many characters of the rest it uses, and what the rest must start with (a reopened fence)."""
    end, used = _cut(window, limit)
    opener = open_fence(window[:end])
    if opener is None or _fence_len(opener) + 1 > limit // 2:  # no fence (or absurdly long marks)
        return window[:end], used, ""
    return _fenced(window, limit, _fence_len(opener)) or (window[:limit], limit, "")


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters; a fence cut in two is closed and reopened.

    Linear in ``text``: each step reads one window of ``limit`` characters, and a step that
    reopens a fence must move on by at least a quarter of the limit (so a long opening line
    can never make the rest grow back, which once looped for ever).
    """
    pieces: list[str] = []
    head, at = "", 0  # the rest is head + text[at:]
    while len(head) + len(text) - at > limit:
        window = (head + text[at : at + limit + 1])[: limit + 1]
        piece, used, reopen = _next(window, limit)
        pieces.append(piece)
        at += max(used - len(head), 0)
        head = reopen + head[used:]
    pieces.append(head + text[at:])
    return pieces

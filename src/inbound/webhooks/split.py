"""Long messages → consecutive pieces within the post limit, code fences kept valid."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})(.*)$")


def open_fence(text: str) -> str | None:
    """The opening line of a fenced block left open at the end of ``text`` (else ``None``)."""
    opener: str | None = None
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


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Split at the last newline before ``limit``, else the last whitespace, else hard."""
    window = text[: limit + 1]
    at = window.rfind("\n", 0, limit + 1)
    if at <= 0:
        at = max(window.rfind(" ", 0, limit + 1), window.rfind("\t", 0, limit + 1))
    if at <= 0:
        return text[:limit], text[limit:]
    return text[:at], text[at + 1 :]


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters; a fence cut in two is closed and reopened."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        piece, tail = _cut(rest, limit)
        opener = open_fence(piece)
        if opener is not None:
            fence = opener[: _fence_len(opener)]
            piece, tail = _cut(rest, max(limit - len(fence) - 1, 1))
            opener = open_fence(piece)
            if opener is not None:
                piece += "\n" + opener[: _fence_len(opener)]
                tail = opener + "\n" + tail
        pieces.append(piece)
        rest = tail
    pieces.append(rest)
    return pieces

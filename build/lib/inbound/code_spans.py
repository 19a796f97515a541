"""Where the code is in a message: fenced blocks and backtick spans, found in linear time.

These are hand-written scans of what two regular expressions used to find (kept as reference
definitions in the tests): a backreference (the closing run must have the opening run's length)
made the regex engine rescan the rest of the text from every unmatched backtick, minutes for a
300 KB body. Here every backtick run is read once and its closing run looked up.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache

Region = tuple[int, int]
_TICKS = re.compile(r"`+")
# A line that may open a fence (then the span rule gets its turn), or any backtick.
_SLACK_START = re.compile(r"^[ ]{0,3}(?:`{3,}|~{3,})|`", re.MULTILINE)


class _Runs:
    """The maximal backtick runs of a text, grouped by length, for finding closing runs.

    Lookups must come in increasing position order (the scans only move forward), so each
    length keeps a cursor, and a length with no run left is dropped for good.
    """

    def __init__(self, text: str) -> None:
        self.starts: dict[int, list[int]] = {}
        for match in _TICKS.finditer(text):
            self.starts.setdefault(match.end() - match.start(), []).append(match.start())
        self.alive = sorted(self.starts)
        self.cursor = dict.fromkeys(self.starts, 0)

    def _next_start(self, length: int, after: int) -> int | None:
        starts, index = self.starts[length], self.cursor[length]
        while index < len(starts) and starts[index] < after:
            index += 1
        self.cursor[length] = index
        return starts[index] if index < len(starts) else None

    def span(self, start: int, run_end: int) -> Region | None:
        """The span starting in the run ``[start, run_end)``: ``start`` with the whole run as its
        ticks, else the next tick with one fewer, and so on; it closes at the next run of
        exactly that many ticks (``(`+)(?!`).+?(?<!`)\\1(?!`)``)."""
        index = bisect_right(self.alive, run_end - start) - 1
        while index >= 0:
            length = self.alive[index]
            close = self._next_start(length, run_end)
            if close is not None:
                return run_end - length, close + length
            del self.alive[index]  # no run of this length later on: none ever again
            index -= 1
        return None


def backtick_spans(text: str) -> Iterator[Region]:
    """Code spans, as ``(`+)(?!`).+?(?<!`)\\1(?!`)`` (DOTALL) finds them, left to right."""
    runs = _Runs(text)
    position = 0
    while (tick := text.find("`", position)) >= 0:
        region = _span_from(text, runs, tick)
        if region[0] >= 0:
            yield region
        position = region[1]


def _span_from(text: str, runs: _Runs, tick: int) -> Region:
    """The span found from ``tick``, or ``(-1, end of its run)`` when there is none."""
    run = _TICKS.match(text, tick)
    run_end = run.end() if run else tick + 1
    return runs.span(tick, run_end) or (-1, run_end)


@lru_cache(maxsize=64)
def _closing_line(mark: str, *, indent: bool) -> re.Pattern[str]:
    return re.compile(("^[ ]{0,3}" if indent else "^") + re.escape(mark) + r"[ \t]*$", re.M)


def _fence_end(text: str, after: int, mark: str, *, indent: bool) -> int:
    """End of the first closing line (only ``mark`` and blanks) from ``after``, else -1."""
    closing = _closing_line(mark, indent=indent).search(text, after)
    return closing.end() if closing else -1


def slack_code(text: str) -> list[Region]:
    """Code, as Slack translation holds it aside: the regex

    ``(^[ ]{0,3}(`{3,}|~{3,})[^\\n]*\\n.*?(^[ ]{0,3}\\2[ \\t]*$|\\Z))|((`+)(?!`).+?(?<!`)\\5(?!`))``
    (MULTILINE, DOTALL): a fence runs to a line of exactly its marks, or to the end of the text.
    """
    runs, position = _Runs(text), 0
    found: list[Region] = []
    while (start := _SLACK_START.search(text, position)) is not None:
        at = start.start()
        newline = text.find("\n", start.end())
        if len(start.group()) > 1 and newline >= 0:
            end = _fence_end(text, newline + 1, start.group().lstrip(" "), indent=True)
            found.append((at, end if end >= 0 else len(text)))
            position = found[-1][1]
        elif text[at] == "`":
            region = _span_from(text, runs, at)
            if region[0] >= 0:
                found.append(region)
            position = region[1]
        else:
            position = at + 1
    return found


def plain_fences(text: str) -> list[Region]:
    """Fenced blocks as ``^(```|~~~).*?^\1[ \t]*$`` (MULTILINE, DOTALL) finds them: exactly
    three marks at the start of a line, closed by a line of the same three; never left open.

    Once a mark's closing line is not found, no later fence of that mark can close either, so
    the scan stops looking for that mark.
    """
    found: list[Region] = []
    marks: tuple[str, ...] = ("```", "~~~")
    position = 0
    while marks and (start := _fence_start(marks).search(text, position)) is not None:
        at, mark = start.start(), start.group()
        newline = text.find("\n", at + 3)
        end = _fence_end(text, newline + 1, mark, indent=False) if newline >= 0 else -1
        if end >= 0:
            found.append((at, end))
            position = end
        else:
            marks = tuple(m for m in marks if m != mark)  # none closes after this either
            position = at + 1
    return found


@lru_cache(maxsize=4)
def _fence_start(marks: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(re.escape(m) for m in marks) + ")", re.MULTILINE)


def replace_regions(text: str, regions: list[Region], replacement: str) -> str:
    """``text`` with each region replaced by ``replacement``."""
    parts: list[str] = []
    position = 0
    for start, end in regions:
        parts += (text[position:start], replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)

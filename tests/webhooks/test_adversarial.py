"""Sender text built to be worst-case for each pattern: linear time, same results as before.

Each input of the adversarial corpus (``adversarial_corpus.CASES``) must take well under a
second at the 300 KB limit, and doubling its size must at most about double the time; a live
server must stay responsive while it handles the worst body.

The ``OLD_*`` patterns are the old definitions, kept as references: on small random inputs the
linear scans must give exactly what they gave.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.code_spans import slack_code
from inbound.mentions import strip_code
from inbound.webhooks.slack import (
    ATTACHMENT_LINK,
    TEXT_LINK,
    Lookups,
    referenced_ids,
    translate,
)
from inbound.webhooks.split import open_fence, split_text
from tests.conftest import LiveServer
from tests.webhooks.adversarial_corpus import CASES, LIMIT, Thunk, rep
from tests.webhooks.test_clients import _hook_url


def best_of(thunk: Thunk, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        thunk()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("name", CASES)
def test_worst_case_at_the_size_limit_is_well_under_a_second(name: str) -> None:
    assert best_of(CASES[name](LIMIT), 2) < 1.0


def doubled(name: str) -> tuple[float, float]:
    """Best-of-3 times at 75 KB and 150 KB (best-of: noise on a shared machine only adds)."""
    return best_of(CASES[name](75_000), 3), best_of(CASES[name](150_000), 3)


@pytest.mark.parametrize("name", CASES)
def test_doubling_the_input_at_most_about_doubles_the_time(name: str) -> None:
    tries = [doubled(name)]
    if tries[0][1] >= 2.5 * tries[0][0] + 0.005:  # once more: quadratic (4x) fails twice
        tries.append(doubled(name))
    assert any(large < 2.5 * small + 0.005 for small, large in tries), tries  # 5 ms: timer noise


# --- the old definitions, as references on small inputs ----------------------------------

OLD_ANNOUNCEMENT = re.compile(r"<!(channel|here|all|everyone|group)(?:\|[^>\n]*)?>")
OLD_USER = re.compile(r"<@([A-Za-z0-9]+)(?:\|([^>\n]+))?>")
OLD_CHANNEL = re.compile(r"<#([A-Za-z0-9]+)(?:\|([^>\n]*))?>")
OLD_ATTACHMENT_LINK = re.compile(r"<([^<\|]+)\|([^>]+)>")
OLD_CODE = re.compile(
    r"(?P<fence>^[ ]{0,3}(?P<mark>`{3,}|~{3,})[^\n]*\n.*?(?:^[ ]{0,3}(?P=mark)[ \t]*$|\Z))"
    r"|(?P<span>(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`))",
    re.MULTILINE | re.DOTALL,
)
OLD_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
OLD_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
OLD_ANNOUNCED = {"everyone": "all", "group": "channel"}
LOOKUPS = Lookups({"U1": "jim"}, {"C1": "deploys"})


def old_translate(text: str, lookups: Lookups, *, link: re.Pattern[str]) -> str:
    if "<" not in text or "\0" in text:
        return text
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(match.group(0))
        return f"\0{len(held) - 1}\0"

    def user(m: re.Match[str]) -> str:
        if m.group(1) in lookups.usernames:
            return "@" + lookups.usernames[m.group(1)]
        return "@" + m.group(2).lstrip("@") if m.group(2) else m.group(0)

    def channel(m: re.Match[str]) -> str:
        if m.group(1) in lookups.channel_names:
            return "~" + lookups.channel_names[m.group(1)]
        return "#" + m.group(2).lstrip("#") if m.group(2) else m.group(0)

    part = OLD_CODE.sub(hold, text)
    part = OLD_ANNOUNCEMENT.sub(lambda m: "@" + OLD_ANNOUNCED.get(m.group(1), m.group(1)), part)
    part = OLD_USER.sub(user, part)
    part = OLD_CHANNEL.sub(channel, part)
    part = link.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", part)
    return re.sub(r"\0(\d+)\0", lambda m: held[int(m.group(1))], part)


SLACK_TEXT = st.lists(
    st.sampled_from(
        [
            "<",
            ">",
            "|",
            "@",
            "#",
            "!",
            "here",
            "everyone",
            "U1",
            "C1",
            "a",
            "x/y",
            "\n",
            " ",
            "`",
            "``",
            "```",
            "~~~",
            "\t",
            "*",
            "~",
        ]
    ),
    max_size=30,
).map("".join)
CODE_TEXT = st.text(alphabet="`~ \n\tab@", max_size=60)


@settings(max_examples=500, deadline=None)
@given(SLACK_TEXT)
def test_translate_is_the_old_definition(text: str) -> None:
    for link, old in ((TEXT_LINK, TEXT_LINK), (ATTACHMENT_LINK, OLD_ATTACHMENT_LINK)):
        assert translate(text, LOOKUPS, link=link) == old_translate(text, LOOKUPS, link=old)


@settings(max_examples=300, deadline=None)
@given(SLACK_TEXT)
def test_referenced_ids_are_the_old_definition(text: str) -> None:
    users = {m.group(1) for m in OLD_USER.finditer(text)}
    assert referenced_ids(text) == (users, {m.group(1) for m in OLD_CHANNEL.finditer(text)})


@settings(max_examples=500, deadline=None)
@given(CODE_TEXT)
def test_slack_code_is_the_old_definition(text: str) -> None:
    assert slack_code(text) == [m.span() for m in OLD_CODE.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(CODE_TEXT)
def test_strip_code_is_the_old_definition(text: str) -> None:
    assert strip_code(text) == OLD_CODE_SPAN.sub(" ", OLD_FENCE.sub(" ", text))


def old_split(text: str, limit: int) -> list[str] | None:
    """The old splitting, or ``None`` where the new one deliberately differs: marks longer than
    half the limit, a reopened fence that barely moves on (the old code could loop for ever),
    or a piece over the limit."""

    def cut(text: str, limit: int) -> tuple[str, str]:
        window = text[: limit + 1]
        at = window.rfind("\n", 0, limit + 1)
        if at <= 0:
            at = max(window.rfind(" ", 0, limit + 1), window.rfind("\t", 0, limit + 1))
        return (text[:limit], text[limit:]) if at <= 0 else (text[:at], text[at + 1 :])

    def marks(opener: str) -> str:
        return opener[: len(opener) - len(opener.lstrip(opener[0]))]

    pieces, rest = [], text
    while len(rest) > limit:
        piece, tail = cut(rest, limit)
        opener = open_fence(piece)
        if opener is not None:
            if len(marks(opener)) + 1 > limit // 2:
                return None
            piece, tail = cut(rest, max(limit - len(marks(opener)) - 1, 1))
            opener = open_fence(piece)
            if opener is not None:
                piece += "\n" + marks(opener)
                tail = opener + "\n" + tail
                if len(rest) - len(tail) < limit // 4 or len(piece) > limit:
                    return None
        pieces.append(piece)
        rest = tail
    return [*pieces, rest]


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="ab \n`~x", max_size=400), limit=st.integers(16, 80))
def test_split_is_the_old_definition_where_that_ended(text: str, limit: int) -> None:
    old = old_split(text, limit)
    if old is not None:
        assert split_text(text, limit) == old


@pytest.mark.parametrize(
    ("text", "limit"),
    [("```python\n" + "a" * 5000, 4000), ("```" + "x" * 20_000, 4000), ("`" * 9000, 16)],
    ids=["opener-then-long-line", "long-opener-line", "long-marks"],
)
def test_split_always_ends_with_pieces_within_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)  # these looped for ever before
    assert all(len(p) <= limit for p in pieces)
    assert "".join(pieces).count("a") == text.count("a")


def test_split_keeps_code_a_code_block_after_a_long_line() -> None:
    first, second = split_text("```python\n" + "a" * 5000, 4000)
    assert first == "```python\n" + "a" * 3986 + "\n```"
    assert second == "```python\n" + "a" * 1014


# --- end to end: one worst-case body does not stall anyone else --------------------------


def _ping(url: str, stop: threading.Event, out: list[tuple[float, float]]) -> None:
    """Ping until ``stop``, recording each ping's (start, end)."""
    with httpx.Client(timeout=5) as client:
        while not stop.is_set():
            start = time.perf_counter()
            client.get(f"{url}/api/v4/system/ping")
            out.append((start, time.perf_counter()))
            time.sleep(0.005)


def _worst_body(text_unit: str = "<@a|", attachment_unit: str = "<a|") -> bytes:
    body: dict[str, Any] = {"text": "", "attachments": [{"text": ""}]}
    room = LIMIT - len(orjson.dumps(body)) - 100

    def fill(unit: str) -> str:  # as many characters as fit in half the room once JSON-escaped
        escaped = len(orjson.dumps(unit)) - 2
        return rep(unit, room // 2 * len(unit) // escaped)

    body["text"] = fill(text_unit)
    body["attachments"][0]["text"] = fill(attachment_unit)
    raw = orjson.dumps(body)
    assert LIMIT - 300 < len(raw) <= LIMIT, len(raw)
    return raw


WORST_BODIES = {
    "slack-markup": ("<@a|", "<a|"),
    # fenced code at the size limit: ~37,000 fences to hold aside, split and scan (an outside
    # probe saw the loop blocked 100-330 ms by this before large bodies left the loop)
    "fences-with-mentions": ("```\n@a\n", "```\n<@a|\n"),
    "fences-only": ("```\n", "```\n"),
}


@pytest.mark.parametrize("name", sorted(WORST_BODIES))
def test_worst_body_leaves_the_server_responsive(live_server: LiveServer, name: str) -> None:
    url, _ = _hook_url(live_server)
    pings: list[tuple[float, float]] = []
    stop = threading.Event()
    pinger = threading.Thread(target=_ping, args=(live_server.url, stop, pings))
    pinger.start()
    try:
        while len(pings) < 3:  # the pinger is up and warm
            time.sleep(0.01)
        with httpx.Client(timeout=30) as client:
            start = time.perf_counter()
            response = client.post(
                url,
                content=_worst_body(*WORST_BODIES[name]),
                headers={"Content-Type": "application/json"},
            )
            end = time.perf_counter()
        time.sleep(0.05)
    finally:
        stop.set()
        pinger.join()
    assert response.status_code == 200 or 400 <= response.status_code < 500, response.text
    assert end - start < 1.5, end - start
    during = [b - a for a, b in pings if b > start and a < end]  # pings that overlap the hook
    assert during and max(during) < 0.1, during  # the contract: 50 ms; a noisy CI gets margin

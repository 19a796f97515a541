"""The GCRA limiter with a fake clock (throttled's, so Mattermost's, numbers step by step), the
per-hook policy, and the client key as Mattermost's ``GenerateKey`` builds it."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace

import pytest

from inbound.config import RateLimitSettings
from inbound.errors import RateLimitedError
from inbound.models import IncomingHook
from inbound.services.rate_limit import NS, Decision, MemoryLimiter, Rate, RateLimits
from inbound.web.rate_limit import client_key


class Clock:
    def __init__(self) -> None:
        self.now = 1_000 * NS

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += round(seconds * NS)


def limiter(size: int = 100) -> tuple[MemoryLimiter, Clock]:
    clock = Clock()
    return MemoryLimiter(size=size, clock=clock), clock


# (seconds to wait before the request, limited?, remaining, reset_after, retry_after),
# for 1 a second with a burst of 2: three at once, then one a second.
STEPS_1_PER_SEC_BURST_2 = [
    (0.0, False, 2, 1.0, -1.0),
    (0.0, False, 1, 2.0, -1.0),
    (0.0, False, 0, 3.0, -1.0),
    (0.0, True, 0, 3.0, 1.0),  # refused: nothing changes
    (0.0, True, 0, 3.0, 1.0),
    (0.5, True, 0, 2.5, 0.5),
    (0.5, False, 0, 3.0, -1.0),  # one second on: one more
    (10.0, False, 2, 1.0, -1.0),  # long idle: back to a full burst
]


def test_gcra_steps_match_throttled() -> None:
    gcra, clock = limiter()
    rate = Rate(per_sec=1, burst=2)
    for i, (wait, limited, remaining, reset_after, retry_after) in enumerate(
        STEPS_1_PER_SEC_BURST_2
    ):
        clock.advance(wait)
        decision = gcra.take_now("k", rate)
        expected = Decision(limited, 3, remaining, reset_after, retry_after)
        assert decision == expected, (i, decision)


@pytest.mark.parametrize(
    ("per_sec", "burst", "allowed_at_once"),
    [
        pytest.param(10, 100, 101, id="mattermost-defaults"),
        pytest.param(1, 0, 1, id="no-burst"),
        pytest.param(1000, 5, 6, id="fast"),
        pytest.param(3, 7, 8, id="uneven-interval"),
    ],
)
def test_burst_is_max_burst_plus_one(per_sec: int, burst: int, allowed_at_once: int) -> None:
    gcra, _clock = limiter()
    decisions = [gcra.take_now("k", Rate(per_sec, burst)) for _ in range(allowed_at_once + 5)]
    assert [d.limited for d in decisions] == [False] * allowed_at_once + [True] * 5
    assert [d.remaining for d in decisions[:allowed_at_once]] == list(
        range(allowed_at_once - 1, -1, -1)
    )


@pytest.mark.parametrize(("per_sec", "seconds"), [(10, 1.0), (5, 2.0), (1, 3.0), (100, 0.5)])
def test_sustained_rate_after_the_burst(per_sec: int, seconds: float) -> None:
    gcra, clock = limiter()
    rate = Rate(per_sec, 4)
    while not gcra.take_now("k", rate).limited:
        pass
    allowed = 0
    step = 1 / (per_sec * 10)
    for _ in range(round(seconds / step)):
        clock.advance(step)
        allowed += not gcra.take_now("k", rate).limited
    assert abs(allowed - per_sec * seconds) <= 1


def test_keys_are_independent() -> None:
    gcra, _clock = limiter()
    rate = Rate(1, 0)
    assert not gcra.take_now("a", rate).limited
    assert gcra.take_now("a", rate).limited
    assert not gcra.take_now("b", rate).limited


def test_memory_is_bounded_least_recently_used_first_out() -> None:
    gcra, _clock = limiter(size=3)
    rate = Rate(1, 0)
    for key in ("a", "b", "c"):
        gcra.take_now(key, rate)
    assert gcra.take_now("a", rate).limited  # "a" used again: now the most recent
    gcra.take_now("d", rate)  # pushes out "b", the least recently used
    assert len(gcra) == 3
    assert not gcra.take_now("b", rate).limited  # forgotten: a fresh start
    assert gcra.take_now("a", rate).limited  # remembered


def test_a_flood_of_keys_stays_within_the_bound() -> None:
    gcra, _clock = limiter(size=1_000)
    for n in range(20_000):
        gcra.take_now(f"key{n}", Rate(10, 100))
    assert len(gcra) == 1_000


@pytest.mark.parametrize(
    ("decision", "headers"),
    [
        pytest.param(
            Decision(False, 101, 100, 0.1, -1.0),
            {
                b"x-ratelimit-limit": b"101",
                b"x-ratelimit-remaining": b"100",
                b"x-ratelimit-reset": b"1",
            },
            id="allowed",
        ),
        pytest.param(
            Decision(True, 3, 0, 2.5, 0.5),
            {
                b"x-ratelimit-limit": b"3",
                b"x-ratelimit-remaining": b"0",
                b"x-ratelimit-reset": b"3",
            },
            id="limited-rounds-up",
        ),
    ],
)
def test_headers_round_seconds_up(decision: Decision, headers: dict[bytes, bytes]) -> None:
    assert dict(decision.headers()) == headers


@pytest.mark.parametrize(("retry_after", "seconds"), [(0.01, 1), (0.5, 1), (1.0, 1), (1.2, 2)])
def test_retry_after_is_whole_seconds_at_least_one(retry_after: float, seconds: int) -> None:
    assert Decision(True, 1, 0, 1.0, retry_after).retry_after_seconds == seconds


HOOK_SETTINGS = RateLimitSettings(
    enable=True, incoming_webhook_per_sec=1, incoming_webhook_max_burst=1
)


@pytest.mark.parametrize(
    ("per_sec", "burst", "allowed_at_once"),
    [
        pytest.param(0, 0, 2, id="server-defaults"),
        pytest.param(0, 4, 5, id="own-burst"),
        pytest.param(50, 9, 10, id="own-both"),
    ],
)
def test_hook_override_or_server_defaults(per_sec: int, burst: int, allowed_at_once: int) -> None:
    limits = RateLimits(MemoryLimiter(clock=Clock()))
    hook = IncomingHook("h" * 26, "c" * 26, "t" * 26, "u" * 26)
    hook.rate_limit_per_sec, hook.rate_limit_burst = per_sec, burst

    async def count() -> int:
        allowed = 0
        for _ in range(allowed_at_once + 3):
            try:
                await limits.check_hook(HOOK_SETTINGS, hook)
                allowed += 1
            except RateLimitedError as error:
                assert error.error_id == "web.incoming_webhook.rate_limited.app_error"
                assert error.retry_after >= 1
        return allowed

    assert asyncio.run(count()) == allowed_at_once


def test_hook_limit_off_when_rate_limits_are_off() -> None:
    limits = RateLimits(MemoryLimiter(clock=Clock()))
    hook = IncomingHook("h" * 26, "c" * 26, "t" * 26, "u" * 26, rate_limit_per_sec=1)

    async def run() -> None:
        for _ in range(50):
            await limits.check_hook(replace(HOOK_SETTINGS, enable=False), hook)

    asyncio.run(run())


BY_ADDRESS = RateLimitSettings(vary_by_remote_addr=True, vary_by_user=False, vary_by_header="")
BY_USER = replace(BY_ADDRESS, vary_by_user=True)
NOTHING = RateLimitSettings(vary_by_remote_addr=False, vary_by_user=False, vary_by_header="")


def scope(*headers: tuple[bytes, bytes], query: bytes = b"") -> dict[str, object]:
    return {"client": ("10.0.0.7", 5555), "headers": list(headers), "query_string": query}


TOKEN_DIGEST = "user:" + hashlib.blake2b(b"tok", digest_size=16).hexdigest()  # never the token


@pytest.mark.parametrize(
    ("settings", "request_scope", "key"),
    [
        pytest.param(BY_ADDRESS, scope(), "10.0.0.7", id="address"),
        pytest.param(
            BY_ADDRESS, scope((b"authorization", b"Bearer tok")), "10.0.0.7", id="token-ignored"
        ),
        pytest.param(BY_USER, scope((b"authorization", b"Bearer tok")), TOKEN_DIGEST, id="bearer"),
        pytest.param(
            BY_USER, scope((b"authorization", b"token tok")), TOKEN_DIGEST, id="token-scheme"
        ),
        pytest.param(
            BY_USER, scope((b"cookie", b"a=1; MMAUTHTOKEN=tok")), TOKEN_DIGEST, id="cookie"
        ),
        pytest.param(BY_USER, scope(query=b"x=1&access_token=tok"), TOKEN_DIGEST, id="query"),
        pytest.param(BY_USER, scope(), "10.0.0.7", id="no-token-falls-back-to-address"),
        pytest.param(
            replace(BY_USER, vary_by_remote_addr=False), scope(), "", id="no-token-no-address"
        ),
        pytest.param(NOTHING, scope(), "", id="everyone-shares-one"),
        pytest.param(
            replace(NOTHING, vary_by_header="X-Real-IP"),
            scope((b"x-real-ip", b"203.0.113.9")),
            "|203.0.113.9",
            id="header",
        ),
        pytest.param(
            replace(BY_ADDRESS, vary_by_header="X-Tenant"),
            scope((b"x-tenant", b"ACME")),
            "10.0.0.7|acme",
            id="address-and-header",
        ),
    ],
)
def test_client_key_as_mattermost_generates_it(
    settings: RateLimitSettings, request_scope: dict[str, object], key: str
) -> None:
    assert client_key(request_scope, settings) == key

"""RateLimitSettings over HTTP: the per-hook and per-client limits, their 429s and headers."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from inbound.services.rate_limit import MemoryLimiter, RateLimits
from tests.conftest import ADMIN_PASSWORD, Api, CliInvoke, assert_error
from tests.serve_process import ServeProcess, prepare

HOOK_LIMITED = "web.incoming_webhook.rate_limited.app_error"
API_LIMITED = "api.context.rate_limited.app_error"
BASE = "/api/v4/hooks/incoming"
WIDE_OPEN = {"PerSec": 1_000_000, "MaxBurst": 1_000_000}  # the client limit out of the way


def enable(api: Api, **values: Any) -> None:
    """Rate limits on, with the clock stopped: only the requests counted matter."""
    api.ctx.rate_limits = RateLimits(MemoryLimiter(clock=lambda: 0))
    api.patch_config("RateLimitSettings", Enable=True, **{**WIDE_OPEN, **values})


def limit_headers(response: httpx.Response) -> tuple[int, int, int]:
    h = response.headers
    return int(h["X-RateLimit-Limit"]), int(h["X-RateLimit-Remaining"]), int(h["X-RateLimit-Reset"])


def test_hook_burst_then_429_with_headers_and_nothing_stored(api: Api) -> None:
    enable(api, IncomingWebhookPerSec=1, IncomingWebhookMaxBurst=4)
    hook = api.new_hook()
    answers = [api.send(hook["id"], {"text": f"n{i}"}) for i in range(7)]
    assert [r.status_code for r in answers] == [200] * 5 + [429] * 2
    assert [limit_headers(r)[:2] for r in answers[:5]] == [(5, 4), (5, 3), (5, 2), (5, 1), (5, 0)]
    refused = answers[5]
    assert_error(refused, 429, HOOK_LIMITED)
    assert limit_headers(refused)[:2] == (5, 0)
    assert refused.headers["Retry-After"] == "1"
    assert limit_headers(refused)[2] == 5  # seconds until the burst is whole again
    texts = [p["message"] for p in api.posts(hook["channel_id"])]
    assert sorted(t for t in texts if t.startswith("n")) == ["n0", "n1", "n2", "n3", "n4"]


def test_hook_override_and_hooks_counted_apart(api: Api) -> None:
    enable(api, IncomingWebhookPerSec=1, IncomingWebhookMaxBurst=4)
    tight = api.new_hook(rate_limit_per_sec=1, rate_limit_burst=1)
    assert (tight["rate_limit_per_sec"], tight["rate_limit_burst"]) == (1, 1)
    default = api.new_hook()
    assert (default["rate_limit_per_sec"], default["rate_limit_burst"]) == (0, 0)
    assert [api.send(tight["id"], {"text": "t"}).status_code for _ in range(3)] == [200, 200, 429]
    assert [api.send(default["id"], {"text": "d"}).status_code for _ in range(6)] == [200] * 5 + [
        429
    ]
    updated = api.put(
        f"{BASE}/{tight['id']}", json={**tight, "rate_limit_per_sec": 0, "rate_limit_burst": 9}
    )
    assert updated.status_code == 201, updated.text
    assert (updated.json()["rate_limit_per_sec"], updated.json()["rate_limit_burst"]) == (0, 9)
    fetched = api.get(f"{BASE}/{tight['id']}").json()
    assert (fetched["rate_limit_per_sec"], fetched["rate_limit_burst"]) == (0, 9)
    after = api.send(tight["id"], {"text": "t"})  # a larger burst: room again at once
    assert after.status_code == 200 and limit_headers(after)[0] == 10


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rate_limit_per_sec", -1),
        ("rate_limit_per_sec", "10"),
        ("rate_limit_per_sec", True),
        ("rate_limit_burst", 1.5),
        ("rate_limit_burst", 1_000_001),
    ],
)
def test_invalid_hook_rate_fields(api: Api, field: str, value: Any) -> None:
    town = api.channel("town-square")
    response = api.post(BASE, json={"channel_id": town["id"], field: value})
    assert_error(response, 400, f"model.incoming_hook.{field}.app_error")


def test_disabled_never_limits_and_sends_no_headers(api: Api) -> None:
    api.patch_config("RateLimitSettings", PerSec=1, MaxBurst=1)  # Enable stays false
    hook = api.new_hook(rate_limit_per_sec=1, rate_limit_burst=1)
    answers = [api.send(hook["id"], {"text": "x"}) for _ in range(20)]
    answers += [api.get("/api/v4/users/me") for _ in range(10)]
    assert {r.status_code for r in answers} == {200}
    assert not any("X-RateLimit-Limit" in r.headers for r in answers)


def test_api_429_with_headers_per_client(api: Api) -> None:
    _user, token = api.new_user("other")
    hook = api.new_hook()
    enable(api, PerSec=1, MaxBurst=2, VaryByUser=True)
    answers = [api.get("/api/v4/users/me") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [limit_headers(r)[:2] for r in answers] == [(3, 2), (3, 1), (3, 0), (3, 0)]
    assert_error(answers[3], 429, API_LIMITED)
    assert answers[3].headers["Retry-After"] == "1" and answers[3].headers["X-Request-Id"]
    assert api.get("/api/v4/users/me", token).status_code == 200  # another user: own limit
    hooked = [api.send(hook["id"], {"text": "x"}) for _ in range(4)]  # no token: by address
    assert [r.status_code for r in hooked] == [200, 200, 200, 429]
    assert_error(hooked[3], 429, HOOK_LIMITED)
    assert limit_headers(hooked[3]) == (3, 0, 3)


def test_vary_by_header_separates_clients(api: Api) -> None:
    enable(api, PerSec=1, MaxBurst=1, VaryByHeader="X-Tenant")
    as_a = {"X-Tenant": "A"}
    assert [api.get("/api/v4/users/me", headers=as_a).status_code for _ in range(2)] == [200] * 2
    assert api.get("/api/v4/users/me", headers={"X-Tenant": "a"}).status_code == 429  # lowered
    assert api.get("/api/v4/users/me", headers={"X-Tenant": "B"}).status_code == 200


def test_cli_sets_and_shows_the_hook_limits(cli: CliInvoke) -> None:
    code, out = cli("hook", "create", "--channel", "main:town-square", "--rate-limit-per-sec", "5")
    assert code == 0, out
    assert "rate limit: 5/s  burst: default" in out
    hook_id = out.split("id:", 1)[1].split()[0]
    code, out = cli("hook", "update", hook_id, "--rate-limit-burst", "50")
    assert code == 0, out
    assert "rate limit: 5/s  burst: 50" in out
    code, out = cli("hook", "update", hook_id, "--rate-limit-burst", "-1")
    assert code == 1 and "rate_limit_burst must be a whole number" in out


# A flooder in its own process (so it does not share this process's GIL with the server):
# CONNECTIONS keep-alive connections posting to one hook as fast as they are answered.
FLOOD = """
import asyncio, json, re, sys, time

async def connection(port, path, deadline, counts):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b'{"text": "flood"}'
    request = (
        f"POST {path} HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\n"
        f"Content-Length: {len(body)}\\r\\n\\r\\n"
    ).encode() + body
    while time.monotonic() < deadline:
        writer.write(request)
        head = await reader.readuntil(b"\\r\\n\\r\\n")
        length = int(re.search(rb"(?i)content-length: *(\\d+)", head).group(1))
        await reader.readexactly(length)
        status = head.split(b" ", 2)[1].decode()
        counts[status] = counts.get(status, 0) + 1
    writer.close()

async def main(port, path, seconds, connections):
    counts = {}
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(connection(port, path, deadline, counts) for _ in range(connections)))
    print(json.dumps(counts))

asyncio.run(main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
"""


def _live_hook(base: str, token: str, **fields: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    team = httpx.get(f"{base}/api/v4/teams/name/main", headers=headers).json()
    town = httpx.get(
        f"{base}/api/v4/teams/{team['id']}/channels/name/town-square", headers=headers
    ).json()
    made = httpx.post(f"{base}{BASE}", headers=headers, json={"channel_id": town["id"], **fields})
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


def _latencies(client: httpx.Client, url: str, *, seconds: float) -> list[float]:
    took: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.perf_counter()
        response = client.post(url, json={"text": "steady"})
        took.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
        time.sleep(0.01)
    return took


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def flood_measurement(base: str, *, seconds: float = 2.0, enable: bool = True) -> dict[str, Any]:
    """Flood one hook of the server at ``base`` from another process; time a second hook
    meanwhile and before."""
    login = httpx.post(
        f"{base}/api/v4/users/login", json={"login_id": "admin", "password": ADMIN_PASSWORD}
    )
    token = login.headers["Token"]
    patched = httpx.put(
        f"{base}/api/v4/config/patch",
        headers={"Authorization": f"Bearer {token}"},
        json={"RateLimitSettings": {"Enable": enable, **WIDE_OPEN}},
    )
    assert patched.status_code == 200, patched.text
    flooded = _live_hook(base, token)  # the server's defaults: 10 a second, bursts of 101
    steady = _live_hook(base, token, rate_limit_per_sec=1000, rate_limit_burst=1000)
    port = base.rsplit(":", 1)[1]
    with httpx.Client() as client:
        steady_url = f"{base}/hooks/{steady['id']}"
        before = _latencies(client, steady_url, seconds=0.5)
        flood = subprocess.Popen(
            [sys.executable, "-c", FLOOD, port, f"/hooks/{flooded['id']}", str(seconds), "8"],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.3)  # let the flood build up
        during = _latencies(client, steady_url, seconds=seconds - 0.6)
        out, _ = flood.communicate(timeout=30)
    counts = {int(k): v for k, v in json.loads(out).items()}
    return {"before": before, "during": during, "flood": counts}


def test_a_flooded_hook_does_not_slow_another(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Against a real ``inbound serve`` (the server in the test's own process shared one
    interpreter lock with the timed client)."""
    if database_url.startswith("sqlite"):
        request.applymarker(
            pytest.mark.xfail(
                reason="a known bug: on SQLite the delivery history of ~2,000 refused requests "
                "a second slows another hook's requests to 0.2–0.5 s at times (PostgreSQL, "
                "and SQLite with INBOUND_HOOK_HISTORY=0, pass). Reproduce: this test",
                strict=False,
            )
        )
    prepare(database_url, {})
    server = ServeProcess(database_url, tmp_path / "serve.log")
    try:
        measured = flood_measurement(f"http://127.0.0.1:{server.port}")
    finally:
        server.stop()
    flood, during = measured["flood"], measured["during"]
    assert set(flood) == {200, 429}, flood
    assert flood[200] <= 101 + 10 * 2 + 5  # the burst, then 10 a second for the flood's 2 s
    assert flood[429] >= 2 * flood[200]  # the flood was a flood
    assert len(during) >= 20  # every one answered 200 (checked as they were sent)
    timings = (p99(measured["before"]), statistics.median(during), p99(during))
    assert statistics.median(during) < 0.1 and p99(during) < 0.4, timings  # loaded 2-core CI

"""Two servers on one database and one Redis count rate limits as one (``cluster.md`` item 4);
with Redis away each counts its own, and nobody gets a 5xx for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from inbound.app import create_app
from inbound.models import new_id
from inbound.runtime import Runtime
from inbound.services import config as config_service
from inbound.services.rate_limit import RateLimits, SharedLimiter
from inbound.settings import Settings
from inbound.store.limits import RedisLimits
from tests.conftest import Api, assert_error
from tests.services.test_rate_limit_shared import DEAD_URL, REDIS_URL, needs_redis
from tests.webhooks.test_rate_limit_http import API_LIMITED, HOOK_LIMITED, WIDE_OPEN, limit_headers


@pytest.fixture
def second(settings: Settings) -> Iterator[Api]:
    """A second server on the same database (its own runtime, caches and limiter)."""
    runtime = Runtime(settings)
    with TestClient(create_app(settings, runtime=runtime)) as client:
        yield Api(client, runtime)


def share(apps: tuple[Api, Api], url: str, **values: object) -> None:
    """Both servers count in ``url``'s Redis under a prefix of this test's own, with
    ``RateLimitSettings`` patched on one and loaded by the other."""
    prefix = f"inbound:rl:test-{new_id()}:"
    for app in apps:
        limits = RateLimits(SharedLimiter(RedisLimits(url, prefix=prefix)))
        app.client.portal.call(app.ctx.rate_limits.close)  # type: ignore[union-attr]
        app.ctx.rate_limits = limits
        app.client.portal.call(limits.start)  # type: ignore[union-attr]
    apps[0].patch_config("RateLimitSettings", Enable=True, **values)
    apps[1].client.portal.call(config_service.load_config, apps[1].ctx)  # type: ignore[union-attr]


@needs_redis
def test_a_hook_limit_counts_requests_to_either_server(api: Api, second: Api) -> None:
    share((api, second), REDIS_URL, **WIDE_OPEN, IncomingWebhookPerSec=1, IncomingWebhookMaxBurst=5)
    hook = api.new_hook()
    answers = [(api, second)[n % 2].send(hook["id"], {"text": f"n{n}"}) for n in range(7)]
    assert [r.status_code for r in answers] == [200] * 6 + [429]
    assert [limit_headers(r)[1] for r in answers] == [5, 4, 3, 2, 1, 0, 0]
    assert_error(answers[6], 429, HOOK_LIMITED)
    assert answers[6].headers["Retry-After"] == "1"
    texts = [p["message"] for p in api.posts(hook["channel_id"])]
    assert sorted(t for t in texts if t.startswith("n")) == [f"n{n}" for n in range(6)]


@needs_redis
def test_a_client_limit_counts_requests_to_either_server(api: Api, second: Api) -> None:
    share((api, second), REDIS_URL, PerSec=1, MaxBurst=2)
    answers = [(api, second)[n % 2].get("/api/v4/users/me") for n in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [limit_headers(r)[:2] for r in answers] == [(3, 2), (3, 1), (3, 0), (3, 0)]
    assert_error(answers[3], 429, API_LIMITED)


def test_redis_away_each_server_limits_alone_and_answers_no_5xx(api: Api, second: Api) -> None:
    share((api, second), DEAD_URL, **WIDE_OPEN, IncomingWebhookPerSec=1, IncomingWebhookMaxBurst=2)
    hook = api.new_hook()
    on_a = [api.send(hook["id"], {"text": "a"}).status_code for _ in range(4)]
    on_b = [second.send(hook["id"], {"text": "b"}).status_code for _ in range(4)]
    assert on_a == on_b == [200, 200, 200, 429]
    assert api.get("/api/v4/users/me").status_code == 200

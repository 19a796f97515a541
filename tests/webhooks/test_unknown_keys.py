"""Unknown keys are cheap: remembered as unknown, and an address flooding random keys gets 429
instead of database reads (reliability.md 2b, "Unknown keys are cheap")."""

from __future__ import annotations

from typing import Any

from inbound.services.hook_cache import MISS_BURST
from tests.conftest import Api, assert_error


def test_random_keys_from_one_address_end_in_429_with_retry_after(api: Api) -> None:
    for i in range(int(MISS_BURST)):
        assert_error(
            api.send(f"random{i:04d}", {"text": "x"}), 400, "web.incoming_webhook.invalid.app_error"
        )
    response = api.send("onemorerandomkey", {"text": "x"})
    body = assert_error(response, 429, "web.incoming_webhook.rate_limited.app_error")
    assert 1 <= int(response.headers["retry-after"]) <= 5
    assert "unknown webhook keys" in body["message"]


def test_a_key_already_answered_unknown_stays_a_400(api: Api) -> None:
    for _ in range(int(MISS_BURST) * 2):  # the same stale key again and again: one read
        assert_error(
            api.send("deletedhookkey", {"text": "x"}), 400, "web.incoming_webhook.invalid.app_error"
        )


def test_a_working_hook_keeps_working_for_an_address_that_made_typos(api: Api) -> None:
    hook: dict[str, Any] = api.new_hook()
    assert api.send(hook["id"], {"text": "first"}).status_code == 200
    for i in range(int(MISS_BURST) + 5):
        api.send(f"typo{i:04d}", {"text": "x"})
    assert api.send(hook["id"], {"text": "still works"}).status_code == 200

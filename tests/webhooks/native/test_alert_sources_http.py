"""The Alertmanager and Grafana sources through HTTP, on both databases: every sample posted to
``/hooks/{key}/{source}`` is stored as its post, ignored or refused, and a hook with a signing
secret takes each tool's own proof of it (senders.md §8)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson
import pytest

from inbound.webhooks.native import SOURCES
from tests.conftest import Api, assert_error
from tests.webhooks.native.alert_checks import NATIVE

PAYLOAD_ERROR = "web.incoming_webhook.native.payload.app_error"
SIGNATURE_ERROR = "web.incoming_webhook.signature.app_error"
CASES = [
    (source, path.stem)
    for source in ("alertmanager", "grafana")
    for path in sorted((NATIVE / source / "samples").glob("*.json"))
]


def deliver(api: Api, key: str, source: str, body: bytes, **headers: str) -> Any:
    return api.client.post(
        f"/hooks/{key}/{source}?wait=true",
        content=body,
        headers={"Content-Type": "application/json", **headers},
    )


@pytest.mark.parametrize(("source", "case"), CASES)
def test_a_sample_is_stored_as_its_post_ignored_or_refused(
    api: Api, source: str, case: str
) -> None:
    hook = api.new_hook()
    body = (NATIVE / source / "samples" / f"{case}.json").read_bytes()
    before = api.posts(hook["channel_id"])
    answer = deliver(api, hook["id"], source, body)
    if case.startswith("refused"):
        assert_error(answer, 400, PAYLOAD_ERROR)
        assert api.posts(hook["channel_id"]) == before
        return
    assert answer.status_code == 200, answer.text
    if case.startswith("ignored"):
        assert api.posts(hook["channel_id"]) == before
        return
    payload = orjson.loads(body)
    tool = SOURCES[source]
    expected = tool.translate(tool.event({}, payload), payload)
    assert expected is not None
    (post,) = [p for p in api.posts(hook["channel_id"]) if p["id"] in answer.json()["post_ids"]]
    assert post["type"] == "slack_attachment" and post["props"]["from_webhook"] == "true"
    (stored,) = post["props"]["attachments"]
    want = expected["attachments"][0]
    for key in ("title", "color", "title_link", "footer", "image_url"):
        assert stored.get(key) == want.get(key), key
    assert stored["fields"] == want["fields"]
    assert stored["text"].splitlines()[0] == want["text"].splitlines()[0]


SECRET = "alert-secret"
AM_BODY = (NATIVE / "alertmanager" / "samples" / "firing_two_alerts.json").read_bytes()
GRAFANA_BODY = (NATIVE / "grafana" / "samples" / "resolved.json").read_bytes()


def signed_hook(api: Api) -> dict[str, Any]:
    hook = api.new_hook()
    secret = api.post(f"/api/v4/hooks/incoming/{hook['id']}/signing_secret")
    assert secret.status_code == 200, secret.text
    hook["secret"] = secret.json()["signing_secret"]
    return hook


def grafana_signature(secret: str, body: bytes, stamp: str = "") -> str:
    signed = f"{stamp}:".encode() + body if stamp else body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def test_a_signed_hook_takes_alertmanagers_bearer_credentials(api: Api) -> None:
    hook = signed_hook(api)
    good = {"Authorization": f"Bearer {hook['secret']}"}
    assert deliver(api, hook["id"], "alertmanager", AM_BODY, **good).status_code == 200
    for headers in ({}, {"Authorization": "Bearer " + SECRET}, {"Authorization": hook["secret"]}):
        assert_error(
            deliver(api, hook["id"], "alertmanager", AM_BODY, **headers), 401, SIGNATURE_ERROR
        )
    assert len(api.posts(hook["channel_id"])) == 1


def test_a_signed_hook_takes_grafanas_hmac_signature_or_bearer_credentials(api: Api) -> None:
    hook = signed_hook(api)
    secret = hook["secret"]
    accepted = [
        {"X-Grafana-Alerting-Signature": grafana_signature(secret, GRAFANA_BODY)},
        {"X-Grafana-Alert-Signature": grafana_signature(secret, GRAFANA_BODY)},
        {
            "X-Grafana-Alerting-Signature": grafana_signature(secret, GRAFANA_BODY, "1700000000"),
            "X-Grafana-Alerting-Signature-Timestamp": "1700000000",
        },
        {"Authorization": f"Bearer {secret}"},
    ]
    for headers in accepted:
        assert deliver(api, hook["id"], "grafana", GRAFANA_BODY, **headers).status_code == 200
    refused = [
        {},
        {"X-Grafana-Alerting-Signature": grafana_signature(SECRET, GRAFANA_BODY)},
        {"X-Grafana-Alerting-Signature": grafana_signature(secret, GRAFANA_BODY + b" ")},
        {"Authorization": f"Basic {secret}"},
    ]
    for headers in refused:
        assert_error(
            deliver(api, hook["id"], "grafana", GRAFANA_BODY, **headers), 401, SIGNATURE_ERROR
        )
    assert len(api.posts(hook["channel_id"])) == len(accepted)

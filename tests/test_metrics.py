"""``/metrics``: off by default, on its own listener when ``MetricsSettings.Enable`` is true,
with what happened on the hook path (reliability.md 7)."""

from __future__ import annotations

import socket

import httpx

from tests.conftest import Api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sample(text: str, prefix: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert lines, f"{prefix!r} not in metrics"
    return float(lines[0].rsplit(" ", 1)[1])


def test_metrics_listener_follows_the_config_and_counts_hook_answers(api: Api) -> None:
    port = _free_port()
    address = f"127.0.0.1:{port}"
    hook = api.new_hook()
    api.patch_config("MetricsSettings", Enable=True, ListenAddress=address)
    try:
        assert api.send(hook["id"], {"text": "one"}).status_code == 200
        assert api.send(hook["id"], {"text": "two"}).status_code == 200
        assert api.send(hook["id"], {}).status_code == 400
        text = httpx.get(f"http://{address}/metrics", timeout=5).text
        assert _sample(text, 'inbound_webhook_requests_total{error_id="",status="200"}') == 2
        assert (
            _sample(
                text,
                'inbound_webhook_requests_total{error_id="web.incoming_webhook.text.app_error",status="400"}',
            )
            == 1
        )
        assert _sample(text, "inbound_webhook_request_duration_seconds_count") == 3
        assert _sample(text, "inbound_posts_written_total") == 2
        assert _sample(text, "inbound_group_commit_messages_sum") == 2  # messages committed
        assert 1 <= _sample(text, "inbound_group_commit_messages_count") <= 2
        assert _sample(text, "inbound_websocket_clients") == 0
        assert "inbound_database_connections_in_use" in text
        assert hook["id"] not in text  # keys never leave the server
    finally:
        api.patch_config("MetricsSettings", Enable=False)
    try:
        httpx.get(f"http://{address}/metrics", timeout=2)
        raise AssertionError("the metrics listener still answers after Enable=false")
    except httpx.TransportError:
        pass


def test_metrics_are_off_by_default(api: Api) -> None:
    assert api.get("/api/v4/config").json()["MetricsSettings"]["Enable"] is False
    assert api.client.get("/metrics").status_code == 404  # never on the public port

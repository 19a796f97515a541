"""The Alertmanager source: sample notification in, post out (senders.md §8)."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.webhooks.native import SOURCES, PayloadError
from inbound.webhooks.native import alertmanager as source
from inbound.webhooks.native.compose import ZWJ as JOINER
from inbound.webhooks.native.compose import unescaped
from tests.webhooks.native.alert_checks import (
    DELETE,
    JSON,
    NATIVE,
    WRONG,
    loud,
    mutated,
    mutations,
    outcome,
    paths,
    samples,
    through_pipeline,
)

SAMPLES = samples("alertmanager")
RED, GREEN = "#D63232", "#36A64F"

# case → event, title, colour, title_link, substrings of the text, fields (name → value)
POSTS: list[tuple[str, str, str, str, str, list[str], dict[str, str]]] = [
    ("firing_two_alerts", "firing", "[FIRING:2] High CPU Temperature critical", RED,
     "http://ops1:9093/#/alerts?receiver=ops-zulip",
     ["- **High CPU core temperature** (firing since 2020-02-06 00:17 UTC)",
      "  CPU core temperature is 34.75C", "  CPU core temperature is 17.625C",
      "  host=andromeda",
      "[Source](http://cobalt:9090/graph?g0.expr=avg+by%28host%29+%28sensors_temp_input"],
     {"alertname": "High CPU Temperature", "severity": "critical"}),
    ("firing_three_alerts", "firing",
     "[FIRING:3] ICMP ping failed (blackbox-icmp monis major icmp, ping failed)", RED, "",
     ["172.29.254.30 does not reply to ICMP pings", "instance=172.29.254.66, summary=No physical",
      "[Source](http://9ed35ff90bf8:9090/graph?g0.expr=probe_success%7Bjob"],
     {"job": "blackbox-icmp", "tags": "icmp, ping failed"}),
    ("resolved", "resolved", "[RESOLVED] Fire (critical)", GREEN,
     "http://localhost:9093/#/alerts?receiver=telegram",
     ["- **Something is on fire** (resolved at 2018-11-04 22:48 +01:00)",
      "[Source](http://localhost:9090/graph?g0.expr=vector%28666%29&g0.tab=1)"],
     {"alertname": "Fire", "severity": "critical"}),
    ("resolved_single", "resolved", "[RESOLVED] High CPU Temperature critical", GREEN,
     "http://ops1:9093/#/alerts?receiver=ops-zulip",
     ["- **High CPU core temperature** (resolved)\n"], {"severity": "critical"}),
]  # fmt: skip


def test_the_source_is_discovered() -> None:
    assert SOURCES["alertmanager"] is source


@pytest.mark.parametrize("case", sorted(SAMPLES))
def test_every_sample_has_its_source_noted(case: str) -> None:
    note = (NATIVE / "alertmanager" / "samples" / f"{case}.source.txt").read_text()
    assert "https://" in note and "What:" in note


@pytest.mark.parametrize(("case", "event", "title", "colour", "link", "text", "fields"), POSTS)
def test_a_sample_becomes_its_post(
    case: str,
    event: str,
    title: str,
    colour: str,
    link: str,
    text: list[str],
    fields: dict[str, str],
) -> None:
    payload = SAMPLES[case]
    assert source.event({}, payload) == event
    message = source.translate(event, payload)
    assert message is not None
    assert message["username"] == "Alertmanager"
    (attachment,) = message["attachments"]
    # the title is Markdown (escaped: "\\[FIRING:2\\] …"), the fallback plain text
    assert (unescaped(attachment["title"]), attachment["fallback"], attachment["color"]) == (
        title,
        title,
        colour,
    )
    assert attachment.get("title_link", "") == link
    for part in text:
        assert part in attachment["text"]
    shown = {f["title"]: f["value"] for f in attachment["fields"]}
    assert fields.items() <= shown.items()
    assert attachment["footer"] == f"Alertmanager · {payload['receiver']}"
    through_pipeline(message)


def test_every_posting_sample_is_in_the_table() -> None:
    posting = {case for case in SAMPLES if not case.startswith(("ignored", "refused"))}
    assert posting == {row[0] for row in POSTS}


def test_another_tools_body_is_ignored() -> None:
    payload = SAMPLES["ignored_grafana_version_1"]
    assert source.event({}, payload) == "version 1"
    assert source.translate("version 1", payload) is None
    assert source.translate("version missing", {"status": "firing", "alerts": []}) is None


def test_prometheus_alert_list_is_refused() -> None:
    payload = SAMPLES["refused_prometheus_alert_list"]
    assert source.event({}, payload) == ""
    with pytest.raises(PayloadError) as raised:
        source.translate("", payload)
    assert raised.value.status == 400
    assert raised.value.error_id == "web.incoming_webhook.native.payload.app_error"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "pending"}, "status must be firing or resolved."),
        ({"alerts": None}, "alerts must be an array."),
        ({"alerts": [{}, "x"]}, "alerts[1] must be an object."),
        ({"commonLabels": ["x"]}, "commonLabels must be an object."),
        ({"alerts": [{"status": "firing", "labels": "x"}]}, "alerts[0].labels must be an object."),
    ],
)
def test_a_version_4_body_of_the_wrong_shape_is_refused(
    change: dict[str, Any], message: str
) -> None:
    payload = {**SAMPLES["firing_two_alerts"], **change}
    with pytest.raises(PayloadError) as raised:
        source.translate(source.event({}, payload), payload)
    assert raised.value.message == message


@pytest.mark.parametrize("case", sorted(SAMPLES))
def test_every_key_of_a_sample_removed_or_mistyped_posts_is_ignored_or_is_refused(
    case: str,
) -> None:
    for change, body in mutations(SAMPLES[case]):
        try:
            outcome(source, body)
        except Exception as error:  # name the mutation that failed
            raise AssertionError(f"{case}: {change}") from error


@settings(max_examples=100, deadline=None)
@given(JSON)
def test_any_json_posts_is_ignored_or_is_refused(payload: Any) -> None:
    outcome(source, payload)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_a_randomly_mutated_sample_posts_is_ignored_or_is_refused(
    case: str, data: st.DataObject
) -> None:
    payload = SAMPLES[case]
    for _ in range(data.draw(st.integers(1, 3))):
        options = list(paths(payload))
        if not options:
            break
        path = data.draw(st.sampled_from(options))
        payload = mutated(payload, path, data.draw(st.just(DELETE) | JSON | st.sampled_from(WRONG)))
    outcome(source, payload)


def test_labels_and_annotations_ping_nobody() -> None:
    alert = {"status": "firing", "labels": loud("api"), "annotations": loud("api")}
    payload = {
        **SAMPLES["firing_two_alerts"],
        "groupLabels": {"team": "@all"},
        "commonLabels": {"team": "@all", "owner": "@channel"},
        "alerts": [alert],
        "receiver": "@here",
    }
    message = outcome(source, payload)  # asserts that the built post mentions nobody
    assert isinstance(message, dict)
    attachment = message["attachments"][0]
    shown = orjson.dumps(message).decode()
    for loud_text in ("@channel", "@all", "@here", "@bob", "<!channel>", "<@U12345>"):
        assert loud_text not in shown
    assert f"@{JOINER}all" in attachment["title"]
    assert f"\\<{JOINER}!channel\\>" in attachment["text"]  # a summary: Markdown-escaped
    assert f"oncall@{JOINER}example.com" in attachment["text"]  # reads the same
    assert "(https://runbooks.example.com/%40channel)" in attachment["text"]  # the link works


def test_a_huge_notification_is_cut_and_read_in_linear_time() -> None:
    labels = {f"label{i:05}": "v" * 5000 for i in range(2000)}
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {"summary": "s" * 100_000, "description": "d\n" * 50_000},
        "generatorURL": "http://x/" + "a" * 100_000,
    }
    payload = {
        **SAMPLES["firing_two_alerts"],
        "alerts": [alert] * 10_000,
        "commonLabels": labels,
        "groupLabels": labels,
        "truncatedAlerts": 5,
    }
    started = time.perf_counter()
    message = source.translate("firing", payload)
    elapsed = time.perf_counter() - started
    assert message is not None
    size = len(orjson.dumps(message))
    assert size < 100_000, size
    assert elapsed < 1.0, elapsed
    attachment = message["attachments"][0]
    assert attachment["title"].startswith("\\[FIRING:10000\\] ")
    assert len(attachment["fields"]) == 12
    assert attachment["text"].count("\n- **") == 19
    assert attachment["text"].endswith("…and 9985 more alerts.")
    through_pipeline(message)


SECRET = "0123456789abcdef"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({b"authorization": b"Bearer " + SECRET.encode()}, True),
        ({b"authorization": b"bearer " + SECRET.encode()}, True),
        ({b"authorization": b"  Bearer " + SECRET.encode() + b"  "}, True),
        ({b"authorization": b"Bearer " + SECRET.encode() + b"x"}, False),
        ({b"authorization": b"Bearer " + SECRET[:-1].encode()}, False),
        ({b"authorization": b"Basic " + SECRET.encode()}, False),
        ({b"authorization": SECRET.encode()}, False),
        ({b"authorization": b"Bearer"}, False),
        ({b"x-grafana-alerting-signature": SECRET.encode()}, False),
        ({}, False),
    ],
)
def test_verify_wants_the_secret_as_bearer_credentials(
    headers: dict[bytes, bytes], expected: bool
) -> None:
    assert source.verify(SECRET, headers, b"{}") is expected


def test_an_empty_secret_proves_nothing() -> None:
    assert source.verify("", {b"authorization": b"Bearer "}, b"{}") is False

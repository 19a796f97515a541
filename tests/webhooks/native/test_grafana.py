"""The Grafana source: contact-point notification in, post out (senders.md §8)."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbound.webhooks.native import SOURCES, PayloadError
from inbound.webhooks.native import grafana as source
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

SAMPLES = samples("grafana")
RED, GREEN, IMAGE = "#D63232", "#36A64F", "https://grafana.com/assets/img/blog/mixed_styles.png"
PLAY = "https://play.grafana.org/"

# case → event, title, colour, title_link, image_url, substrings of the text, fields
POSTS: list[tuple[str, str, str, str, str, str, list[str], dict[str, str]]] = [
    ("firing_two_alerts", "firing", "[FIRING:2] blue", RED, PLAY + "alerting/list", "",
     ["- **This alert was triggered for zone us-1** (firing since 2021-10-12 09:51 +02:00)",
      "  The system has high CPU usage", "  Values: B=44.23943737541908, C=1",
      "  alertname=High memory usage, zone=us-1",
      f"[Source]({PLAY}alerting/1afz29v7z/edit) · [Runbook](https://myrunbook.com/runbook/1234)"
      f" · [Silence]({PLAY}alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2"],
     {"team": "blue"}),
    ("firing_values_image", "firing", "[FIRING:1] Memory (copy) device (true)", RED,
     PLAY + "alerting/list", IMAGE,
     ["- **High memory usage** (firing since 2024-03-01 02:09 UTC)",
      "  Values: A=2473545728, B=0, C=1, minute=9\n",
      f"[Dashboard]({PLAY}d/ece9fb32-7f71-4be9-bd94-2f23608ae5b9?orgId=1)",
      f"[Panel]({PLAY}d/ece9fb32-7f71-4be9-bd94-2f23608ae5b9?orgId=1&viewPanel=2)"],
     {"alertname": "Memory (copy)", "debug": "true", "grafana_folder": "device"}),
    ("firing_missing_fields", "firing", "[FIRING:1]", RED,
     "https://zuliptestingwh2.grafana.net/alerting/list", "",
     ["- **Alert** (firing)\n…and 1 more alert."], {}),
    ("resolved", "resolved", "[RESOLVED] Test alert true", GREEN,
     "https://grafana.example.com/alerting/list", "",
     ["- **This is a summary field, failure on \\<no value\\>** (resolved at 2022-06-17 00:51 UTC)",
      "  This is a description", "  Values: \\[ var='B0' metric='Value' labels={\\_\\_name\\_\\_=",
      "[Silence](https://grafana.example.com/alerting/silence/new?alertmanager=grafana"],
     {"alertname": "Test alert", "test": "true"}),
    ("legacy_alerting", "legacy alerting", "[Alerting] Test notification", RED,
     "http://localhost:3000/", IMAGE,
     ["Someone is testing the alert notification within grafana."],
     {"High value": "100", "Higher Value": "200"}),
    ("legacy_ok", "legacy ok", "[Ok] Test notification", GREEN, "http://localhost:3000/", IMAGE,
     ["Someone is testing"], {"High value": "0"}),
]  # fmt: skip


def test_the_source_is_discovered() -> None:
    assert SOURCES["grafana"] is source


@pytest.mark.parametrize("case", sorted(SAMPLES))
def test_every_sample_has_its_source_noted(case: str) -> None:
    note = (NATIVE / "grafana" / "samples" / f"{case}.source.txt").read_text()
    assert "https://" in note and "What:" in note


@pytest.mark.parametrize(
    ("case", "event", "title", "colour", "link", "image", "text", "fields"), POSTS
)
def test_a_sample_becomes_its_post(
    case: str,
    event: str,
    title: str,
    colour: str,
    link: str,
    image: str,
    text: list[str],
    fields: dict[str, str],
) -> None:
    payload = SAMPLES[case]
    assert source.event({}, payload) == event
    message = source.translate(event, payload)
    assert message is not None
    assert message["username"] == "Grafana"
    (attachment,) = message["attachments"]
    # the title is Markdown (escaped: "\\[FIRING:2\\] …"), the fallback plain text
    assert (unescaped(attachment["title"]), attachment["fallback"], attachment["color"]) == (
        title,
        title,
        colour,
    )
    assert (attachment.get("title_link", ""), attachment.get("image_url", "")) == (link, image)
    for part in text:
        assert part in attachment["text"]
    assert {f["title"]: f["value"] for f in attachment["fields"]} == fields
    through_pipeline(message)


def test_every_posting_sample_is_in_the_table() -> None:
    posting = {case for case in SAMPLES if not case.startswith(("ignored", "refused"))}
    assert posting == {row[0] for row in POSTS}


def test_an_alertmanager_body_is_ignored() -> None:
    payload = SAMPLES["ignored_alertmanager_version_4"]
    assert source.event({}, payload) == "version 4"
    assert source.translate("version 4", payload) is None


@pytest.mark.parametrize(
    ("payload", "event"),
    [({"title": "x"}, "unknown"), ({"ruleName": "r"}, "legacy unknown"), ([], "")],
)
def test_other_bodies(payload: Any, event: str) -> None:
    assert source.event({}, payload) == event
    if isinstance(payload, dict):
        assert (source.translate(event, payload) is None) is (event == "unknown")
    else:
        with pytest.raises(PayloadError):
            source.translate(event, payload)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "pending"}, "status must be firing or resolved."),
        ({"alerts": "x"}, "alerts must be an array."),
        ({"alerts": [[]]}, "alerts[0] must be an object."),
        ({"groupLabels": 1}, "groupLabels must be an object."),
    ],
)
def test_a_version_1_body_of_the_wrong_shape_is_refused(
    change: dict[str, Any], message: str
) -> None:
    payload = {**SAMPLES["firing_two_alerts"], **change}
    with pytest.raises(PayloadError) as raised:
        source.translate(source.event({}, payload), payload)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"evalMatches": {}}, "evalMatches must be an array."),
        ({"evalMatches": [1]}, "evalMatches[0] must be an object."),
    ],
)
def test_a_legacy_body_of_the_wrong_shape_is_refused(change: dict[str, Any], message: str) -> None:
    payload = {**SAMPLES["legacy_alerting"], **change}
    with pytest.raises(PayloadError) as raised:
        source.translate(source.event({}, payload), payload)
    assert raised.value.message == message


def test_legacy_values_are_capped() -> None:
    matches = [{"metric": f"m{i}", "value": i} for i in range(40)]
    payload = {**SAMPLES["legacy_alerting"], "evalMatches": matches, "state": "no_data"}
    message = source.translate(source.event({}, payload), payload)
    assert message is not None
    attachment = message["attachments"][0]
    assert len(attachment["fields"]) == 12
    assert attachment["text"].endswith("\n…and 28 more values.")
    assert attachment["color"] == "#F2CC0C"


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


def test_a_huge_notification_is_cut_and_read_in_linear_time() -> None:
    values = {f"V{i}": i for i in range(100_000)}
    alert = {
        **SAMPLES["firing_values_image"]["alerts"][0],
        "values": values,
        "valueString": "",
        "silenceURL": "https://x/" + "s" * 1_000_000,
        "imageURL": "https://x/" + "i" * 1_000,
    }
    payload = {**SAMPLES["firing_values_image"], "alerts": [alert] * 5_000}
    started = time.perf_counter()
    message = source.translate("firing", payload)
    elapsed = time.perf_counter() - started
    assert message is not None
    assert len(orjson.dumps(message)) < 100_000
    assert elapsed < 1.0, elapsed
    attachment = message["attachments"][0]
    assert "Values: V0=0, V1=1, " in attachment["text"] and "V12=" not in attachment["text"]
    assert "[Silence]" not in attachment["text"]  # a link past 2,000 characters is not shown
    assert attachment["text"].endswith("…and 4980 more alerts.")
    through_pipeline(message)


def test_labels_annotations_and_values_ping_nobody() -> None:
    alert = {
        **SAMPLES["firing_two_alerts"]["alerts"][0],
        "labels": loud("db"),
        "annotations": loud("db"),
        "values": None,  # else they are shown, not valueString
        "valueString": "[ var='A' labels={owner=@channel} value=1 ]",
        "silenceURL": "https://grafana.example.com/@here",
    }
    payload = {**SAMPLES["firing_two_alerts"], "alerts": [alert], "commonLabels": {"x": "@all"}}
    message = outcome(source, payload)  # asserts that the built post mentions nobody
    assert isinstance(message, dict)
    shown = orjson.dumps(message).decode()
    for loud_text in ("@channel", "@all", "@here", "@bob", "<!channel>", "<@U12345>"):
        assert loud_text not in shown
    assert f"labels={{owner=@{JOINER}channel}}" in message["attachments"][0]["text"]


def test_a_legacy_message_pings_nobody() -> None:
    payload = {**SAMPLES["legacy_alerting"], "message": "@channel <!here>", "title": "@all"}
    payload["evalMatches"] = [{"metric": "@here", "value": "@bob"}]
    assert isinstance(outcome(source, payload), dict)


SECRET = "grafana-secret"
BODY = orjson.dumps(SAMPLES["firing_two_alerts"])


def sign(message: bytes, secret: str = SECRET) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest().encode()


# Grafana's HMACRoundTripper (grafana/alerting http/hmac.go): hex HMAC-SHA256 of the body, or of
# "<timestamp>:<body>" when a timestamp header is configured; its default header name is
# X-Grafana-Alert-Signature, the docs and form show X-Grafana-Alerting-Signature.
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({b"x-grafana-alerting-signature": sign(BODY)}, True),
        ({b"x-grafana-alert-signature": sign(BODY)}, True),
        ({b"x-grafana-alerting-signature": sign(BODY).upper()}, True),
        (
            {
                b"x-grafana-alerting-signature": sign(b"1700000000:" + BODY),
                b"x-grafana-alerting-signature-timestamp": b"1700000000",
            },
            True,
        ),
        (
            {
                b"x-grafana-alerting-signature": sign(b"1700000000:" + BODY),
                b"x-grafana-alerting-timestamp": b"1700000000",
            },
            True,
        ),
        ({b"x-grafana-alerting-signature": sign(b"1700000000:" + BODY)}, False),
        (
            {
                b"x-grafana-alerting-signature": sign(b"1700000000:" + BODY),
                b"x-grafana-alerting-timestamp": b"1700000001",
            },
            False,
        ),
        (
            {
                b"x-grafana-alerting-signature": sign(b"17e8:" + BODY),
                b"x-grafana-alerting-timestamp": b"17e8",
            },
            False,
        ),
        ({b"x-grafana-alerting-signature": sign(BODY, "other")}, False),
        ({b"x-grafana-alerting-signature": sign(BODY + b" ")}, False),
        ({b"x-grafana-alerting-signature": b"sha256=" + sign(BODY)}, False),
        ({b"x-hub-signature-256": sign(BODY)}, False),
        ({b"authorization": b"Bearer " + SECRET.encode()}, True),
        ({b"authorization": b"Bearer wrong"}, False),
        ({b"authorization": b"Basic " + SECRET.encode()}, False),
        ({}, False),
    ],
)
def test_verify_accepts_the_hmac_signature_or_the_bearer_secret(
    headers: dict[bytes, bytes], expected: bool
) -> None:
    assert source.verify(SECRET, headers, BODY) is expected


def test_an_empty_secret_proves_nothing() -> None:
    headers = {b"x-grafana-alerting-signature": sign(BODY, ""), b"authorization": b"Bearer "}
    assert source.verify("", headers, BODY) is False

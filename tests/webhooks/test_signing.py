"""Slack's ``v0`` request signing (``webhooks/signing.py``), as a table: Slack's published example,
then every way a request can fail (one answer for all of them: ``False``)."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from inbound.webhooks import signing

# The worked example of Slack's "Verifying requests from Slack"
# (https://api.slack.com/authentication/verifying-requests-from-slack): a slash command's body.
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TIMESTAMP = "1531420618"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
NOW = float(SLACK_TIMESTAMP)


def reference(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's scheme written out with hmac, independent of ``signing.signature``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_headers(signature: str = SLACK_SIGNATURE, stamp: str = SLACK_TIMESTAMP) -> dict:
    return {b"x-slack-signature": signature.encode(), b"x-slack-request-timestamp": stamp.encode()}


def test_slacks_published_example() -> None:
    assert reference(SLACK_SECRET, SLACK_TIMESTAMP, SLACK_BODY) == SLACK_SIGNATURE
    assert signing.signature(SLACK_SECRET, SLACK_TIMESTAMP, SLACK_BODY) == SLACK_SIGNATURE
    assert signing.signature(SLACK_SECRET, SLACK_TIMESTAMP.encode(), SLACK_BODY) == SLACK_SIGNATURE
    assert signing.verify(SLACK_SECRET, slack_headers(), SLACK_BODY, now=NOW)


def test_new_secrets_are_32_random_bytes_in_hex() -> None:
    secrets = {signing.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in secrets)


def _stamped(offset: int) -> dict:
    stamp = str(int(NOW) + offset)
    return slack_headers(reference(SLACK_SECRET, stamp, SLACK_BODY), stamp)


ALIASES = {
    b"x-inbound-signature": SLACK_SIGNATURE.encode(),
    b"x-inbound-request-timestamp": SLACK_TIMESTAMP.encode(),
}


@pytest.mark.parametrize(
    ("headers", "body", "ok"),
    [
        pytest.param(slack_headers(), SLACK_BODY, True, id="slack-example"),
        pytest.param(ALIASES, SLACK_BODY, True, id="x-inbound-aliases"),
        pytest.param(
            {
                b"x-slack-signature": SLACK_SIGNATURE.encode(),
                **{b"x-inbound-request-timestamp": SLACK_TIMESTAMP.encode()},
            },
            SLACK_BODY,
            True,
            id="mixed-names",
        ),
        pytest.param(_stamped(-300), SLACK_BODY, True, id="300s-old"),
        pytest.param(_stamped(300), SLACK_BODY, True, id="300s-ahead"),
        pytest.param(_stamped(-301), SLACK_BODY, False, id="301s-old"),
        pytest.param(_stamped(301), SLACK_BODY, False, id="301s-ahead"),
        pytest.param(slack_headers(), SLACK_BODY + b" ", False, id="body-changed"),
        pytest.param(slack_headers(), b"", False, id="body-empty"),
        pytest.param(
            slack_headers(reference("another-secret", SLACK_TIMESTAMP, SLACK_BODY)),
            SLACK_BODY,
            False,
            id="wrong-secret",
        ),
        pytest.param(slack_headers(SLACK_SIGNATURE.upper()), SLACK_BODY, False, id="upper-hex"),
        pytest.param(slack_headers(SLACK_SIGNATURE[3:]), SLACK_BODY, False, id="no-v0-prefix"),
        pytest.param(slack_headers("v1" + SLACK_SIGNATURE[2:]), SLACK_BODY, False, id="v1"),
        pytest.param(slack_headers(SLACK_SIGNATURE[:-1]), SLACK_BODY, False, id="truncated"),
        pytest.param(slack_headers("v0=" + "a" * 8000), SLACK_BODY, False, id="huge"),
        pytest.param(
            {**slack_headers(), b"x-slack-signature": b"v0=\xff\xfe\x00"},
            SLACK_BODY,
            False,
            id="binary-signature",
        ),
        pytest.param(
            {b"x-slack-signature": SLACK_SIGNATURE.encode()}, SLACK_BODY, False, id="no-ts"
        ),
        pytest.param(
            {b"x-slack-request-timestamp": SLACK_TIMESTAMP.encode()}, SLACK_BODY, False, id="no-sig"
        ),
        pytest.param({}, SLACK_BODY, False, id="no-headers"),
        pytest.param(slack_headers(stamp="abc"), SLACK_BODY, False, id="ts-letters"),
        pytest.param(slack_headers(stamp=""), SLACK_BODY, False, id="ts-empty"),
        pytest.param(slack_headers(stamp="-1531420618"), SLACK_BODY, False, id="ts-negative"),
        pytest.param(slack_headers(stamp="1531420618.0"), SLACK_BODY, False, id="ts-decimal"),
        pytest.param(slack_headers(stamp="+1531420618"), SLACK_BODY, False, id="ts-plus"),
        pytest.param(slack_headers(stamp="1" * 400), SLACK_BODY, False, id="ts-400-digits"),
        pytest.param(
            {**slack_headers(), b"x-slack-request-timestamp": "١٥٣١٤٢٠٦١٨".encode()},
            SLACK_BODY,
            False,
            id="ts-arabic-digits",
        ),
    ],
)
def test_verify(headers: dict, body: bytes, ok: bool) -> None:
    assert signing.verify(SLACK_SECRET, headers, body, now=NOW) is ok


def test_the_timestamp_is_part_of_what_is_signed() -> None:
    """A signature made for one timestamp does not verify with another (a replay, re-dated)."""
    headers = slack_headers(SLACK_SIGNATURE, str(int(NOW) + 1))
    assert not signing.verify(SLACK_SECRET, headers, SLACK_BODY, now=NOW)

"""Slack's request signing (``v0``), as a hook with a signing secret requires (senders.md §4).

``X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw body)>`` with
``X-Slack-Request-Timestamp`` within ``WINDOW_SECONDS`` of the server's clock; the
``X-Inbound-…`` names are aliases. Pure: the caller passes the clock. The comparison is
constant-time, and every way to fail gives the same ``False``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

WINDOW_SECONDS = 300
SECRET_BYTES = 32
SIGNATURE_HEADERS = (b"x-slack-signature", b"x-inbound-signature")
TIMESTAMP_HEADERS = (b"x-slack-request-timestamp", b"x-inbound-request-timestamp")
MAX_TIMESTAMP_DIGITS = 12  # seconds until the year 33658; longer is not a timestamp
VERSION = b"v0"


def new_secret() -> str:
    """32 random bytes as 64 hex characters (what Slack's own secrets look like: hex)."""
    return secrets.token_hex(SECRET_BYTES)


def signature(secret: str, timestamp: str | bytes, body: bytes) -> str:
    """``v0=<hex>``: the header value a sender computes (Slack's reference scheme)."""
    stamp = timestamp.encode("ascii") if isinstance(timestamp, str) else timestamp
    base = VERSION + b":" + stamp + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _first(headers: Mapping[bytes, bytes], names: tuple[bytes, ...]) -> bytes | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            return value
    return None


def verify(secret: str, headers: Mapping[bytes, bytes], body: bytes, *, now: float) -> bool:
    """Whether ``headers`` (lower-case names) sign ``body`` with ``secret`` at about ``now``."""
    stamp = _first(headers, TIMESTAMP_HEADERS)
    given = _first(headers, SIGNATURE_HEADERS)
    if stamp is None or given is None:
        return False
    stamp = stamp.strip()
    if not stamp.isdigit() or len(stamp) > MAX_TIMESTAMP_DIGITS:
        return False
    if abs(now - int(stamp)) > WINDOW_SECONDS:
        return False
    expected = signature(secret, stamp, body).encode("ascii")
    return hmac.compare_digest(expected, given.strip())

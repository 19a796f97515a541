"""``Authorization: Bearer <secret>``: how a tool without a request signature of its own proves
it knows a hook's signing secret (Alertmanager's ``http_config.authorization``, Grafana's
"Authorization header" of its webhook contact point; both send the scheme ``Bearer`` by default).
"""

from __future__ import annotations

import hmac

from inbound.webhooks.native import Headers


def bearer(secret: str, headers: Headers) -> bool:
    """Whether ``headers`` carry ``Authorization: Bearer <secret>``: the scheme in any case (RFC
    9110), the credentials compared in constant time. An empty secret proves nothing."""
    scheme, _, credentials = headers.get(b"authorization", b"").strip().partition(b" ")
    if scheme.lower() != b"bearer" or not secret:
        return False
    return hmac.compare_digest(credentials.strip(), secret.encode())

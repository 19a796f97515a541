"""Who may use a hook's key (senders.md §4–5): its address allow-list, then its signature.

Both are opt-in per hook; a hook with neither costs one attribute test per request. They run
right after the key is known and before the hook's rate limit, so a stranger who has the URL
but not the secret (or the network) spends none of the hook's budget.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from inbound.errors import ForbiddenError, UnauthorizedError
from inbound.models import IncomingHook
from inbound.webhooks import signing, sources
from inbound.webhooks.native import Source

IP_NOT_ALLOWED = "web.incoming_webhook.ip_not_allowed.app_error"
SIGNATURE = "web.incoming_webhook.signature.app_error"


def check(
    hook: IncomingHook,
    *,
    address: str,
    headers: Mapping[bytes, bytes],
    body: bytes,
    query: bytes = b"",
    source: Source | None = None,
) -> None:
    """Raise 403 for an address outside ``allowed_cidrs``, 401 for a missing, stale or wrong
    signature (one answer for all three: nothing says which part was wrong). A signed hook
    refuses a ``payload=`` in the query string: the signature covers only the body, so a
    message there could be anyone's."""
    if hook.allowed_cidrs and not sources.allows(hook.allowed_cidrs, address):
        raise ForbiddenError(
            IP_NOT_ALLOWED, "Requests to this webhook are not allowed from this address."
        )
    if hook.signing_secret and source is not None:  # the tool's own proof (senders.md §8)
        if not source.verify(hook.signing_secret, headers, body):
            raise UnauthorizedError(
                SIGNATURE,
                "The request does not prove it knows the hook's signing secret: set it in "
                "the tool's webhook settings (see docs/integrations.md).",
            )
        return
    if hook.signing_secret and b"payload=" in query and _has_payload(query):
        raise UnauthorizedError(
            SIGNATURE,
            "A signed hook takes its message in the request body: the signature does not "
            "cover the URL's query string (payload=).",
        )
    if hook.signing_secret and not signing.verify(
        hook.signing_secret, headers, body, now=time.time()
    ):
        raise UnauthorizedError(
            SIGNATURE,
            "The request signature is missing or invalid: sign it with the hook's secret "
            "(X-Slack-Signature, X-Slack-Request-Timestamp within 300 seconds).",
        )


def _has_payload(query: bytes) -> bool:
    return any(pair.split(b"=", 1)[0] == b"payload" for pair in query.split(b"&"))

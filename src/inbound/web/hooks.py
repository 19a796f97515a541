"""``POST /hooks/{key}``: a raw ASGI handler in front of the framework (decode → receive → ok).

No per-request dependency injection, no body models: this is the hot path. The body is read
only up to ``MaximumPayloadSizeBytes``; beyond that the answer is 413 without reading on.
"""

from __future__ import annotations

import logging
import re
import time
from functools import partial

import orjson
from starlette.types import Receive, Scope, Send

from inbound.errors import AppError, PayloadTooLargeError, RetryLaterError, UriTooLongError
from inbound.models import DeliveryDraft
from inbound.runtime import Runtime
from inbound.services import delivery_log, idempotency
from inbound.services.idempotency import Receipt
from inbound.services.receive import receive, resolve_key
from inbound.web.deadlines import Deadlines
from inbound.web.version import Stamp, stamp
from inbound.webhooks import native, sources

log = logging.getLogger(__name__)
PREFIX = "/hooks/"
MAX_URL_BYTES = 2048
LARGE_BODY_BYTES = 32 * 1024  # above this, decoding and translation run off the event loop
MAX_WAIT_SECONDS = 10.0  # reliability.md: never a hang past 10 s, whatever QueryTimeout says
KEY = re.compile(r"[A-Za-z0-9]+")
NOSNIFF = (b"x-content-type-options", b"nosniff")  # on every answer, this one's too
OK_HEADERS = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", b"2"),
    NOSNIFF,
]
JSON_TYPE = (b"content-type", b"application/json")
REPLAYED = (b"idempotent-replayed", b"true")
# No hook to record these in: the key is unknown, or the address keeps trying unknown keys.
UNRECORDED = frozenset(
    {"web.incoming_webhook.invalid.app_error", "web.incoming_webhook.rate_limited.app_error"}
)


class ClientGoneError(Exception):
    """The sender disconnected before the body arrived: nothing to answer."""


class HookEndpoint:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.ctx = runtime.context
        self.deadlines = Deadlines()
        self.trusted = sources.normalise_trusted(self.ctx.settings.trusted_proxies)
        self.history = bool(self.ctx.settings.hook_history)  # INBOUND_HOOK_HISTORY
        self._restamp()

    def _restamp(self) -> None:
        """``X-Version-Id`` (with the ok answer's headers) for the config in force: redone only
        when the config document changes; the hot path pays one identity check."""
        self.stamp: Stamp = stamp(self.ctx.config)
        self.ok_headers = [*OK_HEADERS, self.stamp.header]

    def _version(self) -> tuple[bytes, bytes]:
        if self.stamp.config is not self.ctx.config:
            self._restamp()
        return self.stamp.header

    async def __call__(self, scope: Scope, receive_: Receive, send: Send) -> None:
        started = time.perf_counter()
        status, error_id = await self._handle(scope, receive_, send, started)
        if status:
            self.runtime.metrics.hook_answered(status, error_id, time.perf_counter() - started)

    async def _handle(
        self, scope: Scope, receive_: Receive, send: Send, started: float
    ) -> tuple[int, str]:
        """Answer one request and record it in its hook's history; return its status and
        error id (0 when the sender left)."""
        request_id = str(scope.get("request_id", ""))
        key, source_name = _key_and_source(self._path(scope))
        headers = dict(scope["headers"])
        query = scope.get("query_string", b"")
        address = self._client_address(scope, headers)
        draft: DeliveryDraft | None = None
        try:
            self._key(scope)  # 414 for a URL past the limit
            body = await self._body(headers.get(b"content-length"), receive_)
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            if self.history:
                draft = _draft(scope, headers, body, started, address, source_name)
            source = native.SOURCES[source_name] if source_name else None
            large = len(body) > LARGE_BODY_BYTES
            read = partial(native.decode, source, headers, body, content_type, query)
            # linear, but ~1 ms per 3 KB in the worst case: large bodies off the event loop
            request = await self.ctx.off_loop(read) if large else read()
            raw_key = headers.get(b"idempotency-key")
            work = receive(
                self.ctx,
                key,
                request,
                address=address,
                large=large,
                headers=headers,
                body=body,
                query=query,
                idempotency_key="" if raw_key is None else _idempotency_key(scope, raw_key),
                delivery=draft,
                source=source,
            )
            receipt = await self.deadlines.run(work, seconds=self._deadline())
        except ClientGoneError:
            return 0, ""
        except Exception as error:
            failure = await self._send_failure(send, error, request_id)
            if self.history and draft is None:  # the body was never read (too large)
                draft = _draft(scope, headers, b"", started, address, source_name)
                declared = headers.get(b"content-length", b"")
                draft.size, draft.body_truncated = int(declared) if declared.isdigit() else 0, True
            if draft is not None:
                await self._record_failure(key, address, failure, draft)
            return failure.status, failure.error_id
        if self.stamp.config is not self.ctx.config:
            self._restamp()
        if draft is not None and not draft.written:  # ignored, or answered from a stored key
            outcome = "ignored" if receipt.ignored else "posted"
            self.ctx.deliveries.record(
                draft, status=200, outcome=outcome, post_ids=receipt.post_ids
            )
        if receipt.replayed or (query and wants_wait(query)):
            await self._send_receipt(send, receipt, request_id, query)
            return 200, ""
        answer = [*self.ok_headers, (b"x-request-id", request_id.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": answer})
        await send({"type": "http.response.body", "body": b"ok"})
        return 200, ""

    async def _send_failure(self, send: Send, error: Exception, request_id: str) -> AppError:
        """Answer ``error``: its own status and id, or (a bug) the classified failure."""
        failure = (
            error
            if isinstance(error, AppError)
            else self.runtime.failures.classify(error, request_id)
        )
        await _send_error(send, failure, request_id, self._version())
        return failure

    async def _record_failure(
        self, key: str, address: str, failure: AppError, draft: DeliveryDraft
    ) -> None:
        """A refused request goes into its hook's history too — when the key names a hook.
        Failures before the key was looked up (an undecodable body, a body too large) look
        it up now, through the hook cache (and the address's budget for unknown keys)."""
        if not draft.hook_id and failure.error_id in UNRECORDED:
            return
        if not draft.hook_id:
            try:
                resolved = await resolve_key(self.ctx, key, address=address)
            except Exception:
                return  # unknown key, or the database is away: there is no history to add to
            self.ctx.deliveries.place(draft, resolved.hook.lineage)
        self.ctx.deliveries.record(
            draft,
            status=failure.status,
            outcome="failed",
            error_id=failure.error_id,
            error_message=failure.message,
        )

    async def _send_receipt(
        self, send: Send, receipt: Receipt, request_id: str, query: bytes
    ) -> None:
        """``?wait=true``: the channel and every post created (senders.md §1); a repeat of an
        Idempotency-Key says so in ``Idempotent-Replayed``."""
        extra = [self.stamp.header]
        if receipt.replayed:
            extra.append(REPLAYED)
        if wants_wait(query):
            body = orjson.dumps(
                {"ok": True, "channel_id": receipt.channel_id, "post_ids": receipt.post_ids}
            )
            await _send(send, 200, body, JSON_TYPE, request_id, extra=extra)
        else:
            await _send(send, 200, b"ok", OK_HEADERS[0], request_id, extra=extra)

    def _deadline(self) -> float:
        """How long the rules and the commit may take before the sender hears 503."""
        return min(self.ctx.config.sql.query_timeout, MAX_WAIT_SECONDS)

    def _key(self, scope: Scope) -> str:
        raw = scope.get("raw_path") or scope["path"].encode()
        if len(raw) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
            raise UriTooLongError(
                "web.incoming_webhook.uri_too_long.app_error", "The request URL is too long."
            )
        return self._path(scope)

    @staticmethod
    def _path(scope: Scope) -> str:
        """What follows ``/hooks/``: the key, and for a native source ``/<source>``."""
        return str(scope["path"][len(PREFIX) :])

    async def _body(self, declared: bytes | None, receive_: Receive) -> bytes:
        limit = self.ctx.config.service.maximum_payload_size_bytes
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive_()
            if message["type"] == "http.disconnect":
                raise ClientGoneError
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    def _client_address(self, scope: Scope, headers: dict[bytes, bytes]) -> str:
        """The TCP peer, or the header ``TrustedProxyIPHeader`` names when the peer is trusted."""
        address = _address(scope)
        proxied = self.ctx.config.service.trusted_proxy_ip_header
        if proxied:
            address = sources.client_address(address, headers, proxied, self.trusted)
        return address


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        "web.incoming_webhook.too_large.app_error",
        f"The request body is larger than the {limit}-byte limit (ServiceSettings.MaximumPayloadSizeBytes).",
    )


def _idempotency_key(scope: Scope, raw: bytes) -> str:
    """The header's one value; sent twice it is refused (which one would the sender mean?)."""
    if sum(1 for name, _ in scope["headers"] if name == b"idempotency-key") > 1:
        raise idempotency.invalid_key("Send one Idempotency-Key header, not several.")
    return idempotency.parse_key(raw)


def wants_wait(query: bytes) -> bool:
    """``wait=true`` or ``wait=1`` among the query's parameters (case-insensitive value)."""
    if b"wait=" not in query:
        return False
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        if name == b"wait" and value.lower() in (b"true", b"1"):
            return True
    return False


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


def is_hook_path(path: str) -> bool:
    """``/hooks/{key}``, or ``/hooks/{key}/{source}`` for a native source (senders.md §8)."""
    if not path.startswith(PREFIX):
        return False
    key, _, source = path[len(PREFIX) :].partition("/")
    return KEY.fullmatch(key) is not None and (not source or source in native.SOURCES)


def _draft(
    scope: Scope,
    headers: dict[bytes, bytes],
    body: bytes,
    started: float,
    address: str,
    source: str,
) -> DeliveryDraft:
    """The request's facts for its hook's history (``services.delivery_log``)."""
    return delivery_log.draft(
        started=started,
        remote_addr=address,
        content_type=headers.get(b"content-type", b"").decode("latin-1"),
        headers=scope["headers"],
        body=body,
        query=scope.get("query_string", b""),
        source=source,
    )


def _key_and_source(rest: str) -> tuple[str, str]:
    key, _, source = rest.partition("/")
    return key, source


async def _send_error(
    send: Send, error: AppError, request_id: str, version: tuple[bytes, bytes]
) -> None:
    extra = [version]
    if isinstance(error, RetryLaterError):
        extra.append((b"retry-after", str(error.retry_after).encode()))
    body = orjson.dumps(error.to_dict(request_id))
    await _send(send, error.status, body, JSON_TYPE, request_id, extra=extra)


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: tuple[bytes, bytes],
    request_id: str,
    *,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        content_type,
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        NOSNIFF,
        *(extra or ()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

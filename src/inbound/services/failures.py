"""What a sender hears when something fails that is not their fault, and what the log keeps.

``classify`` turns an unexpected exception into the answer: ``503
web.incoming_webhook.unavailable.app_error`` with ``Retry-After`` when the database is away or
did not answer in time (saying honestly when the message may have been stored anyway), else
``500 web.incoming_webhook.general.app_error``. The log gets one line per kind of failure per
``LOG_INTERVAL_SECONDS`` with a count of the ones it folded, and a traceback only for the
first of a kind that is not the database being away: a failing database under load means
thousands of identical failures a second, and they must not become gigabytes of tracebacks.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from inbound.errors import AppError, UnavailableError
from inbound.store.faults import OutcomeUnknownError, is_unavailable

log = logging.getLogger(__name__)
LOG_INTERVAL_SECONDS = 10.0
RETRY_AFTER_SECONDS = 5
MAX_KINDS = 1000  # distinct kinds remembered; beyond that the oldest are forgotten

NOT_STORED = "The database is unavailable; the message was not stored. Retry after {s} seconds."
MAYBE_STORED = (
    "The database did not confirm the write in time; the message may have been stored. "
    "Retrying may post it twice, unless the retry carries the same Idempotency-Key."
)


@dataclass
class _Kind:
    next_log_at: float
    folded: int = 0


@dataclass
class Failures:
    """Rate-limits failure logs; shared by every request of the process (the answers
    themselves are counted by status and error id in the metrics)."""

    interval: float = LOG_INTERVAL_SECONDS
    _kinds: dict[str, _Kind] = field(default_factory=dict)

    def classify(self, error: BaseException, request_id: str = "") -> AppError:
        """The answer to a webhook request that failed with ``error``."""
        if isinstance(error, OutcomeUnknownError | TimeoutError):
            self.note(error, request_id, with_traceback=False)
            return UnavailableError(message=MAYBE_STORED, retry_after=RETRY_AFTER_SECONDS)
        if is_unavailable(error):
            self.note(error, request_id, with_traceback=False)
            message = NOT_STORED.format(s=RETRY_AFTER_SECONDS)
            return UnavailableError(message=message, retry_after=RETRY_AFTER_SECONDS)
        self.note(error, request_id, with_traceback=True)
        return AppError(
            "web.incoming_webhook.general.app_error",
            "The server failed while handling the message; it was not stored.",
        )

    def classify_api(self, error: BaseException, request_id: str = "") -> AppError:
        """The answer to an API request or page view that failed with ``error``."""
        if is_unavailable(error) or isinstance(error, OutcomeUnknownError):
            self.note(error, request_id, with_traceback=False)
            return UnavailableError(
                "api.context.unavailable.app_error",
                f"The database is unavailable; retry after {RETRY_AFTER_SECONDS} seconds.",
                retry_after=RETRY_AFTER_SECONDS,
            )
        self.note(error, request_id, with_traceback=True)
        return AppError(
            "api.context.server_error.app_error",
            "The server failed while handling the request; report it with its request_id.",
        )

    def note(self, error: BaseException, request_id: str, *, with_traceback: bool) -> None:
        """Log ``error`` unless one of its kind was logged within the interval."""
        kind = f"{type(error).__module__}.{type(error).__qualname__}"
        now = time.monotonic()
        seen = self._kinds.get(kind)
        if seen is not None and now < seen.next_log_at:
            seen.folded += 1
            return
        folded = seen.folded if seen is not None else 0
        if len(self._kinds) >= MAX_KINDS:
            self._kinds.pop(next(iter(self._kinds)))
        self._kinds[kind] = _Kind(now + self.interval)
        more = f" ({folded} more like it since the last report)" if folded else ""
        log.error(
            "request %s failed: %s: %s%s",
            request_id,
            type(error).__name__,
            _short(error),
            more,
            exc_info=error if with_traceback else None,
        )


def _short(error: BaseException) -> str:
    """The first line of the message, bounded (driver messages can be long)."""
    text = str(error).split("\n", 1)[0]
    return text[:300]

"""The error tree. Every error carries an HTTP status, a Mattermost error id and a message.

One handler per surface renders them (JSON for the API and hooks; the CLI prints the message).
"""

from __future__ import annotations


class AppError(Exception):
    """An error a client caused or can act on; never a stack trace on the wire."""

    status = 500
    default_id = "app_error"

    def __init__(self, error_id: str | None = None, message: str = "", *, detail: str = "") -> None:
        self.error_id = error_id or self.default_id
        self.message = message
        self.detail = detail
        super().__init__(f"{self.error_id}: {message}")

    def to_dict(self, request_id: str = "") -> dict[str, object]:
        return {
            "id": self.error_id,
            "message": self.message,
            "detailed_error": self.detail,
            "request_id": request_id,
            "status_code": self.status,
        }


class BadRequestError(AppError):
    status = 400
    default_id = "api.context.invalid_param.app_error"


class UnauthorizedError(AppError):
    status = 401
    default_id = "api.context.session_expired.app_error"


class ForbiddenError(AppError):
    status = 403
    default_id = "api.context.permissions.app_error"


class NotFoundError(AppError):
    status = 404
    default_id = "app.not_found.app_error"


class UnprocessableError(AppError):
    status = 422


class PayloadTooLargeError(AppError):
    status = 413
    default_id = "web.incoming_webhook.too_large.app_error"


class UriTooLongError(AppError):
    status = 414
    default_id = "web.incoming_webhook.uri_too_long.app_error"


class RequestTimeoutError(AppError):
    """408: the request did not arrive within ``ServiceSettings.ReadTimeout``."""

    status = 408
    default_id = "api.context.request_timeout.app_error"


class HeadersTooLargeError(AppError):
    """431: more than 100 headers, or more than 64 KiB of request line and headers."""

    status = 431
    default_id = "api.context.request_headers_too_large.app_error"


class MethodNotAllowedError(AppError):
    """405: a method the path does not answer (the hook's post path: PATCH and DELETE)."""

    status = 405
    default_id = "api.context.405.app_error"


class RetryLaterError(AppError):
    """An error the client should retry after ``retry_after`` seconds (sent as ``Retry-After``)."""

    default_retry_after = 1

    def __init__(
        self, error_id: str | None = None, message: str = "", *, retry_after: int | None = None
    ) -> None:
        super().__init__(error_id, message)
        self.retry_after = self.default_retry_after if retry_after is None else retry_after


class UnavailableError(RetryLaterError):
    """503: the database is away or did not answer in time (the message says whether the work
    may have happened anyway: the connection died during COMMIT, or the deadline passed after
    the post was queued)."""

    status = 503
    default_id = "web.incoming_webhook.unavailable.app_error"
    default_retry_after = 5


class RateLimitedError(RetryLaterError):
    """429: over a rate limit."""

    status = 429
    default_id = "api.context.rate_limited.app_error"


class DisabledError(AppError):
    """501: a feature switched off by the admin (Mattermost's status for disabled webhooks)."""

    status = 501
    default_id = "api.context.not_implemented.app_error"


def invalid_param(name: str, message: str = "") -> BadRequestError:
    return BadRequestError(
        "api.context.invalid_param.app_error", message or f"Invalid or missing {name} parameter."
    )


def invalid_url_param(name: str) -> BadRequestError:
    return BadRequestError(
        "api.context.invalid_url_param.app_error", f"Invalid or missing {name} in request URL."
    )


def permission_denied(
    message: str = "You do not have the appropriate permissions.",
) -> ForbiddenError:
    return ForbiddenError("api.context.permissions.app_error", message)

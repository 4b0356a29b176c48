"""Domain errors. Services raise these; every HTTP surface renders them its own way."""

from __future__ import annotations

from typing import Any, ClassVar


class ParleyError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "Internal error"
    # True when the work done before the error must still be committed (audit records,
    # failure counters, revocations after a refresh token was reused).
    commit_anyway: ClassVar[bool] = False

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or self.default_message
        self.extra = extra
        super().__init__(self.message)


class Invalid(ParleyError):
    status = 400
    code = "invalid"
    default_message = "Invalid request"


class Unauthorized(ParleyError):
    status = 401
    code = "unauthorized"
    default_message = "Authentication required"


class Forbidden(ParleyError):
    status = 403
    code = "forbidden"
    default_message = "Not allowed"


class NotFound(ParleyError):
    status = 404
    code = "not_found"
    default_message = "Not found"


class Conflict(ParleyError):
    status = 409
    code = "conflict"
    default_message = "Conflict"


class TooLarge(ParleyError):
    status = 413
    code = "too_large"
    default_message = "Request entity too large"


class Locked(ParleyError):
    status = 423
    code = "locked"
    default_message = "Locked"


class RateLimited(ParleyError):
    status = 429
    code = "rate_limited"
    default_message = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.retry_after = max(1, retry_after)


class BadGateway(ParleyError):
    status = 502
    code = "provider_error"
    default_message = "The upstream provider failed"


class Unavailable(ParleyError):
    status = 503
    code = "unavailable"
    default_message = "Service temporarily unavailable"


class GatewayTimeout(ParleyError):
    status = 504
    code = "provider_timeout"
    default_message = "The upstream provider did not answer in time"

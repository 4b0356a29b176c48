"""Schedule errors: a JSON message `{"error": code, "message": text}` with the status.

- malformed JSON or a body that does not fit → 400 (`malformed_json` / `invalid_request`,
  the message naming the field);
- a missing or bad access token, a bad refresh token → 401 `unauthorized`;
- a provider's rejection, a claimed `externalUserId` the provider does not vouch for, a role
  change, another user's profile, a bad webhook secret → 403;
- an unknown `userId` → 404; a provider outage → 502, its timeout → 504; 429 with
  `Retry-After` when rate limits are on.
"""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from parley.dialects.kit import message_of, status_of
from parley.errors import ParleyError, RateLimited


def _body(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


def render(exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError):
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return _body(400, "malformed_json", "The body is not valid JSON")
        return _body(400, "invalid_request", message_of(exc))
    if isinstance(exc, ParleyError):
        response = _body(exc.status, exc.code, exc.message)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    status = status_of(exc)
    return _body(status, "http_error", message_of(exc))

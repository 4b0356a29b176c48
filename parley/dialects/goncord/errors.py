"""Goncord errors in the style of a Phoenix JSON API: everything under `"errors"`.

- malformed JSON → 400 `{"errors": {"detail": "Malformed JSON body"}}`;
- bad or refused input (validation, a taken login or email, a wrong old password, a bad
  role name or payload) → 422 `{"errors": {field: [message, ...]}}` — a changeset's errors;
- everything else → its status with `{"errors": {"detail": message}}` (401 missing or bad
  user or app token, 403 a non-super app where a super one is needed, 404, 413, 429 with
  `Retry-After`, and 403 with `challenge` for a sign-in from an unproven device).
"""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from parley.dialects.kit import message_of, status_of
from parley.errors import Invalid, ParleyError, RateLimited
from parley.identity.errors import InvalidCredentials

# domain error code -> the request field it is about
FIELDS = {
    "missing_login": "login",
    "invalid_username": "login",
    "username_taken": "login",
    "invalid_email": "email",
    "email_taken": "email",
    "weak_password": "password",
    "invalid_role_name": "roles",
    "payload_too_large": "apps",
}
TAKEN = {"username_taken", "email_taken"}
# extra fields of a domain error that are part of the answer
SHOWN_EXTRA = ("challenge", "sent_to", "expires_in")


class MissingLogin(Invalid):
    code = "missing_login"
    default_message = "can't be blank: send login or email"


class WrongOldPassword(InvalidCredentials):
    """`change_password` with a wrong `old_password`: a field error, not a lost session."""

    status = 422
    code = "wrong_old_password"
    default_message = "is invalid"


def _validation(exc: RequestValidationError) -> Response:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return _detail(400, "Malformed JSON body")
        loc = [str(part) for part in err.get("loc", ()) if part != "body"]
        field = ".".join(loc) or "body"
        message = str(err.get("msg", "")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            message = "can't be blank"
        errors.setdefault(field, []).append(message)
    return JSONResponse({"errors": errors}, status_code=422)


def _detail(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"errors": {"detail": message, **extra}}, status_code=status)


def render(exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError):
        return _validation(exc)
    if isinstance(exc, ParleyError):
        field = exc.extra.get("field") or FIELDS.get(exc.code)
        if field and (isinstance(exc, Invalid | WrongOldPassword) or exc.code in TAKEN):
            message = "has already been taken" if exc.code in TAKEN else exc.message
            return JSONResponse({"errors": {field: [message]}}, status_code=422)
        if isinstance(exc, RateLimited):
            response = _detail(429, exc.message)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        status = 422 if isinstance(exc, Invalid) else exc.status
        shown = {key: exc.extra[key] for key in SHOWN_EXTRA if key in exc.extra}
        return _detail(status, exc.message, **shown)
    return _detail(status_of(exc), message_of(exc))

"""Goncord errors in the original's bodies (`dmitrydprog/goncord.ex`).

- every error carries `{"error": message}` (the original's `TokenView` error);
- malformed JSON → 400;
- bad or refused input (validation, a taken login or email, a wrong password at login or
  as `old_password`, a bad role name or payload) → 422, with the changeset's
  `{"errors": {field: [message, ...]}}` next to `error` where a field is to blame;
- 401 a missing or bad user token (and a new client's sign-in waiting for the mailed
  approval), 403 a missing, unknown or non-super app token where a super one is needed or a
  protected role at registration, 404, 413, 429 with `Retry-After`.
"""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from parley.dialects.kit import message_of, status_of
from parley.errors import Invalid, ParleyError, RateLimited
from parley.identity.accounts.errors import InvalidCredentials

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


class MissingLogin(Invalid):
    code = "missing_login"
    default_message = "can't be blank: send login or email"


class WrongOldPassword(InvalidCredentials):
    """`change_password` with a wrong `old_password`: a field error, not a lost session."""

    status = 422
    code = "wrong_old_password"
    default_message = "is invalid"


def _fields(errors: dict[str, list[str]]) -> JSONResponse:
    field, messages = next(iter(errors.items()))
    return JSONResponse({"error": f"{field}: {messages[0]}", "errors": errors}, status_code=422)


def _validation(exc: RequestValidationError) -> Response:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return JSONResponse({"error": "Malformed JSON body"}, status_code=400)
        loc = [str(part) for part in err.get("loc", ()) if part != "body"]
        field = ".".join(loc) or "body"
        message = str(err.get("msg", "")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            message = "can't be blank"
        errors.setdefault(field, []).append(message)
    return _fields(errors or {"body": ["is invalid"]})


def render(exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError):
        return _validation(exc)
    if not isinstance(exc, ParleyError):
        return JSONResponse({"error": message_of(exc)}, status_code=status_of(exc))
    field = exc.extra.get("field") or FIELDS.get(exc.code)
    if field and (isinstance(exc, Invalid | WrongOldPassword) or exc.code in TAKEN):
        return _fields({field: ["has already been taken" if exc.code in TAKEN else exc.message]})
    status = 422 if isinstance(exc, Invalid | InvalidCredentials) else exc.status
    response = JSONResponse({"error": exc.message}, status_code=status)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response

"""DiscordApi errors: FastAPI's own `{"detail": ...}` bodies, with the seed's status codes."""

from __future__ import annotations

from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from parley.dialects.kit import encodable, message_of, status_of
from parley.errors import Conflict, Invalid, ParleyError, RateLimited, TooLarge

# Domain error codes the seed answers differently from the native API. Mapped here (not
# re-raised in the routes) so errors that commit their work (failure counters) still do.
_STATUS_BY_CODE = {
    "invalid_credentials": 400,  # wrong password: the seed's login answers 400
    "channel_not_found": 400,  # not a member of this chat (or none at all): seed and original
    "message_not_found": 400,  # `answer` names no message of this chat
    "provider_rejected": 400,  # Yandex refused the OAuth token: the seed's register says 400
    "invalid_code": 404,  # confirm_device_and_login: the seed lists 200, 404 and 500 only
    "code_expired": 404,
    "username_taken": 400,  # the original's UserExistException
    "email_taken": 400,
}
_MESSAGE_BY_CODE = {
    "channel_not_found": "You are not a member of this chat",
    "invalid_code": "Wrong or unknown confirmation code",
    "code_expired": "Wrong or unknown confirmation code",
    "username_taken": "User already exist.",
    "email_taken": "User already exist.",
}


def render(exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError):
        return JSONResponse({"detail": encodable(jsonable_encoder(exc.errors()))}, status_code=422)
    status = status_of(exc)
    message = message_of(exc)
    if isinstance(exc, Conflict | Invalid | TooLarge):
        status = 400  # the seed answers 400 for every refused input
    if isinstance(exc, ParleyError) and exc.code in _STATUS_BY_CODE:
        status = _STATUS_BY_CODE[exc.code]
        message = _MESSAGE_BY_CODE.get(exc.code, message)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return JSONResponse({"detail": message}, status_code=status, headers=headers)

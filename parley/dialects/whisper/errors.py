"""Whisper errors: `{"error": "..."}` with the seed's status codes.

A malformed request is 400 (never FastAPI's 422). A taken user name or email at
registration is 422 (raised by the route). Wrong and locked PINs are 401, as the seed
answers for a bad PIN; a channel the caller cannot reach is 403 whether or not it exists.
Befriending yourself is 409, like befriending a friend. A login from a new client of an
account that has proven a device elsewhere is 401 with an error saying to check the mail
(the approval link)."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from parley.dialects.kit import message_of, status_of
from parley.errors import ParleyError, RateLimited
from parley.messaging.errors import ChannelNotFound, KeyLocked, WrongPin
from parley.social.errors import NotYourself


class Taken(ParleyError):
    status = 422
    code = "taken"
    default_message = "This user name or email is taken"


def render(exc: Exception) -> Response:
    status = status_of(exc)
    message = message_of(exc)
    if isinstance(exc, RequestValidationError):
        status = 400
    elif isinstance(exc, NotYourself):
        status = 409
    elif isinstance(exc, WrongPin):
        status = 401
        message = f"Wrong PIN; {exc.extra.get('tries_left', 0)} tries left before the key locks"
    elif isinstance(exc, KeyLocked):
        status = 401
        message = "The private key is locked after too many wrong PINs; ask an administrator"
    elif isinstance(exc, ChannelNotFound):
        status = 403
        message = "Cannot access this channel"
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)

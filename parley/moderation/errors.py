from __future__ import annotations

from parley.errors import Conflict, Invalid


class AlreadyReported(Conflict):
    code = "already_reported"
    default_message = "You already reported this message"


class BadReason(Invalid):
    code = "invalid_reason"
    default_message = "A reason is 1-1000 characters"

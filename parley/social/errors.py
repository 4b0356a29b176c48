from __future__ import annotations

from parley.errors import Conflict, Forbidden, Invalid


class AlreadyFriends(Conflict):
    code = "already_friends"
    default_message = "You are already friends"


class RequestPending(Conflict):
    code = "request_pending"
    default_message = "A friend request is already pending"


class Blocked(Forbidden):
    code = "blocked"
    default_message = "Not allowed between these users"


class NotYourself(Invalid):
    code = "not_yourself"
    default_message = "You cannot do this with yourself"


class AlreadyBlocked(Conflict):
    code = "already_blocked"
    default_message = "This user is already blocked"

"""Errors of QR login tickets and hubs."""

from __future__ import annotations

from parley.errors import Conflict, Invalid, NotFound


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    default_message = "No such QR ticket, or it expired"


class TicketDead(NotFound):
    code = "ticket_not_found"
    commit_anyway = True
    default_message = "Too many wrong check codes; this QR code is dead"


class TicketUsed(Conflict):
    code = "ticket_used"
    default_message = "This QR ticket was already approved or used"


class WrongCheckCode(Invalid):
    code = "invalid_check_code"
    commit_anyway = True
    default_message = "The check code does not match this QR ticket"


class NoPendingTicket(NotFound):
    code = "no_pending_ticket"
    default_message = "Nothing is waiting for a confirmation code here"


class HubTaken(Conflict):
    code = "hub_taken"
    default_message = "Another desktop connection already waits on this client_id"


class NoDesktop(NotFound):
    code = "no_desktop"
    default_message = "No desktop is waiting on this client_id"

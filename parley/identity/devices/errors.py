"""Errors of device trust and one-time codes."""

from __future__ import annotations

from parley.errors import Forbidden, Invalid, NotFound, Unauthorized


class DeviceVerificationRequired(Forbidden):
    """Not a failure: the code is on its way. Commits so the code row persists."""

    code = "device_verification_required"
    commit_anyway = True
    default_message = "New device: enter the code we emailed you"


class ApprovalRequired(Unauthorized):
    """A sign-in from a new client of a contract without a code step: an approval link is
    mailed. Commits so the link row persists."""

    code = "approval_required"
    commit_anyway = True
    default_message = "New device: check your mail and approve this sign-in, then sign in again"


class DeviceUnverifiable(Forbidden):
    code = "device_unverifiable"
    default_message = (
        "This account has no email to confirm a new device with; sign in from a known device"
    )


class UnknownAccount(NotFound):
    code = "unknown_account"
    default_message = "No account with this email"


class WrongCode(Invalid):
    code = "invalid_code"
    commit_anyway = True
    default_message = "Wrong code"


class CodeExpired(Invalid):
    code = "code_expired"
    commit_anyway = True
    default_message = "The code is expired, used up or was never issued; request a new one"


class InvalidLink(Invalid):
    code = "invalid_link"
    default_message = "This link is invalid, expired or already used"


class WrongDevice(Forbidden):
    code = "wrong_device"
    default_message = "This ticket or code belongs to another device"

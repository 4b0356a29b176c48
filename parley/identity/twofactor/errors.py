"""Errors of two-factor enrolment and sign-in."""

from __future__ import annotations

from parley.errors import Conflict, Invalid, NotFound, Unauthorized


class SecondFactorRequired(Unauthorized):
    """Not a failure: the password was right; finish at `POST /v1/auth/login/2fa` with the
    `challenge`. Commits so the challenge persists."""

    code = "second_factor_required"
    commit_anyway = True
    default_message = "Enter the code from your authenticator app (or a recovery code)"


class SecondFactorUnavailable(Unauthorized):
    """The account has two-factor sign-in and this contract's login has no second step."""

    code = "second_factor_required"
    default_message = "This account signs in with a second factor: use the Parley app or web client"


class WrongSecondFactor(Unauthorized):
    code = "invalid_second_factor"
    commit_anyway = True
    default_message = "Wrong code"


class ChallengeExpired(Unauthorized):
    code = "second_factor_expired"
    commit_anyway = True
    default_message = "This sign-in expired or ran out of tries; sign in again"


class TotpAlreadyEnabled(Conflict):
    code = "totp_enabled"
    default_message = "Two-factor sign-in is already on; turn it off first"


class TotpNotStarted(NotFound):
    code = "totp_not_started"
    default_message = "Start enrolment first"


class TotpNotEnabled(NotFound):
    code = "totp_not_enabled"
    default_message = "Two-factor sign-in is off"


class WrongTotpCode(Invalid):
    code = "invalid_code"
    default_message = "Wrong code: check the clock of the device with the authenticator app"

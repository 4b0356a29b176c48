"""Errors of passkey registration and sign-in."""

from __future__ import annotations

from parley.errors import Conflict, Invalid, NotFound, Unauthorized


class PasskeyChallengeExpired(Invalid):
    code = "passkey_challenge_expired"
    default_message = "These passkey options expired or were used; ask for new ones"


class PasskeyRejected(Invalid):
    code = "passkey_rejected"
    commit_anyway = True  # the challenge stays spent
    default_message = "The authenticator's answer does not verify"


class PasskeySignInFailed(Unauthorized):
    code = "passkey_sign_in_failed"
    commit_anyway = True  # the challenge stays spent, the failure audited
    default_message = "This passkey is not registered here, or its answer does not verify"


class PasskeyExists(Conflict):
    code = "passkey_exists"
    default_message = "This passkey is already registered"


class PasskeyNotFound(NotFound):
    code = "passkey_not_found"
    default_message = "No such passkey"

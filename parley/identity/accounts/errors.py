from __future__ import annotations

from parley.errors import Conflict, Forbidden, Invalid, Unauthorized


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    commit_anyway = True
    default_message = "Wrong login or password"


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = "This username is taken"


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = "This email is already registered"


class InvalidUsername(Invalid):
    code = "invalid_username"
    default_message = "Usernames are 3-32 letters, digits, '.', '_' or '-'"


class InvalidEmail(Invalid):
    code = "invalid_email"
    default_message = "Not a valid email address"


class WeakPassword(Invalid):
    code = "weak_password"
    default_message = "Passwords are 8-256 characters"


class RefreshReused(Unauthorized):
    code = "refresh_reused"
    commit_anyway = True
    default_message = "This refresh token was already used; the session has been revoked"


class RefreshRaced(Conflict):
    code = "refresh_in_progress"
    default_message = "This refresh token was just rotated by a concurrent request; use the new one"


class AccountDisabled(Forbidden):
    code = "account_disabled"
    default_message = "This account is disabled"
    commit_anyway = True


class ReauthenticationRequired(Forbidden):
    code = "reauthentication_required"
    default_message = (
        "Changing the email or username needs current_password (an account without a password:"
        " a sign-in within the last few minutes)"
    )


class WrongCurrentPassword(Forbidden):
    code = "wrong_password"
    commit_anyway = True
    default_message = "current_password is wrong"


class VerifiedChangeRequired(Conflict):
    """A surface without re-authentication asked to change the email or username."""

    code = "verified_change_required"
    default_message = (
        "The email and username change only through the verified flow:"
        " POST /v1/users/me/email, or PATCH /v1/users/me with current_password"
    )

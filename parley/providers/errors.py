from __future__ import annotations

from parley.errors import BadGateway, Conflict, Forbidden, GatewayTimeout, Invalid, NotFound


class ProviderRejected(Forbidden):
    """The provider (or our check of its signature) refused the credential. Audited."""

    code = "provider_rejected"
    commit_anyway = True
    default_message = "The provider rejected this credential"


class IdentityMismatch(Forbidden):
    code = "identity_mismatch"
    commit_anyway = True
    default_message = "The provider vouches for a different account than the one claimed"


class ProviderUnavailable(BadGateway):
    code = "provider_unavailable"
    default_message = "The provider could not be reached or failed"


class ProviderTimeout(GatewayTimeout):
    code = "provider_timeout"
    default_message = "The provider did not answer in time"


class UnknownProvider(NotFound):
    code = "unknown_provider"
    default_message = "No such sign-in provider, or it is not configured"


class Unsupported(Invalid):
    code = "provider_unsupported"
    default_message = "This provider does not support that"


class MissingCredential(Invalid):
    code = "missing_credential"
    default_message = "A provider token is required"


class BadState(Forbidden):
    code = "bad_state"
    default_message = "The sign-in state is invalid or expired; start again"


class IdentityTaken(Conflict):
    code = "identity_taken"
    commit_anyway = True  # the refused attempt is audited
    default_message = "This provider account is linked to another user"


class ProviderAlreadyLinked(Conflict):
    code = "provider_already_linked"
    default_message = "Another account of this provider is already linked; unlink it first"


class AlreadyRegistered(Conflict):
    code = "already_registered"
    default_message = "This provider account is already registered"


class NotRegistered(NotFound):
    code = "not_registered"
    default_message = "No account is registered with this provider account"


class IdentityNotLinked(NotFound):
    code = "identity_not_linked"
    default_message = "No account of this provider is linked"


class LastSignInMethod(Conflict):
    code = "last_sign_in_method"
    default_message = "Set a password or link another provider before unlinking the last one"

"""What signing in with a provider uses, as one typed set the flows share."""

from __future__ import annotations

from dataclasses import dataclass

import anyio

from parley.identity.accounts.passwords import Passwords
from parley.identity.sessions.tokens import TokenSigner
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.infra.storage import Storage
from parley.providers.clients import ProviderClients
from parley.settings import Settings


@dataclass(frozen=True, slots=True)
class ProviderSignIn:
    """The provider clients; the account rules of a sign-up (settings, limiter, passwords, and
    the mailer for its verification mail); the token signer of the session it opens; and the
    picture import (storage, image decoding)."""

    settings: Settings
    limiter: RateLimiter
    mailer: Mailer
    storage: Storage
    passwords: Passwords
    signer: TokenSigner
    providers: ProviderClients
    image_decoding: anyio.CapacityLimiter

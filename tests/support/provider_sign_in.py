"""The collaborators a provider sign-in uses, taken from a test's runtime."""

from __future__ import annotations

from parley.providers.collaborators import ProviderSignIn
from parley.runtime import Runtime


def provider_sign_in(rt: Runtime) -> ProviderSignIn:
    return ProviderSignIn(
        settings=rt.settings,
        limiter=rt.limiter,
        mailer=rt.mailer,
        storage=rt.storage,
        passwords=rt.passwords,
        signer=rt.signer,
        providers=rt.providers,
        image_decoding=rt.image_decoding,
    )

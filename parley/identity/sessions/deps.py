"""The token signer (for the surfaces that issue tokens) and the key ring as dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from parley.identity.sessions.keys import KeyRing
from parley.identity.sessions.tokens import TokenSigner


async def get_signer(conn: HTTPConnection) -> TokenSigner:
    signer: TokenSigner = conn.app.state.runtime.signer
    return signer


SignerDep = Annotated[TokenSigner, Depends(get_signer)]


async def get_keyring(conn: HTTPConnection) -> KeyRing:
    keyring: KeyRing = conn.app.state.runtime.keyring
    return keyring


KeyRingDep = Annotated[KeyRing, Depends(get_keyring)]

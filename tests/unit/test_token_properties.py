"""Property tests: token parsing never fails with anything but Unauthorized."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.errors import Unauthorized
from parley.identity.sessions.keys import KeyRing
from parley.identity.sessions.tokens import ISSUER, TokenSigner
from parley.kit.bearer import extract_token

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
CLAIM = JSON | st.integers(min_value=-(2**70), max_value=2**70).map(str) | st.just("1e999")


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> TokenSigner:
    keyring = KeyRing(Path(tmp_path_factory.mktemp("keys")))
    keyring.load()
    return TokenSigner(keyring)


@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_extract_token_returns_a_non_blank_string_or_none(
    authorization: str | None, cookie: str | None
) -> None:
    token = extract_token(authorization, cookie)
    assert token is None or (isinstance(token, str) and token)
    if authorization and authorization.strip():
        assert token is not None


@given(st.text(min_size=1).filter(lambda s: s.strip() == s and " " not in s))
def test_bearer_and_bare_forms_give_the_same_token(raw: str) -> None:
    assert extract_token(f"Bearer {raw}") == raw
    assert extract_token(raw) == raw
    assert extract_token(None, raw) == raw


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text() | st.binary().map(lambda b: b.decode("latin-1")))
def test_decoding_garbage_raises_only_unauthorized(signer: TokenSigner, token: str) -> None:
    with pytest.raises(Unauthorized):
        signer.decode(token)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "iss": st.just(ISSUER) | JSON,
            "sub": CLAIM,
            "sid": CLAIM,
            "exp": CLAIM | st.floats(allow_nan=True, allow_infinity=True),
            "iat": CLAIM,
            "nbf": CLAIM,
        },
    ),
    st.none() | st.text(max_size=30),
)
def test_validly_signed_tokens_with_any_claims_decode_or_raise_unauthorized(
    signer: TokenSigner, claims: dict[str, Any], kid: str | None
) -> None:
    key = signer.keyring.current()
    headers = {"kid": key.kid if kid is None else kid}
    try:
        token = jwt.encode(claims, key.private, algorithm="EdDSA", headers=headers)
    except (TypeError, ValueError, jwt.PyJWTError):
        return  # not encodable as a JWT at all
    try:
        principal = signer.decode(token)
    except Unauthorized:
        return
    assert principal.user_id == int(claims["sub"])
    assert principal.session_id == int(claims["sid"])

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from parley.errors import Unauthorized
from parley.identity.sessions.keys import KeyRing
from parley.identity.sessions.tokens import TokenSigner
from parley.kit.bearer import extract_token
from parley.kit.time import clock


@pytest.fixture
def signer(tmp_path: Path) -> TokenSigner:
    ring = KeyRing(tmp_path / "keys")
    ring.load()
    return TokenSigner(ring)


def test_issued_token_carries_user_session_and_kid(signer: TokenSigner) -> None:
    token, exp = signer.issue(42, 7, 60)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["kid"] == signer.keyring.current().kid
    principal = signer.decode(token)
    assert (principal.user_id, principal.session_id, principal.expires_at) == (42, 7, exp)
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "42"


def test_expired_token_is_rejected(signer: TokenSigner) -> None:
    token, _ = signer.issue(1, 1, 60)
    clock.advance(61)
    with pytest.raises(Unauthorized, match="expired"):
        signer.decode(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "e30.e30.sig"])
def test_garbage_is_rejected(signer: TokenSigner, garbage: str) -> None:
    with pytest.raises(Unauthorized):
        signer.decode(garbage)


def test_tampered_payload_is_rejected(signer: TokenSigner) -> None:
    token, _ = signer.issue(1, 1, 60)
    other, _ = signer.issue(2, 1, 60)
    head, _, sig = token.split(".")
    forged = ".".join([head, other.split(".")[1], sig])
    with pytest.raises(Unauthorized):
        signer.decode(forged)


def test_hs256_token_with_public_key_is_rejected(signer: TokenSigner) -> None:
    kid = signer.keyring.current().kid
    forged = jwt.encode(
        {"sub": "1", "sid": "1", "exp": int(clock.timestamp()) + 60, "iss": "parley"},
        "a-long-enough-hmac-secret-for-sha256!",
        algorithm="HS256",
        headers={"kid": kid},
    )
    with pytest.raises(Unauthorized):
        signer.decode(forged)


def test_rotation_keeps_old_tokens_valid(signer: TokenSigner) -> None:
    old_token, _ = signer.issue(1, 1, 60)
    old_kid = signer.keyring.current().kid
    signer.keyring.rotate()
    new_token, _ = signer.issue(1, 1, 60)
    assert jwt.get_unverified_header(new_token)["kid"] != old_kid
    assert signer.decode(old_token).user_id == 1
    assert {k["kid"] for k in signer.keyring.jwks()["keys"]} >= {old_kid}


def test_another_process_rotation_is_picked_up(tmp_path: Path) -> None:
    ours = KeyRing(tmp_path / "keys")
    ours.load()
    theirs = KeyRing(tmp_path / "keys")
    theirs.load()
    theirs.rotate()
    token, _ = TokenSigner(theirs).issue(5, 9, 60)
    assert TokenSigner(ours).decode(token).user_id == 5


def test_prune_forgets_only_old_non_current_keys(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path / "keys")
    ring.load()
    first = ring.current().kid
    clock.advance(100)
    ring.rotate()
    assert ring.prune(older_than_seconds=50) == [first]
    assert ring.prune(older_than_seconds=0) == []


@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        ("Bearer abc", None, "abc"),
        ("bearer abc", None, "abc"),
        ("abc", None, "abc"),
        (None, "fromcookie", "fromcookie"),
        ("Bearer hdr", "fromcookie", "hdr"),
        (None, None, None),
        ("", None, None),
    ],
)
def test_extract_token(header: str | None, cookie: str | None, expected: str | None) -> None:
    assert extract_token(header, cookie) == expected


def test_a_nan_expiry_never_counts_as_valid(signer: TokenSigner) -> None:
    key = signer.keyring.current()
    token = jwt.encode(
        {"iss": "parley", "sub": "1", "sid": "1", "exp": float("nan")},
        key.private,
        algorithm="EdDSA",
        headers={"kid": key.kid},
    )
    with pytest.raises(Unauthorized):
        signer.decode(token)

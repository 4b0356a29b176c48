"""A server secret in the data directory: keyed hashes of short codes and sealed tokens.

Six-digit codes are hashed with HMAC under this key (a leaked database alone cannot be
brute-forced offline), and QR payloads are sealed with AES-GCM under a key derived from it.
Every instance shares the data directory's keys (as it shares the signing keys).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from parley.errors import Invalid
from parley.kit.files import private_dir
from parley.kit.time import clock

_FILE = "server-secret.bin"
_cache: dict[Path, bytes] = {}


def server_secret(keys_dir: Path) -> bytes:
    """Read (or create, race-free across processes) the 32-byte server secret."""
    path = keys_dir / _FILE
    cached = _cache.get(path)
    if cached is not None:
        return cached
    private_dir(keys_dir)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    data = path.read_bytes()
    if len(data) != 32:  # another process is still writing it
        data = _wait_for(path)
    _cache[path] = data
    return data


def _wait_for(path: Path) -> bytes:
    for _ in range(100):
        data = path.read_bytes()
        if len(data) == 32:
            return data
        time.sleep(0.01)
    raise RuntimeError("server secret file is incomplete")


def _derive(secret: bytes, label: str) -> bytes:
    return hmac.new(secret, label.encode(), hashlib.sha256).digest()


def keyed_hash(secret: bytes, *parts: str) -> str:
    """HMAC-SHA256 of the parts (joined unambiguously) under the server secret."""
    message = "\x1f".join(parts).encode()
    return hmac.new(_derive(secret, "code-hash"), message, hashlib.sha256).hexdigest()


def seal(secret: bytes, purpose: str, payload: dict[str, Any], ttl_seconds: int) -> str:
    """Encrypt and authenticate `payload` for `ttl_seconds`; the result is URL-safe."""
    body = orjson.dumps({**payload, "exp": int(clock.timestamp()) + ttl_seconds})
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_derive(secret, "seal")).encrypt(nonce, body, purpose.encode())
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


class BadSeal(Invalid):
    code = "invalid_token"
    default_message = "The token is invalid or expired"


def encrypt(secret: bytes, purpose: str, plaintext: str) -> str:
    """Encrypt a secret kept at rest (e.g. a TOTP key): AES-GCM, no expiry."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_derive(secret, "at-rest")).encrypt(nonce, plaintext.encode(), purpose.encode())
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()


def decrypt(secret: bytes, purpose: str, sealed: str) -> str:
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    return AESGCM(_derive(secret, "at-rest")).decrypt(raw[:12], raw[12:], purpose.encode()).decode()


def unseal(secret: bytes, purpose: str, token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = AESGCM(_derive(secret, "seal")).decrypt(raw[:12], raw[12:], purpose.encode())
        payload: dict[str, Any] = orjson.loads(body)
    except (InvalidTag, ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise BadSeal() from exc
    if int(payload.get("exp", 0)) <= clock.timestamp():
        raise BadSeal()
    return payload

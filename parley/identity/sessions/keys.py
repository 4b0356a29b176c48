"""Ed25519 signing keys in the data directory; the newest signs, all of them verify."""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from parley.kit.files import private_dir
from parley.kit.secrets import new_token
from parley.kit.time import clock


@dataclass(frozen=True)
class SigningKey:
    kid: str
    created: float
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def jwk(self) -> dict[str, Any]:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": self.kid,
            "x": x,
        }


class KeyRing:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.keys: dict[str, SigningKey] = {}
        self._last_reload = 0.0

    def load(self, *, create: bool = True) -> None:
        keys: dict[str, SigningKey] = {}
        if self.directory.is_dir():
            for path in sorted(self.directory.glob("*.json")):
                data = json.loads(path.read_text())
                private = serialization.load_pem_private_key(data["pem"].encode(), password=None)
                assert isinstance(private, Ed25519PrivateKey)
                keys[data["kid"]] = SigningKey(data["kid"], float(data["created"]), private)
        self.keys = keys
        if not keys and create:
            self.rotate()

    def rotate(self) -> SigningKey:
        """Add a new signing key. Old keys keep verifying the tokens they signed."""
        key = SigningKey(new_token(8), clock.timestamp(), Ed25519PrivateKey.generate())
        private_dir(self.directory)
        pem = key.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        path = self.directory / f"{int(key.created * 1000)}-{key.kid}.json"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"kid": key.kid, "created": key.created, "pem": pem}, fh)
        tmp.replace(path)
        self.keys[key.kid] = key
        return key

    def prune(self, older_than_seconds: float) -> list[str]:
        """Forget keys that can no longer have live tokens (never the signing key)."""
        current = self.current()
        cutoff = clock.timestamp() - older_than_seconds
        removed = []
        for path in self.directory.glob("*.json"):
            data = json.loads(path.read_text())
            if data["kid"] != current.kid and float(data["created"]) < cutoff:
                path.unlink()
                self.keys.pop(data["kid"], None)
                removed.append(data["kid"])
        return removed

    def current(self) -> SigningKey:
        return max(self.keys.values(), key=lambda k: k.created)

    def get(self, kid: str) -> SigningKey | None:
        key = self.keys.get(kid)
        if key is None and time.monotonic() - self._last_reload > 1.0:
            # Another instance or the CLI may have rotated; look at most once a second.
            self._last_reload = time.monotonic()
            self.load(create=False)
            key = self.keys.get(kid)
        return key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk() for key in self.keys.values()]}

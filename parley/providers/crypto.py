"""Provider tokens encrypted at rest, and the signed `state` of authorize URLs.

The key is a Fernet key in the keys directory (`provider-tokens.key`), created on first
start; instances that share the keys directory share it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from parley.kit.files import private_dir
from parley.kit.secrets import new_token
from parley.kit.time import clock

KEY_FILE = "provider-tokens.key"
STATE_TTL_SECONDS = 600


def load_key(directory: Path) -> bytes:
    private_dir(directory)
    path = directory / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


class TokenBox:
    def __init__(self, key: bytes) -> None:
        self.fernet = Fernet(key)
        self.state_key = hashlib.sha256(b"parley provider state\0" + key).digest()

    def seal(self, tokens: dict[str, str]) -> str | None:
        if not tokens:
            return None
        return self.fernet.encrypt(json.dumps(tokens).encode()).decode()

    def open(self, sealed: str | None) -> dict[str, str]:
        if not sealed:
            return {}
        try:
            data = json.loads(self.fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def new_state(self, provider: str) -> str:
        expires = int(clock.timestamp()) + STATE_TTL_SECONDS
        body = f"{provider}.{expires}.{new_token(12)}"
        return f"{body}.{self._mac(body)}"

    def check_state(self, provider: str, state: str) -> bool:
        body, _, mac = state.rpartition(".")
        if not body or not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return False
        parts = body.split(".")
        if len(parts) != 3 or parts[0] != provider or not parts[1].isdigit():
            return False
        return int(parts[1]) >= clock.timestamp()

    def _mac(self, body: str) -> str:
        digest = hmac.new(self.state_key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

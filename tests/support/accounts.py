"""Accounts made through the real native API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from parley.kit.secrets import new_token

PASSWORD = "correct horse battery"


@dataclass
class Account:
    id: int
    username: str
    email: str
    password: str
    access_token: str
    refresh_token: str | None
    session_id: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def unique_name(prefix: str = "u") -> str:
    # letters and digits only: a name never ends in '_' or '-', which username derivation trims
    return f"{prefix}_{new_token(6).lower().replace('-', 'x').replace('_', 'y')}"


async def register(client: httpx.AsyncClient, prefix: str = "u", **fields: Any) -> dict[str, Any]:
    name = fields.pop("username", None) or unique_name(prefix)
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD, **fields}
    response = await client.post("/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def login(
    client: httpx.AsyncClient, login: str, password: str = PASSWORD, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/auth/login", json={"login": login, "password": password, **extra}
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def new_account(client: httpx.AsyncClient, prefix: str = "u", **fields: Any) -> Account:
    user = await register(client, prefix, **fields)
    tokens = await login(client, user["username"])
    return Account(
        id=user["id"],
        username=user["username"],
        email=user["email"],
        password=PASSWORD,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        session_id=tokens["session_id"],
    )

"""Bearer-token dependencies: one factory that every surface configures.

`Bearer(...)` says where the token may come from (the `Authorization` header, bare or as
`Bearer X`; optionally a cookie when the header is absent) and how a missing token reads;
`.required()` and `.optional()` are FastAPI dependencies resolving the principal through
`authenticate`. `refuse` turns the 401 into the surface's own error (e.g. a 403).
"""

# No `from __future__ import annotations`: FastAPI reads the closures' annotations at runtime.

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Security
from fastapi.security import APIKeyCookie, APIKeyHeader
from starlette.requests import HTTPConnection

from parley.errors import ParleyError, Unauthorized

P = TypeVar("P")
Refuse = Callable[[Unauthorized], ParleyError]


def extract_token(authorization: str | None, cookie: str | None = None) -> str | None:
    """`Bearer X`, bare `X`, or (when the header is absent) the cookie's value."""
    if authorization:
        scheme, _, rest = authorization.strip().partition(" ")
        if rest and scheme.lower() == "bearer":
            return rest.strip() or None
        return authorization.strip() or None
    return cookie or None


@dataclass(frozen=True)
class Bearer(Generic[P]):
    authenticate: Callable[[HTTPConnection, str], Awaitable[P]]
    description: str
    scheme_name: str | None = None
    cookie: str | None = None
    missing: str = "Missing access token"

    def optional(self) -> Callable[..., Awaitable[P | None]]:
        """The principal, or None when no token was sent (a bad token is still refused)."""
        token_of = self._token()
        authenticate = self.authenticate

        async def principal(
            conn: HTTPConnection, token: Annotated[str | None, Depends(token_of)]
        ) -> P | None:
            return await authenticate(conn, token) if token else None

        return principal

    def required(self, refuse: Refuse | None = None) -> Callable[..., Awaitable[P]]:
        """The principal; Unauthorized (or what `refuse` makes of it) otherwise."""
        token_of = self._token()
        authenticate = self.authenticate
        missing = self.missing

        async def principal(
            conn: HTTPConnection, token: Annotated[str | None, Depends(token_of)]
        ) -> P:
            try:
                if not token:
                    raise Unauthorized(missing)
                return await authenticate(conn, token)
            except Unauthorized as exc:
                if refuse is None:
                    raise
                raise refuse(exc) from exc

        return principal

    def _token(self) -> Callable[..., Awaitable[str | None]]:
        header = APIKeyHeader(
            name="Authorization",
            auto_error=False,
            description=self.description,
            scheme_name=self.scheme_name,
        )
        if self.cookie is None:

            async def from_header(
                authorization: Annotated[str | None, Security(header)] = None,
            ) -> str | None:
                return extract_token(authorization)

            return from_header
        cookie_scheme = APIKeyCookie(name=self.cookie, auto_error=False)

        async def from_header_or_cookie(
            authorization: Annotated[str | None, Security(header)] = None,
            cookie: Annotated[str | None, Security(cookie_scheme)] = None,
        ) -> str | None:
            return extract_token(authorization, cookie)

        return from_header_or_cookie

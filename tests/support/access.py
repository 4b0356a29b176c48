"""Apps and admins made through the real access service."""

from __future__ import annotations

from dataclasses import dataclass

from parley.access import service
from parley.models import User
from parley.runtime import Runtime
from tests.support.accounts import unique_name


@dataclass
class RegisteredApp:
    id: int
    url: str
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-app-token": self.token}


async def new_app(
    rt: Runtime, *, is_super: bool = False, roles: tuple[str, ...] = (), name: str | None = None
) -> RegisteredApp:
    url = f"https://{unique_name('app')}.example.com"
    async with rt.db.unit_of_work() as session:
        created = await service.create_app(
            session, url=url, name=name or url, is_super=is_super, roles=roles
        )
    return RegisteredApp(created.app.id, url, created.app.name, created.token)


async def give_roles(rt: Runtime, user_id: int, *roles: str) -> list[str]:
    async with rt.db.unit_of_work() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return await service.add_user_roles(session, user, roles)


def with_app(user_headers: dict[str, str], app: RegisteredApp) -> dict[str, str]:
    return {**user_headers, **app.headers}

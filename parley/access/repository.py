"""SQL for roles, apps and app payloads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import App, AppPayload, AppRole, Role, UserRole


async def get_role_by_name(session: AsyncSession, name: str) -> Role | None:
    return await session.scalar(select(Role).where(Role.name == name))


async def lock_role(session: AsyncSession, role_id: int) -> Role | None:
    """The role with a row lock (PostgreSQL) that waits for, and then holds off, anyone
    linking users to it; None when it was deleted meanwhile."""
    return await session.scalar(
        select(Role)
        .where(Role.id == role_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def get_roles_by_names(session: AsyncSession, names: Iterable[str]) -> Sequence[Role]:
    """The roles that exist, each share-locked (PostgreSQL) so that a concurrent delete waits
    for our links, or we wait for it and see the role gone."""
    wanted = list(set(names))
    if not wanted:
        return []
    statement = select(Role).where(Role.name.in_(wanted)).with_for_update(read=True, key_share=True)
    return (await session.scalars(statement.execution_options(populate_existing=True))).all()


async def list_roles(session: AsyncSession) -> Sequence[Role]:
    return (await session.scalars(select(Role).order_by(Role.name))).all()


async def add_role(session: AsyncSession, role: Role) -> None:
    session.add(role)
    await session.flush()


async def delete_role(session: AsyncSession, role_id: int) -> list[int]:
    """Delete the role and its links; returns the ids of the users who held it."""
    unlinked = await session.scalars(
        delete(UserRole).where(UserRole.role_id == role_id).returning(UserRole.user_id)
    )
    user_ids = list(unlinked.all())
    await session.execute(delete(AppRole).where(AppRole.role_id == role_id))
    await session.execute(delete(Role).where(Role.id == role_id))
    return user_ids


async def user_ids_with_role(session: AsyncSession, role_id: int) -> list[int]:
    rows = await session.scalars(select(UserRole.user_id).where(UserRole.role_id == role_id))
    return list(rows.all())


async def roles_of_user(session: AsyncSession, user_id: int) -> Sequence[Role]:
    rows = await session.scalars(
        select(Role)
        .join(UserRole, UserRole.role_id == Role.id)
        .where(UserRole.user_id == user_id)
        .order_by(Role.name)
    )
    return rows.all()


async def add_user_roles(session: AsyncSession, user_id: int, role_ids: Iterable[int]) -> None:
    values = [{"user_id": user_id, "role_id": role_id} for role_id in role_ids]
    if values:
        await session.execute(insert(UserRole), values)


async def remove_user_roles(session: AsyncSession, user_id: int, role_ids: Iterable[int]) -> None:
    ids = list(role_ids)
    if ids:
        await session.execute(
            delete(UserRole).where(UserRole.user_id == user_id, UserRole.role_id.in_(ids))
        )


async def get_app(session: AsyncSession, app_id: int) -> App | None:
    return await session.get(App, app_id)


async def get_app_by_url(session: AsyncSession, url: str) -> App | None:
    return await session.scalar(select(App).where(App.url == url))


async def get_app_by_token_hash(session: AsyncSession, token_hash: str) -> App | None:
    return await session.scalar(select(App).where(App.token_hash == token_hash))


async def get_apps_by_urls(session: AsyncSession, urls: Iterable[str]) -> Sequence[App]:
    wanted = list(set(urls))
    if not wanted:
        return []
    return (await session.scalars(select(App).where(App.url.in_(wanted)))).all()


async def list_apps(session: AsyncSession) -> Sequence[App]:
    return (await session.scalars(select(App).order_by(App.id))).all()


async def add_app(session: AsyncSession, app: App) -> None:
    session.add(app)
    await session.flush()


async def delete_app(session: AsyncSession, app_id: int) -> None:
    await session.execute(delete(AppPayload).where(AppPayload.app_id == app_id))
    await session.execute(delete(AppRole).where(AppRole.app_id == app_id))
    await session.execute(delete(App).where(App.id == app_id))


async def set_app_token_hash(session: AsyncSession, app_id: int, token_hash: str) -> None:
    await session.execute(update(App).where(App.id == app_id).values(token_hash=token_hash))


async def app_role_names(session: AsyncSession, app_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(app_ids)
    result: dict[int, list[str]] = {app_id: [] for app_id in ids}
    if not ids:
        return result
    rows = await session.execute(
        select(AppRole.app_id, Role.name)
        .join(Role, Role.id == AppRole.role_id)
        .where(AppRole.app_id.in_(ids))
        .order_by(Role.name)
    )
    for app_id, name in rows.all():
        result[app_id].append(name)
    return result


async def set_app_roles(session: AsyncSession, app_id: int, role_ids: Iterable[int]) -> None:
    await session.execute(delete(AppRole).where(AppRole.app_id == app_id))
    values = [{"app_id": app_id, "role_id": role_id} for role_id in set(role_ids)]
    if values:
        await session.execute(insert(AppRole), values)


async def menu_rows(session: AsyncSession, user_id: int) -> list[tuple[App, str]]:
    """(app, granting role name) for every app reachable through the user's roles."""
    rows = await session.execute(
        select(App, Role.name)
        .join(AppRole, AppRole.app_id == App.id)
        .join(Role, Role.id == AppRole.role_id)
        .join(UserRole, UserRole.role_id == Role.id)
        .where(UserRole.user_id == user_id)
        .order_by(App.id, Role.name)
    )
    return [(app, name) for app, name in rows.all()]


async def get_payload(session: AsyncSession, app_id: int, user_id: int) -> AppPayload | None:
    return await session.get(AppPayload, (app_id, user_id))


async def put_payload(
    session: AsyncSession, app_id: int, user_id: int, data: dict[str, Any]
) -> AppPayload:
    row = await session.get(AppPayload, (app_id, user_id))
    if row is None:
        row = AppPayload(app_id=app_id, user_id=user_id, data=data)
        session.add(row)
    else:
        row.data = data
    await session.flush()
    return row


async def payloads_of_user(session: AsyncSession, user_id: int) -> list[tuple[App, AppPayload]]:
    rows = await session.execute(
        select(App, AppPayload)
        .join(AppPayload, AppPayload.app_id == App.id)
        .where(AppPayload.user_id == user_id)
        .order_by(App.id)
    )
    return [(app, payload) for app, payload in rows.all()]

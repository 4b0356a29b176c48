"""`parley apps …` and `parley roles …`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from parley.runtime import Runtime

apps_app = typer.Typer(help="Apps (x-app-token clients).", no_args_is_help=True)
roles_app = typer.Typer(help="Roles.", no_args_is_help=True)


@apps_app.command("create")
def apps_create(
    url: Annotated[str, typer.Option(help="The app's URL (its identity)")],
    name: Annotated[str, typer.Option(help="Name shown in menus")],
    is_super: Annotated[
        bool, typer.Option("--super", help="May act on every app and user")
    ] = False,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="Role whose members see it (repeatable)")
    ] = None,
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option(
            "--redirect-uri",
            help="Make it an OpenID Connect client with this redirect URI (repeatable)",
        ),
    ] = None,
    post_logout_redirect_uri: Annotated[
        list[str] | None,
        typer.Option("--post-logout-redirect-uri", help="Where logout may return to (repeatable)"),
    ] = None,
    public: Annotated[
        bool, typer.Option("--public", help="OpenID Connect client without a secret (PKCE)")
    ] = False,
    first_party: Annotated[
        bool, typer.Option("--first-party", help="Users are not asked for consent")
    ] = False,
) -> None:
    """Register an app and print its token (shown once); with --redirect-uri also its
    OpenID Connect client id and (unless --public) client secret (shown once)."""
    from parley.kit.cli import console
    from parley.oidc import clients
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> tuple[int, str, str | None, str | None]:
        async with rt.db.unit_of_work() as session:
            created, registered = await clients.create_app(
                session,
                url=url,
                name=name,
                is_super=is_super,
                roles=role or [],
                redirect_uris=redirect_uri or [],
                post_logout_redirect_uris=post_logout_redirect_uri or [],
                public=public,
                first_party=first_party,
            )
            if registered is None:
                return created.app.id, created.token, None, None
            return created.app.id, created.token, registered.client.client_id, registered.secret

    app_id, token, client_id, secret = run_with_runtime(work)
    console.print(f"created app {url} (id {app_id})", highlight=False)
    typer.echo(f"token: {token}")
    if client_id is not None:
        typer.echo(f"client_id: {client_id}")
    if secret is not None:
        typer.echo(f"client_secret: {secret}")


@apps_app.command("list")
def apps_list() -> None:
    """List apps."""
    from rich.table import Table

    from parley.access import service
    from parley.kit.cli import console
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> list[tuple[str, ...]]:
        async with rt.db.unit_of_work() as session:
            return [
                (
                    str(v.app.id),
                    v.app.url,
                    v.app.name,
                    "yes" if v.app.is_super else "",
                    ",".join(v.roles),
                )
                for v in await service.list_apps(session)
            ]

    table = Table("id", "url", "name", "super", "roles")
    for row in run_with_runtime(work):
        table.add_row(*row)
    console.print(table)


@apps_app.command("rotate-token")
def apps_rotate_token(url: str) -> None:
    """Issue a new token for the app with this URL; the old one stops working."""
    from parley.access import service
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> str:
        async with rt.db.unit_of_work() as session:
            app = await service.get_app_by_url(session, url)
            return await service.rotate_app_token(session, app)

    typer.echo(f"token: {run_with_runtime(work)}")


@apps_app.command("rotate-secret")
def apps_rotate_secret(url: str) -> None:
    """Issue a new OpenID Connect client secret for the app with this URL (shown once); the
    old one stops working."""
    from parley.access import service
    from parley.oidc import clients
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> str:
        async with rt.db.unit_of_work() as session:
            app = await service.get_app_by_url(session, url)
            return await clients.rotate_secret(session, app)

    typer.echo(f"client_secret: {run_with_runtime(work)}")


@apps_app.command("delete")
def apps_delete(url: str) -> None:
    """Delete the app with this URL and its payloads."""
    from parley.access import service
    from parley.kit.cli import console
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> None:
        async with rt.db.unit_of_work() as session:
            await service.delete_app(session, await service.get_app_by_url(session, url))

    run_with_runtime(work)
    console.print(f"deleted app {url}", highlight=False)


@roles_app.command("create")
def roles_create(
    name: str,
    protected: Annotated[
        bool, typer.Option(help="Only a super app may grant it at registration")
    ] = False,
) -> None:
    """Create a role."""
    from parley.access import service
    from parley.kit.cli import console
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> None:
        async with rt.db.unit_of_work() as session:
            await service.create_role(session, name, protected=protected)

    run_with_runtime(work)
    console.print(f"created role {name}", highlight=False)


@roles_app.command("delete")
def roles_delete(name: str) -> None:
    """Delete a role (its members and apps lose it)."""
    from parley.access import service
    from parley.kit.cli import console
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> None:
        async with rt.db.unit_of_work() as session:
            await service.delete_role(session, name)

    run_with_runtime(work)
    console.print(f"deleted role {name}", highlight=False)


@roles_app.command("list")
def roles_list() -> None:
    """List roles."""
    from parley.access import service
    from parley.kit.cli import console
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> list[str]:
        async with rt.db.unit_of_work() as session:
            return [role.name for role in await service.list_roles(session)]

    for name in run_with_runtime(work):
        console.print(name, highlight=False)


@roles_app.command("assign")
def roles_assign(
    username: str,
    roles: Annotated[list[str], typer.Argument(help="Roles to give (created when unknown)")],
    replace: Annotated[
        bool, typer.Option(help="Replace the user's roles instead of adding")
    ] = False,
) -> None:
    """Give a user roles."""
    from parley.access import service
    from parley.errors import NotFound
    from parley.identity.sessions import repository
    from parley.kit.cli import console
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> list[str]:
        async with rt.db.unit_of_work() as session:
            user = await repository.get_user_by_username(session, username)
            if user is None:
                raise NotFound(f"no user {username}")
            if replace:
                return await service.set_user_roles(session, user, roles)
            return await service.add_user_roles(session, user, roles)

    held = run_with_runtime(work)
    console.print(f"{username}: {', '.join(held) or '(no roles)'}", highlight=False)

"""The `parley` command."""

from __future__ import annotations

from importlib.metadata import version as installed_version
from typing import Annotated

import typer
from rich.table import Table

from parley import migrate
from parley.cli.access import apps_app, roles_app
from parley.cli.backup import backup, restore
from parley.cli.data_versions import data_versions_app
from parley.errors import ParleyError
from parley.kit.cli import PasswordOption, PasswordStdinOption, console, read_password
from parley.runtime import Runtime, run_with_runtime
from parley.settings import default_public_url, get_settings

# Click's plain help: typer's rich panels print a `<bool>` type after every flag (typer 0.29)
DISTRIBUTION = "parley-chat"  # the name on PyPI (`parley` there is another project)

app = typer.Typer(
    help="Parley: chat platform and identity service.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
sessions_app = typer.Typer(help="Signed-in sessions of an account.", no_args_is_help=True)
keys_app = typer.Typer(help="Token signing keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(sessions_app, name="sessions")
app.add_typer(keys_app, name="keys")
app.add_typer(apps_app, name="apps")
app.add_typer(roles_app, name="roles")
app.add_typer(data_versions_app, name="data-versions")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    migrate_db: Annotated[
        bool | None,
        typer.Option("--migrate/--no-migrate", help="Apply migrations first (default: on SQLite)"),
    ] = None,
) -> None:
    """Serve the HTTP API and the gateway."""
    import uvicorn

    from parley import serving
    from parley.serving import uvicorn_options

    default_public_url(host, port)
    settings = get_settings()
    if workers > 1 and not settings.redis_url:
        console.print("[red]error:[/red] --workers > 1 needs PARLEY_REDIS_URL (shared bus)")
        raise typer.Exit(2)
    if migrate_db if migrate_db is not None else settings.is_sqlite:
        migrate.upgrade(settings.database_url)
    config = uvicorn.Config(
        "parley.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **uvicorn_options(settings),
    )
    serving.run(config)


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(f"parley {installed_version(DISTRIBUTION)}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to `revision` (default: the single head), showing each."""
    from parley.kit.progress import Steps

    url = get_settings().database_url
    todo = migrate.pending(url, revision)
    with Steps(console) as steps, steps.step("migrations", total=len(todo)) as advance:
        for done, _ in enumerate(migrate.upgrade_stepwise(url, revision), 1):
            advance(done, len(todo))
    console.print(f"database is up to date ({len(todo)} migration(s) applied)", highlight=False)


@db_app.command("check")
def db_check() -> None:
    """Fail when models and migrations disagree."""
    migrate.check(get_settings().database_url)
    console.print("models and migrations agree")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and whether it is the head."""
    current, head = migrate.current(get_settings().database_url)
    if current is None:
        typer.echo(f"no schema (head is {head}): run `parley db upgrade`")
    else:
        typer.echo(f"{current} ({'head' if current == head else f'behind head {head}'})")


@users_app.command("create")
def users_create(
    username: str,
    email: Annotated[str | None, typer.Option(help="Its email address")] = None,
    password: PasswordOption = None,
    password_stdin: PasswordStdinOption = False,
    admin: Annotated[
        bool, typer.Option("--admin", help="Give it the admin role (PARLEY_ADMIN_ROLE)")
    ] = False,
) -> None:
    """Create an account."""
    from parley.access import service as access
    from parley.accounts import signup as accounts

    secret = read_password(password, password_stdin)

    async def work(rt: Runtime) -> int:
        async with rt.db.unit_of_work() as session:
            account = accounts.NewAccount(username, secret, email)
            user = await accounts.sign_up(
                session,
                account,
                settings=rt.settings,
                limiter=rt.limiter,
                mailer=rt.mailer,
                passwords=rt.passwords,
            )
            if admin:
                await access.add_user_roles(session, user, [rt.settings.admin_role])
            return user.id

    user_id = run_with_runtime(work)
    role = f" with the role {get_settings().admin_role}" if admin else ""
    console.print(f"created user {username} (id {user_id}){role}", highlight=False)


@users_app.command("list")
def users_list(limit: int = 100, after: int = 0) -> None:
    """List accounts by id."""
    from parley.identity.sessions import repository

    async def work(rt: Runtime) -> list[tuple[int, str, str | None]]:
        async with rt.db.unit_of_work() as session:
            users = await repository.list_users(session, after_id=after, limit=limit)
            return [(u.id, u.username, u.email) for u in users]

    table = Table("id", "username", "email")
    for user_id, name, email in run_with_runtime(work):
        table.add_row(str(user_id), name, email or "")
    console.print(table)


@users_app.command("set-password")
def users_set_password(
    username: str, password: PasswordOption = None, password_stdin: PasswordStdinOption = False
) -> None:
    """Set a password and revoke every session of the account."""
    from parley.identity.accounts import service
    from parley.identity.sessions import repository

    secret = read_password(password, password_stdin)

    async def work(rt: Runtime) -> None:
        async with rt.db.unit_of_work() as session:
            user = await repository.get_user_by_login(session, username)
            if user is None:
                raise ParleyError(f"no user {username}")
            await service.set_password(session, user, secret, passwords=rt.passwords)

    run_with_runtime(work)
    console.print(f"password set for {username}; all sessions revoked")


@users_app.command("unlock-key")
def users_unlock_key(username: str) -> None:
    """Clear the PIN failure count that locked a user's E2E private key."""
    from parley.identity.sessions import repository
    from parley.messaging import keys

    async def work(rt: Runtime) -> None:
        async with rt.db.unit_of_work() as session:
            user = await repository.get_user_by_login(session, username)
            if user is None:
                raise ParleyError(f"no user {username}")
            await keys.unlock_key(session, user.id)

    run_with_runtime(work)
    console.print(f"key unlocked for {username}")


@users_app.command("disable")
def users_disable(user: str) -> None:
    """Disable (ban) an account by username or id: its sessions are revoked and its
    sockets closed; every sign-in is refused until it is enabled."""
    from parley.moderation import service

    async def work(rt: Runtime) -> str:
        async with rt.db.unit_of_work() as session:
            found = await service.find_user(session, user)
            return (await service.disable_user(session, found.id)).username

    console.print(f"disabled {run_with_runtime(work)}")


@users_app.command("enable")
def users_enable(user: str) -> None:
    """Enable a disabled account again (by username or id)."""
    from parley.moderation import service

    async def work(rt: Runtime) -> str:
        async with rt.db.unit_of_work() as session:
            found = await service.find_user(session, user)
            return (await service.enable_user(session, found.id)).username

    console.print(f"enabled {run_with_runtime(work)}")


@users_app.command("delete")
def users_delete(
    user: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Delete an account (by username or id) as its owner would: sessions revoked, friendships
    ended, groups left, messages tombstoned, uploads, avatar and profile erased."""
    from parley.accounts import service as accounts
    from parley.moderation import service

    if not yes and not typer.confirm(f"Delete the account {user} and its data?"):
        raise typer.Exit(1)

    async def work(rt: Runtime) -> str:
        async with rt.db.unit_of_work() as session:
            found = await service.find_user(session, user)
            name = found.username
            await accounts.erase_account(session, found, storage=rt.storage)
            return name

    console.print(f"deleted {run_with_runtime(work)}", highlight=False)


@sessions_app.command("list")
def sessions_list(user: str) -> None:
    """List the live sessions of an account (by username or id)."""
    from parley.identity.sessions import service as sessions
    from parley.moderation import service

    async def work(rt: Runtime) -> list[tuple[str, ...]]:
        async with rt.db.unit_of_work() as session:
            found = await service.find_user(session, user)
            return [
                (
                    str(s.id),
                    s.surface,
                    s.ip or "",
                    s.user_agent or "",
                    s.created_at.isoformat(timespec="seconds"),
                    s.last_used_at.isoformat(timespec="seconds"),
                )
                for s in await sessions.list_sessions(session, found.id)
            ]

    table = Table("id", "surface", "ip", "user agent", "created", "last used")
    for row in run_with_runtime(work):
        table.add_row(*row)
    console.print(table)


@sessions_app.command("revoke")
def sessions_revoke(
    user: str,
    session_id: Annotated[
        int | None, typer.Option("--session", help="Only this session (default: every one)")
    ] = None,
) -> None:
    """Sign an account (by username or id) out: its sessions are revoked at once."""
    from parley.identity.sessions import service as sessions
    from parley.moderation import service

    async def work(rt: Runtime) -> tuple[str, int]:
        async with rt.db.unit_of_work() as session:
            found = await service.find_user(session, user)
            revoked = await sessions.revoke_sessions(
                session, found.id, "revoked_by_operator", only_id=session_id
            )
            return found.username, len(revoked)

    name, count = run_with_runtime(work)
    if session_id is not None and not count:
        console.print(f"[red]error:[/red] {name} has no live session {session_id}")
        raise typer.Exit(1)
    console.print(f"revoked {count} session(s) of {name}", highlight=False)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Start signing with a new key; old keys verify until their tokens expire."""
    from parley.events import KeysRotated
    from parley.infra.bus import Event

    async def work(rt: Runtime) -> tuple[str, list[str]]:
        key = rt.keyring.rotate()
        removed = rt.keyring.prune(rt.settings.long_access_ttl_seconds)
        rotated = KeysRotated(kid=key.kid)
        await rt.bus.publish(Event(rotated.topic, rotated.model_dump(mode="json")))
        return key.kid, removed

    kid, removed = run_with_runtime(work)
    console.print(f"signing with key {kid}; pruned {len(removed)} expired key(s)")


app.command()(backup)
app.command()(restore)


def main() -> None:
    app()

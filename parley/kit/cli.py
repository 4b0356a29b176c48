"""What every `parley` sub-command shares: the console, running async work from a command,
and reading a password."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from parley.errors import ParleyError

T = TypeVar("T")

console = Console()

_UNDEFINED_TABLE = "42P01"  # PostgreSQL's SQLSTATE for a missing table

PasswordOption = Annotated[
    str | None,
    typer.Option(
        envvar="PARLEY_PASSWORD",
        show_envvar=False,
        help="The password (visible to other local users: prefer --password-stdin or "
        "PARLEY_PASSWORD); asked for on a terminal when none is given",
    ),
]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first input line")
]


def read_password(password: str | None, from_stdin: bool) -> str:
    """The password from standard input, the option or PARLEY_PASSWORD, else a prompt on a
    terminal; without a terminal and without a password, exit 2."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        console.print(
            "[red]error:[/red] no password: pass --password-stdin, set PARLEY_PASSWORD "
            "or run on a terminal"
        )
        raise typer.Exit(2)
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run `main` to completion; a domain error is printed and exits 1, and so is a database
    without the schema (with the command that creates it)."""
    return run_sync(lambda: asyncio.run(_call(main)))


def run_sync(work: Callable[[], T]) -> T:
    """`run` for work that is not a coroutine."""
    try:
        return work()
    except ParleyError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    except DBAPIError as exc:
        if not _missing_table(exc):
            raise
        console.print(
            "[red]error:[/red] the database has no schema yet (or an older one): "
            "run `parley db upgrade`"
        )
        raise typer.Exit(1) from exc


def _missing_table(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if getattr(cause, "sqlstate", None) == _UNDEFINED_TABLE or "no such table" in str(cause):
            return True
        cause = cause.__cause__
    return False


async def _call(main: Callable[[], Awaitable[T]]) -> T:
    return await main()

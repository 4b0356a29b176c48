"""What every `parley` sub-command shares: the console, and running async work from a command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console

from parley.errors import ParleyError

T = TypeVar("T")

console = Console()


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run `main` to completion; a domain error is printed and exits 1."""
    try:
        return asyncio.run(_call(main))
    except ParleyError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc


async def _call(main: Callable[[], Awaitable[T]]) -> T:
    return await main()

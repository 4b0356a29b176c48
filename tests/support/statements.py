"""Count what a block of code sends to the database (for the no-N+1 and batching tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from parley.runtime import Runtime


@contextmanager
def _listening(runtime: Runtime, name: str, handler: Callable[..., Any]) -> Iterator[None]:
    engine = runtime.db.engine.sync_engine
    event.listen(engine, name, handler)
    try:
        yield
    finally:
        event.remove(engine, name, handler)


@contextmanager
def count_statements(runtime: Runtime) -> Iterator[list[str]]:
    """The SQL of every statement executed inside the block."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    with _listening(runtime, "before_cursor_execute", record):
        yield statements


@contextmanager
def count_commits(runtime: Runtime) -> Iterator[list[object]]:
    """One entry per transaction committed inside the block."""
    commits: list[object] = []
    with _listening(runtime, "commit", commits.append):
        yield commits

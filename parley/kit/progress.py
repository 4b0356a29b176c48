"""The steps of a long command: rich progress bars on a terminal, one plain line per finished
step elsewhere (logs, cron mail)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

Advance = Callable[[float, float | None], None]  # (done, total)


def _ignore(_done: float, _total: float | None = None) -> None:
    pass


class Steps:
    def __init__(self, console: Console) -> None:
        self.console = console
        self._bars: Progress | None = None

    def __enter__(self) -> Steps:
        if self.console.is_terminal:
            self._bars = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._bars.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if self._bars is not None:
            self._bars.stop()

    @contextmanager
    def step(self, description: str, total: float | None = None) -> Iterator[Advance]:
        """A step; what it yields takes (done, total) as the work advances."""
        bars = self._bars
        if bars is None:
            started = time.monotonic()
            yield _ignore
            elapsed = time.monotonic() - started
            self.console.print(f"{description}: done in {elapsed:.1f} s", highlight=False)
            return
        task = bars.add_task(description, total=total)
        known = [total]

        def advance(done: float, of: float | None = None) -> None:
            known[0] = of or known[0]
            bars.update(task, completed=done, total=known[0])

        yield advance
        finished = known[0] or 1
        bars.update(task, completed=finished, total=finished)

    def note(self, message: str) -> None:
        self.console.print(message, highlight=False)

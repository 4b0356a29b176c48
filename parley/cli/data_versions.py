"""`parley data-versions …`."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from parley.runtime import Runtime

data_versions_app = typer.Typer(help="Data versions clients poll.", no_args_is_help=True)


class Counter(StrEnum):
    schedule = "schedule"


@data_versions_app.command("bump")
def data_versions_bump(name: Counter) -> None:
    """Raise a global data version (`schedule`)."""
    from parley.kit.cli import console
    from parley.profiles import service
    from parley.runtime import run_with_runtime

    async def work(rt: Runtime) -> int:
        async with rt.db.unit_of_work() as session:
            return await service.bump_schedule_version(session)

    del name
    console.print(f"schedule version: {run_with_runtime(work)}", highlight=False)

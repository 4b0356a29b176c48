"""`parley backup PATH` and `parley restore PATH`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ArchivePath = Annotated[Path, typer.Argument(help="The archive (.tar.gz)", dir_okay=False)]


def backup(path: ArchivePath) -> None:
    """Back up the database, the signing keys and file-backend media into one archive
    (safe while instances serve)."""
    from parley.backup import archive
    from parley.kit.cli import console, run_sync
    from parley.kit.progress import Steps
    from parley.settings import get_settings

    with Steps(console) as steps:
        manifest = run_sync(lambda: archive.backup(get_settings(), path, steps))
    counts = ", ".join(f"{name} {count}" for name, count in manifest.files.items())
    console.print(
        f"backed up the {manifest.database} database (revision {manifest.alembic_revision}) "
        f"and files ({counts}) into {path}",
        highlight=False,
    )


def restore(
    path: ArchivePath,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the contents of a non-empty database")
    ] = False,
) -> None:
    """Restore a `parley backup` archive (stop every instance first), then apply newer
    migrations."""
    from parley.backup import archive
    from parley.kit.cli import console, run_sync
    from parley.kit.progress import Steps
    from parley.settings import get_settings

    with Steps(console) as steps:
        manifest = run_sync(lambda: archive.restore(get_settings(), path, steps, force=force))
    console.print(
        f"restored the backup of {manifest.created_at} (parley {manifest.parley_version})",
        highlight=False,
    )

"""`parley backup` and `parley restore`: one tar.gz with the database, the keys directory, the
PIN pepper file and file-backend media, described by manifest.json."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tarfile
import tempfile
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Literal

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from pydantic import BaseModel, ValidationError

from parley import migrate
from parley.backup import database
from parley.backup.database import BackupError
from parley.kit.files import PRIVATE_FILE, private_dir
from parley.kit.progress import Steps
from parley.kit.time import utc_now
from parley.settings import Settings

DISTRIBUTION = "parley-chat"
MANIFEST = "manifest.json"
FORMAT = 1
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KEYS, MEDIA, PEPPER = "keys", "media", "pin_pepper"


class Manifest(BaseModel):
    format: Literal[1]
    parley_version: str
    alembic_revision: str
    created_at: str
    database: Literal["sqlite", "postgresql"]
    storage: str  # "file" or "s3": media is in the archive only for "file"
    files: dict[str, int]  # how many files of each part (keys, media, pin_pepper)


def backup(settings: Settings, path: Path, steps: Steps) -> Manifest:
    url = settings.database_url
    state = database.inspect(url)
    if state.revision is None:
        raise BackupError("the database has no schema: there is nothing to back up")
    parts = _parts(settings)
    manifest = Manifest(
        format=FORMAT,
        parley_version=installed_version(DISTRIBUTION),
        alembic_revision=state.revision,
        created_at=utc_now().isoformat(timespec="seconds"),
        database=state.kind,
        storage="file" if settings.storage_url == "file" else "s3",
        files={name: len(files) for name, files in parts.items()},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".parley-backup-", dir=path.parent) as tmp:
        dump = Path(tmp) / DUMPS[state.kind]
        with steps.step("database") as advance:
            if state.kind == "sqlite":
                database.dump_sqlite(url, dump, advance)
            else:
                database.dump_postgres(url, state, dump)
        members = [(dump.name, dump)] + [pair for files in parts.values() for pair in files]
        partial = Path(tmp) / "archive.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar,
        ):
            _add_bytes(tar, MANIFEST, manifest.model_dump_json(indent=2).encode())
            sizes = [_size(file) for _, file in members]
            total = sum(sizes)
            with steps.step("archive", total=total) as advance:
                done = 0
                for (name, file), size in zip(members, sizes, strict=True):
                    with contextlib.suppress(FileNotFoundError):  # media deleted meanwhile
                        tar.add(file, arcname=name, recursive=False)
                    done += size
                    advance(done, total)
        partial.replace(path)
    return manifest


def restore(settings: Settings, path: Path, steps: Steps, *, force: bool) -> Manifest:
    url = settings.database_url
    with _open_archive(path) as tar:
        manifest = _read_manifest(tar, path)
        kind = database.kind_of(url)
        if manifest.database != kind:
            raise BackupError(
                f"{path} holds a {manifest.database} database; PARLEY_DATABASE_URL is {kind}"
            )
        _check_known(url, manifest.alembic_revision)
        members = tar.getmembers()
        if DUMPS[kind] not in {member.name for member in members}:
            raise BackupError(f"{path} has no {DUMPS[kind]}: it is incomplete")
        state = database.inspect(url)
        if state.tables and not force:
            raise BackupError(
                f"the database is not empty ({state.tables} tables): restore into an empty "
                "database, or pass --force to replace its contents"
            )
        private_dir(settings.data_dir, tighten=False)
        with tempfile.TemporaryDirectory(prefix=".parley-restore-", dir=settings.data_dir) as tmp:
            staged = Path(tmp)
            with steps.step("unpack", total=len(members)) as advance:
                for count, member in enumerate(members, 1):
                    tar.extract(member, staged, filter="data")
                    advance(count, len(members))
            with steps.step("database"):
                dump = staged / DUMPS[kind]
                if kind == "sqlite":
                    database.restore_sqlite(url, dump)
                else:
                    database.restore_postgres(url, state, dump)
            _restore_files(settings, manifest, staged, steps)
    current, head = migrate.current(url)
    if current != head:
        todo = migrate.pending(url)
        with steps.step(f"migrations ({current} to {head})", total=len(todo)) as advance:
            for done, _ in enumerate(migrate.upgrade_stepwise(url), 1):
                advance(done, len(todo))
    return manifest


def _parts(settings: Settings) -> dict[str, list[tuple[str, Path]]]:
    """What goes into the archive besides the database: (name in the archive, file)."""
    parts = {KEYS: _files_under(settings.keys_dir, KEYS)}
    pepper = settings.data_dir / PEPPER
    parts[PEPPER] = [(PEPPER, pepper)] if pepper.is_file() else []
    if settings.storage_url == "file":
        parts[MEDIA] = _files_under(settings.data_dir / MEDIA, MEDIA)
    return parts


def _files_under(directory: Path, prefix: str) -> list[tuple[str, Path]]:
    """Every finished file below `directory` (temporary files start with a dot)."""
    if not directory.is_dir():
        return []
    return [
        (f"{prefix}/{file.relative_to(directory).as_posix()}", file)
        for file in sorted(directory.rglob("*"))
        if file.is_file() and not file.name.startswith(".")
    ]


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except FileNotFoundError:
        return 0


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = PRIVATE_FILE
    info.mtime = int(utc_now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from exc


def _read_manifest(tar: tarfile.TarFile, path: Path) -> Manifest:
    try:
        member = tar.extractfile(MANIFEST)
        if member is None:
            raise KeyError(MANIFEST)
        return Manifest.model_validate_json(member.read())
    except (KeyError, ValidationError, tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path} is not a Parley backup (no valid {MANIFEST})") from exc


def _check_known(url: str, revision: str) -> None:
    """A backup from a newer Parley has a schema this one cannot migrate."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config(url))
    try:
        scripts.get_revision(revision)
    except CommandError as exc:
        raise BackupError(
            f"the backup's schema revision {revision} is unknown to this Parley: "
            "restore it with the version that made it (or a newer one)"
        ) from exc


def _restore_files(settings: Settings, manifest: Manifest, staged: Path, steps: Steps) -> None:
    with steps.step("keys"):
        _replace_contents(staged / KEYS, settings.keys_dir)
    if (staged / PEPPER).is_file():
        if settings.pin_pepper.get_secret_value():
            steps.note("pin_pepper: not restored, PARLEY_PIN_PEPPER is set (keep the same value)")
        else:
            (staged / PEPPER).replace(settings.data_dir / PEPPER)
    if manifest.storage != "file":
        return
    if settings.storage_url != "file":
        steps.note(
            f"media: the backup holds {manifest.files.get(MEDIA, 0)} files of file storage; "
            "this instance uses S3, copy them into the bucket with the store's own tools"
        )
        return
    with steps.step("media"):
        _replace_contents(staged / MEDIA, settings.data_dir / MEDIA)


def _replace_contents(staged: Path, target: Path) -> None:
    """Make `target` hold what `staged` holds; `target` itself stays (it may be a mount)."""
    private_dir(target)
    for child in target.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if staged.is_dir():
        for child in staged.iterdir():
            shutil.move(child, target / child.name)

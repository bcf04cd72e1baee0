"""The backup archive: one .tar file that proves its own integrity.

    guanxi-backup-20261205-020000.tar
      backup.tar.gz          the payload (below)
      backup.tar.gz.sha256   its SHA-256, in `sha256sum` format

    backup.tar.gz
      database.sqlite3 | database.pgdump   the vendor's own copy of the whole database
      data.jsonl.gz                       the same rows, portable (for a move between SQLite and PostgreSQL)
      files/<name>                        every uploaded file of the default storage
      manifest.json                       what all of it holds: see `manifest_build`

Any changed, missing or extra byte of the payload changes its hash, so a damaged or truncated archive is
refused before anything is touched; the manifest then checks every part of the payload by its own hash.
An administrator can check an archive by hand: `tar -xf X.tar && sha256sum -c backup.tar.gz.sha256`.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.files.storage import Storage
from django.utils import timezone
from django.utils.translation import gettext as _

import guanxi

from . import database
from .errors import BackupError
from .manifest import file_sha256, migration_state, storage_names, table_digests
from .portable import portable_data_write

FORMAT = "guanxi-backup"
FORMAT_VERSION = 1
PAYLOAD = "backup.tar.gz"
PAYLOAD_SHA = "backup.tar.gz.sha256"
MANIFEST = "manifest.json"
PORTABLE = "data.jsonl.gz"
FILES_DIR = "files"


@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    sha256: str
    manifest: dict[str, Any]


# --- writing ---------------------------------------------------------------------------------
def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _add_path(tar: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mtime = int(path.stat().st_mtime)
    info.mode = 0o600
    with path.open("rb") as fh:
        tar.addfile(info, fh)


def archive_write(*, folder: Path, name: str, storage: Storage, skip_prefixes: tuple[str, ...] = ()) -> Written:
    """Write `folder/name`: a consistent snapshot of the database and every file in `storage`.

    The archive appears under its name only when it is complete (written as `.partial`, then renamed).
    """
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    work = folder / f".{name}.work"
    work.mkdir(mode=0o700)
    partial = folder / f".{name}.partial"
    try:
        vendor = database.vendor()
        dump = work / database.DUMP_NAMES[vendor]
        portable = work / PORTABLE

        def read(alias: str) -> dict[str, Any]:
            portable_data_write(portable, alias)
            return {"tables": table_digests(alias), "migrations": migration_state(alias)}

        measured = database.snapshot(target=dump, read=read)
        payload = work / PAYLOAD
        files = []
        with tarfile.open(payload, "w:gz", compresslevel=6) as tar:
            _add_path(tar, dump.name, dump)
            _add_path(tar, PORTABLE, portable)
            for file_name in storage_names(storage, skip_prefixes=skip_prefixes):
                files.append(_add_storage_file(tar, storage, file_name))
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "guanxi_version": guanxi.__version__,
                "created_at": timezone.now().isoformat(),
                "database": {"vendor": vendor, **_part(dump)},
                "portable_data": _part(portable),
                "migrations": measured["migrations"],
                "tables": measured["tables"],
                "files": files,
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        with payload.open("rb") as payload_file:
            size, sha = file_sha256(payload_file)
        with tarfile.open(partial, "w") as outer:
            _add_path(outer, PAYLOAD, payload)
            _add_bytes(outer, PAYLOAD_SHA, f"{sha}  {PAYLOAD}\n".encode())
        with partial.open("rb") as partial_file:
            os.fsync(partial_file.fileno())
        os.replace(partial, final)
        with final.open("rb") as final_file:
            total_size, total_sha = file_sha256(final_file)
        return Written(path=final, size=total_size, sha256=total_sha, manifest=manifest)
    finally:
        partial.unlink(missing_ok=True)
        _remove_tree(work)


class _HashingReader:
    """Reads a file for tarfile and hashes what it hands over, so each uploaded file is read once."""

    def __init__(self, source: Any):
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


def _add_storage_file(tar: tarfile.TarFile, storage: Storage, name: str) -> dict[str, Any]:
    info = tarfile.TarInfo(f"{FILES_DIR}/{name}")
    info.size = storage.size(name)
    info.mode = 0o600
    with storage.open(name, "rb") as source:
        reader = _HashingReader(source)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    return {"name": name, "size": info.size, "sha256": reader.digest.hexdigest()}


def _part(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        size, sha = file_sha256(fh)
    return {"file": path.name, "size": size, "sha256": sha}


def _remove_tree(path: Path) -> None:
    if not path.exists():
        return
    for child in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if child.is_dir() and not child.is_symlink():
            child.rmdir()
        else:
            child.unlink()
    path.rmdir()


# --- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Opened:
    """An archive unpacked into `folder` and checked: every part matches the manifest."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def dump(self) -> Path:
        return self.folder / self.manifest["database"]["file"]

    @property
    def portable(self) -> Path:
        return self.folder / self.manifest["portable_data"]["file"]

    def file_path(self, name: str) -> Path:
        return self.folder / FILES_DIR / name


def _damaged(reason: str) -> BackupError:
    return BackupError(
        _("This backup file is damaged or is not a Guanxi backup (%(reason)s). Nothing was changed.")
        % {"reason": reason}
    )


def _outer_members(path: Path, folder: Path) -> str:
    """Unpack the outer tar into `folder`, hashing the payload as it comes; returns the payload's SHA-256."""
    digest = hashlib.sha256()
    seen = []
    try:
        with tarfile.open(path, "r:") as outer:
            for member in outer:
                if member.name not in (PAYLOAD, PAYLOAD_SHA) or not member.isfile() or member.name in seen:
                    raise _damaged(_("unexpected part %(name)s") % {"name": member.name})
                seen.append(member.name)
                source = outer.extractfile(member)
                assert source is not None  # a regular file always has content
                with (folder / member.name).open("wb") as out:
                    while chunk := source.read(1024 * 1024):
                        out.write(chunk)
                        if member.name == PAYLOAD:
                            digest.update(chunk)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _damaged(str(exc)) from exc
    if set(seen) != {PAYLOAD, PAYLOAD_SHA}:
        raise _damaged(_("incomplete file"))
    return digest.hexdigest()


def archive_open(path: Path, folder: Path) -> Opened:
    """Unpack `path` into the empty `folder` and check it whole: refused (BackupError) unless every byte is as
    written."""
    if not path.is_file():
        raise BackupError(_("There is no backup file at %(path)s.") % {"path": path})
    actual = _outer_members(path, folder)
    expected = (folder / PAYLOAD_SHA).read_text(encoding="ascii", errors="replace").split()[:1]
    if expected != [actual]:
        raise _damaged(_("checksum mismatch"))
    unpacked = folder / "payload"
    unpacked.mkdir()
    try:
        with tarfile.open(folder / PAYLOAD, "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as exc:
        raise _damaged(str(exc)) from exc
    (folder / PAYLOAD).unlink()
    try:
        manifest = json.loads((unpacked / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _damaged(_("no readable manifest")) from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("This backup has format %(format)s version %(version)s, which this Guanxi cannot read.")
            % {"format": manifest.get("format"), "version": manifest.get("format_version")}
        )
    opened = Opened(folder=unpacked, manifest=manifest)
    _check_parts(opened)
    return opened


def _check_parts(opened: Opened) -> None:
    """Every part the manifest lists is there with its size and hash, and there is nothing else."""
    manifest = opened.manifest
    expected: dict[str, dict[str, Any]] = {
        manifest["database"]["file"]: manifest["database"],
        manifest["portable_data"]["file"]: manifest["portable_data"],
    }
    for entry in manifest["files"]:
        expected[str(PurePosixPath(FILES_DIR) / entry["name"])] = entry
    present = {p.relative_to(opened.folder).as_posix() for p in opened.folder.rglob("*") if p.is_file()} - {MANIFEST}
    if present != set(expected):
        raise _damaged(_("the parts do not match the manifest"))
    for name, entry in expected.items():
        with (opened.folder / name).open("rb") as fh:
            size, sha = file_sha256(fh)
        if (size, sha) != (entry["size"], entry["sha256"]):
            raise _damaged(_("%(name)s does not match its checksum") % {"name": name})


@contextlib.contextmanager
def opened_archive(path: Path) -> Iterator[Opened]:
    """The archive unpacked and checked in a temporary folder (TMPDIR), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="guanxi-restore-") as workdir:
        yield archive_open(path, Path(workdir))

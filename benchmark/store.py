"""Raw snapshot store and processed parquet IO.

Processed tables (DESIGN.md §6) live in ``<data_dir>/processed/<name>.parquet`` with a
``manifest.json`` beside them that records which raw snapshots they came from and whether
any of them were synthetic (demo) data.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from benchmark.config import Settings, get_settings
from benchmark.errors import DataError

PROCESSED_TABLES = ("lss", "population", "municipalities", "peer_groups", "costs")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _default_mode(path: str | Path) -> None:
    """Give a mkstemp file (0600) the permissions an ordinary new file would get."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def processed_path(name: str, settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    return settings.processed_dir / f"{name}.parquet"


def read_table(name: str, settings: Settings | None = None, *,
               columns: list[str] | None = None) -> pl.DataFrame:
    """Read one processed table (only ``columns`` when given), or raise :class:`DataError`
    saying how to build it."""
    path = processed_path(name, settings)
    if not path.exists():
        raise DataError(
            f"processed table {path} is missing; run `make process` (or `make demo` for "
            "synthetic demo data)"
        )
    try:
        return pl.read_parquet(path, columns=columns)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DataError(f"processed table {path} cannot be read ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else 'damaged'}); run "
                        "`make process` again to rebuild it") from None


def read_manifest(settings: Settings | None = None) -> dict[str, Any]:
    """The processed manifest (``synthetic`` flag, source snapshots); empty if absent."""
    settings = settings or get_settings()
    path = settings.processed_dir / "manifest.json"
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path} cannot be read ({exc}); run `make process` again to "
                        "rebuild it") from None
    if not isinstance(manifest, dict):
        raise DataError(f"{path} is not a JSON object; run `make process` again to rebuild it")
    return manifest


# ---------------------------------------------------------------------------------------------
# Raw snapshot store: data/raw/<source>/<kind>/<name>.json + <name>.meta.json
#
# A snapshot is one HTTP response body stored byte for byte, with a JSON sidecar recording
# where it came from (URL, method, request body, retrieval time, HTTP status, sha256 of the
# body, ``synthetic``). The sidecar is the commit marker: a body without a sidecar is an
# interrupted write and is ignored (and cleaned up by :func:`clean_partial`). Snapshots are
# immutable: :func:`save_snapshot` never replaces an existing one. Writers hold
# :func:`raw_lock` so two concurrent fetches keep the store consistent.

BODY_SUFFIX = ".json"
META_SUFFIX = ".meta.json"
_ID_RE = re.compile(r"^[A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]+)*$")


@dataclass(frozen=True)
class Snapshot:
    """A stored raw response: ``id`` (path under data/raw without suffix), paths, metadata."""

    id: str
    path: Path
    meta_path: Path
    meta: dict[str, Any]

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic"))


def _paths(snapshot_id: str, settings: Settings) -> tuple[Path, Path]:
    if not _ID_RE.match(snapshot_id) or ".." in snapshot_id.split("/"):
        raise ValueError(f"invalid snapshot id {snapshot_id!r}")
    base = settings.raw_dir / snapshot_id
    return base.with_name(base.name + BODY_SUFFIX), base.with_name(base.name + META_SUFFIX)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def find_snapshot(snapshot_id: str, settings: Settings | None = None) -> Snapshot | None:
    """The committed snapshot with this id (sidecar present and readable), else ``None``."""
    settings = settings or get_settings()
    body, meta_path = _paths(snapshot_id, settings)
    if not (meta_path.exists() and body.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Snapshot(snapshot_id, body, meta_path, meta)


def save_snapshot(snapshot_id: str, content: bytes, meta: Mapping[str, Any],
                  settings: Settings | None = None) -> Snapshot:
    """Store one response atomically; an existing snapshot is returned, never overwritten.

    ``meta`` should hold url, method, body/params, status and headers-derived facts; this
    function adds ``id``, ``sha256``, ``bytes`` and ``retrieved_at`` (if absent).
    """
    settings = settings or get_settings()
    existing = find_snapshot(snapshot_id, settings)
    if existing is not None:
        return existing
    body_path, meta_path = _paths(snapshot_id, settings)
    full = {**meta, "id": snapshot_id, "sha256": sha256_hex(content), "bytes": len(content)}
    full.setdefault("retrieved_at", utc_now())
    # Body first (an orphan body without sidecar is ignored), then the sidecar commits it.
    atomic_write_bytes(body_path, content)
    atomic_write_bytes(meta_path, json.dumps(full, ensure_ascii=False, indent=1).encode())
    return Snapshot(snapshot_id, body_path, meta_path, full)


def verify_snapshot(snapshot: Snapshot) -> bytes:
    """The snapshot's body after checking its sha256 against the sidecar.

    A mismatch (file edited by hand or damaged) or an unreadable file raises
    :class:`DataError` naming the file.
    """
    try:
        content = snapshot.path.read_bytes()
    except OSError as exc:
        raise DataError(f"raw snapshot {snapshot.path} cannot be read: {exc}") from None
    if sha256_hex(content) != snapshot.meta.get("sha256"):
        raise DataError(
            f"raw snapshot {snapshot.path} does not match the sha256 in its sidecar "
            f"{snapshot.meta_path.name} (edited or damaged); delete both files and run "
            "`make data` again"
        )
    return content


def load_snapshot(snapshot: Snapshot) -> Any:
    """Parse a snapshot's JSON body after checking its sha256 against the sidecar.

    A mismatch (file edited by hand or damaged), unreadable or truncated JSON raises
    :class:`DataError` naming the file.
    """
    content = verify_snapshot(snapshot)
    try:
        return json.loads(content)
    except ValueError as exc:
        raise DataError(f"raw snapshot {snapshot.path} is not valid JSON: {exc}") from None


def iter_snapshots(settings: Settings | None = None, prefix: str = "") -> Iterator[Snapshot]:
    """Every committed snapshot under data/raw (optionally under ``prefix``), sorted by id.

    A sidecar that is not valid JSON raises :class:`DataError` naming it.
    """
    settings = settings or get_settings()
    root = settings.raw_dir
    if not root.exists():
        return
    for meta_path in sorted(root.rglob(f"*{META_SUFFIX}")):
        if meta_path.name.startswith("."):
            continue
        rel = meta_path.relative_to(root).as_posix()[: -len(META_SUFFIX)]
        if prefix and not rel.startswith(prefix):
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(f"raw snapshot sidecar {meta_path} is not valid JSON: {exc}") from None
        body = meta_path.with_name(meta_path.name[: -len(META_SUFFIX)] + BODY_SUFFIX)
        if not body.exists():
            raise DataError(f"raw snapshot {body} is missing but its sidecar {meta_path} exists")
        yield Snapshot(rel, body, meta_path, meta)


def _is_orphan(path: Path) -> bool:
    name = path.name
    return (name.endswith(BODY_SUFFIX) and not name.endswith(META_SUFFIX)
            and not name.startswith(".")
            and not path.with_name(name[: -len(BODY_SUFFIX)] + META_SUFFIX).exists())


def orphan_bodies(settings: Settings | None = None) -> list[Path]:
    """Snapshot bodies without a sidecar (an interrupted write, or a sidecar deleted by hand)."""
    settings = settings or get_settings()
    root = settings.raw_dir
    if not root.exists():
        return []
    return sorted(p for p in root.rglob(f"*{BODY_SUFFIX}") if p.is_file() and _is_orphan(p))


def clean_partial(settings: Settings | None = None) -> list[Path]:
    """Remove leftovers of interrupted writes (temp files, bodies without sidecar)."""
    settings = settings or get_settings()
    removed: list[Path] = []
    root = settings.raw_dir
    if not root.exists():
        return removed
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        name = path.name
        if (name.startswith(".") and name.endswith(".tmp")) or _is_orphan(path):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@contextmanager
def raw_lock(settings: Settings | None = None, timeout: float | None = None) -> Iterator[None]:
    """Exclusive ``fcntl`` lock on ``data/raw/.lock`` for the duration of a fetch."""
    settings = settings or get_settings()
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    path = settings.raw_dir / ".lock"
    with open(path, "a+") as fh:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() > deadline:
                    raise DataError(f"another fetch holds {path}; try again later") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------------
# Processed tables


def write_tables(tables: Mapping[str, pl.DataFrame], settings: Settings | None = None, *,
                 snapshots: Mapping[str, list[str]] | None = None, synthetic: bool = False,
                 extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write several parquet tables and ``manifest.json`` all-or-nothing.

    Every table goes to a temporary file first; only when all are written are they renamed
    into place, then the manifest. ``snapshots`` maps table name to the raw snapshot ids it
    came from. Returns the manifest.
    """
    settings = settings or get_settings()
    out_dir = settings.processed_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    snapshots = snapshots or {}
    temps: list[tuple[Path, Path]] = []
    try:
        for name, df in tables.items():
            fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
            os.close(fd)
            _default_mode(tmp)
            temps.append((Path(tmp), processed_path(name, settings)))
            df.write_parquet(tmp)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    full = set(tables) >= set(PROCESSED_TABLES)
    try:
        manifest = read_manifest(settings)
    except DataError:
        if not full:  # keep the provenance of the tables not rewritten: do not guess it
            for tmp, _ in temps:
                tmp.unlink(missing_ok=True)
            raise
        manifest = {}  # a full rebuild replaces a damaged manifest
    for tmp, final in temps:
        os.replace(tmp, final)
    manifest.setdefault("tables", {})
    all_snaps: set[str] = set(manifest.get("snapshots", []))
    for name, df in tables.items():
        snaps = sorted(snapshots.get(name, []))
        all_snaps.update(snaps)
        manifest["tables"][name] = {
            "file": f"{name}.parquet", "rows": df.height,
            "columns": {c: str(t) for c, t in df.schema.items()}, "snapshots": snaps,
        }
    if full:  # a full rebuild replaces the provenance
        all_snaps = {s for n in tables for s in snapshots.get(n, [])}
        manifest["synthetic"] = synthetic
    else:
        manifest["synthetic"] = bool(manifest.get("synthetic")) or synthetic
    manifest["created"] = utc_now()
    manifest["snapshots"] = sorted(all_snaps)
    manifest.update(extra or {})
    atomic_write_bytes(out_dir / "manifest.json",
                       json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return manifest


def write_table(name: str, df: pl.DataFrame, settings: Settings | None = None, *,
                snapshots: list[str] | None = None, synthetic: bool = False) -> dict[str, Any]:
    """Write one processed table atomically and record it in ``manifest.json``."""
    return write_tables({name: df}, settings, snapshots={name: snapshots or []},
                        synthetic=synthetic)

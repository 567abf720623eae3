"""The processed table set (the tables: :mod:`benchmark.tables`): written whole into a
fresh folder, switched with one rename, every table checked against its SHA-256 and its
schema on read.

Layout of ``<data_dir>/processed`` (the folder itself stays; ``.gitkeep`` is never touched)::

    current -> sets/<id>         the active set: a relative symlink, replaced atomically
    sets/<id>/<table>.parquet    the tables (benchmark.tables.TABLES: lss, population, …)
    sets/<id>/manifest.json      tables with sha256, rows, columns and source snapshots
    sets/.tmp-<id>/              a set being written (stale ones are removed under the lock)
    .lock                        the writer lock

The writer is :mod:`benchmark.tablewriter` (``write_tables``: the new set appears whole or
not at all). Outside tools read ``data/processed/current/<table>.parquet``.

Readers (:func:`read_table`, :func:`read_manifest`, :func:`open_set`) resolve ``current``
once per call: a table the manifest lists must exist, match its hash and have the columns
and types of its catalogue entry (:mod:`benchmark.tables`), else :class:`DataError`
naming it; only an optional table the manifest does not list may be absent
(:meth:`ProcessedSet.read_optional` then gives it empty, with its columns). :func:`read_manifest`
also checks provenance: every snapshot id it names must exist in ``data/raw``, and
``synthetic`` is true when the manifest *or any of those snapshots' sidecars* says so,
so an edited manifest cannot make demo data pass for official statistics.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from benchmark.config import Settings, get_settings
from benchmark.errors import DataError
from benchmark.files import (
    describe_os_error,
    loads_json,
    sha256_hex,
)
from benchmark.tables import check_table, schema

MANIFEST = "manifest.json"
CURRENT = "current"
SETS = "sets"
#: Manifest layout version (1 = tables in processed/ itself, without hashes; 2 = costs
#: instead of kpi_values).
FORMAT = 3
#: Seconds a writer waits for another writer's lock before giving up.
LOCK_WAIT_S = 600.0
TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
CORE_FIELDS = ("format", "id", "created", "tables", "snapshots", "synthetic")
_NEXT_STEP = "run `make process` again (or `make demo` for synthetic demo data)"


@dataclass(frozen=True)
class ProcessedSet:
    """One processed set as resolved at opening: its folder and its manifest."""

    path: Path
    manifest: dict[str, Any]
    settings: Settings

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def listed(self, name: str) -> bool:
        return name in self.manifest["tables"]

    def table_path(self, name: str) -> Path:
        return self.path / f"{name}.parquet"

    def read_bytes(self, name: str) -> bytes:
        """The bytes of a listed table after checking them against the manifest's hash."""
        path = self.table_path(name)
        if not self.listed(name):
            raise DataError(f"processed table {path} is not in the processed set (its "
                            f"{self.manifest_path} does not list it); {_NEXT_STEP}")
        data = _read_file(path, f"processed table {path} is missing although "
                          f"{self.manifest_path} lists it")
        if sha256_hex(data) != self.manifest["tables"][name]["sha256"]:
            raise DataError(f"processed table {path} does not match the sha256 in "
                            f"{self.manifest_path} (damaged or changed by hand); {_NEXT_STEP}")
        return data

    def read(self, name: str, columns: Sequence[str] | None = None) -> pl.DataFrame:
        """One listed table, hash-checked and checked against its catalogue entry (see the
        module docstring); only ``columns`` when given (the whole file is still
        hash-checked)."""
        table = schema(name)
        wanted = None if columns is None else [table.column(c).name for c in columns]
        present = set(self.manifest["tables"].get(name, {}).get("columns") or {})
        data = self.read_bytes(name)
        if wanted is not None and present:  # a column the file lacks is named below
            wanted = [c for c in wanted if c in present]
        try:
            df = pl.read_parquet(io.BytesIO(data), columns=wanted)
        except (OSError, pl.exceptions.PolarsError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else "damaged"
            raise DataError(f"processed table {self.table_path(name)} cannot be read "
                            f"({type(exc).__name__}: {first}); {_NEXT_STEP}") from None
        return check_table(name, df, columns, source=str(self.table_path(name)))

    def read_optional(self, name: str, columns: Sequence[str] | None = None
                      ) -> pl.DataFrame:
        """An optional table: empty, with its catalogue columns, when the manifest does
        not list it, otherwise exactly as :meth:`read`."""
        if not self.listed(name):
            empty = schema(name).empty()
            return empty if columns is None else empty.select(columns)
        return self.read(name, columns)

    def verify(self) -> None:
        """Check every listed table against its hash (without parsing)."""
        for name in self.manifest["tables"]:
            self.read_bytes(name)

    def checked_manifest(self) -> dict[str, Any]:
        """The manifest after the provenance check, with ``synthetic`` derived from the
        raw snapshots' sidecars (see the module docstring)."""
        from benchmark.store import get_snapshot

        ids = set(self.manifest["snapshots"])
        for entry in self.manifest["tables"].values():
            ids.update(entry.get("snapshots", []))
        synthetic = bool(self.manifest["synthetic"])
        for snap_id in sorted(ids):
            try:
                snap = get_snapshot(snap_id, self.settings)
            except DataError as exc:
                raise DataError(f"{self.manifest_path} names raw snapshot {snap_id}, which "
                                f"cannot be used: {exc}; run `make data` and `make process` "
                                "again") from None
            synthetic |= snap.synthetic
        return {**self.manifest, "synthetic": synthetic}


def _read_file(path: Path, missing: str) -> bytes:
    """The bytes of ``path``; :class:`DataError` with ``missing`` or the OS error, and the
    way out."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{missing}; {_NEXT_STEP}") from None
    except OSError as exc:
        raise DataError(f"{path} cannot be read ({describe_os_error(exc)}); "
                        f"{_NEXT_STEP}") from None


def current_dir(settings: Settings) -> Path | None:
    """The folder ``processed/current`` points at (or is); ``None`` when there is none."""
    link = settings.processed_dir / CURRENT
    if link.is_symlink():
        target = Path(os.readlink(link))
        return target if target.is_absolute() else settings.processed_dir / target
    if link.is_dir():  # a copy made without symlinks (e.g. shutil.copytree)
        return link
    return None


def _check_manifest(manifest: Any, path: Path) -> dict[str, Any]:
    bad = f"{path} is not a processed-set manifest"
    if not isinstance(manifest, dict):
        raise DataError(f"{bad} (not a JSON object); {_NEXT_STEP}")
    if manifest.get("format") != FORMAT:
        raise DataError(f"{path} has format {manifest.get('format')!r}, not {FORMAT}; "
                        f"{_NEXT_STEP}")
    tables = manifest.get("tables")
    if not isinstance(tables, dict):
        raise DataError(f"{bad} ('tables' is not an object); {_NEXT_STEP}")
    for name, entry in tables.items():
        if not (TABLE_NAME.match(str(name)) and isinstance(entry, dict)
                and entry.get("file") == f"{name}.parquet"
                and isinstance(entry.get("sha256"), str) and _SHA_RE.match(entry["sha256"])
                and isinstance(entry.get("snapshots", []), list)):
            raise DataError(f"{bad} (entry {name!r} needs file {name}.parquet and a sha256); "
                            f"{_NEXT_STEP}")
    if not isinstance(manifest.get("synthetic"), bool):
        raise DataError(f"{path} lacks 'synthetic', so the origin of the data is unknown; "
                        f"{_NEXT_STEP}")
    if not isinstance(manifest.get("snapshots"), list) or not all(
            isinstance(s, str) for s in manifest["snapshots"]):
        raise DataError(f"{bad} ('snapshots' is not a list of ids); {_NEXT_STEP}")
    return manifest


def open_set(settings: Settings | None = None) -> ProcessedSet:
    """The current processed set, or :class:`DataError` saying how to build it."""
    settings = settings or get_settings()
    folder = current_dir(settings)
    if folder is None:
        legacy = settings.processed_dir / MANIFEST
        if legacy.exists():
            raise DataError(f"{legacy} was written by an older version (tables without "
                            f"hashes, replaced one file at a time); {_NEXT_STEP}")
        raise DataError(f"no processed data in {settings.processed_dir} (no {CURRENT}/"
                        f"{MANIFEST}); run `make process` (or `make demo` for synthetic demo "
                        "data)")
    path = folder / MANIFEST
    content = _read_file(path, f"{path} is missing, so the processed set cannot be checked "
                         "or its origin known")
    try:
        manifest = loads_json(content, str(path))
    except DataError as exc:
        raise DataError(f"{exc}; {_NEXT_STEP}") from None
    return ProcessedSet(folder, _check_manifest(manifest, path), settings)


def has_processed(data_dir: Path) -> bool:
    """True when ``data_dir/processed`` has a current set (cheap; nothing is verified)."""
    return (Path(data_dir) / "processed" / CURRENT / MANIFEST).exists()


def processed_path(name: str, settings: Settings | None = None) -> Path:
    """Where the current set keeps table ``name`` (``processed/current/<name>.parquet``
    when there is no set yet)."""
    settings = settings or get_settings()
    folder = current_dir(settings) or settings.processed_dir / CURRENT
    return folder / f"{name}.parquet"


def read_table(name: str, settings: Settings | None = None) -> pl.DataFrame:
    """Read one processed table of the current set.

    Parameters
    ----------
    name
        A table of :data:`benchmark.tables.TABLES`.
    settings
        The data folder (default :func:`benchmark.config.get_settings`).

    Returns
    -------
    polars.DataFrame
        The table, hash-checked and checked against its schema.

    Raises
    ------
    DataError
        Naming the table when it is missing, damaged or lacks a column.

    Examples
    --------
    >>> read_table("municipalities", settings).columns  # doctest: +SKIP
    ['municipality', 'name', 'type']
    """
    return open_set(settings).read(name)


def read_manifest(settings: Settings | None = None) -> dict[str, Any]:
    """The current set's manifest after the provenance check (``synthetic`` derived from
    the raw sidecars too); ``{}`` when there are no processed data yet."""
    settings = settings or get_settings()
    if current_dir(settings) is None and not (settings.processed_dir / MANIFEST).exists():
        return {}
    return open_set(settings).checked_manifest()

"""Raw snapshot store and processed parquet IO.

Processed tables (DESIGN.md §6) live in ``<data_dir>/processed/<name>.parquet`` with a
``manifest.json`` beside them that records which raw snapshots they came from and whether
any of them were synthetic (demo) data.
"""

from __future__ import annotations

import json
import os
import tempfile
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
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def processed_path(name: str, settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    return settings.processed_dir / f"{name}.parquet"


def read_table(name: str, settings: Settings | None = None) -> pl.DataFrame:
    """Read one processed table, or raise :class:`DataError` saying how to build it."""
    path = processed_path(name, settings)
    if not path.exists():
        raise DataError(
            f"processed table {path} is missing; run `make process` (or `make demo` for "
            "synthetic demo data)"
        )
    return pl.read_parquet(path)


def read_manifest(settings: Settings | None = None) -> dict[str, Any]:
    """The processed manifest (``synthetic`` flag, source snapshots); empty if absent."""
    settings = settings or get_settings()
    path = settings.processed_dir / "manifest.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))

"""Reusing loaded inputs and computed tables within one process (the batch of reports).

A batch worker renders one report after another from the same processed set; each report
asks for the municipality's comparison, its history, the screening and the profile, and
every one of them computes the statistics across all 290 municipalities. With
:func:`keep_results` on, :func:`~benchmark.comparison.inputs.load_inputs` returns the
already loaded :class:`~benchmark.comparison.inputs.Inputs` while the set is unchanged
(same folder, manifest hashes and file times and sizes), and
:func:`~benchmark.comparison.table.build_table` computes each (years, method, front) table
once for every municipality and filters it, so a worker computes them once instead of per
report. The rows are the same as without reuse (a table's cross-municipality estimates
always use every municipality; ``tests/test_reuse.py`` checks equality). Off by default:
a single command or report computes each table once anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from benchmark.tableset import ProcessedSet

__all__ = ["keep_results", "keeping", "kept", "set_key"]

_STATE: dict[str, Any] = {"on": False, "key": None, "value": None}


def keep_results(on: bool = True) -> None:
    """Turn reuse on (or off, which also forgets what was kept) for this process."""
    _STATE.update(on=bool(on), key=None, value=None)


def keeping() -> bool:
    """Whether :func:`keep_results` is on."""
    return bool(_STATE["on"])


def set_key(tables: ProcessedSet) -> Hashable:
    """What identifies the set's content: its folder, the tables' hashes and their files'
    modification times and sizes (a set rebuilt or changed in place gets another key)."""
    listed = sorted(tables.manifest.get("tables", {}).items())
    files = []
    for name, entry in listed:
        path = tables.table_path(name)
        try:
            st = path.stat()
            files.append((name, str(entry.get("sha256")), st.st_mtime_ns, st.st_size))
        except OSError:
            files.append((name, str(entry.get("sha256")), -1, -1))
    return (str(tables.path.resolve()), tuple(files))


def kept(key: Hashable, load: Callable[[], Any]) -> Any:
    """The value kept for ``key``, or ``load()`` (kept when reuse is on; one value only)."""
    if not _STATE["on"]:
        return load()
    if _STATE["key"] != key:
        _STATE.update(key=None, value=None)  # let the old value go before loading a new one
        _STATE.update(value=load(), key=key)
    return _STATE["value"]

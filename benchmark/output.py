"""Writing comparison and screening tables for the command line: table, CSV or JSON.

Every output says where its numbers come from and how they were computed: the
``data_origin`` and ``method`` columns travel in CSV, JSON carries a ``metadata`` block
(with the full method record), and the terminal table starts with a banner when the data
are synthetic demo data, so a demo figure can never pass for official statistics, and
ends with the method line.

Spreadsheet safety: in CSV, a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return gets a leading ``'`` (:func:`guard_formulas`), so Excel or LibreOffice
shows it as text instead of running it as a formula. Numbers are not touched.

Output paths (``--out``), checked by :func:`check_out_file` / :func:`check_out_folder`
*before any work starts*: an existing character device, FIFO or terminal (``/dev/null``,
``/dev/stdout``, a named pipe) is written to directly; any other existing path that is not
a regular file (a folder, a socket, a block device) is refused with exit code 2; a symlink
is resolved first, so the temporary-file-and-rename replaces the file it points to and the
link stays a link. A missing parent folder is created, but a parent that is a file, or a
folder without write permission, is refused up front.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from benchmark.errors import DataError, InputError
from benchmark.files import atomic_write_bytes, describe_os_error
from benchmark.origin import SYNTHETIC_ORIGIN, is_synthetic
from benchmark.texts import text

if TYPE_CHECKING:
    from benchmark.comparison import Method

#: Columns shown in the terminal table (the full table goes to CSV/JSON); ``robust`` follows
#: ``flag`` when the method computed it (not with ``Method.legacy()``).
TABLE_COLUMNS = (
    "municipality", "name", "year", "category", "observed", "expected", "rate_per_10k",
    "national_rate_per_10k", "ratio", "ratio_lower", "ratio_upper", "q_value", "flag",
    "persistent",
)

#: Columns of the terminal table of ``profile``.
PROFILE_TABLE_COLUMNS = (
    "kpi", "label", "group", "kind", "gender", "source_year", "value", "national_value",
    "lower", "upper", "percentile", "robust_z", "peer_median", "flag", "status",
)


def _metadata(table: pl.DataFrame, kind: str, method: Method | None) -> dict[str, object]:
    synthetic = is_synthetic(table)
    meta: dict[str, object] = {
        "kind": kind,
        "synthetic": synthetic,
        "warning": text("output.warning") if synthetic else None,
        "source": SYNTHETIC_ORIGIN if synthetic else text("output.source"),
        "measure": text("profile.measure" if kind == "profile" else "output.measure"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": table.height,
    }
    if method is not None:
        meta["method"] = method.record()
    return meta


#: First characters that make a spreadsheet treat a text cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formulas(table: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR with ``'``
    (OWASP's advice against CSV/formula injection); other columns are unchanged."""
    pattern = r"^[=+\-@\t\r]"  # the characters of FORMULA_START
    text = [c for c, t in table.schema.items() if t == pl.String]
    return table.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c)).alias(c) for c in text)


def render(table: pl.DataFrame, fmt: str, kind: str, method: Method | None = None) -> str:
    """The table as text: the terminal table, CSV or JSON.

    Parameters
    ----------
    table
        A comparison table.
    fmt
        ``table``, ``csv`` or ``json``.
    kind
        ``compare``, ``screen``, ``profile`` or ``demo`` (recorded in the JSON metadata;
        ``profile`` has its own terminal columns).
    method
        The :class:`~benchmark.comparison.Method` the table was computed with: its full
        record goes into the JSON metadata and its line under the terminal table.
        Deprecated column aliases of the Python API (``practice_effect``) are not written.

    Returns
    -------
    str
        The text; CSV cells that would start a formula are defused
        (:func:`guard_formulas`); synthetic data are labelled in every format.

    Examples
    --------
    >>> print(render(pl.DataFrame({"municipality": ["0180"], "name": ["=A1"]}), "csv", "screen"))
    municipality,name
    0180,'=A1
    <BLANKLINE>
    """
    from benchmark.comparison.table import DEPRECATED_COLUMNS

    table = table.drop([c for c in DEPRECATED_COLUMNS if c in table.columns])
    if fmt == "csv":
        return guard_formulas(table).write_csv()
    if fmt == "json":
        payload = {"metadata": _metadata(table, kind, method), "rows": table.to_dicts()}
        return json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n"
    cols = [c for c in (PROFILE_TABLE_COLUMNS if kind == "profile" else TABLE_COLUMNS)
            if c in table.columns]
    if "robust" in table.columns and table["robust"].null_count() < table.height:
        cols.insert(cols.index("flag") + 1 if "flag" in cols else len(cols), "robust")
    shown = table.select(cols).with_columns(pl.selectors.float().round(2)) if cols else table
    banner = ""
    if is_synthetic(table):
        banner = f"*** {text('output.warning')} ***\n"
    footer = f"method: {method.describe()}\n" if method is not None else ""
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True, fmt_str_lengths=40,
                   fmt_float="full" if kind == "profile" else "mixed"):
        return f"{banner}{shown}\n{footer}"


@dataclass(frozen=True)
class OutTarget:
    """A checked output path: ``path`` to write, ``direct`` for a device/FIFO/terminal
    (written in place), else replaced atomically (``path`` is the resolved file)."""

    given: Path
    path: Path
    direct: bool = False


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def _check_parent(path: Path, option: str) -> None:
    """The nearest existing ancestor of ``path`` must be a folder we may write in."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{option} {path}: {parent} is a file, not a folder; give a path in "
                         "an existing or new folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: no permission to write in {parent}; choose "
                         "another place")


def check_out_file(out: Path, option: str = "--out") -> OutTarget:
    """Check an output file path before any work starts (rules in the module docstring);
    :class:`InputError` (exit code 2) when it cannot be written."""
    given = Path(out)
    try:
        st = os.stat(given)  # follows symlinks: the kind of what would be written
    except FileNotFoundError:
        st = None  # missing, or a symlink to a missing file
    except NotADirectoryError:
        raise InputError(f"{option} {given}: a parent of it is a file, not a folder; give a "
                         "path in an existing or new folder") from None
    except OSError as exc:
        raise InputError(f"{option} {given} cannot be used ({describe_os_error(exc)})") from None
    if st is not None:
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            return OutTarget(given, given, direct=True)
        if not stat.S_ISREG(st.st_mode):
            hint = (f"; give a file name such as {given / 'table.csv'}"
                    if stat.S_ISDIR(st.st_mode) else "")
            raise InputError(f"{option} {given} is {_kind_of(st.st_mode)}; give a regular "
                             f"file (or a device, pipe or terminal to write to){hint}")
    target = Path(os.path.realpath(given))
    _check_parent(target, option)
    if st is not None and not os.access(target, os.W_OK):
        raise InputError(f"{option} {given}: no permission to write {target}")
    return OutTarget(given, target)


def check_out_folder(out: Path, option: str = "--out") -> Path:
    """Check an output folder before any work starts: an existing path must be a folder
    we may write in; a missing one must be creatable. Returns the path."""
    given = Path(out)
    try:
        st = os.stat(given)
    except FileNotFoundError:
        _check_parent(Path(os.path.realpath(given)) / "x", option)
        return given
    except NotADirectoryError:
        raise InputError(f"{option} {given}: a parent of it is a file, not a folder") from None
    except OSError as exc:
        raise InputError(f"{option} {given} cannot be used ({describe_os_error(exc)})") from None
    if not stat.S_ISDIR(st.st_mode):
        raise InputError(f"{option} {given} is a file, not a folder; reports are written into "
                         "a folder (e.g. --out reports)")
    if not os.access(given, os.W_OK | os.X_OK):
        raise InputError(f"{option} {given}: no permission to write in this folder")
    return given


def write_out(target: OutTarget, data: bytes) -> None:
    """Write ``data`` to a checked target (in place, or atomically); errors name the path."""
    if not target.direct:
        atomic_write_bytes(target.path, data)
        return
    try:
        fd = os.open(target.path, os.O_WRONLY)  # never creates or truncates a file
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise DataError(f"cannot write {target.given}: {describe_os_error(exc)}") from None


def write_table(table: pl.DataFrame, fmt: str, out: Path | OutTarget | None, *,
                kind: str, method: Method | None = None) -> None:
    """Write ``table`` to ``out`` (checked with :func:`check_out_file` unless it already
    is) or to stdout, in the chosen format."""
    text = render(table, fmt, kind, method)
    if out is None:
        sys.stdout.write(text)
        return
    target = out if isinstance(out, OutTarget) else check_out_file(Path(out))
    write_out(target, text.encode("utf-8"))
    print(f"{kind} table written: {target.given} ({table.height} rows)", file=sys.stderr)

"""Reading a case-system export (CSV or Excel) as text, where the user keeps it.

Nothing is copied: the file is read once into memory. Every cell is read as text so that
validation (:mod:`benchmark.register.validate`) sees exactly what the file holds (a
spreadsheet's date cell arrives as ``2024-03-05 00:00:00``, a number as ``1987``). Each
row carries ``_row``, its row number as a spreadsheet shows it (the header is row 1).

CSV: UTF-8 (with or without a byte-order mark), UTF-16 (what Excel's "Unicode text" export
writes: a byte-order mark, or NUL bytes between ASCII letters) or, failing that, Windows-1252
(what Excel on Windows writes for CSV); the separator is the most frequent of ``;``, ``,``
and tab in the header line. Excel (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) is read with
polars' calamine engine (fastexcel); a workbook with several sheets needs ``sheet``.
"""

from __future__ import annotations

import codecs
import contextlib
import io
from pathlib import Path

import polars as pl

from benchmark.errors import InputError
from benchmark.files import describe_os_error

__all__ = ["EXCEL_SUFFIXES", "ROW", "read_rows", "sheet_names"]

ROW = "_row"
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def read_rows(path: Path, sheet: str | None = None) -> pl.DataFrame:
    """The file's rows, every column as text, plus ``_row``.

    Raises
    ------
    InputError
        When the file is missing, unreadable, empty, of an unknown kind, or a workbook
        with several sheets and no ``sheet`` (or one it lacks).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + EXCEL_SUFFIXES:
        raise InputError(f"{path}: unknown file type {suffix or '(none)'!r}; give a CSV "
                         f"({', '.join(CSV_SUFFIXES)}) or Excel file "
                         f"({', '.join(EXCEL_SUFFIXES)}) in the format of templates/register/")
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise InputError(f"--file {path} {what}; give the path of the exported CSV or "
                         "Excel file")
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise InputError(f"--sheet {sheet!r} given, but {path.name} is a CSV file "
                             "without sheets; leave --sheet out")
        frame = _read_csv(path)
    else:
        frame = _read_excel(path, sheet)
    if frame.height == 0:
        raise InputError(f"{path} holds no decision rows; export at least one decision, one "
                         "row each, under a header row with the template's columns")
    return frame.with_row_index(ROW, offset=2)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {describe_os_error(exc)}") from None


def _decode(raw: bytes) -> str:
    """The text of a CSV export: UTF-16 by its byte-order mark or its NUL bytes, else UTF-8,
    else Windows-1252."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    if b"\x00" in raw[:200]:  # UTF-16 without a byte-order mark: ASCII letters with NULs
        return raw.decode("utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be",
                          errors="replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _read_csv(path: Path) -> pl.DataFrame:
    text = _decode(_read_bytes(path))
    if not text.strip():
        raise InputError(f"{path} is empty; export the decisions with a header row and one "
                         "row per decision (see templates/register/)")
    header = text.lstrip().splitlines()[0]
    separator = max((";", ",", "\t"), key=header.count)
    try:
        return pl.read_csv(io.BytesIO(text.encode("utf-8")), separator=separator,
                           infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path} cannot be read as CSV with separator {separator!r} "
                         f"({first}); save it as CSV with one header row") from None


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook."""
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # fastexcel raises its own error types
        raise InputError(f"{path} cannot be read as an Excel workbook ({exc}); save it as "
                         ".xlsx or export CSV") from None


def _decision_sheet(path: Path, names: list[str]) -> str:
    """The first sheet whose header row has the format's required columns (by name or
    alias), else the first sheet: the example a choice of sheet is asked with."""
    import fastexcel

    from benchmark.register.format import REQUIRED, column_key, column_names

    known = column_names()
    with contextlib.suppress(Exception):  # only an example: any failure keeps the first
        book = fastexcel.read_excel(str(path))
        for name in names:
            header = book.load_sheet_by_name(name, n_rows=0).available_columns()
            found = {known.get(column_key(c.name)) for c in header}
            if set(REQUIRED) <= found:
                return name
    return names[0]


def _read_excel(path: Path, sheet: str | None) -> pl.DataFrame:
    names = sheet_names(path)
    if not names:
        raise InputError(f"{path} has no sheets; export the decisions into one sheet")
    if sheet is None:
        if len(names) > 1:
            raise InputError(f"{path} has {len(names)} sheets ({', '.join(names)}); choose "
                             "the one with the decisions with --sheet, e.g. "
                             f"--sheet {_decision_sheet(path, names)!r}")
        sheet = names[0]
    elif sheet not in names:
        raise InputError(f"--sheet {sheet!r} is not in {path.name}; its sheets are: "
                         f"{', '.join(names)}")
    try:
        return pl.read_excel(path, sheet_name=sheet, engine="calamine",
                             infer_schema_length=0)
    except Exception as exc:  # an empty sheet or a damaged workbook
        text = str(exc).lower()
        if "empty" in text or "no rows" in text or "no data" in text:
            raise InputError(f"sheet {sheet!r} of {path} is empty; export the decisions "
                             "with a header row and one row per decision") from None
        raise InputError(f"sheet {sheet!r} of {path} cannot be read ({exc})") from None

"""The register import (benchmark.register) on small hand-made files: every bad input gives
exit code 2 and one line naming the row or column and what would be valid; the counting
rules, the privacy rules and the template."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchmark import cli
from benchmark.register import format as fm
from benchmark.register.aggregate import persons_on
from benchmark.register.privacy import looks_like_personnummer, personnummer_columns, suppress
from benchmark.register.tables import flow
from benchmark.register.template import (
    CSV_NAME,
    TEMPLATE_DIR,
    XLSX_NAME,
    example_frame,
    readme,
)
from benchmark.register.validate import read_register

HEADER = ("person", "fodelsear", "kon", "insats", "beslutsdatum", "beslut",
          "verkstalld_datum", "avslutad_datum")
GOOD = [
    ("A1", "1980", "K", "Daglig verksamhet", "2023-01-10", "Bifall", "2023-02-01", ""),
    ("A1", "1980", "K", "Bostad med särskild service för vuxna", "2023-03-01", "Bifall",
     "2023-09-01", "2024-05-31"),
    ("A2", "2012", "M", "Korttidsvistelse", "2023-04-01", "Avslag", "", ""),
    ("A2", "2012", "M", "LSS 9 § 6", "2024-01-15", "Delvis bifall", "2024-06-01", ""),
    ("A3", "1990", "M", "daglig_verksamhet", "2023-05-05", "Beviljat", "2023-05-20",
     "2023-09-30"),
]


def write(tmp_path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER,
          name: str = "beslut.csv", sep: str = ";") -> Path:
    path = tmp_path / name
    lines = [sep.join(header), *(sep.join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_register(path: Path, capsys: pytest.CaptureFixture[str], *extra: str
                 ) -> tuple[int, str, str]:
    rc = cli.main(["register", "--file", str(path), "--kommun", "2482", "--view", "flow",
                   "--date", "2025-01-01", *extra])
    out, err = capsys.readouterr()
    return rc, out, err


def bad(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    """The one error line of a bad input (exit 2, no traceback)."""
    rc, out, err = run_register(path, capsys, *extra)
    assert rc == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


# --- bad input: one test each --------------------------------------------------------------

def test_missing_required_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = tuple(h for h in HEADER if h != "beslut")
    rows = [tuple(v for h, v in zip(HEADER, r, strict=True) if h != "beslut") for r in GOOD]
    line = bad(write(tmp_path, rows, header), capsys)
    assert "missing column(s): beslut" in line and "required: person" in line
    line = bad(write(tmp_path, [r[:1] + r[2:] for r in GOOD], HEADER[:1] + HEADER[2:]), capsys)
    assert "fodelsear or alder" in line


def test_unknown_labels_all_listed_with_closest(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*GOOD, ("A4", "1970", "K", "Ledsagarserv.", "2023-01-01", "Bifall", "", ""),
            ("A5", "1970", "K", "Kontaktpers", "2023-01-01", "Bifall", "", ""),
            ("A6", "1970", "K", "Ledsagarserv.", "2023-02-01", "Bifall", "", "")]
    line = bad(write(tmp_path, rows), capsys)
    assert "'Ledsagarserv.' (2 rows, first row 7; closest: ledsagarservice)" in line
    assert "'Kontaktpers' (1 row, first row 8; closest: kontaktperson)" in line
    assert "--map" in line
    # mapped, the file reads; a mapping to something that is no insats is refused
    rc, _, err = run_register(write(tmp_path, rows), capsys, "--map",
                              "Ledsagarserv.=ledsagarservice; Kontaktpers=skip")
    assert rc == 0, err
    assert "1 row(s) left out: mapped to skip" in err
    line = bad(write(tmp_path, rows), capsys, "--map", "Ledsagarserv.=ledsagare")
    assert "'ledsagare' is not an insats id (closest: ledsagarservice)" in line


def test_unparsable_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*GOOD, ("A4", "1970", "K", "Kontaktperson", "2023-02-30", "Bifall", "", ""),
            ("A5", "1970", "K", "Kontaktperson", "5/3/2023", "Bifall", "", "")]
    line = bad(write(tmp_path, rows), capsys)
    assert "row 7, column 'beslutsdatum': '2023-02-30' is not a date (also row 8)" in line
    assert "YYYY-MM-DD" in line
    rows = [*GOOD, ("A4", "1970", "K", "Kontaktperson", "2023-02-01", "Bifall", "snart", "")]
    assert "row 7, column 'verkstalld_datum': 'snart'" in bad(write(tmp_path, rows), capsys)


def test_start_before_decision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*GOOD, ("A4", "1970", "K", "Kontaktperson", "2023-02-01", "Bifall", "2023-01-31",
                    "")]
    line = bad(write(tmp_path, rows), capsys)
    assert line == ("error: row 7: column 'verkstalld_datum' is before 'beslutsdatum'; an "
                    "insats starts on or after the day it is decided")


def test_end_before_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*GOOD, ("A4", "1970", "K", "Kontaktperson", "2023-02-01", "Bifall", "2023-03-01",
                    "2023-02-28")]
    line = bad(write(tmp_path, rows), capsys)
    assert "row 7: column 'avslutad_datum' is before 'verkstalld_datum'" in line


def test_refusal_with_start_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*GOOD, ("A4", "1970", "K", "Kontaktperson", "2023-02-01", "Avslag", "2023-03-01",
                    "")]
    assert "row 7: beslut is avslag but" in bad(write(tmp_path, rows), capsys)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("fodelsear", "1850", "row 3, column 'fodelsear': '1850' is out of range; give a year of "
                          "birth from 1900 to"),
    ("fodelsear", "2999", "'2999' is out of range"),
    ("fodelsear", "nittio", "'nittio' is out of range"),
    ("alder", "111", "row 3, column 'alder': '111' is out of range; give an age in whole "
                     "years on the decision date from 0 to 110"),
    ("alder", "-1", "'-1' is out of range"),
])
def test_age_or_birth_year_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        column: str, value: str, message: str) -> None:
    header = tuple(column if h == "fodelsear" else h for h in HEADER)
    rows = [tuple(value if (i == 1 and j == 1) else v for j, v in enumerate(r))
            for i, r in enumerate(GOOD)]
    if column == "alder":
        rows = [tuple("30" if (j == 1 and i != 1) else v for j, v in enumerate(r))
                for i, r in enumerate(rows)]
    assert message in bad(write(tmp_path, rows, header), capsys)


def test_one_person_two_birth_years(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    rows = [GOOD[0], ("A1", "1981", *GOOD[1][2:])]
    assert "rows 2 and 3: the same person has different years" in bad(write(tmp_path, rows),
                                                                       capsys)


def test_duplicate_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the same person, insats (two labels of it) and decision date
    rows = [*GOOD, ("A1", "1980", "K", "9 § 10", "2023-01-10", "Avslag", "", "")]
    line = bad(write(tmp_path, rows), capsys)
    assert line.startswith("error: rows 2 and 7 are duplicates: the same person, insats and "
                           "'beslutsdatum'")


def luhn(nine: str) -> str:
    """The nine digits with their check digit (written here, apart from the library)."""
    total = sum(sum(divmod(int(c) * (2 - i % 2), 10)) for i, c in enumerate(nine))
    return nine + str((10 - total % 10) % 10)


PNR = [luhn(n) for n in ("811218987", "900101001", "120612123", "501130412", "800102002")]


@pytest.mark.parametrize("values", [
    ["19" + v[:6] + "-" + v[6:] if v[0] != "1" else "20" + v[:6] + "-" + v[6:] for v in PNR],
    PNR,
    [v[:6] + "-" + v[6:] for v in PNR],
])
def test_personnummer_like_column(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  values: list[str]) -> None:
    assert all(looks_like_personnummer(v) for v in values)
    # in a column the import does not even read
    rows = [(*r, v) for r, v in zip(GOOD, values, strict=True)]
    line = bad(write(tmp_path, rows, (*HEADER, "pnr")), capsys)
    assert line.startswith("error: column 'pnr' looks like personnummer (5 of 5 values); "
                           "pseudonymise first")


def test_pseudonymous_numeric_keys_are_not_personnummer() -> None:
    rng = np.random.default_rng(1)
    keys = [str(k) for k in rng.integers(10**9, 10**10, 2000)]
    assert personnummer_columns(pl.DataFrame({"person": keys})) == []
    assert not looks_like_personnummer("8112189875")  # wrong check digit
    assert not looks_like_personnummer("8113189876")  # month 13
    assert looks_like_personnummer(luhn("811278987"))  # samordningsnummer (day 18 + 60)


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    assert "is empty" in bad(empty, capsys)
    assert "holds no decision rows" in bad(write(tmp_path, [], name="bara-rubrik.csv"), capsys)


def test_workbook_with_several_sheets(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    import xlsxwriter

    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name in ("Beslut", "Blad2"):
        sheet = book.add_worksheet(name)
        for j, h in enumerate(HEADER):
            sheet.write_string(0, j, h)
        for i, row in enumerate(GOOD, start=1):
            for j, v in enumerate(row):
                if v:
                    sheet.write_string(i, j, v)
    book.close()
    line = bad(path, capsys)
    assert "has 2 sheets (Beslut, Blad2); choose the one with the decisions with --sheet" in line
    assert "--sheet 'Nej' is not in export.xlsx; its sheets are: Beslut, Blad2" in bad(
        path, capsys, "--sheet", "Nej")
    rc, out, err = run_register(path, capsys, "--sheet", "Beslut")
    assert rc == 0, err
    assert "alla_insatser" in out
    # the example names the sheet that holds the decisions, not simply the first
    cover = tmp_path / "with-cover.xlsx"
    book = xlsxwriter.Workbook(str(cover))
    book.add_worksheet("Info").write_string(0, 0, "Export från verksamhetssystemet")
    sheet = book.add_worksheet("Beslut")
    for j, h in enumerate(HEADER):
        sheet.write_string(0, j, h)
    book.close()
    assert bad(cover, capsys).endswith("has 2 sheets (Info, Beslut); choose the one with the "
                                       "decisions with --sheet, e.g. --sheet 'Beslut'")


def test_csv_of_all_views_needs_a_view(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    rc = cli.main(["register", "--file", str(write(tmp_path, GOOD)), "--kommun", "2482",
                   "--format", "csv"])
    err = capsys.readouterr().err
    assert rc == 2 and "CSV holds one table" in err and "{view}" in err


# --- reading: encodings, separators, spreadsheets, column names -----------------------------

def test_column_names_case_and_accent_insensitive(tmp_path: Path) -> None:
    header = ("PERSON", "Födelseår", "Kön", "Insats", "Besluts-datum", "BESLUT",
              "Verkställd datum", "avslutad_datum")
    path = tmp_path / "cp1252.csv"
    text = "\n".join([",".join(header), *(",".join(r) for r in GOOD)]) + "\n"
    path.write_bytes(text.encode("cp1252"))  # Excel on Windows, comma separator
    reg = read_register(path)
    assert reg.rows == 5 and reg.decisions.height == 5
    assert reg.decisions["category"].to_list() == [
        "daglig_verksamhet", "boende", "korttidsvistelse", "korttidsvistelse",
        "daglig_verksamhet"]
    assert reg.decisions["outcome"].to_list() == [
        "bifall", "bifall", "avslag", "delvis_bifall", "bifall"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_export_reads_like_utf8(tmp_path: Path, encoding: str) -> None:
    """Excel's "Unicode text" export (UTF-16, tab-separated, with or without a byte-order
    mark) reads as the same decisions, not as a header of NUL-strewn names."""
    text = "\r\n".join(["\t".join(HEADER), *("\t".join(r) for r in GOOD)]) + "\r\n"
    path = tmp_path / "beslut.txt"
    path.write_bytes(text.encode(encoding))
    assert read_register(path).decisions.equals(read_register(write(tmp_path, GOOD)).decisions)


def test_spreadsheet_dates_and_numbers(tmp_path: Path) -> None:
    """Real date cells and numeric birth years of a workbook read like the CSV's text."""
    df = pl.DataFrame([dict(zip(HEADER, r, strict=True)) for r in GOOD]).with_columns(
        pl.col("fodelsear").cast(pl.Int32),
        *(pl.col(c).replace("", None).str.to_date() for c in
          ("beslutsdatum", "verkstalld_datum", "avslutad_datum")))
    df.write_excel(tmp_path / "x.xlsx", worksheet="Beslut")
    from_xlsx = read_register(tmp_path / "x.xlsx").decisions
    from_csv = read_register(write(tmp_path, GOOD)).decisions
    assert from_xlsx.equals(from_csv)


def test_age_column_gives_birth_year_from_the_decision_date(tmp_path: Path) -> None:
    header = tuple("alder" if h == "fodelsear" else h for h in HEADER)
    rows = [tuple("40" if j == 1 else v for j, v in enumerate(r)) for r in GOOD]
    reg = read_register(write(tmp_path, rows, header))
    assert reg.decisions["birth_year"].to_list() == [1983, 1983, 1983, 1984, 1983]


def test_person_keys_never_kept(tmp_path: Path) -> None:
    reg = read_register(write(tmp_path, GOOD))
    assert reg.decisions["person"].dtype == pl.UInt32
    assert "A1" not in repr(reg) and "A1" not in str(reg.decisions)


# --- counting rules --------------------------------------------------------------------------

def test_persons_on_a_date_follow_the_rule(tmp_path: Path) -> None:
    reg = read_register(write(tmp_path, GOOD))
    got = {(d, c): n for d, c, n in persons_on(reg, [date(2023, 9, 30), date(2023, 10, 1),
                                                     date(2024, 6, 1)]).iter_rows()}
    # A3's daglig verksamhet ends 2023-09-30: held that day, not the next
    assert got[(date(2023, 9, 30), "daglig_verksamhet")] == 2
    assert got[(date(2023, 10, 1), "daglig_verksamhet")] == 1
    assert got[(date(2023, 10, 1), "boende")] == 1  # started 2023-09-01
    assert got[(date(2024, 6, 1), "boende")] == 0  # ended 2024-05-31
    assert got[(date(2024, 6, 1), "korttidsvistelse")] == 1  # delvis bifall, started 06-01
    assert got[(date(2024, 6, 1), "totalt")] == 2
    assert got[(date(2024, 6, 1), "totalt_0_22")] == 1  # born 2012


def test_waiting_over_three_months(tmp_path: Path) -> None:
    rows = [
        ("B1", "1970", "K", "Kontaktperson", "2024-03-15", "Bifall", "2024-06-15", ""),
        ("B2", "1970", "K", "Kontaktperson", "2024-03-15", "Bifall", "2024-06-16", ""),
        ("B3", "1970", "K", "Kontaktperson", "2024-03-15", "Bifall", "", ""),
        ("B4", "1970", "K", "Kontaktperson", "2024-03-15", "Bifall", "", "2024-05-01"),
        ("B5", "1970", "K", "Kontaktperson", "2024-11-01", "Bifall", "", ""),
        ("B6", "1970", "K", "Kontaktperson", "2024-03-15", "Bifall", "", "2024-08-01"),
    ]
    table = flow(read_register(write(tmp_path, rows)), date(2025, 1, 10))
    row = table.filter((pl.col("year") == 2024) & (pl.col("category") == "kontaktperson")
                       ).row(0, named=True)
    # late: B2 (started the day after three months), B3 (still waiting), B6 (closed late);
    # on time: B1 (on the day), B4 (closed within); B5 is younger than three months
    assert row["waiting_over_3m"] == 3
    assert set(row["hidden"].split(",")) == {"started", "median_days", "still_waiting"}
    assert row["decisions"] == 6 and row["granted"] == 6 and row["refused"] == 0


# --- privacy ---------------------------------------------------------------------------------

def test_suppression_is_complemented_until_no_cell_can_be_derived() -> None:
    # two rows (insatser) × granted/refused, with decision totals and an "all" row
    values = {("a", "g"): 10, ("a", "r"): 1, ("a", "d"): 11, ("b", "g"): 7, ("b", "r"): 5,
              ("b", "d"): 12, ("all", "g"): 17, ("all", "r"): 6, ("all", "d"): 23}
    eqs = [((k, "d"), [(k, "g"), (k, "r")]) for k in ("a", "b", "all")]
    eqs += [(("all", m), [("a", m), ("b", m)]) for m in ("g", "r", "d")]
    hidden = suppress(values, values, eqs)
    assert ("a", "r") in hidden
    for total, parts in eqs:  # never exactly one hidden cell in an equation
        assert sum(c in hidden for c in (total, *parts)) != 1
    assert ("all", "d") not in hidden  # the published total stays


def test_flow_hides_small_cells_and_shares(tmp_path: Path) -> None:
    rows = [(f"C{i}", "1970", "K", "Kontaktperson", f"2024-0{1 + i % 9}-01",
             "Avslag" if i == 0 else "Bifall", "", "") for i in range(8)]
    table = flow(read_register(write(tmp_path, rows)), date(2024, 12, 31))
    row = table.filter((pl.col("year") == 2024) & (pl.col("category") == "kontaktperson")
                       ).row(0, named=True)
    assert row["refused"] is None and row["granted"] is None and row["share_refused"] is None
    assert set(row["hidden"].split(",")) >= {"refused", "granted", "share_refused"}
    assert row["decisions"] == 8


# --- the template ----------------------------------------------------------------------------

def test_template_files_match_the_format_and_import(tmp_path: Path) -> None:
    assert (TEMPLATE_DIR / "README.md").read_text(encoding="utf-8") == readme()
    csv = (TEMPLATE_DIR / CSV_NAME).read_bytes()
    assert csv == ("\ufeff" + example_frame().write_csv(separator=";")).encode("utf-8")
    for c in fm.COLUMNS:  # every column described in both languages
        assert c.sv in readme() and c.en in readme()
    a = read_register(TEMPLATE_DIR / CSV_NAME).decisions
    b = read_register(TEMPLATE_DIR / XLSX_NAME).decisions
    assert a.equals(b) and a.height == len(example_frame())
    assert a["birth_year"].to_list() == [1987, 1987, 2015, 2009]  # alder 9 in 2024


def test_json_output_marks_hidden_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    rc = cli.main(["register", "--file", str(write(tmp_path, GOOD)), "--kommun", "2482",
                   "--view", "flow", "--date", "2025-01-01", "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert rc == 0
    rows = [r for r in payload["flow"] if r["year"] == 2023 and r["category"] == "boende"]
    assert rows[0]["decisions"] == "–" and "decisions" in rows[0]["hidden"]


def test_file_and_date_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "does not exist; give the path of the exported" in bad(tmp_path / "saknas.csv",
                                                                  capsys)
    other = tmp_path / "beslut.pdf"
    other.write_bytes(b"%PDF")
    assert "unknown file type '.pdf'" in bad(other, capsys)
    rc = cli.main(["register", "--file", str(write(tmp_path, GOOD)), "--kommun", "2482",
                   "--date", "2999-01-01"])
    err = capsys.readouterr().err
    assert rc == 2 and "is in the future" in err and len(err.strip().splitlines()) == 1


def test_date_like_case_numbers_are_not_personnummer() -> None:
    """Case numbers built from a date and a running number pass Luhn one time in ten."""
    rng = np.random.default_rng(2)
    days = [f"2024{m:02d}{d:02d}" for m in range(1, 13) for d in range(1, 29)]
    values = [f"{days[i % len(days)]}{rng.integers(0, 10_000):04d}" for i in range(3000)]
    hits = sum(looks_like_personnummer(v) for v in values)
    assert 0.05 < hits / len(values) < 0.15  # about one in ten pass as single values
    assert personnummer_columns(pl.DataFrame({"arende": values})) == []

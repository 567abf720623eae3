"""The import template: ``templates/register/`` (CSV, XLSX and a README describing each
column in Swedish and English), written from :data:`benchmark.register.format.COLUMNS`.

Regenerate with ``python -m benchmark.register.template`` after changing the format; a test
checks that the committed files match.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from benchmark.register.format import COLUMNS, LABELS, REGISTER_CATEGORIES

__all__ = ["EXAMPLE_ROWS", "TEMPLATE_DIR", "example_frame", "readme", "write_templates"]

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "register"
CSV_NAME, XLSX_NAME = "beslut-mall.csv", "beslut-mall.xlsx"
#: Example decisions of the template (invented).
EXAMPLE_ROWS: tuple[tuple[str, ...], ...] = (
    ("P0001", "1987", "", "K", "Daglig verksamhet", "2024-03-05", "Bifall", "2024-04-02", ""),
    ("P0001", "1987", "", "K", "Bostad med särskild service för vuxna", "2024-05-20",
     "Delvis bifall", "2024-09-01", ""),
    ("P0002", "", "9", "M", "Korttidsvistelse", "2024-06-11", "Avslag", "", ""),
    ("P0003", "2009", "", "M", "Ledsagarservice", "2023-02-14", "Bifall", "2023-03-01",
     "2024-12-31"),
)


def example_frame() -> pl.DataFrame:
    """The template's header and example rows, all text."""
    names = [c.name for c in COLUMNS]
    return pl.DataFrame([dict(zip(names, row, strict=True)) for row in EXAMPLE_ROWS],
                        schema=dict.fromkeys(names, pl.String))


def readme() -> str:
    """The template's README: every column in Swedish and English, and the labels."""
    lines = [
        "# Mall för egna beslut / template for the municipality's own decisions",
        "",
        "En rad per beslut. Kolumnnamnen får ha stora eller små bokstäver och å/ä/ö eller "
        "inte. Personnummer får aldrig finnas i filen: en kolumn som ser ut som "
        "personnummer stoppar inläsningen. Filen läses där den ligger och kopieras aldrig; "
        "bara sammanräknade tal visas, och tal som bygger på 1–2 personer visas som –.",
        "",
        "One row per decision. Column names may be in any case, with or without å/ä/ö. "
        "Personal identity numbers must never be in the file: a column that looks like them "
        "stops the import. The file is read where it is and never copied; only aggregates "
        "are shown, and figures of 1–2 persons show as –.",
        "",
        "Use: `python -m benchmark register --file beslut.csv --kommun 2482` "
        "(`--sheet NAME` for a workbook with several sheets).",
        "",
        "| kolumn / column | beskrivning | description | exempel / example |",
        "|---|---|---|---|",
    ]
    for c in COLUMNS:
        lines.append(f"| `{c.name}` | {c.sv} | {c.en} | {c.example or '(tom / empty)'} |")
    lines += ["", "Kolumnerna person, fodelsear eller alder, insats, beslutsdatum, beslut, "
              "verkstalld_datum och avslutad_datum måste finnas (datumen får vara tomma); kon "
              "är frivillig. / Required: person, fodelsear or alder, insats, beslutsdatum, "
              "beslut, verkstalld_datum, avslutad_datum (the dates may be empty); kon is "
              "optional.", "", "## Insatser", "",
              "Katalogens id eller en av dessa benämningar (eller paragrafen, t.ex. 9 § 10). "
              "Okända benämningar listas med den närmaste kända; `--map 'ETIKETT=id'` säger "
              "vad en lokal benämning betyder (`=skip` hoppar över raderna). / The catalogue "
              "id or one of these labels (or the paragraph, e.g. 9 § 10); `--map` maps a "
              "local label.", ""]
    for cid in REGISTER_CATEGORIES:
        labels = sorted(k for k, v in LABELS.items() if v == cid)
        lines.append(f"- `{cid}`: {', '.join(labels)}")
    lines += ["", "Assistansersättning (SFB, Försäkringskassans beslut) och råd och stöd "
              "(9 § 1, regionens ansvar) känns igen men räknas inte. / Assistance allowance "
              "(SFB) and råd och stöd (9 § 1) are recognised but not counted.", ""]
    return "\n".join(lines)


def write_templates(folder: Path = TEMPLATE_DIR) -> list[Path]:
    """Write the CSV (UTF-8 with BOM, ``;``, as Excel opens it), the XLSX (one sheet,
    ``Beslut``, each header cell with its description as a comment) and the README."""
    folder.mkdir(parents=True, exist_ok=True)
    df = example_frame()
    csv = folder / CSV_NAME
    csv.write_bytes(("\ufeff" + df.write_csv(separator=";")).encode("utf-8"))
    xlsx = folder / XLSX_NAME
    import xlsxwriter

    book = xlsxwriter.Workbook(str(xlsx))
    book.set_properties({"title": "Mall för egna LSS-beslut", "created": None})
    sheet = book.add_worksheet("Beslut")
    bold = book.add_format({"bold": True})
    for j, col in enumerate(COLUMNS):
        sheet.write_string(0, j, col.name, bold)
        sheet.write_comment(0, j, f"{col.sv}\n\n{col.en}", {"x_scale": 3, "y_scale": 2})
        sheet.set_column(j, j, max(12, len(col.name) + 2))
    for i, row in enumerate(df.iter_rows(), start=1):
        for j, value in enumerate(row):
            if value:
                sheet.write_string(i, j, value)
    book.close()
    md = folder / "README.md"
    md.write_text(readme(), encoding="utf-8")
    return [csv, xlsx, md]


if __name__ == "__main__":
    for path in write_templates(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE_DIR):
        print(path)

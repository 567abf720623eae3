"""Digests of the suite's user-facing outputs on the demo country: the "behaviour unchanged"
check of ``tests/test_output_digest.py``.

The outputs are produced the way users get them: the command line in process (screening
CSV and JSON for every demo year, comparisons for several municipalities × peer groups ×
years as CSV, JSON and the terminal table) and the board report (its visible text and its
figures, sv and en). Each is normalised (JSON ``created`` time, the data folder, the
retrieval and processing dates of the report) and summarised in
``tests/fixtures/output_digests.json``:

* tables (CSV, JSON rows): a SHA-256 of the whole output, the column names, one short
  digest per column and one per row, so a difference is named by file, row (with its
  municipality, year and category) and column without storing the tables;
* short texts (report text, terminal tables, stderr): the normalised lines themselves;
* report figures: one digest per trace and per layout.

After an *intended* change of output, regenerate the fixture and review its diff::

    .venv/bin/python -m tests.output_digest        # builds demo data in a temporary folder

The fixture was first written from main at eeb0f96 (issue 11 part A), before part B
restructured views, plots, texts and the processed tables. Issue 12 changed the default
method (age-profile model, robust flags, pooled overdispersion, BH per front, …) and with it
the outputs: the fixture was then rewritten from the issue-12 branch *before* it was merged
with that restructure (this tool run on its code), and the merged code reproduces it.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import html as _html
import io
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).parent / "fixtures" / "output_digests.json"
FORMAT = 1

#: Municipalities compared: the demo focus (planted deviations), the CLI default, the one
#: whose 2021 LSS values are all missing, one with a suppressed 2024 cell.
MUNICIPALITIES = ("0180", "2482", "0138", "2104")
#: Years compared: newest; the missing year; the year three municipalities lack costs; first.
YEARS = (2024, 2021, 2016, 2015)
PEERS = ("kommungrupp", "lan", "0114,0115,0117,0120")
PEER_YEARS = (2024, 2020)


def cli_cases(years: Iterable[int]) -> list[tuple[str, list[str]]]:
    """(output name, argv without ``--data-dir``) of every command-line output checked."""
    years = list(years)
    cases: list[tuple[str, list[str]]] = []
    for y in years:
        for fmt in ("csv", "json"):
            cases.append((f"screen-{y}.{fmt}", ["screen", "--year", str(y), "--format", fmt]))
    cases.append((f"screen-{years[-1]}.table", ["screen", "--year", str(years[-1])]))
    for k in MUNICIPALITIES:
        for y in YEARS:
            cases.append((f"compare-{k}-{y}.csv",
                          ["compare", "--kommun", k, "--year", str(y), "--format", "csv"]))
        for peer in PEERS:
            for y in PEER_YEARS:
                cases.append((f"compare-{k}-{y}-{peer}.csv",
                              ["compare", "--kommun", k, "--year", str(y), "--format", "csv",
                               "--peer-group", peer]))
    for k in MUNICIPALITIES[:2]:
        for y in YEARS[:2]:
            cases.append((f"compare-{k}-{y}.json",
                          ["compare", "--kommun", k, "--year", str(y), "--format", "json"]))
            cases.append((f"compare-{k}-{y}-lan.json",
                          ["compare", "--kommun", k, "--year", str(y), "--format", "json",
                           "--peer-group", "lan"]))
    cases.append((f"compare-{MUNICIPALITIES[0]}-{YEARS[0]}.table",
                   ["compare", "--kommun", MUNICIPALITIES[0], "--year", str(YEARS[0])]))
    return cases


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``python -m benchmark *argv``, run in process."""
    from benchmark.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def cli_outputs(data_dir: Path, years: Iterable[int]) -> dict[str, dict[str, Any]]:
    """Name → summary of every command-line output on the processed data in ``data_dir``."""
    found: dict[str, dict[str, Any]] = {}
    for name, argv in cli_cases(years):
        code, out, err = run_cli([*argv, "--data-dir", str(data_dir)])
        out = re.sub(r'"created": "[^"]*"', '"created": ""', out).replace(str(data_dir),
                                                                           "<DATA>")
        err = err.replace(str(data_dir), "<DATA>")
        kind = name.rsplit(".", 1)[1]
        entry = {"exit": code, "stderr": err.splitlines()}
        if kind == "csv":
            entry.update(_table_summary(list(csv.reader(io.StringIO(out))), out))
        elif kind == "json":
            entry.update(_json_summary(out))
        else:  # terminal table: one row per line
            entry.update(_table_summary([["line"], *([x] for x in out.splitlines())], out))
        found[name] = entry
    return found


# --- the board report ------------------------------------------------------------------------

_PLOTLYJS = re.compile(r"<script[^>]*>\s*/\*\*\s*\n\s*\* plotly\.js.*?</script>", re.S)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_BLOCK = re.compile(r"</?(?:p|li|h[1-6]|tr|caption|figcaption|dt|dd|div|ul|ol|dl|table|"
                    r"thead|tbody|figure|section|header|footer|title)\b[^>]*>", re.I)
_MONTH = (r"(?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|"
          r"november|december|January|February|March|April|May|June|July|August|September|"
          r"October|November|December)")
#: Dates that depend on when the demo data were made (retrieval and processing).
_RUN_DATES = re.compile(rf"((?:hämtad|retrieved|bearbetades|processed on) )\d{{1,2}} {_MONTH} "
                        rf"\d{{4}}(?:–\d{{1,2}} {_MONTH} \d{{4}})?")


def report_lines(html_text: str) -> list[str]:
    """The visible text of a report, one line per block element, dates of the run blanked."""
    text = _PLOTLYJS.sub(" ", html_text)
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"</t[dh]>", " |", text, flags=re.I)  # table cells stay apart
    text = _BLOCK.sub("\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    lines = [re.sub(r"[ \t\r\n]+", " ", _html.unescape(x)).strip(" |") for x in text.split("\n")]
    return [_RUN_DATES.sub(r"\1<DATE>", x) for x in lines if x]


def report_figures(html_text: str) -> list[tuple[str, str]]:
    """(label, canonical JSON) of every trace and layout of the report's plotly figures."""
    text = _UUID.sub("UUID", _PLOTLYJS.sub(" ", html_text))
    decoder = json.JSONDecoder()
    parts: list[tuple[str, str]] = []
    for i, match in enumerate(re.finditer(r"Plotly\.newPlot\(\s*", text)):
        pos = match.end()
        values = []
        for _ in range(3):  # div id, data, layout
            value, pos = decoder.raw_decode(text, pos)
            values.append(value)
            pos = re.compile(r"\s*,\s*").match(text, pos).end()  # type: ignore[union-attr]
        div, data, layout = values
        for j, trace in enumerate(data):
            parts.append((f"figure {i} ({div}) trace {j}", _canonical(trace)))
        parts.append((f"figure {i} ({div}) layout", _canonical(layout)))
    return parts


def report_outputs(reports: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Name → summary of the report's visible text and figures for each language."""
    found: dict[str, dict[str, Any]] = {}
    for lang, path in sorted(reports.items()):
        text = Path(path).read_text(encoding="utf-8")
        found[f"report-{lang}.text"] = _lines_summary(report_lines(text))
        figures = report_figures(text)
        found[f"report-{lang}.figures"] = _table_summary(
            [["part", "json"], *([label, js] for label, js in figures)],
            "\n".join(js for _, js in figures))
    return found


# --- summaries ----------------------------------------------------------------------------

def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: Bytes per row/column digest: they only locate a difference (the SHA-256 of the whole output
#: detects it), so a 1 in 16.7 million chance of missing one changed row is acceptable.
_SHORT = 3


def _short(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=_SHORT).digest()


def _pack(digests: Iterable[bytes]) -> str:
    return base64.b64encode(b"".join(digests)).decode("ascii")


def _unpack(packed: str) -> list[bytes]:
    raw = base64.b64decode(packed)
    return [raw[i:i + _SHORT] for i in range(0, len(raw), _SHORT)]


def _table_summary(rows: list[list[str]], raw: str) -> dict[str, Any]:
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    keys = [c for c in ("municipality", "year", "category", "part") if c in header]
    return {
        "sha256": _sha(raw),
        "columns": header,
        "column_digests": _pack(_short("\x1f".join(r[j] if j < len(r) else "" for r in body))
                                for j in range(len(header))),
        "rows": len(body),
        "row_digests": _pack(_short("\x1f".join(r)) for r in body),
        "row_keys": keys,
        # kept for naming rows in a failure message (not compared)
        "_body": body,
    }


def _json_summary(raw: str) -> dict[str, Any]:
    data = json.loads(raw, parse_float=str, parse_int=str)
    rows = data.pop("rows", []) if isinstance(data, dict) else []
    header = list(rows[0]) if rows else []
    table = [header, *([_canonical(r.get(c)) for c in header] for r in rows)]
    summary = _table_summary(table, raw)
    summary["metadata"] = _canonical(data)
    return summary


def _lines_summary(lines: list[str]) -> dict[str, Any]:
    return {"sha256": _sha("\n".join(lines)), "lines": lines}


def public(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the fixture stores: the summaries without their private (``_``) fields, each
    distinct list of column names once (``column_sets``), referred to by number."""
    sets: list[list[str]] = []
    outputs: dict[str, dict[str, Any]] = {}
    for name, summary in sorted(summaries.items()):
        entry = {k: v for k, v in summary.items() if not k.startswith("_")}
        if "columns" in entry:
            if entry["columns"] not in sets:
                sets.append(entry["columns"])
            entry["columns"] = sets.index(entry["columns"])
        outputs[name] = entry
    return {"format": FORMAT, "column_sets": [",".join(c) for c in sets], "outputs": outputs}


def stored_outputs(stored: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fixture's summaries with their column names filled in again."""
    sets = [s.split(",") if s else [] for s in stored.get("column_sets", [])]
    return {name: {**e, "columns": sets[e["columns"]]} if "columns" in e else e
            for name, e in stored["outputs"].items()}


# --- comparison ---------------------------------------------------------------------------

def _row_key(summary: dict[str, Any], i: int) -> str:
    body, header = summary.get("_body") or [], summary.get("columns") or []
    if i >= len(body):
        return ""
    parts = [f"{k}={body[i][header.index(k)]}" for k in summary.get("row_keys", [])
             if header.index(k) < len(body[i])]
    return f" ({', '.join(parts)})" if parts else ""


def describe(name: str, want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """What differs between the stored summary ``want`` and the new one ``got`` of one
    output, first difference first; empty when they are the same."""
    out: list[str] = []
    if want.get("exit") != got.get("exit"):
        out.append(f"{name}: exit code {got.get('exit')} (was {want.get('exit')})")
    for field in ("stderr", "lines"):
        a, b = want.get(field), got.get(field) or []
        if a is not None and a != b:
            i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                     min(len(a), len(b)))
            out.append(f"{name}: {field} line {i + 1} differs:\n"
                       f"    was: {a[i] if i < len(a) else '<no line>'}\n"
                       f"    now: {b[i] if i < len(b) else '<no line>'}")
    if "columns" in want:
        if want["columns"] != got.get("columns"):
            gone = [c for c in want["columns"] if c not in got.get("columns", [])]
            new = [c for c in got.get("columns", []) if c not in want["columns"]]
            out.append(f"{name}: columns differ (missing {gone}, new {new}, or reordered)")
        elif want["rows"] != got["rows"]:
            out.append(f"{name}: {got['rows']} rows (was {want['rows']})")
        else:
            cols = [c for c, a, b in zip(want["columns"], _unpack(want["column_digests"]),
                                         _unpack(got["column_digests"]), strict=True) if a != b]
            a, b = _unpack(want["row_digests"]), _unpack(got["row_digests"])
            rows = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
            if rows or cols:
                first = rows[0] if rows else 0
                out.append(f"{name}: first differing row {first + 1}{_row_key(got, first)}; "
                           f"column(s) that differ: {', '.join(cols) or '?'} "
                           f"({len(rows)} row(s) differ)")
        if want.get("metadata") != got.get("metadata"):
            out.append(f"{name}: JSON metadata differs:\n    was: {want.get('metadata')}\n"
                       f"    now: {got.get('metadata')}")
    if not out and want.get("sha256") != got.get("sha256"):
        out.append(f"{name}: the output's bytes differ (same cells: quoting, number text or "
                   f"line endings)")
    return out


def differences(stored: dict[str, Any], summaries: dict[str, dict[str, Any]]) -> list[str]:
    """Every difference between the fixture ``stored`` and freshly made ``summaries``."""
    want = stored_outputs(stored)
    out: list[str] = []
    for name in sorted(set(want) | set(summaries)):
        if name not in summaries:
            out.append(f"{name}: no longer produced")
        elif name not in want:
            out.append(f"{name}: new output, not in the fixture")
        else:
            out += describe(name, want[name], summaries[name])
    return out


def make_all(data_dir: Path, years: Iterable[int], reports: dict[str, Path]
             ) -> dict[str, dict[str, Any]]:
    """Every summary (command line and report) on the demo data in ``data_dir``."""
    return {**cli_outputs(data_dir, years), **report_outputs(reports)}


def dump(payload: dict[str, Any]) -> str:
    """The fixture as JSON text: one line per output, except texts (one line per line), so
    a regenerated fixture's diff shows which outputs changed and how a text changed."""
    head = {k: v for k, v in payload.items() if k != "outputs"}
    parts = []
    for name, entry in payload["outputs"].items():
        lines = entry.get("lines")
        rest = _canonical({k: v for k, v in entry.items() if k != "lines"})
        if lines is None:
            parts.append(f"  {json.dumps(name)}: {rest}")
        else:
            body = ",\n".join("    " + json.dumps(x, ensure_ascii=False) for x in lines)
            parts.append(f"  {json.dumps(name)}: {rest[:-1]},\"lines\": [\n{body}\n  ]}}")
    return (_canonical(head)[:-1] + ',"outputs": {\n' + ",\n".join(parts) + "\n}}\n")


def main() -> int:
    """Write the fixture from the current code (builds demo data in a temporary folder)."""
    import tempfile

    from benchmark.demo import DEMO_FOCUS, DEMO_YEARS, prepare_demo_data
    from benchmark.report import build_report

    with tempfile.TemporaryDirectory() as tmp:
        settings = prepare_demo_data(Path(tmp) / "data")
        reports = {lang: build_report(DEMO_FOCUS, DEMO_YEARS[-1], lang=lang,
                                      out_dir=Path(tmp) / "reports", settings=settings)
                   for lang in ("sv", "en")}
        summaries = make_all(settings.data_dir, DEMO_YEARS, reports)
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(dump(public(summaries)), encoding="utf-8")
    print(f"wrote {FIXTURE} ({len(summaries)} outputs, {FIXTURE.stat().st_size:,} bytes)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

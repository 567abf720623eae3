"""Behaviour unchanged: the command-line outputs and the board report on the demo country
match the committed digests (``tests/fixtures/output_digests.json``, see
``tests/output_digest.py`` for what is covered and how to regenerate it after an intended
change)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from benchmark.config import Settings
from benchmark.demo import DEMO_YEARS
from tests import output_digest
from tests.report_fixture import demo_reports  # noqa: F401


@pytest.fixture(scope="module")
def summaries(demo_data: Settings, demo_reports: dict[str, Any]  # noqa: F811
              ) -> dict[str, dict[str, Any]]:
    reports = {lang: demo_reports[lang] for lang in ("sv", "en")}
    return output_digest.make_all(demo_data.data_dir, DEMO_YEARS, reports)


def test_outputs_match_the_committed_digests(summaries: dict[str, dict[str, Any]]) -> None:
    stored = json.loads(output_digest.FIXTURE.read_text(encoding="utf-8"))
    assert stored["format"] == output_digest.FORMAT
    found = output_digest.differences(stored, summaries)
    assert not found, (
        f"{len(found)} difference(s) from {output_digest.FIXTURE.name}; first:\n  "
        + "\n  ".join(found[:8])
        + "\nIf the change is intended, regenerate: .venv/bin/python -m tests.output_digest")


def test_the_digests_cover_every_demo_year_and_the_report(
        summaries: dict[str, dict[str, Any]]) -> None:
    for year in DEMO_YEARS:
        for fmt in ("csv", "json"):
            entry = summaries[f"screen-{year}.{fmt}"]
            assert entry["exit"] == 0 and entry["rows"] == 2900, (year, fmt)
    compares = [n for n in summaries if n.startswith("compare-") and n.endswith(".csv")]
    assert len(compares) >= 30
    assert all(summaries[n]["exit"] == 0 and summaries[n]["rows"] == 10 for n in compares)
    for lang in ("sv", "en"):
        assert len(summaries[f"report-{lang}.text"]["lines"]) > 100
        assert summaries[f"report-{lang}.figures"]["rows"] > 20


def test_a_changed_cell_is_named_by_file_row_and_column(
        summaries: dict[str, dict[str, Any]]) -> None:
    stored = output_digest.public(summaries)
    name = "compare-0180-2024.csv"
    body = [list(r) for r in summaries[name]["_body"]]
    header = summaries[name]["columns"]
    body[5][header.index("ratio")] = "9.99"
    raw = "\n".join(",".join(r) for r in [header, *body])
    changed = dict(summaries)
    changed[name] = {**summaries[name], **output_digest._table_summary([header, *body], raw)}
    found = output_digest.differences(stored, changed)
    assert found == [f"{name}: first differing row 6 (municipality=0180, year=2024, "
                     f"category={body[5][header.index('category')]}); column(s) that differ: "
                     "ratio (1 row(s) differ)"]
    text = dict(summaries)
    lines = list(summaries["report-en.text"]["lines"])
    lines[3] = lines[3] + " (changed)"
    text["report-en.text"] = {**summaries["report-en.text"],
                              **output_digest._lines_summary(lines)}
    found = output_digest.differences(stored, text)
    assert len(found) == 1 and found[0].startswith("report-en.text: lines line 4 differs")

"""Notebooks: each runs top to bottom on demo data; ipynb/py pairs are in sync and clean."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import pytest

from benchmark import report
from tests.report_fixture import demo_reports  # noqa: F401  (fixture)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["01-utforska", "02-styrelserapport", "03-nationell-screening", "04-metod",
         "05-egna-beslut"]


def test_all_notebooks_are_present_as_pairs() -> None:
    for name in NAMES:
        assert (NOTEBOOKS / f"{name}.py").exists(), name
        assert (NOTEBOOKS / f"{name}.ipynb").exists(), name
    scripts = {p.stem for p in NOTEBOOKS.glob("*.py")}
    notebooks = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert scripts == notebooks


def _cells(nb: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ())))
            for c in nb.cells]


@pytest.mark.parametrize("name", NAMES)
def test_pair_in_sync_and_without_outputs(name: str) -> None:
    ipynb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    script = jupytext.read(NOTEBOOKS / f"{name}.py")
    assert _cells(jupytext.read(NOTEBOOKS / f"{name}.ipynb")) == _cells(script), (
        f"{name}.ipynb and {name}.py differ; run `jupytext --sync notebooks/{name}.py`")
    for cell in ipynb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}.ipynb carries outputs; clear them"
            assert cell.execution_count is None, f"{name}.ipynb carries execution counts"
    params = [c for c in ipynb.cells if "parameters" in c.metadata.get("tags", ())]
    assert len(params) == 1, f"{name} needs exactly one cell tagged 'parameters'"
    assert ipynb.metadata.kernelspec.name == "python3"


def test_sync_check_detects_drift(tmp_path: Path) -> None:
    script = jupytext.read(NOTEBOOKS / "04-metod.py")
    script.cells[0].source += "\nEn rad till."
    nbformat.write(script, tmp_path / "x.ipynb")
    original = jupytext.read(NOTEBOOKS / "04-metod.ipynb")
    assert _cells(jupytext.read(tmp_path / "x.ipynb")) != _cells(original)


def test_notebooks_hold_no_statistics() -> None:
    banned = ("import numpy", "import scipy", "from scipy", "from benchmark.stats",
              "from benchmark import stats", "stats.")
    for name in NAMES:
        text = (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")
        code = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        for word in banned:
            assert word not in code, f"{name}: {word!r} (statistics belong in benchmark/)"


@pytest.mark.notebook
@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes_on_demo_data(name: str, demo_reports: dict[str, Any],  # noqa: F811
                                        tmp_path: Path) -> None:
    settings = demo_reports["settings"]
    params: dict[str, Any] = {"data_dir": str(settings.data_dir.resolve())}
    code, year = demo_reports["municipality"], demo_reports["year"]
    if name in ("01-utforska", "02-styrelserapport", "03-nationell-screening"):
        params["municipality"] = code
    if name not in ("01-utforska", "05-egna-beslut"):
        params["year"] = year
    if name == "05-egna-beslut":  # the demo register, written where make demo writes it,
        # in a copy of the session's demo data (other tests check nothing else is there)
        from benchmark.comparison import load_inputs
        from benchmark.config import get_settings
        from benchmark.demo.register import write_register

        shutil.copytree(settings.data_dir, tmp_path / "data", symlinks=True)
        settings = get_settings(data_dir=tmp_path / "data")
        write_register(load_inputs(settings), settings.data_dir)
        params["data_dir"] = str(settings.data_dir.resolve())
    nb = report.execute_notebook(NOTEBOOKS / f"{name}.ipynb", params, cwd=tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs, f"{name} produced no output"
    # widget outputs (01's explorer) live in the saved widget state
    text = str(outputs) + str(nb.metadata.get("widgets", ""))
    assert "Syntetiska demodata" in text  # demo data are labelled in every notebook
    if name == "05-egna-beslut":
        assert "Stämmer registret med den officiella statistiken?" in text
        assert "I alla" in text and "jämförelser är antalen lika" in text
        assert not re.search(r"DB-\d{5}", text)  # no pseudonymous key in any output
    if name == "01-utforska":
        assert "application/vnd.plotly.v1+json" in text  # the explorer drew its figures
        assert "kategorier ligger tydligt över riket" in text

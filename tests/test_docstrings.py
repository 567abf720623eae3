"""The examples in the public docstrings run and give what they show (doctest)."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

MODULES = [
    "benchmark.catalog", "benchmark.origin", "benchmark.stats",
    "benchmark.stats.validation", "benchmark.stats.intervals",
    "benchmark.stats.standardisation", "benchmark.stats.funnel", "benchmark.stats.testing",
    "benchmark.stats.shrinkage", "benchmark.comparison", "benchmark.comparison.method",
    "benchmark.comparison.inputs", "benchmark.comparison.bands", "benchmark.comparison.api",
    "benchmark.comparison.profile", "benchmark.comparison.dispersion",
    "benchmark.comparison.peers",
    "benchmark.tables", "benchmark.texts", "benchmark.fmt", "benchmark.plots.base",
    "benchmark.plots.table", "benchmark.plots.peers", "benchmark.plots.funnel",
    "benchmark.views.sections", "benchmark.views.screening", "benchmark.views.findings",
    "benchmark.views.methods", "benchmark.output",
    "benchmark.config", "benchmark.register.format", "benchmark.register.privacy",
    "benchmark.register.validate",
]

#: The functions a user calls (README "From Python", the notebooks, make): numpydoc with
#: Parameters (where they take any), Returns and an example.
ENTRY_POINTS = [
    "benchmark.comparison.screen", "benchmark.comparison.compare",
    "benchmark.comparison.history", "benchmark.comparison.load_inputs",
    "benchmark.comparison.build_table", "benchmark.fetch.fetch", "benchmark.process.process",
    "benchmark.report.build_report", "benchmark.config.get_settings",
    "benchmark.tableset.read_table", "benchmark.tablewriter.write_tables",
    "benchmark.tables.check_table", "benchmark.texts.text", "benchmark.texts.catalogue",
    "benchmark.output.render", "benchmark.demo.generate_dataset",
    "benchmark.demo.prepare_demo_data", "benchmark.demo.run_demo",
    "benchmark.explorer.explorer", "benchmark.explorer.screening_tool",
    "benchmark.plots.forest_chart", "benchmark.plots.funnel_chart",
    "benchmark.plots.trend_chart", "benchmark.plots.decomposition_chart",
    "benchmark.plots.data_table", "benchmark.views.load_report_data",
    "benchmark.views.notebook_settings", "benchmark.views.summary",
    "benchmark.views.cost_section", "benchmark.views.municipality_table",
    "benchmark.views.screening_summary", "benchmark.views.sources", "benchmark.views.meaning",
    "benchmark.fmt.number", "benchmark.catalog.get_category",
    "benchmark.catalog.normalise_municipality_code", "benchmark.catalog.with_age_bands",
    "benchmark.catalog.parse_age_band", "benchmark.catalog.check_year",
]


@pytest.mark.parametrize("path", ENTRY_POINTS)
def test_entry_points_have_numpydoc_sections(path: str) -> None:
    module, name = path.rsplit(".", 1)
    func = getattr(importlib.import_module(module), name)
    doc = inspect.getdoc(func) or ""
    takes = [p for p in inspect.signature(func).parameters if p not in ("self",)]
    wanted = (["Parameters"] if takes else []) + ["Returns", "Examples"]
    missing = [s for s in wanted if f"{s}\n{'-' * len(s)}" not in doc]
    assert not missing, f"{path}: docstring lacks {missing}"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_every_listed_module_has_examples() -> None:
    finder = doctest.DocTestFinder()
    for name in MODULES:
        tests = [t for t in finder.find(importlib.import_module(name)) if t.examples]
        assert tests, f"{name} has no docstring example"

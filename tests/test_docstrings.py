"""The examples in the public docstrings run and give what they show (doctest)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "benchmark.catalog", "benchmark.origin", "benchmark.stats",
    "benchmark.stats.validation", "benchmark.stats.intervals",
    "benchmark.stats.standardisation", "benchmark.stats.funnel", "benchmark.stats.testing",
    "benchmark.stats.shrinkage", "benchmark.comparison", "benchmark.comparison.method",
    "benchmark.comparison.inputs", "benchmark.comparison.bands", "benchmark.comparison.api",
    "benchmark.register.format", "benchmark.register.privacy", "benchmark.register.validate",
]


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

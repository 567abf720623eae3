"""benchmark.origin: one label and one rule for synthetic demo data, used by every output."""

from __future__ import annotations

import polars as pl

from benchmark import output, plots
from benchmark.origin import REAL_ORIGIN, SYNTHETIC_ORIGIN, is_synthetic, origin_label


def test_labels() -> None:
    assert origin_label(True) == SYNTHETIC_ORIGIN == "syntetiska demodata"
    assert origin_label(False) == REAL_ORIGIN == "Kolada (RKA) och SCB"


def test_one_rule_everywhere() -> None:
    real = pl.DataFrame({"data_origin": [REAL_ORIGIN, REAL_ORIGIN]})
    mixed = pl.DataFrame({"data_origin": [REAL_ORIGIN, "Syntetiska Demodata"]})
    for table, expected in ((real, False), (mixed, True), (pl.DataFrame({"x": [1]}), False),
                            (pl.DataFrame({"data_origin": []}, schema={"data_origin": pl.String}),
                             False)):
        assert is_synthetic(table) is expected
    # the CLI output and the charts ask the same function
    assert output.is_synthetic is is_synthetic and plots.is_synthetic is is_synthetic
    text = output.render(mixed, "table", "screen")
    assert text.startswith("*** SYNTETISKA DEMODATA")

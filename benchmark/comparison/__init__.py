"""The comparison core: one municipality, or all, against Riket and peers, per LSS insats.

Modules, in the order the table is built (the method, with its assumptions, is explained in
``notebooks/04-metod``):

* :mod:`~benchmark.comparison.method`: :class:`Method`, every setting in one frozen object;
* :mod:`~benchmark.comparison.inputs`: :func:`load_inputs` reads the processed tables once;
  :class:`Inputs` checks kommunkod and year against them;
* :mod:`~benchmark.comparison.profile`: the national age × sex shape inside the bands;
* :mod:`~benchmark.comparison.bands`: the engine of E (reference bands under the band or
  profile model and their alternatives, weighted band populations, pooled reference
  counts);
* :mod:`~benchmark.comparison.expected`: :func:`expected_counts`, E per municipality × year
  × category from (inputs, method), with the reference (Riket or the rest of Sweden);
* :mod:`~benchmark.comparison.grid`: the grid of rows with O and E, ``flag_reason`` and
  the decomposition;
* :mod:`~benchmark.comparison.dispersion`: φ/τ² pooled over a window of years, the
  random-effects shrinkage;
* :mod:`~benchmark.comparison.estimates`: intervals, flags, q-values, shrinkage;
* :mod:`~benchmark.comparison.robustness`: the flag under the alternatives (``robust``);
* :mod:`~benchmark.comparison.need`: the need-adjusted expectation E* from need
  indicators, O/E* with its flag and the three-way split (age, need, other);
  :func:`need_fits` the fitted β per insats, :func:`indicator_table` a municipality's
  indicators against Riket;
* :mod:`~benchmark.comparison.table`: the steps in order (:func:`build_table`),
  persistence, costs, the column set;
* :mod:`~benchmark.comparison.peers`: peer groups and the peer columns;
* :mod:`~benchmark.comparison.api`: the fronts :func:`screen`, :func:`compare`,
  :func:`history`.

Examples
--------
>>> from benchmark.comparison import Method, compare, load_inputs  # doctest: +SKIP
>>> inputs = load_inputs()  # doctest: +SKIP
>>> compare("2482", 2024, inputs=inputs, method=Method(confidence=0.9))  # doctest: +SKIP
"""

from __future__ import annotations

from benchmark.comparison.api import compare, history, screen
from benchmark.comparison.bands import ReferenceBands, reference_bands
from benchmark.comparison.expected import expected_counts
from benchmark.comparison.inputs import Inputs, available_years, latest_year, load_inputs
from benchmark.comparison.method import Method
from benchmark.comparison.need import indicator_table, need_fits
from benchmark.comparison.peers import PeerGroup, resolve_peer_group
from benchmark.comparison.table import COLUMNS, EXTRA_COLUMNS, build_table

__all__ = [
    "COLUMNS",
    "EXTRA_COLUMNS",
    "Inputs",
    "Method",
    "PeerGroup",
    "ReferenceBands",
    "available_years",
    "build_table",
    "compare",
    "expected_counts",
    "history",
    "indicator_table",
    "latest_year",
    "load_inputs",
    "need_fits",
    "reference_bands",
    "resolve_peer_group",
    "screen",
]

"""The comparison core: one municipality, or all, against Riket and peers, per LSS insats.

Modules, in the order the table is built (the method, with its assumptions, is explained in
``notebooks/04-metod``):

* :mod:`~benchmark.comparison.method`: :class:`Method`, every setting in one frozen object;
* :mod:`~benchmark.comparison.inputs`: :func:`load_inputs` reads the processed tables once;
  :class:`Inputs` checks kommunkod and year against them;
* :mod:`~benchmark.comparison.bands`: expected counts (reference bands, band populations,
  pooled reference counts, E);
* :mod:`~benchmark.comparison.grid`: the grid of rows with O and E, and ``flag_reason``;
* :mod:`~benchmark.comparison.estimates`: intervals, overdispersion, flags, q-values,
  shrinkage, the pooled test;
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
from benchmark.comparison.inputs import Inputs, available_years, latest_year, load_inputs
from benchmark.comparison.method import Method
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
    "history",
    "latest_year",
    "load_inputs",
    "reference_bands",
    "resolve_peer_group",
    "screen",
]

"""The fronts of the comparison core: :func:`screen`, :func:`compare` and :func:`history`.

Each validates its arguments (method settings before any data are read, then the
municipality and the year against the data), builds the table with
:func:`~benchmark.comparison.table.build_table` and, for one municipality, adds the peer
comparison. The method is a :class:`~benchmark.comparison.method.Method`; the keyword
arguments ``confidence``, ``strong_confidence``, ``age_bands`` and ``age_model``
override single settings of it. Pass ``inputs``
(:func:`~benchmark.comparison.inputs.load_inputs`) to reuse loaded tables across calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from benchmark.comparison.inputs import Inputs, load_inputs
from benchmark.comparison.method import Method, resolve_method
from benchmark.comparison.peers import peers, resolve_peer_group
from benchmark.comparison.table import build_table
from benchmark.config import Settings
from benchmark.errors import InputError

__all__ = ["compare", "history", "screen"]

Bands = Mapping[str, tuple[int, int | None]]


def screen(year: int | None = None, *, method: Method | None = None,
           settings: Settings | None = None,
           inputs: Inputs | None = None, confidence: float | None = None,
           strong_confidence: float | None = None, age_bands: Bands | None = None,
           age_model: str | None = None) -> pl.DataFrame:
    """The comparison table for every municipality and category in ``year``.

    Peer columns are null (peer groups are chosen per municipality in :func:`compare`).
    Sort by ``ratio_shrunk`` to rank without rewarding small-number noise.

    Parameters
    ----------
    year
        A year in the data; None: the newest year with data
        (:meth:`~benchmark.comparison.inputs.Inputs.newest_year`).
    method
        The method settings (default ``Method()``).
    settings
        Where the data are (ignored when ``inputs`` is given).
    inputs
        Tables already loaded with :func:`~benchmark.comparison.inputs.load_inputs`.
    confidence, strong_confidence, age_bands, age_model
        Override these settings of ``method``; ``age_bands`` replaces catalogue reference
        bands, e.g. ``{"daglig_verksamhet": (18, 64), "boende": (20, None)}`` (not
        ``totalt``), to test how sensitive the results are to the band assumption;
        ``reference_band`` shows the band used; ``age_model`` is ``"profile"`` or
        ``"band"``.

    Returns
    -------
    polars.DataFrame
        290 × 10 rows (municipality × category), the columns of
        :data:`~benchmark.comparison.table.COLUMNS` and ``EXTRA_COLUMNS``. With
        ``fdr="auto"`` the q-values are Benjamini–Hochberg within each category across the
        municipalities (``q_family = "category_year"``).

    Raises
    ------
    InputError
        For invalid settings or a year without data (listing the available years).
    DataError
        When processed data are missing or damaged.

    Examples
    --------
    >>> table = screen(2024)  # doctest: +SKIP
    >>> table.filter(pl.col("flag") == "higher").sort("ratio_shrunk", descending=True)
    ... # doctest: +SKIP
    """
    method = resolve_method(method, confidence=confidence,
                            strong_confidence=strong_confidence, age_bands=age_bands,
                            age_model=age_model)
    inputs = inputs or load_inputs(settings)
    return build_table(inputs, [inputs.resolve_year(year)], method, front="screen")


def compare(municipality: str, year: int | None = None, *, peer_group: str | None = None,
            method: Method | None = None, settings: Settings | None = None,
            inputs: Inputs | None = None, confidence: float | None = None,
            strong_confidence: float | None = None, age_bands: Bands | None = None,
            age_model: str | None = None) -> pl.DataFrame:
    """The comparison table for one municipality and year: one row per category.

    Personal assistance under LSS and under SFB are always both present; suppressed or
    missing categories are kept with ``flag = "not_assessed"`` and a ``flag_reason``.
    The statistics across municipalities are those of :func:`screen`, so a row equals
    the municipality's screening row apart from the peer columns and, with
    ``fdr="auto"``, the q-value: the municipality is chosen in advance, so its q-values are
    Benjamini–Hochberg within its own categories of the year (``q_family =
    "municipality_year"``).

    Parameters
    ----------
    municipality
        A four-digit kommunkod, e.g. ``"2482"``.
    year
        A year in the data; None: the newest year with data.
    peer_group
        ``None`` (the "Liknande kommuner LSS" group made for the municipality),
        ``"kommungrupp"``, ``"lan"``, a Kolada group id or a comma-separated list of
        kommunkoder (see :mod:`benchmark.comparison.peers`).
    method, settings, inputs, confidence, strong_confidence, age_bands, age_model
        As in :func:`screen`; the peer expectation uses the same reference bands and age
        model.

    Returns
    -------
    polars.DataFrame
        Ten rows, the columns of :func:`screen`, with the peer columns filled.

    Raises
    ------
    InputError
        For an unknown municipality, a year without data (listing the available years), a
        peer group that cannot be found or has no data, or invalid settings.

    Examples
    --------
    >>> compare("2482", 2024, peer_group="lan")  # doctest: +SKIP
    """
    method = resolve_method(method, confidence=confidence,
                            strong_confidence=strong_confidence, age_bands=age_bands,
                            age_model=age_model)
    inputs = inputs or load_inputs(settings)
    code = inputs.check_municipality(municipality)
    year = inputs.resolve_year(year)
    return _table(inputs, code, [year], year, peer_group, method)


def history(municipality: str, *, last_year: int | None = None, n_years: int = 10,
            peer_group: str | None = None, method: Method | None = None,
            settings: Settings | None = None, inputs: Inputs | None = None,
            confidence: float | None = None, strong_confidence: float | None = None,
            age_bands: Bands | None = None, age_model: str | None = None) -> pl.DataFrame:
    """The comparison table for each available year in (last_year − n_years, last_year].

    One pass over all years (for trend plots); the peer group is the one resolved for
    ``last_year`` and kept for every year so the series stays comparable.

    Parameters
    ----------
    municipality, peer_group, method, settings, inputs
        As in :func:`compare`.
    last_year
        The newest year, which must be in the data (None: the newest year with data).
    n_years
        How many years back (a positive integer).
    confidence, strong_confidence, age_bands, age_model
        As in :func:`screen`.

    Returns
    -------
    polars.DataFrame
        One row per year and category, oldest year first.

    Examples
    --------
    >>> history("2482", last_year=2024, n_years=5)  # doctest: +SKIP
    """
    if not isinstance(n_years, int) or n_years < 1:
        raise InputError(f"n_years must be a positive integer, got {n_years!r}")
    method = resolve_method(method, confidence=confidence,
                            strong_confidence=strong_confidence, age_bands=age_bands,
                            age_model=age_model)
    inputs = inputs or load_inputs(settings)
    code = inputs.check_municipality(municipality)
    last = inputs.resolve_year(last_year)
    years = [y for y in inputs.years if last - n_years < y <= last]
    return _table(inputs, code, years, last, peer_group, method)


def _table(inputs: Inputs, code: str, years: Sequence[int], peer_year: int,
           peer_group: str | None, method: Method) -> pl.DataFrame:
    """Rows of ``code`` for ``years``, with the peer group resolved for ``peer_year``."""
    table = build_table(inputs, years, method, municipalities=[code], front="compare")
    group = resolve_peer_group(inputs, code, peer_year, peer_group)
    return table if group is None else peers(table, inputs, code, group, method)

"""The demo country as API-format data: draw it (:func:`simulate`) and serve it as the
frames the Kolada/SCB emulator answers from (:func:`generate_dataset`)."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import polars as pl

from benchmark.catalog import COST_KPIS
from benchmark.demo import costs, country, lss, need, population, profile
from benchmark.demo.country import DEMO_FOCUS, World
from benchmark.demo.kolada import ValueRows
from benchmark.errors import InputError
from benchmark.sources.emulator import ApiDataset
from benchmark.texts import text

DEMO_SEED = 20261127
DEMO_YEARS = range(2015, 2025)
#: KPI metadata of every KPI the demo serves: id → (Kolada title, short definition).
KPI_META: dict[str, tuple[str, str]] = {**lss.KPI_META, **costs.KPI_META,
                                        **profile.kpi_meta(), **need.KPI_META}
#: How the demo's KPI descriptions start (Kolada's own descriptions follow).
_DEMO_NOTE = f"{text('output.warning')}. "


def simulate(seed: int, years: list[int]) -> World:
    """Draw the demo country for ``years`` (deterministic for a seed; see
    :mod:`benchmark.demo` for how)."""
    rng = np.random.default_rng(seed)
    codes = country.codes()
    focus = codes.index(DEMO_FOCUS)
    names = country.names(codes, rng)
    sizes = country.sizes(len(codes), focus, rng)
    age_index = country.age_index(sizes, focus, rng)
    pop = population.simulate(sizes, age_index, years, rng)
    total_band, cat, status, missing = lss.simulate(
        rng, codes, sizes, years, pop, need.factors(need.levels(seed, codes)))
    return World(codes, names, years, sizes, age_index, pop, total_band, cat, status, missing,
                 seed)


def _kpi_frame(last_year: int) -> pl.DataFrame:
    """The v3 KPI fields; ``publ_period`` is the last demo year, published (like the real
    LSS KPIs) on 15 April of the year after."""
    ids = list(KPI_META)
    n = len(ids)
    return pl.DataFrame({
        "id": ids,
        "title": [KPI_META[k][0] for k in ids],
        "description": [_DEMO_NOTE + KPI_META[k][1] for k in ids],
        "is_divided_by_gender": [k in lss.GENDERED_KPIS | profile.GENDERED_KPIS for k in ids],
        "municipality_type": ["K"] * n,
        "auspice": ["T"] * n,
        "operating_area": ["Äldre och funktionshinder"] * n,
        "perspective": ["Resurser" if k in COST_KPIS else "Volymer" for k in ids],
        "prel_publication_date": [""] * n,
        "publication_date": [f"{last_year + 1}-04-15"] * n,
        "publ_period": [str(last_year)] * n,
        "has_ou_data": [False] * n,
    })


def generate_dataset(seed: int = DEMO_SEED, years: range = DEMO_YEARS) -> ApiDataset:
    """The synthetic demo country as an :class:`ApiDataset` (``synthetic=True``).

    Deterministic: the same seed and years give identical frames (see
    :func:`dataset_digest`). The focus municipality ``DEMO_FOCUS`` carries the deviations
    in ``PLANTED``; everything else is drawn as described in :mod:`benchmark.demo`.

    Parameters
    ----------
    seed
        The random seed.
    years
        The years (consecutive, e.g. ``range(2015, 2025)``).

    Returns
    -------
    ApiDataset
        Kolada values, register, groups and KPI metadata, and SCB's population, in the
        formats the emulator serves.

    Raises
    ------
    InputError
        When ``years`` is empty.

    Examples
    --------
    >>> data = generate_dataset(years=range(2023, 2025))  # doctest: +SKIP
    >>> data.municipalities.height, data.synthetic  # doctest: +SKIP
    (291, True)
    """
    years_list = [int(y) for y in years]
    if not years_list:
        raise InputError("years is empty; give a range such as range(2015, 2025)")
    w = simulate(seed, years_list)
    rows = ValueRows(w)
    for module in (lss, costs, profile, need):  # the order of the rows the emulator serves
        module.add_values(w, rows)
    return ApiDataset(
        kolada_values=rows.frame(),
        municipalities=country.municipalities_frame(w),
        groups=country.groups_frame(w),
        kpis=_kpi_frame(years_list[-1]),
        population=population.population_frame(w),
        synthetic=True,
    )


def dataset_digest(dataset: ApiDataset) -> str:
    """SHA-256 over the dataset's frames serialised as CSV (a determinism fingerprint)."""
    h = hashlib.sha256()
    for name in ("kolada_values", "municipalities", "groups", "kpis", "population"):
        buf = io.BytesIO()
        getattr(dataset, name).write_csv(buf)
        h.update(name.encode())
        h.update(buf.getvalue())
    h.update(str(dataset.synthetic).encode())
    return h.hexdigest()

"""The inputs of a comparison, loaded and validated once.

:func:`load_inputs` reads the processed tables a comparison needs into :class:`Inputs`,
which also answers the questions every entry point asks of them: which years hold data
(:attr:`Inputs.years`, the one definition), whether a year is among them
(:meth:`Inputs.check_year`) and whether a kommunkod is a municipality in the data
(:meth:`Inputs.check_municipality`). The command line, the report and the notebooks use
these checks, so the same bad input gets the same message everywhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from benchmark.catalog import CATEGORY_BY_ID, COST_KPIS, RIKET, normalise_municipality_code
from benchmark.comparison import reuse
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError, InputError
from benchmark.origin import origin_label
from benchmark.tables import TABLES
from benchmark.tableset import ProcessedSet, open_set

__all__ = ["Inputs", "available_years", "latest_year", "load_inputs", "year_span"]

#: The columns of the processed tables the comparison reads (their schemas:
#: :data:`benchmark.tables.TABLES`).
_LSS_COLUMNS = ("municipality", "year", "category", "count", "per_10k", "status")
_POPULATION_COLUMNS = ("municipality", "year", "sex", "age", "population")
_KPI_COLUMNS = ("municipality", "year", "kpi", "gender", "value", "status")
_KPIS_COLUMNS = ("kpi", "title", "gender_split")


def available_years(lss: pl.DataFrame) -> tuple[int, ...]:
    """Years with assessable LSS data.

    A year counts when a catalogue category has status ok for at least one municipality
    (not only Riket); rows that are all missing or suppressed do not make a data year.

    Parameters
    ----------
    lss
        The processed LSS table.

    Returns
    -------
    tuple of int
        The years, ascending.
    """
    df = lss.filter((pl.col("municipality") != RIKET)
                    & pl.col("category").is_in(list(CATEGORY_BY_ID))
                    & (pl.col("status") == "ok"))
    return tuple(sorted(int(y) for y in df["year"].unique().to_list()))


def year_span(years: Sequence[int]) -> str:
    """Years as a short text: ``2015–2024`` for a run of three or more, else a list.

    Examples
    --------
    >>> year_span([2015, 2016, 2017]), year_span([2019, 2021])
    ('2015–2017', '2019, 2021')
    """
    if list(years) == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


@dataclass(frozen=True)
class Inputs:
    """The processed tables a comparison needs, with the checks made against them.

    Attributes
    ----------
    lss, population, municipalities, peer_groups, kpi_values, kpis
        The processed tables, with the columns the comparison needs (peer groups, KPI
        values and KPI descriptions may be empty).
    synthetic
        Whether the data are the synthetic demo country (from the manifest).
    years
        Years with assessable LSS data (:func:`available_years`).
    """

    lss: pl.DataFrame
    population: pl.DataFrame
    municipalities: pl.DataFrame
    peer_groups: pl.DataFrame
    kpi_values: pl.DataFrame
    synthetic: bool
    years: tuple[int, ...]
    kpis: pl.DataFrame = dataclasses.field(default_factory=TABLES["kpis"].empty)
    #: tables computed from these inputs, when results are kept (:mod:`.reuse`); else None
    memo: dict[Any, pl.DataFrame] | None = dataclasses.field(default=None, compare=False,
                                                             repr=False)

    @property
    def costs(self) -> pl.DataFrame:
        """The cost KPIs (:data:`benchmark.catalog.COST_KPIS`) of :attr:`kpi_values`, totals
        only (gender T): municipality, year, kpi, value, status."""
        return self.kpi_values.filter(pl.col("kpi").is_in(list(COST_KPIS))
                                      & (pl.col("gender") == "T")).drop("gender")

    @property
    def origin(self) -> str:
        """The ``data_origin`` label of tables computed from these inputs."""
        return origin_label(self.synthetic)

    @property
    def kommuner(self) -> pl.DataFrame:
        """The municipality register without Riket (only type K where a type is given)."""
        df = self.municipalities.filter(pl.col("municipality") != RIKET)
        if "type" in df.columns:
            df = df.filter(pl.col("type").fill_null("K") == "K")
        return df

    def register(self) -> list[str]:
        """The kommunkoder of the register, sorted."""
        return sorted(self.kommuner["municipality"].to_list())

    def check_year(self, year: object) -> int:
        """``year`` as an int when the data hold it.

        Raises
        ------
        InputError
            Naming the available years, when they do not.
        DataError
            When the LSS table holds no municipality rows at all.
        """
        if not self.years:
            raise DataError("the processed LSS table holds no municipality rows")
        try:
            value = int(str(year).strip())
        except ValueError:
            value = None
        if value not in self.years:
            raise InputError(f"year {year!r} is not in the data; available years: "
                             f"{year_span(self.years)}")
        return value

    def newest_year(self) -> int:
        """The year every command uses when none is given.

        The newest of :attr:`years` that also has population for the municipalities
        (without population nothing can be assessed); the newest of :attr:`years` when
        none has.

        Raises
        ------
        DataError
            When the LSS table holds no municipality rows.
        """
        if not self.years:
            raise DataError("the processed LSS table holds no municipality rows")
        with_pop = set(self.population.filter(pl.col("municipality") != RIKET)["year"]
                       .unique().to_list())
        both = [y for y in self.years if y in with_pop]
        return max(both or self.years)

    def resolve_year(self, year: object | None) -> int:
        """``year`` checked against the data (:meth:`check_year`), or :meth:`newest_year`
        when ``year`` is None."""
        return self.newest_year() if year is None else self.check_year(year)

    def check_municipality(self, municipality: object) -> str:
        """The kommunkod of a municipality in the data.

        Raises
        ------
        InputError
            For Riket ("0000"), a malformed code or a code not in the register (with
            close codes as suggestions).
        """
        if normalise_municipality_code(municipality) == RIKET:
            raise InputError("0000 is Riket (the whole country), not a municipality; Riket is "
                             "the reference in every comparison (national_rate_per_10k); give "
                             "a kommunkod such as 0180")
        return normalise_municipality_code(municipality, self.register())


def load_inputs(settings: Settings | None = None) -> Inputs:
    """Read the processed tables a comparison needs, all from one processed set.

    ``kpi_values`` and ``peer_groups`` may be absent only when the set's manifest does not
    list them (then they are empty); see :mod:`benchmark.tableset`. Each table is checked
    against its schema (:mod:`benchmark.tables`).

    Parameters
    ----------
    settings
        Where the data are (default: :func:`benchmark.config.get_settings`).

    Returns
    -------
    Inputs
        The tables, typed, with the available years.

    Raises
    ------
    DataError
        When a listed table is missing, damaged or lacks a column, or the manifest or its
        provenance is (naming it and ``make process``).

    Examples
    --------
    >>> inputs = load_inputs(settings)  # doctest: +SKIP
    >>> inputs.check_year(2024), inputs.check_municipality("2482")  # doctest: +SKIP
    (2024, '2482')
    """
    tables = open_set(settings or get_settings())
    if not reuse.keeping():
        return _read_inputs(tables)
    return reuse.kept(reuse.set_key(tables), lambda: dataclasses.replace(
        _read_inputs(tables), memo={}))


def _read_inputs(tables: ProcessedSet) -> Inputs:
    """The tables of an open processed set, checked, as :class:`Inputs`."""
    synthetic = bool(tables.checked_manifest()["synthetic"])
    lss = tables.read("lss", _LSS_COLUMNS)
    return Inputs(lss, tables.read("population", _POPULATION_COLUMNS),
                  tables.read("municipalities"), tables.read_optional("peer_groups"),
                  tables.read_optional("kpi_values", _KPI_COLUMNS), synthetic,
                  available_years(lss), tables.read_optional("kpis", _KPIS_COLUMNS))


def latest_year(settings: Settings | None = None) -> int:
    """The newest year in the processed data with LSS values and population: the year
    ``compare``, ``screen`` and ``report`` use when none is given
    (:meth:`Inputs.newest_year`)."""
    return load_inputs(settings).newest_year()

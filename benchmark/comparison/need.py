"""The need-adjusted comparison: E* from need indicators, O/E* with its flag, the three-way split.

Per insats and year, across all municipalities with data, the need model
(:mod:`benchmark.stats.need`) regresses O on the log indicator ratios with log E (the
age-adjusted expectation of :func:`~benchmark.comparison.expected.expected_counts`) as
offset. The need-adjusted expectation E* then goes through the same machinery as E: the
ratio O/E* with exact/Byar limits, φ/τ² pooled over the same window of years
(:func:`~benchmark.comparison.dispersion.window_dispersion`) and the funnel flag at the
strong level (``need_flag``). The gap to Riket in persons, O − crude E, is split
symmetrically into age structure (``composition_effect``), need indicators
(``need_effect``) and the rest (``other_effect``: practice, supply, chance). The need
part is the indicators' own factor exp(Σ β̂_k x_k), without the model's intercept α̂: a
municipality at Riket's indicator rates has no need part, and α̂ (the fitted level of all
municipalities against E) stays in the rest.

Indicator ratios (:func:`indicator_ratios`): the municipality's indicator count per
inhabitant of the indicator's age group over Riket's (Kolada's ``0000`` value, else the
sum over the municipalities), from the LSS year or, where Kolada has not yet published it,
the newest of the two years before (``need_indicator_year``). A municipality whose
indicator is missing or suppressed is not assessed (``need_reason``), never imputed; a KPI
the data lack altogether leaves every row of the insats not assessed, and the
age-adjusted comparison untouched.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.catalog import RIKET
from benchmark.comparison.dispersion import Window, window_dispersion
from benchmark.comparison.frames import float_column, text_column
from benchmark.comparison.grid import grid as grid_rows
from benchmark.comparison.grid import reasons
from benchmark.comparison.inputs import Inputs
from benchmark.comparison.method import Method
from benchmark.indicators import INDICATOR_BY_ID, NeedIndicator
from benchmark.stats.need import (
    NeedFit,
    fit_need,
    log_indicator_ratio,
    need_expected,
    three_way_split,
)

__all__ = ["NEED_COLUMNS", "NEED_EXTRA_COLUMNS", "indicator_ratios", "indicator_table",
           "need_adjustment", "need_fits"]

#: The need columns of the comparison table (issue 13), after the required columns.
NEED_COLUMNS = ("need_indicators", "need_expected", "need_ratio", "need_ratio_lower",
                "need_ratio_upper", "need_flag", "need_effect", "need_beta",
                "need_beta_lower", "need_beta_upper")
#: Further need columns: why a row is not assessed, whether some β's interval lies above 0,
#: the share of between-municipality variance explained, all βs in words, the indicator
#: year.
NEED_EXTRA_COLUMNS = ("need_reason", "need_explains", "need_explained", "need_fit",
                      "need_indicator_year")
#: How many years before the LSS year an indicator may come from.
INDICATOR_LAG = 2


def _kpi_values(inputs: Inputs) -> pl.DataFrame:
    """The fetched further KPIs (municipality, year, kpi, value, status), totals only."""
    frame = inputs.kpi_values
    if "gender" in frame.columns:
        frame = frame.filter(pl.col("gender").fill_null("T") == "T")
    return frame


def _age_population(inputs: Inputs, indicator: NeedIndicator) -> pl.DataFrame:
    return (inputs.population.lazy()
            .filter(pl.col("age").is_between(indicator.age_min, indicator.age_max))
            .group_by("municipality", "year")
            .agg(pl.col("population").sum().cast(pl.Float64).alias("pop"),
                 pl.col("population").is_null().any().alias("pop_missing"))
            .collect())


def indicator_ratios(inputs: Inputs, years: list[int], ids: list[str]) -> pl.DataFrame:
    """The log indicator ratio of every register municipality × LSS year × indicator.

    Returns
    -------
    polars.DataFrame
        ``municipality, year, indicator, log_ratio, indicator_year, reason``: ``log_ratio``
        null where it cannot be formed, and ``reason`` then says why.
    """
    values = _kpi_values(inputs)
    kommuner = inputs.kommuner["municipality"].to_list()
    frames = []
    for iid in ids:
        ind = INDICATOR_BY_ID[iid]
        published = values.filter((pl.col("kpi") == ind.kpi) & pl.col("value").is_not_null()
                                   & (pl.col("status").fill_null("ok") == "ok"))
        have = set(published.filter(pl.col("municipality") != RIKET)["year"].to_list())
        pop = _age_population(inputs, ind)
        for year in years:
            chosen = max((y for y in have if year - INDICATOR_LAG <= y <= year), default=None)
            base = pl.DataFrame({"municipality": kommuner}).with_columns(
                pl.lit(year, dtype=pl.Int32).alias("year"), pl.lit(iid).alias("indicator"),
                pl.lit(chosen, dtype=pl.Int32).alias("indicator_year"))
            if chosen is None:
                frames.append(base.with_columns(
                    pl.lit(None, dtype=pl.Float64).alias("log_ratio"),
                    pl.lit(f"indicator {ind.kpi} ({iid}) has no values for {year} or the "
                           f"{INDICATOR_LAG} years before in the data (not published, or "
                           f"not fetched)").alias("reason"))
                    .select("municipality", "year", "indicator", "log_ratio",
                            "indicator_year", "reason"))
                continue
            rows = (base.join(published.filter(pl.col("year") == chosen)
                              .select("municipality", "value"), on="municipality", how="left")
                    .join(pop.filter(pl.col("year") == chosen)
                          .select("municipality", "pop", "pop_missing"),
                          on="municipality", how="left"))
            riket_value = published.filter((pl.col("year") == chosen)
                                           & (pl.col("municipality") == RIKET))["value"]
            riket_pop = pop.filter((pl.col("year") == chosen)
                                   & (pl.col("municipality") == RIKET))["pop"]
            if riket_value.len() and riket_pop.len():
                national = (float(riket_value[0]), float(riket_pop[0]))
            else:
                both = rows.filter(pl.col("value").is_not_null() & pl.col("pop").is_not_null())
                national = (float(both["value"].sum()), float(both["pop"].sum()))
            x = log_indicator_ratio(rows["value"].to_numpy(), rows["pop"].to_numpy(),
                                    *national)
            frames.append(rows.with_columns(
                float_column(x, "log_ratio"),
                pl.when(pl.col("value").is_null())
                .then(pl.lit(f"{ind.kpi} ({iid}) missing for this municipality in {chosen} "
                             "(suppressed or not published in Kolada)"))
                .when(pl.col("pop").is_null() | pl.col("pop_missing") | (pl.col("pop") <= 0))
                .then(pl.lit(f"no population {ind.band_label} år in {chosen} for {iid}"))
                .otherwise(pl.lit(None, dtype=pl.String)).alias("reason"),
            ).select("municipality", "year", "indicator", "log_ratio", "indicator_year",
                     "reason"))
    schema = {"municipality": pl.String, "year": pl.Int32, "indicator": pl.String,
              "log_ratio": pl.Float64, "indicator_year": pl.Int32, "reason": pl.String}
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def indicator_table(inputs: Inputs, municipality: str, year: int,
                    ids: list[str] | None = None) -> pl.DataFrame:
    """The municipality's need indicators against Riket, for the report.

    The ratio is the municipality's indicator per inhabitant of the age group over Riket's,
    with the exact/Byar interval of its count (approximate for helårsekvivalenter, which
    are not whole persons), from the LSS year or the newest of the two years before.

    Returns
    -------
    polars.DataFrame
        ``indicator, kpi, title, band, indicator_year, value, population, rate_per_1000,
        national_per_1000, ratio, ratio_lower, ratio_upper, reason``, one row per indicator
        (``ids``, default every indicator of the catalogue).
    """
    ids = list(INDICATOR_BY_ID) if ids is None else ids
    values = _kpi_values(inputs)
    rows: list[dict[str, object]] = []
    for iid in ids:
        ind = INDICATOR_BY_ID[iid]
        ratio = indicator_ratios(inputs, [year], [iid]).filter(
            pl.col("municipality") == municipality)
        chosen = ratio["indicator_year"][0] if ratio.height else None
        row: dict[str, object] = {"indicator": iid, "kpi": ind.kpi, "title": ind.title,
                                  "band": ind.band_label, "indicator_year": chosen,
                                  "reason": ratio["reason"][0] if ratio.height else None}
        if chosen is not None and row["reason"] is None:
            pop = _age_population(inputs, ind).filter(pl.col("year") == chosen)
            own = values.filter((pl.col("kpi") == ind.kpi) & (pl.col("year") == chosen))
            count = float(own.filter(pl.col("municipality") == municipality)["value"][0])
            people = float(pop.filter(pl.col("municipality") == municipality)["pop"][0])
            x = float(ratio["log_ratio"][0])
            expected = count / np.exp(x) if count > 0 else np.nan
            interval = stats.standardised_ratio(np.array([count]),
                                                np.array([expected if count > 0 else 1.0]),
                                                0.95)
            row.update(value=count, population=people, rate_per_1000=count / people * 1e3,
                       national_per_1000=count / people * 1e3 / np.exp(x),
                       ratio=float(np.exp(x)),
                       ratio_lower=float(interval.lower[0]) if count > 0 else None,
                       ratio_upper=float(interval.upper[0]) if count > 0 else None)
        rows.append(row)
    schema = {"indicator": pl.String, "kpi": pl.String, "title": pl.String, "band": pl.String,
              "indicator_year": pl.Int32, "value": pl.Float64, "population": pl.Float64,
              "rate_per_1000": pl.Float64, "national_per_1000": pl.Float64,
              "ratio": pl.Float64, "ratio_lower": pl.Float64, "ratio_upper": pl.Float64,
              "reason": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _fit_text(fit: NeedFit, ids: tuple[str, ...], year: int | None, lss_year: int) -> str:
    betas = "; ".join(f"{i} β {b:.3f} [{lo:.3f}, {hi:.3f}]"
                      for i, b, lo, hi in zip(ids, fit.beta, fit.lower, fit.upper, strict=True))
    lag = f"; indicators of {year}" if year is not None and year != lss_year else ""
    explained = ("" if np.isnan(fit.explained)
                 else f"; explains {fit.explained:.0%} of the between-municipality variance")
    return f"{fit.model}, {fit.n_units} municipalities: {betas}{explained}{lag}"


#: Fitted need models by their inputs. A fit is a pure function of O, E, the ratios and the
#: model settings (every fit starts cold), so a process that builds many tables from the same
#: data (the batch of reports: each report computes compare, history and the screening over
#: every municipality) fits each insats and year once; the result is the same object.
_FITS: OrderedDict[bytes, NeedFit | None] = OrderedDict()
_FITS_MAX = 4096


def forget_fits() -> None:
    """Empty the memo of fitted need models (benchmarks time the fits from scratch)."""
    _FITS.clear()


def _fitted(o: np.ndarray, e: np.ndarray, x: np.ndarray, method: Method,
            explain: bool) -> NeedFit | None:
    """:func:`fit_need` of these inputs, from :data:`_FITS` when fitted before."""
    h = hashlib.blake2b(digest_size=20)
    for a in (o, e, x):
        a = np.ascontiguousarray(a, dtype=float)
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    h.update(repr((method.need_model, method.confidence, method.min_od_units,
                   explain)).encode())
    key = h.digest()
    if key in _FITS:
        _FITS.move_to_end(key)
        return _FITS[key]
    fit = fit_need(o, e, x, model=method.need_model, confidence=method.confidence,
                   min_units=method.min_od_units, explain=explain)
    _FITS[key] = fit
    if len(_FITS) > _FITS_MAX:
        _FITS.popitem(last=False)
    return fit


def _fit_one(keys: pl.DataFrame, ratios: pl.DataFrame, ids: tuple[str, ...], o: np.ndarray,
             e: np.ndarray, method: Method, explain: bool
             ) -> tuple[NeedFit | None, np.ndarray, np.ndarray, pl.Series]:
    """The need model of one insats and year: the fit (None when it cannot be made), the
    log ratios (rows of ``keys`` × ``ids``), why a row lacks them, and the indicator year."""
    part = keys.join(ratios, on=["municipality", "year"], how="left", maintain_order="left")
    x = np.column_stack([part.filter(pl.col("indicator") == i)["log_ratio"]
                         .to_numpy().astype(float) for i in ids])
    why = np.full(keys.height, None, dtype=object)
    for i in reversed(ids):
        r = part.filter(pl.col("indicator") == i)["reason"].to_numpy()
        why = np.where(r != None, r, why)  # noqa: E711 (elementwise)
    fit = _fitted(o, e, x, method, explain)
    return fit, x, why, part.filter(pl.col("indicator") == ids[0])["indicator_year"]


def need_adjustment(window: Window, grid: pl.DataFrame, inputs: Inputs, method: Method,
                    shown: np.ndarray) -> pl.DataFrame:
    """The need columns of the table rows (``shown`` rows of the sorted grid, in order).

    Parameters
    ----------
    window
        The grid's shape.
    grid
        Every grid row (sorted by municipality, year, category) with ``observed_assessed``,
        ``expected_assessed``, ``expected_crude`` and ``flag_reason``.
    inputs
        The loaded tables (the indicator KPIs and the population).
    method
        The need model and indicators, the confidence levels, the overdispersion window.
    shown
        Which grid rows are table rows.

    Returns
    -------
    polars.DataFrame
        :data:`NEED_COLUMNS`, :data:`NEED_EXTRA_COLUMNS` and the three-way split
        (``split_age``, ``split_need``, ``split_other``; null where need is not assessed),
        one row per table row.
    """
    n = grid.height
    categories = sorted(grid["category"].unique().to_list())
    cube = (window.n_municipalities, len(window.years), window.n_categories)
    o = grid["observed_assessed"].to_numpy().astype(float)
    e = grid["expected_assessed"].to_numpy().astype(float)
    star = np.full(n, np.nan)
    intercept = np.full(n, np.nan)
    reason = np.full(n, None, dtype=object)
    names = np.full(n, None, dtype=object)
    fit_text = np.full(n, None, dtype=object)
    beta = np.full((n, 3), np.nan)
    explains = np.full(n, None, dtype=object)
    explained = np.full(n, np.nan)
    ind_year = np.full(n, -1, dtype=np.int64)
    index = np.arange(n).reshape(cube)
    ids_all = sorted({i for c in categories for i in method.need_for(c)})
    wanted = sorted({window.years[i] for t in window.targets
                     for i in window.span(t, method.od_window)})
    ratios = indicator_ratios(inputs, wanted, ids_all) if ids_all else None
    keys = grid.filter(pl.col("category") == categories[0]).select("municipality", "year")
    for k, cat in enumerate(categories):
        ids = method.need_for(cat)
        rows_k = index[:, :, k]
        if not ids:
            reason[rows_k.ravel()] = ("need adjustment off (need_model=none)"
                                      if method.need_model == "none" else
                                      "no need indicators chosen for this insats")
            continue
        names[rows_k.ravel()] = ", ".join(INDICATOR_BY_ID[i].kpi for i in ids)
        # every year's fit starts cold, so a year's figures do not depend on which other
        # years were computed with it (compare and history agree to the last bit; a warm
        # start from the year before reached the same optimum only to ~1e-14)
        for j, year in enumerate(window.years):
            rows = rows_k[:, j]
            if year not in wanted:
                continue
            assert ratios is not None
            fit, x, why, years_i = _fit_one(keys.filter(pl.col("year") == year), ratios,
                                            ids, o[rows], e[rows], method,
                                            year in window.targets)
            ind_year[rows] = years_i.fill_null(-1).to_numpy()
            if fit is None:
                reason[rows] = np.where(why != None, why,  # noqa: E711
                                        "the need model could not be fitted (too few "
                                        "municipalities with data, or no convergence)")
                continue
            star[rows] = need_expected(e[rows], x, fit)
            intercept[rows] = fit.intercept
            reason[rows] = why
            beta[rows] = [fit.beta[0], fit.lower[0], fit.upper[0]]
            explains[rows] = fit.explains
            explained[rows] = fit.explained
            chosen = int(years_i.drop_nulls()[0]) if years_i.drop_nulls().len() else None
            fit_text[rows] = _fit_text(fit, ids, chosen, year)
    not_assessed = (grid["flag_reason"] != "").to_numpy()
    reason = np.where(not_assessed & (reason == None), "not assessed age-adjusted "  # noqa: E711
                      "(flag_reason says why)", reason)
    star = np.where(np.isnan(o) | np.isnan(e) | ~np.isfinite(star), np.nan, star)
    o_t, e_t, s_t = o[shown], e[shown], star[shown]
    ok = ~np.isnan(s_t) & (s_t > 0)
    s_safe = np.where(ok, s_t, 1.0)
    if ok.any():
        od = window_dispersion(window, o, star, method, window.targets,
                               spread=False).take(shown)
        ratio = stats.standardised_ratio(np.where(ok, o_t, np.nan), s_safe, method.confidence)
        (flag,) = stats.funnel_flags_at(np.where(ok, o_t, np.nan), s_safe,
                                        [method.strong_confidence], phi=od.phi, tau2=od.tau2)
        estimate, lower, upper, flags = ratio.estimate, ratio.lower, ratio.upper, flag.flag
    else:  # no row need-adjusted (need_model="none", or no indicator data): all masked
        estimate = lower = upper = np.full(len(s_t), np.nan)
        flags = np.full(len(s_t), "not_assessed", dtype=object)
    crude = grid["expected_crude"].to_numpy().astype(float)[shown]
    # the indicators' part of E*: without the intercept α̂, so that a municipality at
    # Riket's indicator rates has no need part (α̂ is the model's level, in "other")
    by_need = s_safe / np.exp(np.nan_to_num(intercept[shown]))
    if method.decomposition == "symmetric":
        age, need, other = three_way_split(o_t, crude, e_t, by_need)
    else:
        age, need, other = e_t - crude, by_need - e_t, o_t - by_need

    def masked(v: np.ndarray) -> np.ndarray:
        return np.where(ok, v, np.nan)

    year_shown = ind_year[shown]
    return pl.DataFrame([
        text_column(names[shown], "need_indicators"),
        float_column(masked(s_t), "need_expected"),
        float_column(masked(estimate), "need_ratio"),
        float_column(masked(lower), "need_ratio_lower"),
        float_column(masked(upper), "need_ratio_upper"),
        text_column(np.where(ok, flags, "not_assessed"), "need_flag"),
        float_column(masked(need), "need_effect"),
        # β and the fit belong to the insats and year: shown on every row of it
        float_column(beta[shown, 0], "need_beta"),
        float_column(beta[shown, 1], "need_beta_lower"),
        float_column(beta[shown, 2], "need_beta_upper"),
        text_column(np.where(ok, None, reason[shown]), "need_reason"),
        pl.Series("need_explains", explains[shown].tolist(), dtype=pl.Boolean),
        float_column(explained[shown], "need_explained"),
        text_column(fit_text[shown], "need_fit"),
        pl.Series("need_indicator_year",
                  np.where(ok & (year_shown >= 0), year_shown, None).tolist(), dtype=pl.Int32),
        float_column(masked(age), "split_age"), float_column(masked(other), "split_other"),
    ])


def need_fits(inputs: Inputs, year: int, method: Method | None = None) -> pl.DataFrame:
    """The fitted need model of every insats in ``year``: one row per insats × indicator.

    The same fits as the table's need columns (the age-adjusted E of every municipality,
    the catalogue's or ``method``'s indicators), for the β table of the report and of
    ``notebooks/04-metod``.

    Returns
    -------
    polars.DataFrame
        ``category, indicator, kpi, beta, beta_lower, beta_upper, beta_se, explained,
        explains, n_units, model, indicator_year, reason`` (β null and ``reason`` set where
        no fit could be made).

    Examples
    --------
    >>> need_fits(load_inputs(), 2024).filter(pl.col("explains"))  # doctest: +SKIP
    """
    method = method or Method()
    df = reasons(grid_rows(inputs, [year], method), method).sort(
        "municipality", "category").collect()
    categories = sorted(df["category"].unique().to_list())
    ids_all = sorted({i for c in categories for i in method.need_for(c)})
    ratios = indicator_ratios(inputs, [year], ids_all) if ids_all else None
    rows: list[dict[str, object]] = []
    for cat in categories:
        ids = method.need_for(cat)
        if not ids or ratios is None:
            continue
        part = df.filter(pl.col("category") == cat)
        fit, _, why, years_i = _fit_one(
            part.select("municipality", "year"), ratios, ids,
            part["observed_assessed"].to_numpy().astype(float),
            part["expected_assessed"].to_numpy().astype(float), method, True)
        first_reason = next((w for w in why if w is not None), None)
        chosen = years_i.drop_nulls()
        for k, iid in enumerate(ids):
            ind = INDICATOR_BY_ID[iid]
            rows.append({
                "category": cat, "indicator": iid, "kpi": ind.kpi,
                "beta": None if fit is None else float(fit.beta[k]),
                "beta_lower": None if fit is None else float(fit.lower[k]),
                "beta_upper": None if fit is None else float(fit.upper[k]),
                "beta_se": None if fit is None else float(fit.se[k]),
                "explained": (None if fit is None or np.isnan(fit.explained)
                              else fit.explained),
                "explains": None if fit is None else fit.explains,
                "n_units": None if fit is None else fit.n_units,
                "model": method.need_model,
                "indicator_year": int(chosen[0]) if chosen.len() else None,
                "reason": (None if fit is not None else first_reason
                           or "the need model could not be fitted"),
            })
    schema = {"category": pl.String, "indicator": pl.String, "kpi": pl.String,
              "beta": pl.Float64, "beta_lower": pl.Float64, "beta_upper": pl.Float64,
              "beta_se": pl.Float64, "explained": pl.Float64, "explains": pl.Boolean,
              "n_units": pl.Int64, "model": pl.String, "indicator_year": pl.Int32,
              "reason": pl.String}
    return pl.DataFrame(rows, schema=schema)

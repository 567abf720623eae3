"""Small hand-made comparison tables that follow the comparison table
(``benchmark.comparison.COLUMNS``) column for column.

Used by the plot and report tests so the figures and the export can be tested without the
statistics or demo modules. The numbers are chosen by hand (not computed) so tests can assert
exactly what a reader should see.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from benchmark.catalog import CATEGORIES

#: Every column of ``benchmark.comparison.COLUMNS``, in order, with its polars dtype.
SCHEMA: dict[str, pl.DataType] = {
    "municipality": pl.String(), "name": pl.String(), "year": pl.Int32(),
    "category": pl.String(), "category_label": pl.String(), "status": pl.String(),
    "observed": pl.Float64(), "population_total": pl.Int64(), "population_band": pl.Int64(),
    "rate_per_10k": pl.Float64(), "rate_lower": pl.Float64(), "rate_upper": pl.Float64(),
    "national_rate_per_10k": pl.Float64(), "expected": pl.Float64(),
    "expected_crude": pl.Float64(), "ratio": pl.Float64(), "ratio_lower": pl.Float64(),
    "ratio_upper": pl.Float64(), "ratio_method": pl.String(), "confidence": pl.Float64(),
    "ratio_shrunk": pl.Float64(), "z": pl.Float64(), "p_value": pl.Float64(),
    "q_value": pl.Float64(), "phi": pl.Float64(), "tau2": pl.Float64(),
    "od_adjusted": pl.Boolean(), "limit_lower_998": pl.Float64(),
    "limit_upper_998": pl.Float64(), "flag": pl.String(), "flag_95": pl.String(),
    "flag_reason": pl.String(), "excess": pl.Float64(), "composition_effect": pl.Float64(),
    "other_effect": pl.Float64(), "persistent": pl.Boolean(), "years_flagged": pl.Int64(),
    "peer_group_id": pl.String(), "peer_group_title": pl.String(),
    "peer_rate_per_10k": pl.Float64(), "peer_expected": pl.Float64(),
    "peer_ratio": pl.Float64(), "peer_ratio_lower": pl.Float64(), "peer_level": pl.Float64(),
    "peer_ratio_upper": pl.Float64(), "cost_per_user": pl.Float64(),
    "excess_cost": pl.Float64(), "net_cost_deviation_pct": pl.Float64(),
    "data_origin": pl.String(),
}

#: Extra columns of compare()/screen() beyond those columns that the reports read.
EXTRA: dict[str, pl.DataType] = {
    "reference_band": pl.String(), "cost_year": pl.Float64(),
    "persistence_direction": pl.String(), "age_model": pl.String(), "robust": pl.Boolean(),
    "flag_alternatives": pl.Int64(), "n_alternatives": pl.Int64(),
    "flag_depends_on": pl.String(),
}
FULL_SCHEMA: dict[str, pl.DataType] = {**SCHEMA, **EXTRA}

# category → (status, observed, expected, expected_crude, ratio, lower, upper, flag, peer)
_CASES: dict[str, tuple[Any, ...]] = {
    "boende": ("ok", 412.0, 330.0, 300.0, 1.2485, 1.1311, 1.3752, "higher", 1.10),
    "daglig_verksamhet": ("ok", 520.0, 400.0, 410.0, 1.30, 1.1913, 1.4164, "higher", 1.12),
    "personlig_assistans_lss": ("ok", 61.0, 60.0, 58.0, 1.0167, 0.7776, 1.3059, "similar", 0.95),
    "personlig_assistans_sfb": ("ok", 90.0, 120.0, 118.0, 0.75, 0.6031, 0.9219, "lower", 0.90),
    "ledsagarservice": ("suppressed", None, None, None, None, None, None, "not_assessed", None),
    "kontaktperson": ("ok", 150.0, 140.0, 140.0, 1.0714, 0.9067, 1.2573, "similar", 1.00),
    "avlosarservice": ("ok", 4.0, 5.0, 5.2, 0.80, 0.2180, 2.0483, "not_assessed", 1.05),
    "korttidsvistelse": ("ok", 70.0, 52.0, 50.0, 1.3462, 1.0493, 1.7007, "similar", 1.20),
    "korttidstillsyn": ("missing", None, None, None, None, None, None, "not_assessed", None),
    "totalt": ("ok", 1204.0, 950.0, 980.0, 1.2674, 1.1967, 1.3411, "higher", 1.08),
}


def _row(municipality: str, name: str, year: int, category: str, origin: str,
         case: tuple[Any, ...], phi: float = 4.0, tau2: float = 0.01) -> dict[str, Any]:
    status, obs, exp, crude, ratio, lo, hi, flag, peer = case
    label = next(c.label_sv for c in CATEGORIES if c.id == category)
    ok = status == "ok"
    return {
        "municipality": municipality, "name": name, "year": year, "category": category,
        "category_label": label, "status": status, "observed": obs,
        "population_total": 75000, "population_band": 50000,
        "rate_per_10k": obs / 7.5 if ok else None, "rate_lower": obs / 7.5 * 0.9 if ok else None,
        "rate_upper": obs / 7.5 * 1.1 if ok else None, "national_rate_per_10k": 40.0,
        "expected": exp, "expected_crude": crude, "ratio": ratio, "ratio_lower": lo,
        "ratio_upper": hi, "ratio_method": ("Exact" if (obs or 0) < 10 else "Byars") if ok
        else None, "confidence": 0.95, "ratio_shrunk": ratio, "z": 0.0, "p_value": 0.5,
        "q_value": 0.5, "phi": phi, "tau2": tau2, "od_adjusted": phi > 1,
        "limit_lower_998": 0.8 if ok else None, "limit_upper_998": 1.2 if ok else None,
        "flag": flag, "flag_95": flag,
        "flag_reason": "" if ok and flag != "not_assessed" else (
            "O < 5" if ok else f"value {status}"),
        "excess": obs - exp if ok else None,
        "composition_effect": exp - crude if ok else None,
        "other_effect": obs - exp if ok else None,
        "persistent": flag == "higher", "years_flagged": 3 if flag == "higher" else 0,
        "peer_group_id": "G1", "peer_group_title": f"Liknande kommuner LSS, {name}, {year}",
        "peer_rate_per_10k": 45.0 if ok else None,
        "peer_expected": obs / peer if ok and peer else None,
        "peer_ratio": peer, "peer_ratio_lower": peer * 0.9 if peer else None,
        "peer_ratio_upper": peer * 1.1 if peer else None,
        "peer_level": ratio / peer if ok and peer else None, "cost_per_user": None,
        "excess_cost": None, "net_cost_deviation_pct": 3.5, "data_origin": origin,
        "reference_band": _BANDS[category], "cost_year": None,
        "persistence_direction": "higher" if flag == "higher" else None,
        "age_model": "profile", "robust": True if flag != "not_assessed" else None,
        "flag_alternatives": 3 if flag != "not_assessed" else None,
        "n_alternatives": 3 if flag != "not_assessed" else None, "flag_depends_on": None,
    }


#: Reference age bands as compare() names them (kontaktperson, ledsagarservice: all ages).
_BANDS = {c.id: ("0–22/23–64/65+" if c.id == "totalt" else c.band_label) for c in CATEGORIES}


def make_compare(municipality: str = "2482", name: str = "Skellefteå", year: int = 2024, *,
                 synthetic: bool = False) -> pl.DataFrame:
    """compare()-shaped table: 10 categories, 3 higher (incl. totalt), 1 lower, 1 suppressed."""
    origin = "syntetiska demodata" if synthetic else "Kolada (RKA) och SCB"
    rows = [_row(municipality, name, year, c.id, origin, _CASES[c.id]) for c in CATEGORIES]
    return pl.DataFrame(rows, schema=FULL_SCHEMA)


def make_screen(year: int = 2024, category: str = "boende", *, synthetic: bool = False,
                chosen: str = "2482") -> pl.DataFrame:
    """screen()-shaped table for one category: 12 municipalities, two flagged, one suppressed."""
    origin = "syntetiska demodata" if synthetic else "Kolada (RKA) och SCB"
    pts = [  # code, name, status, O, E, flag
        ("0114", "Upplands Väsby", "ok", 40.0, 38.0, "similar"),
        ("0180", "Stockholm", "ok", 3900.0, 4100.0, "similar"),
        ("1280", "Malmö", "ok", 1500.0, 1250.0, "higher"),
        ("1480", "Göteborg", "ok", 2100.0, 2200.0, "similar"),
        ("2482", "Skellefteå", "ok", 412.0, 330.0, "higher"),
        ("0604", "Aneby", "ok", 12.0, 10.0, "similar"),
        ("2418", "Malå", "suppressed", None, 4.0, "not_assessed"),
        ("0380", "Uppsala", "ok", 700.0, 900.0, "lower"),
        ("0581", "Norrköping", "ok", 560.0, 540.0, "similar"),
        ("1880", "Örebro", "ok", 480.0, 500.0, "similar"),
        ("2580", "Luleå", "ok", 260.0, 250.0, "similar"),
        ("0680", "Jönköping", "ok", 430.0, 420.0, "similar"),
    ]
    rows = []
    for code, name, status, obs, exp, flag in pts:
        ok = status == "ok"
        ratio = obs / exp if ok else None
        case = (status, obs, exp if ok else None, exp if ok else None, ratio,
                ratio * 0.9 if ok else None, ratio * 1.1 if ok else None, flag, None)
        rows.append(_row(code, name, year, category, origin, case, phi=3.2, tau2=0.004))
    return pl.DataFrame(rows, schema=FULL_SCHEMA)


def make_history(municipality: str = "2482", name: str = "Skellefteå",
                 years: range = range(2015, 2025), *, synthetic: bool = False) -> pl.DataFrame:
    """history()-shaped table: every category for ten years; boende drifts upward."""
    frames = []
    for i, year in enumerate(years):
        t = make_compare(municipality, name, year, synthetic=synthetic)
        t = t.with_columns(
            pl.when(pl.col("category") == "boende")
            .then(pl.col("ratio") - 0.02 * (len(years) - 1 - i)).otherwise(pl.col("ratio"))
            .alias("ratio"))
        if year == years[0]:  # the first year boende was suppressed
            t = t.with_columns(
                pl.when(pl.col("category") == "boende").then(pl.lit("suppressed"))
                .otherwise(pl.col("status")).alias("status"))
        frames.append(t)
    return pl.concat(frames)

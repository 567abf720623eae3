"""What a report or notebook shows, loaded once; and showing it in a running notebook."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from benchmark import fmt
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError
from benchmark.origin import is_synthetic
from benchmark.plots import Chart
from benchmark.store import find_snapshot, read_manifest
from benchmark.tableset import has_processed

#: Number of years shown in trends (the current year and the nine before it).
TREND_YEARS = 10


def notebook_settings(data_dir: str | Path | None = None) -> Settings:
    """Settings for a notebook: ``data_dir`` if given, else the data a user most likely means.

    JupyterLab starts kernels in ``notebooks/``, so a relative ``data`` would point to the
    wrong place. Without ``data_dir`` this looks, in order, at ``$BENCHMARK_DATA_DIR``, then
    ``data/`` and ``data/demo/`` in the working folder and its parents up to the project
    root, and takes the first one holding processed tables: real data before the demo.

    Parameters
    ----------
    data_dir
        The data folder; None to search as above.

    Returns
    -------
    Settings
        Settings pointing at the data folder found.

    Raises
    ------
    DataError
        When no folder holds processed data (naming ``make demo`` and ``make process``).

    Examples
    --------
    >>> notebook_settings("data/demo").data_dir.name  # doctest: +SKIP
    'demo'
    """
    if data_dir:
        return get_settings(data_dir=Path(data_dir))
    candidates: list[Path] = []
    if os.environ.get("BENCHMARK_DATA_DIR"):
        candidates.append(Path(os.environ["BENCHMARK_DATA_DIR"]))
    for base in (Path.cwd(), *Path.cwd().parents):
        candidates += [base / "data", base / "data" / "demo"]
        if (base / "pyproject.toml").exists():
            break
    for candidate in candidates:
        if has_processed(candidate):
            return get_settings(data_dir=candidate.resolve())
    raise DataError("no processed data found; run `make demo` (synthetic demo data, offline) "
                    "or `make data` and `make process` (real data) in the project folder")


@dataclass
class ReportData:
    """Everything one report shows, loaded once."""

    municipality: str
    name: str
    year: int
    lang: str
    table: pl.DataFrame  # compare(): one row per category
    history: pl.DataFrame  # compare.history(): the same rows for earlier years
    screen: pl.DataFrame  # screen(): all municipalities, the same year
    manifest: dict[str, Any] = field(default_factory=dict)
    retrieved: dict[str, tuple[str, str]] = field(default_factory=dict)
    profile: pl.DataFrame = field(default_factory=pl.DataFrame)  # profile(): one row per KPI
    #: the municipality's need indicators against Riket (comparison.indicator_table)
    need_indicators: pl.DataFrame | None = None
    #: the fitted need model per insats and indicator (comparison.need_fits)
    need_fits: pl.DataFrame | None = None

    @property
    def synthetic(self) -> bool:
        """Whether the data are the synthetic demo country (manifest or table says so)."""
        return bool(self.manifest.get("synthetic")) or is_synthetic(self.table)


def load_report_data(municipality: str, year: int | None, *, lang: str = "sv",
                     data_dir: str | Path | None = None,
                     settings: Settings | None = None) -> ReportData:
    """Run compare, history and screen for one municipality and year, and the need
    indicators and fits; the tables are read once.

    Parameters
    ----------
    municipality
        The kommunkod.
    year
        The year; None for the newest year with data.
    lang
        The report language.
    data_dir, settings
        Where the data are (``settings`` wins; else :func:`notebook_settings`).

    Returns
    -------
    ReportData
        The comparison, its history (:data:`TREND_YEARS` years), the screening of the year,
        the LSS profile (:func:`benchmark.profile.profile`), the manifest and the retrieval
        dates.

    Raises
    ------
    InputError
        For an unknown municipality, a year without data or an unsupported language.

    Examples
    --------
    >>> data = load_report_data("0180", 2024, settings=settings)  # doctest: +SKIP
    >>> data.name, data.table.height  # doctest: +SKIP
    ('Demoby', 10)
    """
    from benchmark.comparison import (
        compare,
        history,
        indicator_table,
        load_inputs,
        need_fits,
        screen,
    )
    from benchmark.profile import profile

    fmt.check_lang(lang)
    if settings is None:
        settings = notebook_settings(data_dir)
    inputs = load_inputs(settings)
    year = inputs.resolve_year(year)
    table = compare(municipality, year, inputs=inputs)
    hist = history(municipality, last_year=year, n_years=TREND_YEARS, inputs=inputs)
    scr = screen(year, inputs=inputs)
    names = table["name"].drop_nulls().to_list() if "name" in table.columns else []
    manifest = read_manifest(settings)
    code = inputs.check_municipality(municipality)
    return ReportData(municipality, str(names[0]) if names else municipality, int(year), lang,
                      table, hist, scr, manifest, retrieval_dates(manifest, settings),
                      profile(municipality, year, lang=lang, inputs=inputs),
                      indicator_table(inputs, code, year), need_fits(inputs, year))


def retrieval_dates(manifest: dict[str, Any], settings: Settings | None = None
                    ) -> dict[str, tuple[str, str]]:
    """First and last retrieval time per source (``Kolada (RKA)``, ``SCB``) of the raw
    snapshots the processed tables came from (ids in the manifest, times in the sidecars)."""
    found: dict[str, list[str]] = {}
    for snap_id in manifest.get("snapshots", []) or []:
        snap = find_snapshot(str(snap_id), settings)
        when = (snap.meta.get("retrieved_at") if snap else None)
        if not when:
            continue
        head = str(snap_id).split("/", 1)[0].lower()
        source = {"kolada": "Kolada (RKA)", "scb": "SCB"}.get(head, head)
        found.setdefault(source, []).append(str(when))
    return {k: (min(v), max(v)) for k, v in sorted(found.items())}


# --- displaying in a notebook -------------------------------------------------------------

_state = {"plotlyjs_done": False}


def start_document(*, include_plotlyjs: bool = True) -> None:
    """Start a new exported document in this Python session: the next chart shown inlines
    plotly.js (``include_plotlyjs=False``: no chart does, for a document whose charts are
    drawn elsewhere, e.g. :func:`benchmark.render.static_html`). A fresh kernel starts in
    this state; :mod:`benchmark.batch` calls it before each report it renders in-process."""
    _state["plotlyjs_done"] = not include_plotlyjs


def show(item: Chart | str, *, interactive: bool = False) -> None:
    """Display a chart or an HTML fragment in the running notebook.

    Charts become static-export-safe HTML: plotly.js is inlined with the first chart of the
    kernel session only, so an exported report holds exactly one copy and needs no network.
    ``interactive=True`` uses plotly's own notebook renderer instead (JupyterLab).
    """
    from IPython.display import HTML, display

    if isinstance(item, Chart):
        if interactive:
            display(item.figure)
            display(HTML(f"<p><strong>{html.escape(item.title)}.</strong> "
                         f"{html.escape(item.caption)}</p>{item.table_html}"))
            return
        first = not _state["plotlyjs_done"]
        _state["plotlyjs_done"] = True
        display(HTML(item.to_html(include_plotlyjs=first)))
    else:
        display(HTML(item))

"""The whole picture in JupyterLab (notebook 01): the LSS profile's spine chart with a
municipality, a year and a group filter (ipywidgets, as :mod:`benchmark.explorer`).

The profile is computed once per municipality and year (:func:`benchmark.profile.profile`);
the group filter only redraws. No statistics are computed here.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import polars as pl

from benchmark import fmt, plots, views
from benchmark.comparison import load_inputs
from benchmark.errors import BenchmarkError
from benchmark.explorer import (
    CONTROL_MARGIN,
    CONTROL_ROW,
    WIDE,
    _banner,
    _on_change,
    _start,
    chart_outputs,
    html_output,
    remember,
)
from benchmark.profile import GROUPS, profile

__all__ = ["profile_tool"]


def profile_tool(*, data_dir: str | Path | None = None, municipality: str | None = None,
                 year: int | None = None, lang: str = "sv") -> Any:
    """The spine chart of the LSS profile with a group filter (notebook 01).

    The parameters are those of :func:`benchmark.explorer.explorer` (data folder, starting
    municipality and year, language).

    Returns
    -------
    ipywidgets.VBox
        The demo label (on demo data), the dropdowns (kommun, år, grupp), the words on what
        the chart can show and the chart with its data table.

    Examples
    --------
    >>> profile_tool(municipality="0180")  # doctest: +SKIP
    """
    import ipywidgets as w

    settings, pick, when = _start(data_dir, municipality, year, lang)
    group = w.Dropdown(options=[(fmt.text("profile.all_groups", lang), "")]
                       + [(fmt.text(f"profile.group.{g}", lang), g) for g in GROUPS[:-1]],
                       value="", description=fmt.text("profile.group_filter", lang),
                       style=WIDE, layout=w.Layout(width="18em", margin=CONTROL_MARGIN))
    out = w.Output()
    inputs = load_inputs(settings)
    cache: dict[tuple[str, int], pl.DataFrame] = {}

    def draw(*_: Any) -> None:
        key = (pick.value, int(when.value))
        try:
            if key not in cache:
                cache[key] = profile(*key, lang=lang, inputs=inputs)
            chart = plots.spine_chart(cache[key], lang, groups=[group.value] if group.value
                                      else None, demo_label=False)
        except BenchmarkError as exc:
            out.outputs = (html_output(
                f"<p><strong>{html.escape(fmt.text('explorer.compare_failed', lang, error=exc))}"
                "</strong></p>"),)
            return
        name = str(cache[key]["name"][0])
        intro = html.escape(fmt.text("profile.intro", lang, name=name))
        caveat = html.escape(fmt.text("profile.no_significance", lang))
        out.outputs = (html_output(f"<p>{intro}</p><p>{caveat}</p>"),
                       *chart_outputs(chart, lang))

    def municipality_changed(*_: Any) -> None:
        remember(settings, municipality=pick.value)
        draw()

    _on_change((when, group), draw)
    _on_change((pick,), municipality_changed)
    draw()
    banner = _banner(settings, lang)
    head = [w.HTML(banner)] if banner else []
    return w.VBox([*head, w.HTML(views.section("profile", lang)),
                   w.HBox([pick, when, group], layout=CONTROL_ROW), out])

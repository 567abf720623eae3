"""The whole picture in the explorer (notebook 01): the LSS profile's spine chart under the
explorer's charts, with a group filter of its own (ipywidgets, as :mod:`benchmark.explorer`).

:func:`whole_picture` follows the explorer's Kommun, År and Jämför med choices; the profile
is computed once per choice (:func:`benchmark.profile.profile`) and the group filter only
redraws. No statistics are computed here.
"""

from __future__ import annotations

import html
from typing import Any

import polars as pl

from benchmark import fmt, plots, views
from benchmark.comparison import Inputs, load_inputs
from benchmark.config import Settings
from benchmark.errors import BenchmarkError
from benchmark.profile import GROUPS, profile

__all__ = ["ProfilePart", "whole_picture"]


def whole_picture(tool: Any) -> Any:
    """The section "Helhetsbild" for an explorer (:func:`benchmark.explorer.explorer`),
    following its dropdowns.

    Parameters
    ----------
    tool
        The explorer's box.

    Returns
    -------
    ipywidgets.VBox
        The heading, the group filter and the spine chart with its words and data table.

    Examples
    --------
    >>> tool = explorer(municipality="0180")  # doctest: +SKIP
    >>> whole_picture(tool)  # doctest: +SKIP
    """
    import ipywidgets as w

    from benchmark.explorer import CONTROL_MARGIN, PEER_GROUPS

    settings, lang, pick, when, peers = tool.lss_choice
    part = ProfilePart(settings, lang, CONTROL_MARGIN)

    def follow(*_: Any) -> None:
        part.draw(pick.value, int(when.value), PEER_GROUPS[peers.value])

    for widget in (pick, when, peers):
        widget.observe(follow, names="value")
    follow()
    return w.VBox(part.widgets())


class ProfilePart:
    """The section "Helhetsbild" of the explorer: heading, group filter and output.

    Examples
    --------
    >>> part = ProfilePart(settings, "sv")  # doctest: +SKIP
    >>> part.draw("0180", 2024, None)  # doctest: +SKIP
    """

    def __init__(self, settings: Settings, lang: str, margin: str = "2px 1.2em 2px 0"
                 ) -> None:
        import ipywidgets as w

        self.settings, self.lang = settings, lang
        self.group = w.Dropdown(
            options=[(fmt.text("profile.all_groups", lang), "")]
            + [(fmt.text(f"profile.group.{g}", lang), g) for g in GROUPS[:-1]],
            value="", description=fmt.text("profile.group_filter", lang),
            style={"description_width": "initial"}, layout=w.Layout(width="18em", margin=margin))
        self.out = w.Output()
        self._inputs: Inputs | None = None
        self._cache: dict[tuple[str, int, str | None], pl.DataFrame] = {}
        self._choice: tuple[str, int, str | None] | None = None
        self.group.observe(lambda *_: self.redraw(), names="value")

    def widgets(self) -> list[Any]:
        """The heading, the group filter and the output, for the explorer's VBox."""
        import ipywidgets as w

        return [w.HTML(views.section("profile", self.lang)), w.HBox([self.group]), self.out]

    def draw(self, municipality: str, year: int, peer_group: str | None) -> None:
        """Show the profile of this choice (computed once per choice)."""
        self._choice = (municipality, int(year), peer_group)
        self.redraw()

    def redraw(self) -> None:
        """Draw the current choice with the current group filter."""
        from benchmark.explorer import chart_outputs, html_output

        if self._choice is None:
            return
        lang = self.lang
        try:
            if self._choice not in self._cache:
                if self._inputs is None:
                    self._inputs = load_inputs(self.settings)
                code, year, peers = self._choice
                self._cache[self._choice] = profile(code, year, peer_group=peers, lang=lang,
                                                    inputs=self._inputs)
            table = self._cache[self._choice]
            chart = plots.spine_chart(table, lang, demo_label=False,
                                      groups=[self.group.value] if self.group.value else None)
        except BenchmarkError as exc:
            self.out.outputs = (html_output(
                f"<p><strong>{html.escape(fmt.text('explorer.compare_failed', lang, error=exc))}"
                "</strong></p>"),)
            return
        intro = html.escape(fmt.text("profile.intro", lang, name=str(table["name"][0])))
        caveat = html.escape(fmt.text("profile.no_significance", lang))
        self.out.outputs = (html_output(f"<p>{intro}</p><p>{caveat}</p>"),
                            *chart_outputs(chart, lang))

"""plotly figures (with caption and an accessible data table) from comparison tables.

Every chart is a :class:`Chart`: the plotly figure, a title, a caption in plain language and
an HTML data table carrying the same numbers, so nothing is conveyed by the picture alone
(WCAG 1.1.1, 1.4.1). Flags are carried by marker shape and text (▲ higher, ▼ lower), never
by colour alone; colours come from :data:`PALETTE` (Okabe–Ito subset, each ≥ 3:1 against
white). Numbers follow the report language (Swedish: ``23 456,7``, minus ``−``); every word
comes from the text catalogue (:mod:`benchmark.texts`).

One module per chart family:

* :mod:`~benchmark.plots.forest`: every category of one municipality and year;
* :mod:`~benchmark.plots.funnel`: every municipality for one category (control limits);
* :mod:`~benchmark.plots.trend`: one category over the years;
* :mod:`~benchmark.plots.decomposition`: age structure or the rest;
* :mod:`~benchmark.plots.spine`: the LSS profile's spine chart (a profile table,
  :func:`benchmark.profile.profile`), one row per KPI on its national spread;
* :mod:`~benchmark.plots.need`: adjusted for age, and for age and need;

and what they share: :mod:`~benchmark.plots.base` (Chart, palette, layout, row helpers),
:mod:`~benchmark.plots.table` (:func:`data_table`), :mod:`~benchmark.plots.peers` (how the
peer group is named).

Every chart function takes ``lang`` (the language of words and numbers, a file of
:mod:`benchmark.texts`) and ``demo_label`` (label synthetic data on the chart itself; False
where the page shows the label once) and returns a :class:`Chart` (figure, title, caption,
data table); it raises :class:`~benchmark.errors.InputError` for a table it cannot draw.

The inputs are comparison tables (:data:`benchmark.comparison.COLUMNS`, from
:func:`~benchmark.comparison.compare`, :func:`~benchmark.comparison.history` and
:func:`~benchmark.comparison.screen`). No statistics are computed here; funnel limit
curves come from :mod:`benchmark.stats`.
"""

from benchmark.origin import is_synthetic
from benchmark.plots.base import PALETTE, PLOTLY_CONFIG, REPORT_CONFIG, SYMBOLS, Chart
from benchmark.plots.decomposition import decomposition_chart, decomposition_table
from benchmark.plots.forest import ZERO_SYMBOL, forest_chart, forest_table
from benchmark.plots.funnel import OUTSIDE_SYMBOL, funnel_chart, funnel_limits, funnel_table
from benchmark.plots.need import need_chart, need_table
from benchmark.plots.peers import peer_group_name, peer_name
from benchmark.plots.spine import spine_chart, spine_position, spine_table
from benchmark.plots.table import data_table
from benchmark.plots.trend import trend_chart, trend_table

__all__ = [
    "OUTSIDE_SYMBOL", "PALETTE", "PLOTLY_CONFIG", "REPORT_CONFIG", "SYMBOLS", "ZERO_SYMBOL",
    "Chart", "data_table", "decomposition_chart", "decomposition_table", "forest_chart",
    "forest_table", "funnel_chart", "funnel_limits", "funnel_table", "is_synthetic",
    "need_chart", "need_table",
    "peer_group_name", "peer_name", "spine_chart", "spine_position", "spine_table",
    "trend_chart", "trend_table",
]

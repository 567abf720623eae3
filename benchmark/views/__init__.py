"""What the notebooks show: load the comparison tables and render report sections as HTML.

The notebooks (``notebooks/0*.py``) are thin: they call :func:`load_report_data` and then
:func:`show` on charts from :mod:`benchmark.plots` and on the text sections built here.
No statistics are computed here either. One module per job:

* :mod:`~benchmark.views.data`: :func:`load_report_data` (compare, history and screen read
  once), :func:`notebook_settings`, :func:`show`;
* :mod:`~benchmark.views.sections`: the board report's sections (title, summary in words,
  the whole picture's words, what the numbers mean, glossary, sources);
* :mod:`~benchmark.views.cost`: what the difference costs;
* :mod:`~benchmark.views.need`: is the difference about greater need?;
* :mod:`~benchmark.views.screening`: the national screening tables and the method
  notebook's catalogue table;
* :mod:`~benchmark.views.findings`: findings that depend on how the ages are counted;
* :mod:`~benchmark.views.methods`: the method notebook's tables of the age profile and the
  robust flags.

Every word comes from the text catalogue (:mod:`benchmark.texts`).
"""

from benchmark.views.cost import cost_section
from benchmark.views.data import (
    TREND_YEARS,
    ReportData,
    load_report_data,
    notebook_settings,
    retrieval_dates,
    show,
    start_document,
)
from benchmark.views.findings import alternative_words, depends_sentences
from benchmark.views.methods import age_profile_table, robustness_table
from benchmark.views.need import (
    beta_table,
    indicator_view,
    need_explained,
    need_parts,
    need_sentences,
)
from benchmark.views.screening import (
    CATEGORY_SORTS,
    OVERVIEW_SORTS,
    TABLE_CSS,
    municipality_table,
    reference_bands_table,
    screening_summary,
    sort_choices,
    sv_sort_key,
)
from benchmark.views.sections import (
    GLOSSARY,
    SECTIONS,
    category_heading,
    demo_note,
    findings_line,
    funnel_categories,
    funnel_intro,
    funnel_part,
    glossary,
    heading,
    meaning,
    paired_note,
    profile_groups,
    profile_intro,
    section,
    sources,
    summary,
    title_block,
    trend_categories,
)

__all__ = [
    "CATEGORY_SORTS", "GLOSSARY", "OVERVIEW_SORTS", "SECTIONS", "TABLE_CSS", "TREND_YEARS",
    "ReportData", "age_profile_table", "alternative_words", "beta_table",
    "category_heading", "cost_section", "demo_note", "depends_sentences", "findings_line",
    "funnel_categories", "funnel_intro", "funnel_part", "glossary", "heading", "indicator_view",
    "load_report_data", "meaning", "municipality_table", "need_explained", "need_parts",
    "need_sentences", "notebook_settings", "paired_note", "profile_groups", "profile_intro",
    "reference_bands_table", "retrieval_dates", "robustness_table", "screening_summary",
    "section", "show", "sort_choices", "sources", "start_document", "summary", "sv_sort_key",
    "title_block", "trend_categories",
]

"""The words a comparison table holds, from the text catalogue (:mod:`benchmark.texts`).

The table's labels are Swedish, like Kolada's and the catalogue's (``category_label``,
``reference_band``, ``data_origin``, the title of a custom peer group); ``category_label_en``
carries the English name. ``flag_reason`` is an explanation for the analyst reading the CSV
beside the (English) column names, so it is written in English. Readers of a report get
every label in their language through :mod:`benchmark.fmt`.
"""

from __future__ import annotations

from benchmark.texts import text

#: Language of the table's labels.
TABLE_LANG = "sv"
#: Language of ``flag_reason``.
REASON_LANG = "en"


def label(key: str, **values: object) -> str:
    """A label as the table holds it (``label("band.total_split") == "0–22/23–64/65+"``)."""
    return text(key, TABLE_LANG, **values)


def reason(key: str, **values: object) -> str:
    """A ``flag_reason`` (the text ``reason.<key>``), e.g. ``reason("missing")``."""
    return text(f"reason.{key}", REASON_LANG, **values)

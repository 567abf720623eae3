"""The national screening as tables (notebook 03, the screening tool) and the method
notebook's catalogue table (notebook 04).

Per category: municipalities assessed and clearly higher/lower (:func:`screening_summary`);
all municipalities in one table that fits the screen (:func:`municipality_table`). Words
come from the text catalogue (:mod:`benchmark.texts`).
"""

from __future__ import annotations

import html
from typing import Any

import polars as pl

from benchmark import fmt
from benchmark.catalog import CATEGORIES, get_category
from benchmark.errors import InputError
from benchmark.plots import data_table

# --- national screening (notebook 03) -----------------------------------------------------

_GLYPH = {"higher": " ▲", "lower": " ▼"}

#: Styles of the screening tool's table (scoped to ``.lss-scroll``): it fits the notebook's
#: width (cells wrap; no horizontal scrolling) and scrolls vertically under a fixed header.
TABLE_CSS = """<style>
.lss-scroll{max-height:30em;overflow-y:auto;border:1px solid #d0d0d0;margin:.3em 0}
.lss-scroll table.lss-data{width:100%;table-layout:auto;margin:0;border-collapse:collapse}
.lss-scroll table.lss-data th,.lss-scroll table.lss-data td{white-space:normal;
 overflow-wrap:anywhere;text-align:left;padding:.25em .6em}
.lss-scroll table.lss-data .num{text-align:right}
.lss-scroll table.lss-data thead th{position:sticky;top:0;z-index:1;
 background:var(--jp-layout-color1,#fff);box-shadow:0 1px 0 #d0d0d0}
.lss-scroll table.lss-data caption{caption-side:top;text-align:left;padding:.3em .6em}
.lss-scroll table.lss-data tr.lss-chosen>*{background:#fff1b8;font-weight:600}
</style>"""


def _flag_of(r: dict[str, Any]) -> str | None:
    """``higher``/``lower`` for an assessable row with a clear flag (one that does not
    depend on how ages are counted, ``robust`` not false), else ``None``."""
    flag = r.get("flag")
    clear = flag in ("higher", "lower") and r.get("robust") is not False
    return flag if r.get("status") == "ok" and clear else None


def _ratio_text(r: dict[str, Any] | None, lang: str) -> str:
    """``1,30 ▲``; the status (never a number) when the value is suppressed or missing."""
    if r is None or r.get("status") != "ok" or r.get("ratio") is None:
        return fmt.status_label((r or {}).get("status") or "missing", lang, short=True)
    return fmt.ratio(r["ratio"], lang) + _GLYPH.get(_flag_of(r) or "", "")


def screening_summary(screen: pl.DataFrame, lang: str = "sv", *,
                      municipality: str | None = None, methods: bool = False) -> str:
    """Per category: municipalities assessed, clearly higher and lower, higher or lower but
    depending on how ages are counted (``robust`` false), suppressed/missing.

    Parameters
    ----------
    screen, lang
        A screening table of one year, and the language.
    municipality
        A kommunkod whose own ratio is shown beside.
    methods
        Add overdispersion φ and τ², the window of years they are pooled over and the
        single years' τ² range (for the method notebook; the unit heads' tool leaves them
        out).

    Returns
    -------
    str
        An accessible HTML table (:func:`benchmark.plots.data_table`).

    Examples
    --------
    >>> screening_summary(screen(2024, settings=settings), municipality="0180")  # doctest: +SKIP
    """
    fmt.check_lang(lang)
    mine = {r["category"]: r for r in screen.filter(pl.col("municipality") == municipality)
            .to_dicts()} if municipality else {}
    name = next((str(r.get("name") or municipality) for r in mine.values()), municipality)
    rows = []
    for c in CATEGORIES:
        sub = screen.filter(pl.col("category") == c.id)
        if sub.height == 0:
            continue
        ok = sub.filter((pl.col("status") == "ok") & (pl.col("flag") != "not_assessed"))
        fragile = ((pl.col("robust") == False) if "robust" in ok.columns  # noqa: E712
                   else pl.lit(False)).fill_null(False)
        clear = ok.filter(~fragile)
        row = [c.label(lang), fmt.integer(ok.height, lang),
               fmt.integer(clear.filter(pl.col("flag") == "higher").height, lang),
               fmt.integer(clear.filter(pl.col("flag") == "lower").height, lang),
               fmt.integer(ok.filter(fragile & pl.col("flag").is_in(["higher", "lower"]))
                           .height, lang),
               fmt.integer(sub.filter(pl.col("status") != "ok").height, lang)]
        if municipality:
            row.append(_ratio_text(mine.get(c.id), lang))
        if methods:
            phi, tau2 = sub["phi"].drop_nulls(), sub["tau2"].drop_nulls()
            first = sub.filter(pl.col("phi").is_not_null()).head(1).to_dicts()
            r0 = first[0] if first else {}
            row += [fmt.number(phi[0] if len(phi) else None, 2, lang),
                    fmt.number(tau2[0] if len(tau2) else None, 4, lang),
                    str(r0.get("od_years") or fmt.MISSING),
                    fmt.interval(r0.get("tau2_min"), r0.get("tau2_max"), 4, lang)]
        rows.append(row)
    headers = [fmt.text(k, lang) for k in ("label.category", "screening.assessed",
                                           "screening.clearly_higher", "screening.clearly_lower",
                                           "screening.depends_on_ages",
                                           "screening.suppressed_missing")]
    if municipality:
        headers.append(fmt.text("screening.ratio_of", lang, name=name))
    if methods:
        headers += [fmt.text(f"screening.{k}", lang)
                    for k in ("overdispersion", "tau2", "od_years", "tau2_range")]
    years = screen["year"].unique().to_list()
    caption = fmt.text("screening.by_category_caption", lang, year=years[0] if years else "")
    return data_table(caption, headers, rows, [False] + [True] * (len(headers) - 1))


#: Sort orders of :func:`municipality_table`: of the overview and of one category (labels:
#: the texts ``screening.sort_<key>``).
OVERVIEW_SORTS = ("name", "most_higher", "most_lower")
CATEGORY_SORTS = ("name", "ratio_desc", "ratio_asc", "size")

_SV_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e",
                           "è": "e", "ü": "y"})


def sv_sort_key(name: str) -> str:
    """Swedish alphabetical order (… x y z å ä ö) without relying on the OS locale."""
    return name.lower().translate(_SV_ORDER)


def sort_choices(category: str | None, lang: str = "sv") -> list[tuple[str, str]]:
    """(label, key) pairs of the sort orders that apply to the overview or one category."""
    keys = OVERVIEW_SORTS if category is None else CATEGORY_SORTS
    return [(fmt.text(f"screening.sort_{k}", lang), k) for k in keys]


def municipality_table(screen: pl.DataFrame, lang: str = "sv", *,
                       category: str | None = None, municipality: str | None = None,
                       query: str = "", only_deviating: bool = False,
                       sort: str = "name") -> str:
    """All municipalities in a table that fits the screen.

    Either the overview (clearly higher and lower per municipality, naming the categories)
    or one category's numbers, filtered by ``query`` (part of a name or code) and
    ``only_deviating``. The chosen ``municipality`` is highlighted; suppressed values show
    as their status.

    Parameters
    ----------
    screen
        A screening table of one year.
    lang
        The language.
    category
        A category id for its numbers; None for the overview.
    municipality
        The kommunkod to highlight.
    query
        Part of a name or code to keep.
    only_deviating
        Keep only municipalities with a clear flag.
    sort
        One of :data:`OVERVIEW_SORTS` (overview) or :data:`CATEGORY_SORTS` (one category);
        ratios rank on the shrunk ratio, so small municipalities do not lead by chance.

    Returns
    -------
    str
        HTML: how many rows are shown, then the scrolling table.

    Raises
    ------
    InputError
        For a sort order that does not apply to the view.

    Examples
    --------
    >>> municipality_table(screen(2024, settings=settings), sort="most_higher")  # doctest: +SKIP
    """
    fmt.check_lang(lang)
    valid = OVERVIEW_SORTS if category is None else CATEGORY_SORTS
    if sort not in valid:
        raise InputError(f"unknown sort {sort!r}; valid: {', '.join(valid)}")
    by_code: dict[str, dict[str, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for r in screen.to_dicts():
        by_code.setdefault(r["municipality"], {})[r["category"]] = r
        names[r["municipality"]] = str(r.get("name") or r["municipality"])
    needle = query.strip().lower()
    codes = [c for c in by_code if not needle or needle in names[c].lower() or needle in c]
    if category is None:
        flags = {c: {cid: _flag_of(r) for cid, r in by_code[c].items()} for c in codes}
        count = {c: (sum(f == "higher" for f in flags[c].values()),
                     sum(f == "lower" for f in flags[c].values())) for c in codes}
        if only_deviating:
            codes = [c for c in codes if sum(count[c])]
        codes.sort(key=lambda c: sv_sort_key(names[c]))
        if sort == "most_higher":
            codes.sort(key=lambda c: -count[c][0])
        elif sort == "most_lower":
            codes.sort(key=lambda c: -count[c][1])
        rows = [[f"{names[c]} ({c})", fmt.integer(count[c][0], lang),
                 fmt.integer(count[c][1], lang),
                 ", ".join(f"{_GLYPH[flags[c][k.id]].strip()} "
                           f"{fmt.category_label(k.id, lang, mid_sentence=True)}"
                           for k in CATEGORIES if flags[c].get(k.id)) or fmt.MISSING]
                for c in codes]
        headers = [fmt.text(k, lang) for k in ("label.municipality", "screening.clearly_higher",
                                               "screening.clearly_lower",
                                               "screening.deviating_categories")]
        numeric = [False, True, True, False]
        view = fmt.text("screening.overview_all", lang)
    else:
        label = get_category(category).label(lang)
        rec = {c: by_code[c].get(category) or {} for c in codes}
        if only_deviating:
            codes = [c for c in codes if _flag_of(rec[c])]
        codes.sort(key=lambda c: sv_sort_key(names[c]))

        def rank(c: str) -> float | None:
            r = rec[c]
            if r.get("status") != "ok" or r.get("ratio") is None:
                return None
            return r["ratio"] if r.get("ratio_shrunk") is None else r["ratio_shrunk"]

        if sort in ("ratio_desc", "ratio_asc"):
            sign = -1 if sort == "ratio_desc" else 1
            codes.sort(key=lambda c: (rank(c) is None, sign * (rank(c) or 0.0)))
        elif sort == "size":
            codes.sort(key=lambda c: (rec[c].get("status") != "ok",
                                      -(rec[c].get("expected") or 0.0)))
        rows = []
        for c in codes:
            r = rec[c]
            ok = r.get("status") == "ok"
            rows.append([f"{names[c]} ({c})",
                         fmt.integer(r.get("observed"), lang) if ok
                         else fmt.status_label(r.get("status") or "missing", lang, short=True),
                         fmt.number(r.get("expected"), 1, lang) if ok else fmt.MISSING,
                         _ratio_text(r, lang),
                         fmt.flag_label(fmt.finding(r) if ok else "not_assessed", lang)])
        headers = [fmt.text(f"label.{k}", lang) for k in ("municipality", "observed",
                                                          "expected", "ratio", "flag")]
        numeric = [False, True, True, True, False]
        view = label
    years = screen["year"].unique().to_list()
    chosen = names.get(municipality or "", "")
    caption = fmt.text("screening.table_caption", lang, year=years[0] if years else "",
                       view=view, name=chosen) if chosen else f"{view} {years[0] if years else ''}"
    table = data_table(caption, headers, rows, numeric,
                             highlight=[row[0] == f"{chosen} ({municipality})" for row in rows])
    out = (f'{TABLE_CSS}<p class="lss-count">'
           f"{html.escape(fmt.text('screening.rows_shown', lang, n=len(rows), total=len(by_code)))}"
           "</p>"
           f'<div class="lss-scroll">{table}</div>')
    if sort in ("ratio_desc", "ratio_asc"):
        out += f"<p>{html.escape(fmt.text('screening.ratio_sort_note', lang))}</p>"
    return out


# --- methods (notebook 04) ----------------------------------------------------------------

def reference_bands_table(lang: str = "sv") -> str:
    """The catalogue's categories with KPIs and reference age bands (no hand copy).

    Examples
    --------
    >>> "Daily activity" in reference_bands_table("en")
    True
    """
    rows = [[c.label(lang), c.id, c.paragraph, c.kpi_count or fmt.MISSING, c.kpi_rate,
             fmt.band_label(c.band_label, lang)] for c in CATEGORIES]
    headers = [fmt.text(k, lang) for k in ("label.category", "methods.id", "methods.lss",
                                           "methods.count_kpi", "methods.rate_kpi",
                                           "methods.reference_ages")]
    return data_table(fmt.text("methods.caption", lang), headers, rows)

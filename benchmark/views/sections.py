"""The board report's text sections as HTML: title, summary in words, what the numbers mean
and do not mean, glossary and sources (notebooks/02-styrelserapport).

No statistics are computed here; the words are derived from the ``flag`` columns of the
comparison table (:data:`benchmark.comparison.COLUMNS`) and come from the text catalogue
(:mod:`benchmark.texts`). All text coming from data (names, titles) is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import Any

import polars as pl

from benchmark import fmt
from benchmark.catalog import CATEGORIES, PAIRED_CATEGORIES, get_category
from benchmark.errors import DataError
from benchmark.plots import peer_name
from benchmark.views.data import ReportData
from benchmark.views.findings import depends_sentences

#: The report's sections (their headings are the texts ``section.<key>``).
SECTIONS = ("summary", "overview", "decomposition", "need", "trend", "funnel", "cost",
            "profile", "reading", "glossary", "sources")
#: The glossary's terms, in order (texts ``glossary.<key>`` and ``glossary.<key>_def``).
GLOSSARY = ("lss", "executed", "expected", "limit", "interval", "other")


def heading(text: str, level: int = 2, *, anchor: str | None = None) -> str:
    """An HTML heading (``level`` 1–3) with escaped text and an optional ``id`` (then also
    ``tabindex="-1"``, so a link to it moves the keyboard focus there).

    Examples
    --------
    >>> heading("Kostnad & nytta", 3)
    '<h3>Kostnad &amp; nytta</h3>'
    """
    ident = f' id="{html.escape(anchor)}" tabindex="-1"' if anchor else ""
    return f"<h{level}{ident}>{html.escape(text)}</h{level}>"


def _paragraph(text: str, attrs: str = "") -> str:
    return f"<p{attrs}>{html.escape(text)}</p>"


def section(key: str, lang: str = "sv", level: int = 2) -> str:
    """The heading of a standard report section (one of :data:`SECTIONS`) in ``lang``, with
    the anchor ``id="lss-<key>"`` (the report's skip link points to ``#lss-summary``).

    Examples
    --------
    >>> section("summary", "en")
    '<h2 id="lss-summary" tabindex="-1">Summary</h2>'
    """
    return heading(fmt.text(f"section.{key}", lang), level, anchor=f"lss-{key}")


def category_heading(category: str, lang: str = "sv", level: int = 3) -> str:
    """A heading naming one category."""
    return heading(get_category(category).label(lang), level)


def profile_intro(data: ReportData) -> str:
    """The words before the spine chart ("Helhetsbild"): what it shows, and that no
    significance is claimed where Kolada gives no sampling variance."""
    return (_paragraph(fmt.text("profile.intro", data.lang, name=data.name))
            + _paragraph(fmt.text("profile.no_significance", data.lang)))


def profile_groups(table: pl.DataFrame) -> list[str]:
    """The groups of a profile table that have rows, in chart order."""
    from benchmark.profile import GROUPS

    present = set(table["group"].to_list()) if "group" in table.columns else set()
    return [g for g in GROUPS if g in present]


def demo_note(lang: str = "sv") -> str:
    """The demo label of a page showing synthetic data (bold, one line)."""
    return (f'<p class="lss-demo"><strong>{html.escape(fmt.text("label.synthetic_note", lang))}'
            "</strong></p>")


def title_block(data: ReportData) -> str:
    """The report's h1, the reference date and, for demo data, a visible warning.

    Parameters
    ----------
    data
        What the report shows (:func:`benchmark.views.load_report_data`).

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> title_block(load_report_data("0180", 2024, settings=settings))  # doctest: +SKIP
    '<h1>LSS-insatser i Demoby 2024 jämfört med riket</h1><p>Personer med …'
    """
    lang = data.lang
    out = (heading(fmt.text("report.title", lang, name=data.name, year=data.year), 1)
           + _paragraph(fmt.text("report.subtitle", lang, year=data.year,
                                 code=data.municipality)))
    if data.synthetic:
        out += _paragraph(f"{fmt.text('label.synthetic_note', lang)} "
                          f"{fmt.text('report.demo_note', lang)}",
                          ' class="lss-demo" role="note"')
    return out


def _labels(table: pl.DataFrame, mask: pl.Expr, lang: str) -> list[str]:
    """Labels of the rows matching ``mask``, catalogue order, in their mid-sentence form."""
    order = {c.id: i for i, c in enumerate(CATEGORIES)}
    ids = sorted(table.filter(mask)["category"].to_list(), key=lambda c: order.get(c, 99))
    return [fmt.category_label(c, lang, mid_sentence=True) for c in ids]


def _fragile(table: pl.DataFrame) -> pl.Expr:
    """Rows whose flag does not hold under the alternative ways of counting ages."""
    return (pl.col("robust").fill_null(True).not_() if "robust" in table.columns
            else pl.lit(False))


def findings_line(table: pl.DataFrame, lang: str = "sv") -> str:
    """The main findings in one line of plain text (the index of a batch of reports): the
    categories clearly above and below Riket (a ``flag`` that is ``robust``, as in
    :func:`summary`), those whose flag depends on how ages are counted, or that none
    deviates clearly."""
    fmt.check_lang(lang)
    table = _need_verdict(table)  # the need-adjusted verdict where need explains the insats
    ok = pl.col("status") == "ok"
    flagged = ok & pl.col("flag").is_in(["higher", "lower"])
    fragile = _fragile(table)
    parts = [fmt.text(f"index.finding_{flag}", lang, items=fmt.join(labels, lang))
             for flag in ("higher", "lower")
             if (labels := _labels(table, ok & (pl.col("flag") == flag) & ~fragile, lang))]
    if depends := _labels(table, flagged & fragile, lang):
        parts.append(fmt.text("index.finding_depends", lang, items=fmt.join(depends, lang)))
    return " ".join(parts) or fmt.text("index.finding_none", lang)


def summary(table: pl.DataFrame, lang: str = "sv") -> str:
    """Findings in words: how many categories are clearly above/below Riket (only flags
    that hold under the alternative ways of counting ages, ``robust``), which ones depend
    on how ages are counted and how, which show no clear difference, and where the rest of
    the country is the reference.

    Parameters
    ----------
    table
        The comparison of one municipality and year.
    lang
        The language.

    Returns
    -------
    str
        An HTML list of findings followed by what "clearly" means.

    Examples
    --------
    >>> summary(compare("0180", 2024, settings=settings), "en")  # doctest: +SKIP
    '<div class="lss-summary"><ul><li>Clearly above Sweden: 1 of 10 categories – …'
    """
    fmt.check_lang(lang)
    n = table.height
    ok = pl.col("status") == "ok"
    explained = _need_explained(table, lang)
    table = _need_verdict(table)
    fragile = _fragile(table)
    hi = _labels(table, ok & (pl.col("flag") == "higher") & ~fragile, lang)
    lo = _labels(table, ok & (pl.col("flag") == "lower") & ~fragile, lang)
    sim = _labels(table, ok & (pl.col("flag") == "similar"), lang)
    na = _labels(table, ~ok | (pl.col("flag") == "not_assessed") | pl.col("flag").is_null(),
                 lang)
    # persistent in the direction of this year's flag only (an earlier run of "lower" years
    # says nothing about a "higher" flag now)
    persistent = _labels(table, ok & pl.col("persistent").fill_null(False)
                         & pl.col("flag").is_in(["higher", "lower"]) & ~fragile
                         & (pl.col("persistence_direction") == pl.col("flag")).fill_null(False),
                         lang) \
        if {"persistent", "persistence_direction"} <= set(table.columns) else []

    def listed(key: str, found: list[str]) -> str:
        return fmt.text(f"summary.{key}" if found else f"summary.{key}_none", lang,
                        n=len(found), total=n, items=fmt.join(found, lang))

    items = [listed("higher", hi), listed("lower", lo), *depends_sentences(table, lang),
             listed("similar", sim)]
    if na:
        items.append(fmt.text("summary.not_assessed", lang, n=len(na),
                              items=fmt.join(na, lang)))
    if persistent:
        items.append(fmt.text("summary.persistent", lang, items=fmt.join(persistent, lang)))
    items += explained
    items += _reference_sentences(table, lang)
    profiled = "age_model" in table.columns and (table["age_model"] == "profile").any()
    lead = fmt.text("summary.lead_profile" if profiled else "summary.lead", lang)
    lis = "".join(f"<li>{html.escape(s)}</li>" for s in items)
    return f'<div class="lss-summary"><ul>{lis}</ul></div>{_paragraph(lead)}'


def _need_verdict(table: pl.DataFrame) -> pl.DataFrame:
    """The table with ``flag`` replaced by ``need_flag`` where the need indicators explain
    the insats (``need_explains``) and the need-adjusted row is assessed: the verdict the
    summary gives."""
    if not {"need_flag", "need_explains"} <= set(table.columns):
        return table
    use = (pl.col("need_explains").fill_null(False)
           & pl.col("need_flag").is_in(["higher", "lower", "similar"]))
    return table.with_columns(pl.when(use).then(pl.col("need_flag")).otherwise(pl.col("flag"))
                              .alias("flag"))


def _need_explained(table: pl.DataFrame, lang: str) -> list[str]:
    """Insatser clearly above or below Riket adjusted for age but not once the need
    indicators, which explain them, are taken into account."""
    if not {"need_flag", "need_explains"} <= set(table.columns):
        return []
    found = _labels(table, (pl.col("status") == "ok") & pl.col("need_explains").fill_null(False)
                    & pl.col("flag").is_in(["higher", "lower"])
                    & (pl.col("need_flag") == "similar"), lang)
    return [fmt.text("summary.need_explained", lang, items=fmt.join(found, lang))] if found else []


def _reference_sentences(table: pl.DataFrame, lang: str) -> list[str]:
    """Where the rest of Sweden is the reference (``reference``), say so."""
    if "reference" not in table.columns:
        return []
    ok = pl.col("status") == "ok"
    rest = _labels(table, ok & (pl.col("reference") == "riket_utom_kommunen"), lang)
    if not rest:
        return []
    assessed = _labels(table, ok & (pl.col("flag") != "not_assessed"), lang)
    names = table["name"].drop_nulls() if "name" in table.columns else []
    name = str(names[0]) if len(names) else ""
    if set(assessed) <= set(rest):
        return [fmt.text("summary.reference_rest_all", lang, name=name)]
    return [fmt.text("summary.reference_rest", lang, names=fmt.join(rest, lang), name=name)]


def paired_note(lang: str = "sv") -> str:
    """Why personal assistance under LSS and under SFB are always shown together."""
    a, b = (fmt.category_label(c, lang, mid_sentence=i > 0)
            for i, c in enumerate(PAIRED_CATEGORIES[0]))
    return _paragraph(fmt.text("summary.paired", lang, a=a, b=b))


def trend_categories(table: pl.DataFrame) -> list[str]:
    """Categories whose trend a report shows: every flagged one (at 95 % or 99,8 %) or
    persistent one, both personal-assistance categories if either is shown, else the total."""
    cols = [c for c in ("flag", "flag_95") if c in table.columns]
    mask = pl.lit(False)
    for c in cols:
        mask = mask | pl.col(c).is_in(["higher", "lower"])
    if "persistent" in table.columns:
        mask = mask | pl.col("persistent").fill_null(False)
    chosen = set(table.filter((pl.col("status") == "ok") & mask)["category"].to_list())
    for pair in PAIRED_CATEGORIES:
        if chosen & set(pair):
            chosen |= set(pair)
    if not chosen:
        chosen = {"totalt"}
    return [c.id for c in CATEGORIES if c.id in chosen]


def funnel_categories(table: pl.DataFrame) -> list[str]:
    """Categories for which the report shows all municipalities: the clearly deviating ones,
    or the total when none deviates."""
    flagged = table.filter((pl.col("status") == "ok")
                           & pl.col("flag").is_in(["higher", "lower"]))["category"].to_list()
    return [c.id for c in CATEGORIES if c.id in (flagged or ["totalt"])]


def funnel_part(data: ReportData, category: str) -> Any:
    """The funnel chart of one category among all municipalities, or one sentence saying that
    no municipality could be assessed (a data condition: too few municipalities, or a
    national total that does not add up), so the report goes on without the chart."""
    from benchmark import plots

    try:
        return plots.funnel_chart(data.screen, category, data.municipality, data.lang)
    except DataError:
        return _paragraph(fmt.text("screening.no_funnel", data.lang, year=data.year,
                                   category=get_category(category).label(data.lang)))


def funnel_intro(data: ReportData) -> str:
    """One paragraph introducing the all-municipality funnel plots."""
    some = funnel_categories(data.table) != ["totalt"]
    return _paragraph(fmt.text("report.funnel_intro" if some else "report.funnel_intro_none",
                               data.lang, name=data.name))


def meaning(lang: str = "sv", *, peer_title: str | None = None,
            age_model: str = "profile") -> str:
    """What the numbers mean and what they do not mean (plain language).

    Parameters
    ----------
    lang
        The language.
    peer_title
        The peer group's Kolada title: the report then says which group it compares with.
    age_model
        The table's age model (``profile`` or ``band``): how E allows for age.

    Returns
    -------
    str
        Two headings, each with a list.

    Examples
    --------
    >>> "<h3>What the numbers do not mean</h3>" in meaning("en")
    True
    """
    means = [fmt.text("meaning.count", lang),
             fmt.text("meaning.ratio", lang,
                      age_note=fmt.age_adjustment_note(lang, age_model)),
             fmt.text("meaning.interval", lang)]
    if peer_title:
        means.append(fmt.text("chart.peer_subtitle", lang, peer=peer_name(peer_title, lang))
                     + ".")
    not_means = [fmt.text(f"meaning.{k}", lang) for k in (
        "not_decisions", "not_judgement", "not_shown", "overlap", "circular", "suppressed")]

    def ul(items: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"

    return (heading(fmt.text("meaning.heading", lang), 3) + ul(means)
            + heading(fmt.text("meaning.heading_not", lang), 3) + ul(not_means))


def glossary(lang: str = "sv") -> str:
    """Short explanations of the terms used (klarspråk), as an HTML definition list.

    Examples
    --------
    >>> glossary("en").startswith("<dl><dt>LSS support</dt>")
    True
    """
    items = "".join(f"<dt>{html.escape(fmt.text(f'glossary.{k}', lang))}</dt>"
                    f"<dd>{html.escape(fmt.text(f'glossary.{k}_def', lang))}</dd>"
                    for k in GLOSSARY)
    return f"<dl>{items}</dl>"


def sources(manifest: dict[str, Any], lang: str = "sv", *,
            retrieved: dict[str, tuple[str, str]] | None = None,
            synthetic: bool = False) -> str:
    """Attribution, retrieval dates and processing date, the demo label and, for a partial
    set, what is missing.

    Parameters
    ----------
    manifest
        The processed set's manifest (:func:`benchmark.store.read_manifest`).
    lang
        The language.
    retrieved
        Source → (first, last) retrieval time (:func:`benchmark.views.retrieval_dates`).
    synthetic
        Add the demo label.

    Returns
    -------
    str
        ``<div class="lss-sources">`` with the paragraphs.

    Examples
    --------
    >>> "processed on 2 December 2026" in sources({"created": "2026-12-02"}, "en")
    True
    """
    parts = [f"<p><strong>{html.escape(fmt.text('label.source', lang))}</strong>. "
             + html.escape(fmt.text("sources.attribution", lang)) + "</p>"]
    lines = []
    for source, (first, last) in (retrieved or {}).items():
        a, b = fmt.long_date(first, lang), fmt.long_date(last, lang)
        lines.append(fmt.text("sources.retrieved", lang, source=source,
                              date=a + (f"–{b}" if a != b else "")))
    if lines:
        parts.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>")
    created = manifest.get("created")
    if created:
        parts.append(_paragraph(fmt.text("sources.processed", lang,
                                         date=fmt.long_date(created, lang))))
    if synthetic:
        parts.append(_paragraph(fmt.text("label.synthetic_note", lang), ' class="lss-demo"'))
    if manifest.get("complete") is False:  # processed with --allow-partial
        parts.append(_paragraph(fmt.text("sources.partial", lang,
                                         gaps=len(manifest.get("missing") or [])),
                                ' class="lss-demo" role="note"'))
    return '<div class="lss-sources">' + "".join(parts) + "</div>"

"""What the notebooks show: load the comparison tables and render report sections as HTML.

The notebooks (``notebooks/0*.py``) are thin: they call :func:`load_report_data` and then
:func:`show` on charts from :mod:`benchmark.plots` and on the text sections built here
(summary in words, what the numbers mean and do not mean, glossary, sources). No statistics
are computed here either; the words are derived from the ``flag`` columns of the comparison
table (:data:`benchmark.comparison.COLUMNS`). All text coming from data (names, titles)
is HTML-escaped.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from benchmark import fmt, plots
from benchmark.catalog import CATEGORIES, PAIRED_CATEGORIES, get_category
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError, InputError
from benchmark.store import read_manifest
from benchmark.tableset import has_processed

#: Number of years shown in trends (the current year and the nine before it).
TREND_YEARS = 10


def notebook_settings(data_dir: str | Path | None = None) -> Settings:
    """Settings for a notebook: ``data_dir`` if given, else the data a user most likely means.

    JupyterLab starts kernels in ``notebooks/``, so a relative ``data`` would point to the
    wrong place. Without ``data_dir`` this looks, in order, at ``$BENCHMARK_DATA_DIR``, then
    ``data/`` and ``data/demo/`` in the working folder and its parents up to the project
    root, and takes the first one holding processed tables: real data before the demo.
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

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic")) or plots.is_synthetic(self.table)


def load_report_data(municipality: str, year: int | None, *, lang: str = "sv",
                     data_dir: str | Path | None = None,
                     settings: Settings | None = None) -> ReportData:
    """Run compare, history and screen for one municipality and year (None: the newest
    year with data); the tables are read once."""
    from benchmark.comparison import compare, history, load_inputs, screen

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
    return ReportData(municipality, str(names[0]) if names else municipality, int(year), lang,
                      table, hist, scr, manifest, retrieval_dates(manifest, settings))


# --- displaying in a notebook -------------------------------------------------------------

_state = {"plotlyjs_done": False}


def start_document(*, include_plotlyjs: bool = True) -> None:
    """Start a new exported document in this Python session: the next chart shown inlines
    plotly.js (``include_plotlyjs=False``: no chart does, for a document whose charts are
    drawn elsewhere, e.g. :func:`benchmark.render.static_html`). A fresh kernel starts in
    this state; :mod:`benchmark.batch` calls it before each report it renders in-process."""
    _state["plotlyjs_done"] = not include_plotlyjs


def show(item: plots.Chart | str, *, interactive: bool = False) -> None:
    """Display a chart or an HTML fragment in the running notebook.

    Charts become static-export-safe HTML: plotly.js is inlined with the first chart of the
    kernel session only, so an exported report holds exactly one copy and needs no network.
    ``interactive=True`` uses plotly's own notebook renderer instead (JupyterLab).
    """
    from IPython.display import HTML, display

    if isinstance(item, plots.Chart):
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


# --- text sections ------------------------------------------------------------------------

_join = fmt.join


def _labels(table: pl.DataFrame, mask: pl.Expr, lang: str) -> list[str]:
    """Labels of the rows matching ``mask``, catalogue order, in their mid-sentence form."""
    order = {c.id: i for i, c in enumerate(CATEGORIES)}
    ids = sorted(table.filter(mask)["category"].to_list(), key=lambda c: order.get(c, 99))
    return [fmt.category_label(c, lang, mid_sentence=True) for c in ids]


SECTIONS: dict[str, tuple[str, str]] = {
    "summary": ("Sammanfattning", "Summary"),
    "overview": ("Alla insatser jämfört med riket", "All categories compared with Sweden"),
    "decomposition": ("Beror skillnaden på åldersstrukturen?",
                      "Is the difference due to the age structure?"),
    "trend": ("Utveckling över tid", "Development over time"),
    "funnel": ("Alla kommuner", "All municipalities"),
    "cost": ("Vad kostar skillnaden?", "What does the difference cost?"),
    "reading": ("Så ska siffrorna läsas", "How to read the numbers"),
    "glossary": ("Ordlista", "Glossary"),
    "sources": ("Källor", "Sources"),
}


def section(key: str, lang: str = "sv", level: int = 2) -> str:
    """The heading of a standard report section in ``lang``, with the anchor
    ``id="lss-<key>"`` (the report's skip link points to ``#lss-summary``)."""
    sv, en = SECTIONS[key]
    return heading(sv if fmt.check_lang(lang) == "sv" else en, level, anchor=f"lss-{key}")


def category_heading(category: str, lang: str = "sv", level: int = 3) -> str:
    """A heading naming one category."""
    return heading(get_category(category).label(lang), level)


def funnel_intro(data: ReportData) -> str:
    """One paragraph introducing the all-municipality funnel plots."""
    cats = funnel_categories(data.table)
    if data.lang == "sv":
        text = (f"Här syns {data.name} bland alla kommuner för de insatser där kommunen "
                f"avviker tydligt från riket." if cats != ["totalt"] else
                f"Ingen insats avviker tydligt; här syns {data.name} bland alla kommuner "
                f"för personer med någon LSS-insats.")
    else:
        text = (f"{data.name} among all municipalities for the categories where it deviates "
                f"clearly from Sweden." if cats != ["totalt"] else
                f"No category deviates clearly; {data.name} among all municipalities for "
                f"persons with any LSS support.")
    return f"<p>{html.escape(text)}</p>"


def heading(text: str, level: int = 2, *, anchor: str | None = None) -> str:
    """An HTML heading (``level`` 1–3) with escaped text and an optional ``id``."""
    ident = f' id="{html.escape(anchor)}" tabindex="-1"' if anchor else ""
    return f"<h{level}{ident}>{html.escape(text)}</h{level}>"


def title_block(data: ReportData) -> str:
    """The report's h1, the reference date and, for demo data, a visible warning."""
    lang = data.lang
    h1 = (f"LSS-insatser i {data.name} {data.year} jämfört med riket" if lang == "sv"
          else f"LSS support in {data.name} {data.year} compared with Sweden")
    sub = (f"Personer med verkställda beslut den 1 oktober {data.year}, kommunkod "
           f"{data.municipality}." if lang == "sv" else
           f"Persons with executed decisions on 1 October {data.year}, municipality code "
           f"{data.municipality}.")
    out = heading(h1, 1) + f"<p>{html.escape(sub)}</p>"
    if data.synthetic:
        out += (f'<p class="lss-demo" role="note">{html.escape(fmt.text("synthetic_note", lang))}'
                + (" Siffrorna är påhittade och visar bara hur rapporten fungerar."
                   if lang == "sv" else
                   " The numbers are invented and only show how the report works.") + "</p>")
    return out


def summary(table: pl.DataFrame, lang: str = "sv") -> str:
    """Findings in words: how many categories are clearly above/below Riket, and which."""
    fmt.check_lang(lang)
    n = table.height
    ok = pl.col("status") == "ok"
    hi = _labels(table, ok & (pl.col("flag") == "higher"), lang)
    lo = _labels(table, ok & (pl.col("flag") == "lower"), lang)
    sim = _labels(table, ok & (pl.col("flag") == "similar"), lang)
    na = _labels(table, ~ok | (pl.col("flag") == "not_assessed") | pl.col("flag").is_null(),
                 lang)
    # persistent in the direction of this year's flag only (an earlier run of "lower" years
    # says nothing about a "higher" flag now)
    persistent = _labels(table, ok & pl.col("persistent").fill_null(False)
                         & pl.col("flag").is_in(["higher", "lower"])
                         & (pl.col("persistence_direction") == pl.col("flag")).fill_null(False),
                         lang) \
        if {"persistent", "persistence_direction"} <= set(table.columns) else []
    items: list[str] = []
    if lang == "sv":
        items.append(f"{len(hi)} av {n} kategorier ligger tydligt över riket"
                     + (f": {_join(hi, lang)}." if hi else "."))
        items.append(f"{len(lo)} av {n} ligger tydligt under riket"
                     + (f": {_join(lo, lang)}." if lo else "."))
        items.append(f"{len(sim)} ligger i nivå med riket.")
        if na:
            items.append(f"{len(na)} kunde inte bedömas (för få personer eller skyddade/"
                         f"saknade uppgifter): {_join(na, lang)}.")
        if persistent:
            items.append(f"Avvikelsen har funnits minst tre av de senaste fem åren för "
                         f"{_join(persistent, lang)}.")
    else:
        items.append(f"{len(hi)} of {n} categories are clearly above Sweden"
                     + (f": {_join(hi, lang)}." if hi else "."))
        items.append(f"{len(lo)} of {n} are clearly below Sweden"
                     + (f": {_join(lo, lang)}." if lo else "."))
        items.append(f"{len(sim)} are in line with Sweden.")
        if na:
            items.append(f"{len(na)} could not be assessed (too few persons or suppressed/"
                         f"missing values): {_join(na, lang)}.")
        if persistent:
            items.append(f"The deviation has lasted at least three of the last five years for "
                         f"{_join(persistent, lang)}.")
    lead = fmt.text("summary_lead", lang)
    lis = "".join(f"<li>{html.escape(s)}</li>" for s in items)
    return (f'<div class="lss-summary"><ul>{lis}</ul></div><p>{html.escape(lead)}</p>')


def findings_line(table: pl.DataFrame, lang: str = "sv") -> str:
    """The main findings in one line of plain text (the index of a batch of reports): the
    categories clearly above and below Riket (``flag``), or that none deviates clearly."""
    fmt.check_lang(lang)
    ok = pl.col("status") == "ok"
    parts = [fmt.text(key, lang, items=_join(labels, lang))
             for key, flag in (("finding_higher", "higher"), ("finding_lower", "lower"))
             if (labels := _labels(table, ok & (pl.col("flag") == flag), lang))]
    return " ".join(parts) or fmt.text("finding_none", lang)


def paired_note(lang: str = "sv") -> str:
    """Why personal assistance under LSS and under SFB are always shown together."""
    a, b = (fmt.category_label(c, lang, mid_sentence=i > 0)
            for i, c in enumerate(PAIRED_CATEGORIES[0]))
    if lang == "sv":
        text = (f"{a} och {b} visas alltid tillsammans: den som har stort behov får oftast "
                f"assistansersättning från Försäkringskassan (SFB) i stället för personlig "
                f"assistans från kommunen (LSS). Ett högt värde i den ena kan därför motsvaras "
                f"av ett lågt i den andra.")
    else:
        text = (f"{a} and {b} are always shown together: people with large needs usually get "
                f"the assistance allowance from the Social Insurance Agency (SFB) instead of "
                f"personal assistance from the municipality (LSS). A high value in one may "
                f"therefore be matched by a low value in the other.")
    return f"<p>{html.escape(text)}</p>"


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


def _cost_range(r: dict[str, Any]) -> tuple[float | None, float | None]:
    """The cost of the difference priced from the ratio interval:
    E·(ratio_lower − 1)·cost … E·(ratio_upper − 1)·cost."""
    e, cost = r.get("expected"), r.get("cost_per_user")
    lo, hi = r.get("ratio_lower"), r.get("ratio_upper")
    if None in (e, cost, lo, hi):
        return None, None
    return e * (lo - 1) * cost, e * (hi - 1) * cost


def _round_kr(value: float | None) -> float | None:
    return None if value is None else round(value, -4)


def cost_section(table: pl.DataFrame, lang: str = "sv") -> str:
    """Rough cost of the difference for the categories that deviate clearly from Riket
    (``flag`` higher/lower) and have a national cost per user in Kolada, as a range priced
    from the ratio's interval, with the cost year and KPI named; an empty string when no
    category has a cost per user and no net cost deviation is published."""
    fmt.check_lang(lang)
    if "excess_cost" not in table.columns:
        return ""
    priced = [r for r in table.to_dicts()
              if r.get("status") == "ok" and r.get("cost_per_user") is not None]
    flagged = [r for r in priced if r.get("flag") in ("higher", "lower")]
    sv = lang == "sv"
    out = ""
    if priced and not flagged:
        out += "<p>" + html.escape(
            "Ingen kostnad visas, eftersom ingen av insatserna med en publicerad kostnad per "
            "brukare avviker tydligt från riket." if sv else
            "No cost is shown because none of the categories with a published cost per user "
            "deviates clearly from Sweden.") + "</p>"
    if flagged:
        cats = [get_category(r["category"]) for r in flagged]
        kpis = _join([f"{c.cost_kpi} {'för' if sv else 'for'} "
                      f"{fmt.category_label(c.id, lang, mid_sentence=True)}" for c in cats], lang)
        years = sorted({int(r["cost_year"]) for r in flagged if r.get("cost_year") is not None})
        year_txt = _join([str(y) for y in years], lang) if years else fmt.MISSING
        out += "<p>" + html.escape(
            "Bara insatser som avviker tydligt från riket (▲/▼) prissätts; för övriga går "
            "skillnaden inte att skilja från slumpen. Kostnaden per brukare är rikets "
            f"genomsnitt år {year_txt} enligt Kolada (nyckeltal {kpis})." if sv else
            "Only categories that deviate clearly from Sweden (▲/▼) are priced; for the others "
            "the difference cannot be told apart from chance. The cost per user is Sweden's "
            f"average in {year_txt} from Kolada (KPI {kpis}).") + "</p>"
        word = " till " if sv else " to "
        rows = []
        for r in flagged:
            lo, hi = _cost_range(r)
            year = r.get("cost_year")
            rows.append([
                get_category(r["category"]).label(lang),
                fmt.number(r.get("excess"), 0, lang, sign=True),
                fmt.kronor(r.get("cost_per_user"), lang)
                + (f" ({int(year)})" if year is not None else ""),
                fmt.kronor(_round_kr(r.get("excess_cost")), lang, sign=True),
                fmt.kronor(_round_kr(lo), lang, sign=True) + word
                + fmt.kronor(_round_kr(hi), lang, sign=True) if lo is not None else fmt.MISSING,
            ])
        headers = (["Insats", "Skillnad i personer", "Kostnad per brukare (riket, år)",
                    "Ungefärlig kostnad för skillnaden", "Spann (95 % intervall)"] if sv else
                   ["Category", "Difference in persons", "Cost per user (Sweden, year)",
                    "Approximate cost of the difference", "Range (95% interval)"])
        cap = ("Grov uppskattning: (faktiskt − förväntat antal) × rikets kostnad per brukare; "
               "spannet är förväntat antal × (kvotens gränser − 1) × kostnaden per brukare, "
               "avrundat till 10 000 kr" if sv else
               "Rough estimate: (observed − expected) × Sweden's cost per user; the range is "
               "expected × (ratio limits − 1) × the cost per user, rounded to SEK 10,000")
        out += plots.data_table(cap, headers, rows, [False, True, True, True, True])
    dev = [r.get("net_cost_deviation_pct") for r in table.to_dicts()
           if r.get("net_cost_deviation_pct") is not None]
    if dev:
        pct = fmt.percent(dev[0] / 100, 1, lang, sign=True)
        out += "<p>" + html.escape(
            f"Kommunens nettokostnadsavvikelse för LSS (Kolada N28018) är {pct}: så mycket "
            f"högre eller lägre är nettokostnaden än referenskostnaden, som SKR räknar fram ur "
            f"antalet verkställda beslut. Den säger alltså något om kostnad per insats, inte "
            f"om antalet insatser." if lang == "sv" else
            f"The municipality's net cost deviation for LSS (Kolada N28018) is {pct}: how much "
            f"higher or lower its net cost is than the reference cost, which SKR derives from "
            f"the number of executed decisions. It speaks to cost per support, not to the "
            f"number of supports.") + "</p>"
    return out


def meaning(lang: str = "sv", *, peer_title: str | None = None) -> str:
    """What the numbers mean and what they do not mean (plain language)."""
    if lang == "sv":
        means = [
            "Antalet personer som hade ett verkställt beslut om insatsen den 1 oktober, "
            "alltså personer som faktiskt fick insatsen den dagen.",
            "Kvoten mot riket: faktiskt antal delat med förväntat antal. 1,20 betyder 20 % "
            "fler än väntat. " + fmt.age_adjustment_note("sv"),
            "Konfidensintervallet visar hur mycket siffran kan variera av slump. "
            "Gränsen för tydlig avvikelse tar också hänsyn till den variation som finns "
            "mellan alla kommuner.",
        ]
        not_means = [
            "Inte antalet beslut som fattats under året, inte ansökningar och inte avslag.",
            "Inte om kommunen gör rätt eller fel: ett högt eller lågt värde kan bero på "
            "behov, på hur länge insatser pågår, på utbud och på praxis. Siffrorna visar var "
            "det är värt att titta närmare, inte svaret.",
            "Insatserna överlappar (en person kan ha flera) och får därför inte läggas ihop.",
            "Jämförelsen med RKA:s Liknande kommuner LSS är delvis cirkulär: gruppen väljs ut "
            "för att likna kommunen i kostnad för LSS, och kostnaden följer till stor del hur "
            "många personer som har insatser. Att kommunen ligger nära gruppen i antal är "
            "därför väntat och bevisar inte att nivån är rimlig.",
            "Uppgifter som källan skyddat av sekretesskäl visas aldrig; de räknas inte som noll.",
        ]
        h_means, h_not = "Vad siffrorna betyder", "Vad siffrorna inte betyder"
    else:
        means = [
            "The number of persons with an executed decision on the support on 1 October, "
            "i.e. persons actually receiving it that day.",
            "The ratio to Sweden: the observed number divided by the expected number. 1.20 "
            "means 20% more than expected. " + fmt.age_adjustment_note("en"),
            "The confidence interval shows how much the figure may vary by chance. The limit "
            "for a clear deviation also allows for the variation between all municipalities.",
        ]
        not_means = [
            "Not the number of decisions made during the year, nor applications or refusals.",
            "Not whether the municipality does right or wrong: a high or low value may reflect "
            "needs, how long support lasts, supply and practice. The numbers show where to "
            "look closer, not the answer.",
            "The categories overlap (one person can have several) and must not be added up.",
            "Comparing with RKA's Similar municipalities LSS is partly circular: the group is "
            "chosen to resemble the municipality in LSS cost, and cost largely follows how "
            "many persons have support. Being close to the group in numbers is therefore "
            "expected and does not show that the level is reasonable.",
            "Values the source suppressed for confidentiality are never shown and never "
            "counted as zero.",
        ]
        h_means, h_not = "What the numbers mean", "What the numbers do not mean"
    if peer_title:
        means.append(fmt.text("peer_subtitle", lang, peer=plots.peer_name(peer_title, lang))
                     + ".")

    def ul(items: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"

    return heading(h_means, 3) + ul(means) + heading(h_not, 3) + ul(not_means)


def glossary(lang: str = "sv") -> str:
    """Short explanations of the terms used (klarspråk)."""
    terms = ([
        ("LSS-insats", "Stöd enligt lagen om stöd och service till vissa funktionshindrade, "
         "t.ex. bostad med särskild service eller daglig verksamhet."),
        ("Verkställt beslut", "Ett beslut om insats som har börjat gälla i praktiken."),
        ("Förväntat antal", "Det antal personer kommunen skulle ha om andelen med insatsen "
         "bland invånarna i insatsens åldersgrupp var densamma som i riket. Varje insats har en "
         "åldersgrupp (se tabellerna); ledsagarservice och kontaktperson ges i alla åldrar och "
         "är inte åldersjusterade, personer med någon LSS-insats jämförs i tre åldersgrupper."),
        ("Gräns för tydlig avvikelse", "Gräns för hur långt från riket en kommun brukar hamna "
         "av slump och vanlig variation: av slump hamnar bara omkring 1 kommun på 500 utanför. "
         "Utanför gränsen kallas skillnaden tydlig."),
        ("Konfidensintervall", "Intervall som med 95 % sannolikhet innehåller den nivå siffran "
         "skattar."),
    ] if lang == "sv" else [
        ("LSS support", "Support under the Swedish act on support and service for persons "
         "with certain functional impairments (LSS)."),
        ("Executed decision", "A decision on support that has taken effect in practice."),
        ("Expected number", "The number of persons the municipality would have if the share "
         "with the support among inhabitants in the category's age band were Sweden's. Each "
         "category has one age band (see the tables); companion service and contact person "
         "are given at all ages and not age-adjusted, persons with any LSS support are "
         "compared in three age bands."),
        ("Limit for a clear deviation", "How far from Sweden a municipality usually lands by "
         "chance and ordinary variation: by chance only about 1 municipality in 500 lands "
         "outside. Outside the limit the difference is called clear."),
        ("Confidence interval", "An interval that with 95% probability contains the level the "
         "figure estimates."),
    ])
    items = "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(d)}</dd>" for t, d in terms)
    return f"<dl>{items}</dl>"


def retrieval_dates(manifest: dict[str, Any], settings: Settings | None = None
                    ) -> dict[str, tuple[str, str]]:
    """First and last retrieval time per source (``Kolada (RKA)``, ``SCB``) of the raw
    snapshots the processed tables came from (ids in the manifest, times in the sidecars)."""
    from benchmark.store import find_snapshot

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


def sources(manifest: dict[str, Any], lang: str = "sv", *,
            retrieved: dict[str, tuple[str, str]] | None = None,
            synthetic: bool = False) -> str:
    """Attribution, retrieval dates (see :func:`retrieval_dates`) and processing date."""
    parts = [f"<p><strong>{html.escape(fmt.text('source', lang))}</strong>. "
             + html.escape(
                 "Uppgifterna om LSS kommer från Socialstyrelsens register över insatser "
                 "enligt LSS och hämtas via Kolada (RKA); befolkningen kommer från SCB (CC0). "
                 "Kvoter, förväntade antal och bedömningar är våra egna beräkningar, inte "
                 "Koladas eller SCB:s." if lang == "sv" else
                 "The LSS figures come from the National Board of Health and Welfare's "
                 "register of LSS support, retrieved via Kolada (RKA); population from "
                 "Statistics Sweden (SCB; CC0). Ratios, expected numbers and assessments are "
                 "our own calculations, not Kolada's or SCB's.") + "</p>"]
    lines = []
    word = "hämtad" if lang == "sv" else "retrieved"
    for source, (first, last) in (retrieved or {}).items():
        a, b = fmt.long_date(first, lang), fmt.long_date(last, lang)
        lines.append(f"{source}, {word} {a}" + (f"–{b}" if a != b else ""))
    if lines:
        parts.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>")
    created = manifest.get("created")
    if created:
        parts.append("<p>" + html.escape(
            f"Underlaget bearbetades {fmt.long_date(created, lang)}." if lang == "sv" else
            f"The data were processed on {fmt.long_date(created, lang)}.") + "</p>")
    if synthetic:
        parts.append(f'<p class="lss-demo">{html.escape(fmt.text("synthetic_note", lang))}</p>')
    if manifest.get("complete") is False:  # processed with --allow-partial
        gaps = len(manifest.get("missing") or [])
        parts.append('<p class="lss-demo" role="note">' + html.escape(
            f"Underlaget är ofullständigt (luckor i hämtade data: {gaps}). Siffror som "
            "bygger på det som saknas visas inte eller bedöms inte." if lang == "sv" else
            f"The data are incomplete (gaps in the fetched data: {gaps}). Figures that "
            "depend on what is missing are not shown or not assessed.") + "</p>")
    return '<div class="lss-sources">' + "".join(parts) + "</div>"


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
    """``higher``/``lower`` for an assessable row with a clear flag, else ``None``."""
    flag = r.get("flag")
    return flag if r.get("status") == "ok" and flag in ("higher", "lower") else None


def _ratio_text(r: dict[str, Any] | None, lang: str) -> str:
    """``1,30 ▲``; the status (never a number) when the value is suppressed or missing."""
    if r is None or r.get("status") != "ok" or r.get("ratio") is None:
        return fmt.status_label((r or {}).get("status") or "missing", lang, short=True)
    return fmt.ratio(r["ratio"], lang) + _GLYPH.get(_flag_of(r) or "", "")


def screening_summary(screen: pl.DataFrame, lang: str = "sv", *,
                      municipality: str | None = None, methods: bool = False) -> str:
    """Per category: municipalities assessed and clearly higher/lower, suppressed/missing;
    with ``municipality`` its own ratio beside; ``methods=True`` adds overdispersion φ and
    τ² (for the method notebook; the unit heads' tool leaves them out)."""
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
        row = [c.label(lang), fmt.integer(ok.height, lang),
               fmt.integer(ok.filter(pl.col("flag") == "higher").height, lang),
               fmt.integer(ok.filter(pl.col("flag") == "lower").height, lang),
               fmt.integer(sub.filter(pl.col("status") != "ok").height, lang)]
        if municipality:
            row.append(_ratio_text(mine.get(c.id), lang))
        if methods:
            phi, tau2 = sub["phi"].drop_nulls(), sub["tau2"].drop_nulls()
            row += [fmt.number(phi[0] if len(phi) else None, 2, lang),
                    fmt.number(tau2[0] if len(tau2) else None, 4, lang)]
        rows.append(row)
    headers = [fmt.text(k, lang) for k in ("category", "assessed", "clearly_higher",
                                           "clearly_lower", "suppressed_missing")]
    if municipality:
        headers.append(fmt.text("ratio_of", lang, name=name))
    if methods:
        headers += (["Överspridning φ", "τ²"] if lang == "sv" else ["Overdispersion φ", "τ²"])
    years = screen["year"].unique().to_list()
    caption = fmt.text("by_category_caption", lang, year=years[0] if years else "")
    return plots.data_table(caption, headers, rows, [False] + [True] * (len(headers) - 1))


#: Sort orders of :func:`municipality_table` → text key of their label.
SORTS: dict[str, str] = {
    "name": "sort_name", "most_higher": "sort_most_higher", "most_lower": "sort_most_lower",
    "ratio_desc": "sort_ratio_desc", "ratio_asc": "sort_ratio_asc", "size": "sort_size",
}
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
    return [(fmt.text(SORTS[k], lang), k) for k in keys]


def municipality_table(screen: pl.DataFrame, lang: str = "sv", *,
                       category: str | None = None, municipality: str | None = None,
                       query: str = "", only_deviating: bool = False,
                       sort: str = "name") -> str:
    """All municipalities in a table that fits the screen: the overview (clearly higher and
    lower per municipality, naming the categories) or one category's numbers; filtered by
    ``query`` (part of a name or code) and ``only_deviating``, sorted by ``sort`` (one of
    :data:`SORTS`; ratios rank on the shrunk ratio so small municipalities do not lead by
    chance). The chosen ``municipality`` is highlighted; suppressed values show as status."""
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
        headers = [fmt.text("municipality", lang), fmt.text("clearly_higher", lang),
                   fmt.text("clearly_lower", lang), fmt.text("deviating_categories", lang)]
        numeric = [False, True, True, False]
        view = fmt.text("overview_all", lang)
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
                         fmt.flag_label(r.get("flag") if ok else "not_assessed", lang)])
        headers = [fmt.text(k, lang) for k in ("municipality", "observed", "expected", "ratio",
                                               "flag")]
        numeric = [False, True, True, True, False]
        view = label
    years = screen["year"].unique().to_list()
    chosen = names.get(municipality or "", "")
    caption = fmt.text("table_caption", lang, year=years[0] if years else "", view=view,
                       name=chosen) if chosen else f"{view} {years[0] if years else ''}"
    table = plots.data_table(caption, headers, rows, numeric,
                             highlight=[row[0] == f"{chosen} ({municipality})" for row in rows])
    out = (f'{TABLE_CSS}<p class="lss-count">'
           f"{html.escape(fmt.text('rows_shown', lang, n=len(rows), total=len(by_code)))}</p>"
           f'<div class="lss-scroll">{table}</div>')
    if sort in ("ratio_desc", "ratio_asc"):
        out += f"<p>{html.escape(fmt.text('ratio_sort_note', lang))}</p>"
    return out


# --- methods (notebook 04) ----------------------------------------------------------------

def reference_bands_table(lang: str = "sv") -> str:
    """The catalogue's categories with KPIs and reference age bands (no hand copy)."""
    rows = [[c.label(lang), c.id, c.paragraph, c.kpi_count or fmt.MISSING, c.kpi_rate,
             "all ages" if lang == "en" and c.age_min == 0 and c.age_max is None
             else c.band_label] for c in CATEGORIES]
    headers = (["Insats", "Id", "LSS", "Antal (KPI)", "Per 10 000 (KPI)", "Referensålder"]
               if lang == "sv" else
               ["Category", "Id", "LSS", "Count (KPI)", "Per 10,000 (KPI)", "Reference ages"])
    caption = ("Kategorier, Kolada-nyckeltal och referensåldrar i katalogen"
               if lang == "sv" else "Categories, Kolada KPIs and reference age bands")
    return plots.data_table(caption, headers, rows)

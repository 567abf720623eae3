"""What the notebooks show: load the comparison tables and render report sections as HTML.

The notebooks (``notebooks/0*.py``) are thin: they call :func:`load_report_data` and then
:func:`show` on charts from :mod:`benchmark.plots` and on the text sections built here
(summary in words, what the numbers mean and do not mean, glossary, sources). No statistics
are computed here either; the words are derived from the ``flag`` columns of the comparison
table (contracts §C). All text coming from data (names, titles) is HTML-escaped.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from benchmark import fmt, plots
from benchmark.catalog import CATEGORIES, PAIRED_CATEGORIES, get_category
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError
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
    year with data)."""
    from benchmark import compare, screen

    fmt.check_lang(lang)
    if settings is None:
        settings = notebook_settings(data_dir)
    if year is None:
        year = screen.latest_year(settings)
    table = compare.compare(municipality, int(year), settings=settings)
    hist = compare.history(municipality, last_year=int(year), n_years=TREND_YEARS,
                           settings=settings)
    scr = screen.screen(int(year), settings=settings)
    names = table["name"].drop_nulls().to_list() if "name" in table.columns else []
    manifest = read_manifest(settings)
    return ReportData(municipality, str(names[0]) if names else municipality, int(year), lang,
                      table, hist, scr, manifest, retrieval_dates(manifest, settings))


# --- displaying in a notebook -------------------------------------------------------------

_state = {"plotlyjs_done": False}


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

def _join(items: Sequence[str], lang: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    word = " och " if lang == "sv" else " and "
    return ", ".join(items[:-1]) + word + items[-1]


def _labels(table: pl.DataFrame, mask: pl.Expr, lang: str) -> list[str]:
    order = {c.id: i for i, c in enumerate(CATEGORIES)}
    ids = sorted(table.filter(mask)["category"].to_list(), key=lambda c: order.get(c, 99))
    return [get_category(c).label(lang) for c in ids]


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
    """The heading of a standard report section in ``lang``."""
    sv, en = SECTIONS[key]
    return heading(sv if fmt.check_lang(lang) == "sv" else en, level)


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


def heading(text: str, level: int = 2) -> str:
    """An HTML heading (``level`` 1–3) with escaped text."""
    return f"<h{level}>{html.escape(text)}</h{level}>"


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
                         f"{_join(persistent, lang).lower()}.")
        lead = ("Jämförelsen tar hänsyn till hur många invånare kommunen har i de åldrar "
                "där insatsen ges (en åldersgrupp per insats; ledsagarservice och "
                "kontaktperson ges i alla åldrar och är inte åldersjusterade). ”Tydligt” "
                "betyder att skillnaden är större än vad slumpen och vanlig variation mellan "
                "kommuner brukar ge (utanför kontrollgränsen 99,8 % och signifikant även i ett "
                "exakt test).")
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
        lead = ("The comparison allows for how many inhabitants the municipality has in the "
                "ages where the support is given (one age band per category; companion "
                "service and contact person are given at all ages and not age-adjusted). "
                "“Clearly” means the difference is larger than chance and ordinary "
                "variation between municipalities usually give (outside the 99.8% control "
                "limit and also significant in an exact test).")
    lis = "".join(f"<li>{html.escape(s)}</li>" for s in items)
    return (f'<div class="lss-summary"><ul>{lis}</ul></div><p>{html.escape(lead)}</p>')


def paired_note(lang: str = "sv") -> str:
    """Why personal assistance under LSS and under SFB are always shown together."""
    a, b = (get_category(c).label(lang) for c in PAIRED_CATEGORIES[0])
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
        kpis = _join([f"{c.cost_kpi} för {c.label(lang).lower()}" if sv
                      else f"{c.cost_kpi} for {c.label(lang)}" for c in cats], lang)
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
            "Kontrollgränsen 99,8 % tar också hänsyn till den variation som finns mellan "
            "alla kommuner.",
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
            "The confidence interval shows how much the figure may vary by chance. The 99.8% "
            "control limit also allows for the variation between all municipalities.",
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
        means.append(("Jämförelsegrupp: " if lang == "sv" else "Peer group: ") + peer_title + ".")

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
        ("Kontrollgräns", "Gräns för hur långt från riket en kommun brukar hamna av slump och "
         "vanlig variation. Utanför 99,8 %-gränsen kallas skillnaden tydlig."),
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
        ("Control limit", "How far from Sweden a municipality usually lands by chance and "
         "ordinary variation. Outside the 99.8% limit the difference is called clear."),
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
                 "Statistics Sweden (CC0). Ratios, expected numbers and assessments are our "
                 "own calculations, not Kolada's or Statistics Sweden's.") + "</p>"]
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

_SORT_SCRIPT = """<script>
(function () {
  document.querySelectorAll('table.lss-sortable').forEach(function (table) {
    if (table.dataset.sortReady) { return; }
    table.dataset.sortReady = '1';
    table.querySelectorAll('thead th button').forEach(function (button, col) {
      button.addEventListener('click', function () {
        var th = button.parentElement;
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        table.querySelectorAll('thead th').forEach(function (h) {
          h.removeAttribute('aria-sort');
        });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.from(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
          var nx = parseFloat(x), ny = parseFloat(y);
          var missingX = x === '' || isNaN(nx), missingY = y === '' || isNaN(ny);
          if (!missingX && !missingY) { return asc ? nx - ny : ny - nx; }
          if (missingX !== missingY) { return missingX ? 1 : -1; }
          return asc ? String(x).localeCompare(y, 'sv') : String(y).localeCompare(x, 'sv');
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
</script>"""


def sortable_table(caption: str, headers: Sequence[str],
                   rows: Sequence[Sequence[tuple[str, str]]],
                   numeric: Sequence[bool] | None = None) -> str:
    """An accessible table whose columns sort on click (buttons in the headers,
    ``aria-sort`` updated). Each cell is ``(text, sort key)``; works offline."""
    numeric = list(numeric) if numeric is not None else [False] * len(headers)
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if n else ""}><button type="button">'
                   f"{html.escape(h)}</button></th>"
                   for h, n in zip(headers, numeric, strict=True))
    body = []
    for row in rows:
        cells = []
        for i, ((text, key), n) in enumerate(zip(row, numeric, strict=True)):
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            cells.append(f'<{tag}{scope}{num if n else ""} data-sort="{html.escape(key)}">'
                         f"{html.escape(text)}</{tag}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="lss-data lss-sortable"><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>" + "".join(body)
            + "</tbody></table>" + _SORT_SCRIPT)


_GLYPH = {"higher": " ▲", "lower": " ▼"}


def national_overview(screen: pl.DataFrame, lang: str = "sv") -> str:
    """Sortable table: one row per municipality, the ratio per category with ▲/▼ for clear
    deviations; suppressed or missing values are shown as their status, never a number."""
    fmt.check_lang(lang)
    cats = [c for c in CATEGORIES if c.id in set(screen["category"].to_list())]
    by_code: dict[str, dict[str, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for r in screen.to_dicts():
        by_code.setdefault(r["municipality"], {})[r["category"]] = r
        names[r["municipality"]] = str(r.get("name") or r["municipality"])
    rows = []
    for code in sorted(by_code, key=lambda c: names[c]):
        row: list[tuple[str, str]] = [(f"{names[code]} ({code})", names[code])]
        for c in cats:
            r = by_code[code].get(c.id)
            if r is None or r.get("status") != "ok" or r.get("ratio") is None:
                status = (r or {}).get("status") or "missing"
                row.append((fmt.status_label(status, lang, short=True), ""))
            else:
                key = r.get("ratio_shrunk")
                key = r["ratio"] if key is None else key
                row.append((fmt.ratio(r["ratio"], lang) + _GLYPH.get(r.get("flag") or "", ""),
                            f"{key:.6f}"))
        rows.append(row)
    year = screen["year"].unique().to_list()
    headers = [fmt.text("municipality", lang)] + [c.label(lang) for c in cats]
    caption = (f"Kvot mot riket per kommun och insats {year[0] if year else ''} "
               "(▲/▼ = tydligt högre/lägre; klicka på en rubrik för att sortera). Sorteringen "
               "använder den krympta kvoten, som drar osäkra värden i små kommuner mot 1, så "
               "att rangordningen inte belönar slumpvärden från få personer; tabellen visar "
               "den vanliga kvoten" if lang == "sv" else
               f"Ratio to Sweden by municipality and category {year[0] if year else ''} "
               "(▲/▼ = clearly higher/lower; click a heading to sort). Sorting uses the shrunk "
               "ratio, which pulls uncertain values in small municipalities towards 1, so the "
               "ranking does not reward chance values from few persons; the table shows the "
               "ordinary ratio")
    return sortable_table(caption, headers, rows, [False] + [True] * len(cats))


def screening_summary(screen: pl.DataFrame, lang: str = "sv") -> str:
    """Per category: municipalities assessed, clearly higher/lower, and φ, τ² (methods)."""
    fmt.check_lang(lang)
    rows = []
    for c in CATEGORIES:
        sub = screen.filter(pl.col("category") == c.id)
        if sub.height == 0:
            continue
        ok = sub.filter((pl.col("status") == "ok") & (pl.col("flag") != "not_assessed"))
        phi = sub["phi"].drop_nulls()
        tau2 = sub["tau2"].drop_nulls()
        rows.append([
            c.label(lang), fmt.integer(ok.height, lang),
            fmt.integer(ok.filter(pl.col("flag") == "higher").height, lang),
            fmt.integer(ok.filter(pl.col("flag") == "lower").height, lang),
            fmt.integer(sub.filter(pl.col("status") != "ok").height, lang),
            fmt.number(phi[0] if len(phi) else None, 2, lang),
            fmt.number(tau2[0] if len(tau2) else None, 4, lang),
        ])
    headers = (["Insats", "Bedömda kommuner", "Tydligt högre", "Tydligt lägre",
                "Skyddad/saknas", "Överspridning φ", "τ²"] if lang == "sv" else
               ["Category", "Municipalities assessed", "Clearly higher", "Clearly lower",
                "Suppressed/missing", "Overdispersion φ", "τ²"])
    caption = ("Nationell screening per insats" if lang == "sv"
               else "National screening by category")
    return plots.data_table(caption, headers, rows, [False] + [True] * 6)


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


# --- interactive explorer (notebook 01) -----------------------------------------------------

def _append(out: Any, item: plots.Chart | str) -> None:
    """Add a chart (interactive figure, then caption and table) or HTML to an Output."""
    from IPython.display import HTML

    if isinstance(item, plots.Chart):
        out.append_display_data(item.figure)
        out.append_display_data(HTML(f"<p><strong>{html.escape(item.title)}.</strong> "
                                     f"{html.escape(item.caption)}</p>{item.table_html}"))
    else:
        out.append_display_data(HTML(item))


PEER_CHOICES: tuple[tuple[str, str | None], ...] = (
    ("Liknande kommuner LSS (RKA, matchade på kostnad)", None),
    ("Kommungrupp (SKR)", "kommungrupp"),
    ("Samma län", "lan"),
)


def explorer(*, data_dir: str | Path | None = None, municipality: str | None = None,
             year: int | None = None, lang: str = "sv") -> Any:
    """Dropdowns for municipality, year and peer group; pictures and plain words below.

    Returns an ``ipywidgets.VBox``; make it the last expression of a cell to show it.
    """
    import ipywidgets as w

    from benchmark import compare
    from benchmark.errors import BenchmarkError
    from benchmark.store import read_table

    settings = notebook_settings(data_dir)
    munis = read_table("municipalities", settings).filter(pl.col("type") == "K").sort("name")
    options = [(f"{r['name']} ({r['municipality']})", r["municipality"])
               for r in munis.iter_rows(named=True)]
    codes = [code for _, code in options]
    years = sorted(read_table("lss", settings)["year"].unique().to_list(), reverse=True)
    pick = w.Dropdown(options=options, value=municipality if municipality in codes else codes[0],
                      description="Kommun")
    when = w.Dropdown(options=years, value=year if year in years else years[0],
                      description="År")
    peers = w.Dropdown(options=list(PEER_CHOICES), value=None, description="Jämför med",
                       style={"description_width": "initial"})
    out = w.Output()

    def render(*_: Any) -> None:
        # Outputs are set on the widget's state (not captured from the kernel's message
        # stream): the same in JupyterLab, and free of the capture race that can stall
        # headless execution (nbclient) until its timeout.
        out.outputs = ()
        try:
            table = compare.compare(pick.value, int(when.value), peer_group=peers.value,
                                    settings=settings)
            hist = compare.history(pick.value, last_year=int(when.value),
                                   n_years=TREND_YEARS, peer_group=peers.value,
                                   settings=settings)
        except BenchmarkError as exc:
            _append(out, "<p><strong>Det gick inte att jämföra:</strong> "
                    f"{html.escape(str(exc))}</p>")
            return
        if plots.is_synthetic(table):
            note = html.escape(fmt.text("synthetic_note", lang))
            _append(out, f'<p class="lss-demo"><strong>{note}</strong></p>')
        _append(out, plots.forest_chart(table, lang))
        _append(out, summary(table, lang))
        _append(out, paired_note(lang))
        _append(out, plots.decomposition_chart(table, lang))
        for cat in trend_categories(table):
            _append(out, plots.trend_chart(hist, cat, lang))

    for widget in (pick, when, peers):
        widget.observe(render, names="value")
    render()
    return w.VBox([w.HBox([pick, when, peers]), out])

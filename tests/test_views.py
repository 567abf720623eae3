"""Report sections in words and tables (views), from hand-made comparison tables."""

from __future__ import annotations

import html
import re

import polars as pl
import pytest

from benchmark import plots, views
from benchmark.catalog import CATEGORIES
from benchmark.errors import DataError, InputError
from tests.comparison_tables import make_compare, make_screen

NB = "\u00a0"


def _data(**kw: object) -> views.ReportData:
    t = make_compare(**kw)  # type: ignore[arg-type]
    return views.ReportData("2482", str(t["name"][0]), 2024, "sv", t, t, make_screen())


def test_summary_counts_and_names_in_plain_swedish() -> None:
    text = views.summary(make_compare())
    # insats names inside a sentence are not capitalised; "LSS" keeps its case
    assert ("3 av 10 kategorier ligger tydligt över riket: bostad med särskild service, "
            "daglig verksamhet och personer med någon LSS-insats.") in text
    assert "1 av 10 ligger tydligt under riket: assistansersättning (SFB)." in text
    assert ("3 har ingen tydlig skillnad mot riket: personlig assistans (LSS), "
            "kontaktperson och korttidsvistelse.") in text
    assert "i nivå med" not in text
    assert ("3 kunde inte bedömas (för få personer eller skyddade/saknade uppgifter): "
            "ledsagarservice, avlösarservice och korttidstillsyn.") in text
    # plain words: the technical rule is in 04-metod
    assert "kontrollgräns" not in text and "exakt test" not in text
    assert "minst tre av de senaste fem åren för bostad med särskild service" in text


def test_summary_says_when_a_finding_depends_on_the_ages() -> None:
    """A flag that another way of counting the ages does not give is not called clear, and
    the summary names the way (robust false, flag_depends_on)."""
    t = make_compare().with_columns(
        robust=pl.when(pl.col("category").is_in(["boende", "kontaktperson"])).then(False)
        .otherwise(pl.col("robust")),
        flag_depends_on=pl.when(pl.col("category") == "boende")
        .then(pl.lit("age_model=band; age_band=22-"))
        .when(pl.col("category") == "kontaktperson").then(pl.lit("age_model=band")))
    text = views.summary(t)
    assert ("2 av 10 kategorier ligger tydligt över riket: daglig verksamhet och personer "
            "med någon LSS-insats.") in text
    assert ("Antalet för bostad med särskild service ser högre ut än riket, men det beror "
            "på hur åldrarna räknas: om rikets andel räknas som lika stor i alla åldrar 20+ år "
            "eller med åldrarna 22+ i stället för 20+ blir bedömningen en annan. Skillnaden "
            "räknas därför inte som tydlig.") in text
    assert ("För kontaktperson finns ingen tydlig skillnad mot riket, men om rikets andel "
            "räknas som lika stor i alla åldrar skulle den räknas som tydligt högre.") in text
    en = html.unescape(views.summary(t, "en"))
    assert "but it depends on how the ages are counted" in en
    assert "if Sweden's share is taken as the same at every age 20+" in en
    # the persistent sentence only names clear findings
    assert "senaste fem åren för bostad" not in text
    # the cost section prices clear findings only
    priced = views.cost_section(t.with_columns(cost_per_user=pl.lit(100_000.0),
                                               cost_year=pl.lit(2023.0)))
    assert "Bostad med särskild service" not in priced and "Daglig verksamhet" in priced


def test_summary_english_and_no_flags() -> None:
    text = views.summary(make_compare(), "en")
    # one wording for every count (was "1 of 10 categories are")
    assert ("Clearly above Sweden: 3 of 10 categories – housing with special service, "
            "daily activity and persons with any LSS support.") in text
    assert "control limit" not in text and "exact test" not in text
    calm = make_compare().with_columns(flag=pl.lit("similar"), persistent=pl.lit(False))
    sv = views.summary(calm)
    assert "0 av 10 kategorier ligger tydligt över riket." in sv
    assert "senaste fem" not in sv


def test_findings_line_names_clear_deviations_in_one_line() -> None:
    line = views.findings_line(make_compare())
    assert line == ("Tydligt över riket: bostad med särskild service, daglig verksamhet och "
                    "personer med någon LSS-insats. Tydligt under riket: assistansersättning "
                    "(SFB).")
    assert "\n" not in line
    only_low = make_compare().with_columns(
        flag=pl.when(pl.col("flag") == "higher").then(pl.lit("similar"))
        .otherwise(pl.col("flag")))
    assert views.findings_line(only_low, "en") == ("Clearly below Sweden: assistance "
                                                   "allowance (SFB).")
    calm = make_compare().with_columns(flag=pl.lit("similar"))
    assert views.findings_line(calm) == "Ingen insats avviker tydligt från riket."
    # a flag that depends on how ages are counted is not called clear (as in the summary)
    fragile = make_compare().with_columns(
        robust=pl.col("category") != "daglig_verksamhet")
    assert views.findings_line(fragile, "en") == (
        "Clearly above Sweden: housing with special service and persons with any LSS "
        "support. Clearly below Sweden: assistance allowance (SFB). Depends on how ages "
        "are counted: daily activity.")


def test_trend_and_funnel_categories() -> None:
    t = make_compare()
    trend = views.trend_categories(t)
    # flagged ones, korttidsvistelse (flag_95 similar but persistent false) excluded,
    # personal assistance LSS added because SFB is flagged
    assert trend == ["boende", "daglig_verksamhet", "personlig_assistans_lss",
                     "personlig_assistans_sfb", "totalt"]
    assert views.funnel_categories(t) == ["boende", "daglig_verksamhet",
                                          "personlig_assistans_sfb", "totalt"]
    calm = t.with_columns(flag=pl.lit("similar"), flag_95=pl.lit("similar"),
                          persistent=pl.lit(False))
    assert views.trend_categories(calm) == ["totalt"]
    assert views.funnel_categories(calm) == ["totalt"]


def test_title_block_escapes_and_labels_demo() -> None:
    data = _data(name="<Kommun & Co>", synthetic=True)
    out = views.title_block(data)
    assert out.startswith("<h1>LSS-insatser i &lt;Kommun &amp; Co&gt; 2024")
    assert "den 1 oktober 2024" in out
    assert 'class="lss-demo"' in out and "Syntetiska demodata" in out
    assert "lss-demo" not in views.title_block(_data())


def test_sources_with_retrieval_dates() -> None:
    out = views.sources({"created": "2026-11-27T08:00:00Z"}, "sv",
                        retrieved={"Kolada (RKA)": ("2026-11-20T10:00:00Z",
                                                    "2026-11-26T10:00:00Z"),
                                   "SCB": ("2026-11-26T09:00:00Z", "2026-11-26T09:30:00Z")})
    assert "Källa: Kolada (RKA), SCB" in out
    assert "Kolada (RKA), hämtad 20 november 2026–26 november 2026" in out
    assert "SCB, hämtad 26 november 2026<" in out
    assert "bearbetades 27 november 2026" in out
    assert "lss-demo" not in out
    assert "Syntetiska demodata" in views.sources({}, "sv", synthetic=True)
    assert "ofullständigt" not in out


def test_sources_say_when_the_data_are_partial() -> None:
    manifest = {"complete": False, "missing": ["SCB population 2024 for 145 municipalities"]}
    assert "Underlaget är ofullständigt (luckor i hämtade data: 1)" in views.sources(manifest, "sv")
    assert "The data are incomplete (gaps in the fetched data: 1)" in views.sources(manifest, "en")
    assert "incomplete" not in views.sources({"complete": True}, "en")


def test_retrieval_dates_from_snapshot_sidecars(tmp_path) -> None:
    from benchmark.config import get_settings
    from benchmark.store import save_snapshot

    settings = get_settings(data_dir=tmp_path)
    for sid, when in (("kolada/data/a-p1", "2026-11-02T10:00:00Z"),
                      ("kolada/data/b-p1", "2026-11-01T10:00:00Z"),
                      ("scb/population/c-p1", "2026-11-03T10:00:00Z")):
        save_snapshot(sid, b"{}", {"retrieved_at": when}, settings)
    manifest = {"snapshots": ["kolada/data/a-p1", "kolada/data/b-p1", "scb/population/c-p1",
                              "kolada/data/gone-p1"]}
    dates = views.retrieval_dates(manifest, settings)
    assert dates == {"Kolada (RKA)": ("2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z"),
                     "SCB": ("2026-11-03T10:00:00Z", "2026-11-03T10:00:00Z")}


def test_meaning_says_what_numbers_do_not_mean() -> None:
    out = views.meaning("sv", peer_title="Liknande kommuner LSS, <X>, 2024")
    assert "<h3>Vad siffrorna betyder</h3>" in out
    assert "<h3>Vad siffrorna inte betyder</h3>" in out
    assert "verkställt beslut om insatsen den 1 oktober" in out
    assert "får därför inte läggas ihop" in out
    assert "&lt;X&gt;" in out
    assert "do not mean" in views.meaning("en")


def test_cost_section_prices_only_clear_deviations_as_a_range() -> None:
    t = make_compare().with_columns(
        cost_per_user=pl.when(pl.col("category").is_in(["boende", "daglig_verksamhet"]))
        .then(1_000_000.0),
        excess_cost=pl.when(pl.col("category") == "boende").then(82_000_000.0)
        .when(pl.col("category") == "daglig_verksamhet").then(120_000_000.0),
        cost_year=pl.lit(2023.0))
    # daglig verksamhet is "similar" here: a difference that may be chance is not priced
    t = t.with_columns(flag=pl.when(pl.col("category") == "daglig_verksamhet")
                       .then(pl.lit("similar")).otherwise(pl.col("flag")))
    out = views.cost_section(t)
    assert "Bostad med särskild service" in out and "Daglig verksamhet" not in out
    assert "Bara insatser som avviker tydligt från riket" in out
    assert f"+82{NB}000{NB}000{NB}kr" in out
    assert f"1{NB}000{NB}000{NB}kr (2023)" in out
    assert "rikets genomsnitt år 2023 enligt Kolada (nyckeltal N28013 för bostad" in out
    # E·(ratio_lower − 1)·cost … E·(ratio_upper − 1)·cost = 330·0.1311 … 330·0.3752 Mkr
    assert f"+43{NB}260{NB}000{NB}kr till +123{NB}820{NB}000{NB}kr" in out
    assert f"+3,5{NB}%" in out  # net cost deviation N28018
    en = views.cost_section(t, "en")
    assert "Only categories that deviate clearly" in en and "average in 2023" in en
    calm = t.with_columns(flag=pl.lit("similar"))
    out = views.cost_section(calm)
    assert "Ingen kostnad visas, eftersom ingen av insatserna" in out
    assert "<table" not in out and "82" not in out
    none = make_compare().with_columns(net_cost_deviation_pct=pl.lit(None, pl.Float64))
    assert views.cost_section(none) == ""


def test_cost_section_does_not_call_an_unpriced_flag_chance() -> None:
    """Boende flagged higher but not robust (Demoby 2024: 1.35, outside the 99.8 % limit,
    q 0.0002) is not priced; the text said the unpriced differences "cannot be told apart
    from chance", which is false for it. It now names both reasons for not pricing."""
    t = make_compare().with_columns(
        cost_per_user=pl.when(pl.col("category").is_in(["boende", "daglig_verksamhet"]))
        .then(1_000_000.0), cost_year=pl.lit(2023.0),
        robust=pl.col("category") != "boende")
    assert t.filter(pl.col("category") == "boende")["flag"].item() == "higher"
    sv, en = views.cost_section(t), views.cost_section(t, "en")
    assert "Daglig verksamhet" in sv and "Bostad med särskild service" not in sv
    assert "inte att skilja från slumpen" not in sv and "cannot be told apart" not in en
    assert "eller beror på hur åldrarna räknas" in sv
    assert "or depends on how the ages are counted" in en


def test_reference_bands_table_reads_the_catalogue() -> None:
    out = views.reference_bands_table()
    for c in CATEGORIES:
        assert c.kpi_rate in out and c.label_sv in out
    assert "13–22" in out and "alla åldrar" in out
    assert "all ages" in views.reference_bands_table("en")


def test_section_headings() -> None:
    # each section is an anchor (the report's skip link goes to #lss-summary); tabindex -1
    # lets the link move focus there without adding a Tab stop
    assert views.section("summary") == '<h2 id="lss-summary" tabindex="-1">Sammanfattning</h2>'
    assert views.section("sources", "en", 3) == '<h3 id="lss-sources" tabindex="-1">Sources</h3>'
    assert views.heading("A & B") == "<h2>A &amp; B</h2>"
    assert views.category_heading("korttidstillsyn") == "<h3>Korttidstillsyn</h3>"


def test_notebook_settings_prefers_real_data_then_demo(tmp_path, monkeypatch) -> None:
    """Kernels start in notebooks/: data are found from there, real before demo."""
    from benchmark.errors import DataError

    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    monkeypatch.chdir(root / "notebooks")
    monkeypatch.delenv("BENCHMARK_DATA_DIR", raising=False)
    with pytest.raises(DataError, match="make demo"):
        views.notebook_settings(None)
    demo = root / "data" / "demo" / "processed" / "current"
    demo.mkdir(parents=True)
    (demo / "manifest.json").write_text("{}")
    assert views.notebook_settings(None).data_dir == (root / "data" / "demo").resolve()
    real = root / "data" / "processed" / "current"
    real.mkdir(parents=True)
    (real / "manifest.json").write_text("{}")
    assert views.notebook_settings(None).data_dir == (root / "data").resolve()
    assert views.notebook_settings("elsewhere").data_dir.name == "elsewhere"


def test_age_adjustment_is_described_as_one_band_per_category() -> None:
    """The band model (version 0.1): one share per age band."""
    band = make_compare().with_columns(age_model=pl.lit("band"))
    for out in (views.meaning("sv", age_model="band"), views.summary(band)):
        assert "varje åldersgrupp" not in out
    m = views.meaning("sv", age_model="band")
    assert "i en enda åldersgrupp, inte ålder för ålder" in m
    assert "Ledsagarservice och kontaktperson ges i alla åldrar" in m
    assert "utan åldersjustering" in m and "0–22, 23–64 och 65 år och äldre" in m
    en = views.meaning("en", age_model="band")
    assert "not age by age" in en and "every age group" not in en
    assert "en åldersgrupp per insats" in views.summary(band)


def test_age_adjustment_is_described_age_by_age_for_the_profile() -> None:
    m = views.meaning("sv")
    assert "bland kvinnor och män i varje ålder inom insatsens åldersgrupp" in m
    assert "rikets siffror för 2021" in m
    assert "kvinnor och män i varje ålder" in views.glossary("sv")
    assert "i varje ålder" in views.summary(make_compare())
    assert "not age-adjusted" not in views.meaning("en")


def test_words_say_what_the_comparison_can_and_cannot_show() -> None:
    m = views.meaning("sv")
    assert "behov, praxis, utbud eller slump" in m and "kan inte skilja" in m
    g = views.glossary("sv")
    # a confidence interval is not a 95 % probability statement about one interval
    assert "med 95 % sannolikhet" not in g
    assert "95 av 100 sådana intervall" in g and "Övrig skillnad" in g
    assert "95 out of 100 such intervals" in views.glossary("en")
    assert "i nivå med riket" not in views.summary(make_compare())


def test_meaning_explains_why_cost_matched_peers_are_partly_circular() -> None:
    out = views.meaning("sv")
    assert "delvis cirkulär" in out and "likna kommunen i kostnad" in out
    assert "antal" in out
    assert "partly circular" in views.meaning("en")


def test_summary_persistence_requires_the_same_direction_as_the_flag() -> None:
    t = make_compare()
    assert "minst tre av de senaste fem åren för bostad med särskild service" in views.summary(t)
    # boende flagged higher now but persistently LOWER before: no persistence sentence for it
    flipped = t.with_columns(persistence_direction=pl.when(pl.col("category") == "boende")
                             .then(pl.lit("lower")).otherwise(pl.col("persistence_direction")))
    out = views.summary(flipped)
    assert "bostad med särskild service" not in out.split("minst tre av")[-1].split("</li>")[0]
    assert "minst tre av de senaste fem åren för daglig verksamhet" in out
    none = t.with_columns(persistence_direction=pl.lit(None, pl.String))
    assert "senaste fem" not in views.summary(none)


def _two_categories() -> pl.DataFrame:
    """screen()-shaped: boende and daglig verksamhet for 12 municipalities."""
    dv = make_screen(category="daglig_verksamhet").with_columns(
        flag=pl.when(pl.col("municipality") == "1280").then(pl.lit("lower"))
        .when(pl.col("municipality") == "0604").then(pl.lit("higher"))
        .otherwise(pl.col("flag")))
    return pl.concat([make_screen(), dv])


def test_screening_summary_counts_and_the_chosen_municipality() -> None:
    out = views.screening_summary(make_screen(), municipality="2482")
    row = re.search(r"Bostad med särskild service</th>(.*?)</tr>", out).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells == ["11", "2", "1", "0", "1", "1,25 ▲"]
    assert "Skellefteå: kvot mot riket" in out
    # a flag that depends on how ages are counted is not counted as clear; it has a column
    fragile = make_screen().with_columns(robust=pl.when(pl.col("municipality") == "1280")
                                         .then(False).otherwise(pl.col("robust")))
    out = views.screening_summary(fragile, municipality="2482")
    row = re.search(r"Bostad med särskild service</th>(.*?)</tr>", out).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["11", "1", "1", "1", "1", "1,25 ▲"]
    assert "Högre/lägre, beror på åldrarna" in out
    assert "φ" not in out and "τ²" not in out  # plain words in 03
    methods = views.screening_summary(make_screen(), methods=True)  # 04-metod
    row = re.search(r"Bostad med särskild service</th>(.*?)</tr>", methods).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["11", "2", "1", "0", "1", "3,20",
                                                         "0,0040", "–", "–"]
    malå = views.screening_summary(make_screen(), municipality="2418")
    assert "Skyddad uppgift" in re.search(r"Bostad med särskild service</th>(.*?)</tr>",
                                          malå).group(1)


def _row_names(out: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]*)</th>', out)


def test_municipality_table_overview_counts_names_and_highlights() -> None:
    out = views.municipality_table(_two_categories(), municipality="2482")
    sk = re.search(r'<tr class="lss-chosen"><th scope="row">Skellefteå \(2482\)</th>(.*?)</tr>',
                   out).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", sk) == ["2", "0", (
        "▲ bostad med särskild service, ▲ daglig verksamhet")]
    malmo = re.search(r"Malmö \(1280\)</th>(.*?)</tr>", out).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", malmo) == [
        "1", "1", "▲ bostad med särskild service, ▼ daglig verksamhet"]
    assert out.count('class="lss-chosen"') == 1
    assert "Visar 12 av 12 kommuner." in out
    # Swedish alphabetical order: … Uppsala, Örebro last (not Ö before U as code points give)
    names = _row_names(out)
    assert names[0] == "Aneby (0604)" and names[-1] == "Örebro (1880)"
    assert names.index("Malmö (1280)") < names.index("Malå (2418)")  # m before å
    most = _row_names(views.municipality_table(_two_categories(), sort="most_lower"))
    assert most[:2] == ["Uppsala (0380)", "Malmö (1280)"]  # 2 lower, then 1
    only = views.municipality_table(_two_categories(), only_deviating=True)
    assert _row_names(only) == ["Aneby (0604)", "Malmö (1280)", "Skellefteå (2482)",
                                "Uppsala (0380)"]
    assert "Visar 4 av 12 kommuner." in only
    found = views.municipality_table(_two_categories(), query="  mal ")
    assert _row_names(found) == ["Malmö (1280)", "Malå (2418)"]
    assert _row_names(views.municipality_table(_two_categories(), query="2482")) == [
        "Skellefteå (2482)"]
    with pytest.raises(InputError, match="unknown sort 'ratio_desc'; valid: name, most_higher"):
        views.municipality_table(_two_categories(), sort="ratio_desc")


def test_municipality_table_one_category_ranks_on_the_shrunk_ratio_and_hides_suppressed() -> None:
    s = make_screen().with_columns(
        observed=pl.when(pl.col("status") == "suppressed").then(777.0)
        .otherwise(pl.col("observed")),
        ratio=pl.when(pl.col("status") == "suppressed").then(9.99).otherwise(pl.col("ratio")),
        ratio_shrunk=pl.when(pl.col("municipality") == "0604").then(1.02)
        .otherwise(pl.col("ratio")))
    out = views.municipality_table(s, category="boende", sort="ratio_desc")
    malå = re.search(r"Malå \(2418\)</th>(.*?)</tr>", out).group(1)
    assert "Skyddad uppgift" in malå and "9,99" not in malå and "777" not in malå
    names = _row_names(out)
    # Malmö 1.20, Skellefteå 1.248 …; Aneby shows 1.20 but ranks on its shrunk 1.02;
    # the suppressed row comes last
    assert names[:2] == ["Skellefteå (2482)", "Malmö (1280)"]
    assert names.index("Aneby (0604)") > names.index("Upplands Väsby (0114)")
    assert names[-1] == "Malå (2418)"
    aneby = re.search(r"Aneby \(0604\)</th>(.*?)</tr>", out).group(1)
    assert ">1,20<" in aneby
    assert "Sortering på kvot väger in osäkerheten" in out
    assert _row_names(views.municipality_table(s, category="boende", sort="ratio_asc"))[:2] == [
        "Uppsala (0380)", "Stockholm (0180)"]
    assert _row_names(views.municipality_table(s, category="boende", sort="size"))[0] == \
        "Stockholm (0180)"
    sk = re.search(r"Skellefteå \(2482\)</th>(.*?)</tr>", out).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", sk) == [
        "412", "330,0", "1,25 ▲", "Tydligt högre än riket"]
    assert "Sorting by ratio allows for uncertainty" in views.municipality_table(
        s, "en", category="boende", sort="ratio_desc")
    # the table fits the screen: a scroll box that wraps its cells
    assert 'class="lss-scroll"' in out and "white-space:normal" in out


def test_swedish_sort_key() -> None:
    names = ["Örebro", "Älvdalen", "Åre", "Eda", "Ånge", "Öckerö", "Zeta", "Emmaboda"]
    assert sorted(names, key=views.sv_sort_key) == [
        "Eda", "Emmaboda", "Zeta", "Ånge", "Åre", "Älvdalen", "Öckerö", "Örebro"]


def test_summary_says_when_the_rest_of_sweden_is_the_reference() -> None:
    t = make_compare().with_columns(reference=pl.lit("riket_utom_kommunen"))
    text = views.summary(t)
    assert ("Skellefteå har mer än 5 % av rikets invånare i insatsernas åldrar. Kommunen "
            "jämförs därför med resten av landet") in text
    some = make_compare().with_columns(reference=pl.when(pl.col("category") == "boende")
                                       .then(pl.lit("riket_utom_kommunen"))
                                       .otherwise(pl.lit("riket")))
    assert "i åldrarna för bostad med särskild service. Där jämförs" in views.summary(some)
    assert "resten av landet" not in views.summary(make_compare().with_columns(
        reference=pl.lit("riket")))


def test_funnel_part_says_so_when_no_municipality_could_be_assessed() -> None:
    """A category without one assessable municipality (a small country, a national total
    that does not add up) gets the sentence instead of the chart; the report goes on."""
    data = _data()
    chart = views.funnel_part(data, "boende")
    assert chart.key == "funnel-boende"
    unassessed = data.screen.with_columns(
        pl.when(pl.col("category") == "boende").then(None).otherwise(pl.col("expected"))
        .alias("expected"))
    out = views.funnel_part(views.ReportData("2482", "Skellefteå", 2024, "sv", data.table,
                                             data.table, unassessed), "boende")
    assert out == "<p>Bostad med särskild service: ingen kommun kunde bedömas 2024.</p>"
    with pytest.raises(DataError, match="no assessable municipality for 'boende' 2024"):
        plots.funnel_chart(unassessed, "boende", "2482")

"""Figures from hand-made comparison tables (benchmark.comparison.COLUMNS): content, flags,
formatting."""

from __future__ import annotations

import json
import re

import numpy as np
import polars as pl
import pytest

from benchmark import fmt, plots, stats
from benchmark.errors import InputError
from tests.comparison_tables import SCHEMA, make_compare, make_history, make_screen

NB = "\u00a0"


def _traces_by_name(fig, name: str) -> list:
    return [t for t in fig.data if t.name == name]


def test_fixture_follows_contract_c_columns() -> None:
    t = make_compare()
    assert list(t.columns)[:len(SCHEMA)] == list(SCHEMA)
    assert t.height == 10


def test_forest_markers_and_labels_carry_the_flag() -> None:
    chart = plots.forest_chart(make_compare())
    fig = chart.figure
    municipality = [t for t in fig.data if t.legendgroup == "municipality"]
    by_symbol = {t.marker.symbol: list(t.y) for t in municipality}
    assert by_symbol["triangle-up"] == ["Bostad med särskild service", "Daglig verksamhet",
                                        "Personer med någon LSS-insats"]
    assert by_symbol["triangle-down"] == ["Assistansersättning (SFB)"]
    assert by_symbol["circle-open"] == ["Avlösarservice"]
    notes = {a.y: a.text for a in fig.layout.annotations if a.xref == "paper"}
    assert notes["Bostad med särskild service"] == "▲ Högre"
    assert notes["Assistansersättning (SFB)"] == "▼ Lägre"
    assert notes["Kontaktperson"] == "● Ingen tydlig skillnad"
    # suppressed / missing: a text note, never a plotted value
    assert notes["Ledsagarservice"] == "Skyddad uppgift"
    assert notes["Korttidstillsyn"] == "Uppgift saknas"
    plotted = {y for t in fig.data for y in (t.y or ())}
    assert "Ledsagarservice" not in plotted
    assert "Korttidstillsyn" not in plotted


def test_forest_marks_findings_that_depend_on_the_ages() -> None:
    """robust false: an open triangle, "beror på åldrarna", not "Tydligt"."""
    t = make_compare().with_columns(
        robust=pl.when(pl.col("category") == "boende").then(False).otherwise(pl.col("robust")),
        flag_depends_on=pl.when(pl.col("category") == "boende").then(pl.lit("age_model=band")))
    chart = plots.forest_chart(t)
    by_symbol = {tr.marker.symbol: list(tr.y) for tr in chart.figure.data
                 if tr.legendgroup == "municipality"}
    assert by_symbol["triangle-up-open"] == ["Bostad med särskild service"]
    assert "Bostad med särskild service" not in by_symbol["triangle-up"]
    notes = {a.y: a.text for a in chart.figure.layout.annotations if a.xref == "paper"}
    assert notes["Bostad med särskild service"] == "△ Högre, beror på åldrarna"
    row = re.search(r"Bostad med särskild service</th>(.*?)</tr>", chart.table_html).group(1)
    assert "Högre än riket, men det beror på hur åldrarna räknas" in row
    assert "△/▽" in chart.caption
    trend = plots.trend_table(make_history().with_columns(robust=pl.lit(False)), "boende")
    assert "Högre än riket, men det beror på hur åldrarna räknas" in trend


def test_forest_interval_riket_line_peer_and_category_order() -> None:
    fig = plots.forest_chart(make_compare()).figure
    up = next(t for t in fig.data if t.marker.symbol == "triangle-up")
    assert up.x[0] == pytest.approx(1.2485)
    assert up.error_x.array[0] == pytest.approx(1.3752 - 1.2485)
    assert up.error_x.arrayminus[0] == pytest.approx(1.2485 - 1.1311)
    riket = _traces_by_name(fig, "Riket = 1")[0]
    assert list(riket.x) == [1, 1]
    peer = _traces_by_name(fig, "Jämförelsegrupp")[0]
    assert peer.marker.symbol == "diamond-open"
    assert "Liknande kommuner LSS, Skellefteå, 2024" in peer.hovertext[0]
    # the diamond is the peers' own level against Riket (O/E ÷ O/E_peer), not O/E_peer
    assert dict(zip(peer.y, peer.x, strict=True))["Daglig verksamhet"] == pytest.approx(
        1.30 / 1.12)
    order = list(fig.layout.yaxis.categoryarray)[::-1]
    pa = order.index("Personlig assistans (LSS)")
    assert order[pa + 1] == "Assistansersättning (SFB)"  # LSS and SFB adjacent
    assert fig.layout.xaxis.type == "log"


def test_swedish_number_format_in_layout_hover_and_table() -> None:
    chart = plots.forest_chart(make_compare())
    assert chart.figure.layout.separators == "," + NB
    up = next(t for t in chart.figure.data if t.marker.symbol == "triangle-up")
    assert "1,25 (1,13–1,38)" in up.hovertext[0]
    assert "Tydligt högre än riket" in up.hovertext[0]
    assert f"1{NB}204" in chart.table_html
    assert "1,20–1,34" in chart.table_html
    assert "0,75" in plots.forest_chart(make_compare()).figure.layout.xaxis.ticktext


def test_english_labels_and_separators() -> None:
    chart = plots.forest_chart(make_compare(), "en")
    assert chart.figure.layout.separators == ".,"
    assert "Clearly higher than Sweden" in chart.table_html
    assert "Housing with special service" in chart.table_html
    assert "1,204" in chart.table_html


def test_config_has_no_cloud_share_and_no_logo() -> None:
    assert plots.PLOTLY_CONFIG["showSendToCloud"] is False
    assert plots.PLOTLY_CONFIG["displaylogo"] is False
    out = plots.forest_chart(make_compare()).to_html()
    assert '"showSendToCloud": false' in out
    assert '"displaylogo": false' in out
    assert '"showSendToCloud": true' not in out
    assert not re.search(r"<script[^>]+src=", out)
    assert "cdn" not in out.lower()


def test_plotlyjs_inlined_only_when_asked() -> None:
    chart = plots.decomposition_chart(make_compare())
    assert len(chart.to_html(include_plotlyjs=False)) < 100_000
    with_js = chart.to_html(include_plotlyjs=True)
    assert len(with_js) > 1_000_000 and with_js.count("plotly.js v") >= 1


def test_synthetic_data_are_labelled_in_title_and_caption() -> None:
    real = plots.forest_chart(make_compare())
    demo = plots.forest_chart(make_compare(synthetic=True))
    assert "Syntetiska demodata" not in real.title + real.caption
    assert demo.title.endswith("Syntetiska demodata")
    assert demo.caption.startswith("Syntetiska demodata")
    assert "Syntetiska demodata" in demo.figure.layout.title.subtitle.text
    trend = plots.trend_chart(make_history(synthetic=True), "boende", "en")
    assert "Synthetic demo data" in trend.title


def test_every_chart_has_title_caption_and_table() -> None:
    charts = [plots.forest_chart(make_compare()),
              plots.funnel_chart(make_screen(), "boende", "2482"),
              plots.trend_chart(make_history(), "boende"),
              plots.decomposition_chart(make_compare())]
    for c in charts:
        assert c.title and c.figure.layout.title.text
        assert len(c.caption) > 40
        assert c.table_html.startswith('<table class="lss-data">')
        assert "<caption>" in c.table_html and 'scope="col"' in c.table_html
        html_out = c.to_html()
        assert html_out.index("lss-plot") < html_out.index("<figcaption>") < html_out.index(
            "<table")


def test_funnel_limits_come_from_stats_and_chosen_is_highlighted() -> None:
    table = make_screen()
    chart = plots.funnel_chart(table, "boende", "2482")
    fig = chart.figure
    l998 = [t for t in fig.data if t.legendgroup == "limit_998"]
    l95 = [t for t in fig.data if t.legendgroup == "limit_95"]
    assert len(l998) == 2 and len(l95) == 2
    grid = np.asarray(l998[0].x)
    lo, hi, od = stats.funnel_limits(grid, 0.998, phi=3.2, tau2=0.004)
    assert od
    np.testing.assert_allclose(l998[0].y, hi)
    np.testing.assert_allclose(l998[1].y, lo)
    # the √-scale OD formula (1 ± z·√(1/(4E)+τ²))², lower floored at 0
    e = grid[-1]
    sd = np.sqrt(1 / (4 * e) + 0.004)
    assert l998[0].y[-1] == pytest.approx((1 + 3.090232306 * sd) ** 2)
    assert min(l998[1].y) >= 0
    assert np.all(np.asarray(l95[0].y) < np.asarray(l998[0].y))  # 95 % band inside 99.8 %
    assert np.all(np.asarray(l95[1].y) >= np.asarray(l998[1].y))
    chosen = [t for t in fig.data if t.mode == "markers+text"]
    assert len(chosen) == 1
    assert chosen[0].x[0] == pytest.approx(330.0)
    assert chosen[0].marker.color == plots.PALETTE["municipality"]
    assert chosen[0].marker.symbol == "triangle-up"
    assert "Skellefteå" in chosen[0].text[0] and "▲" in chosen[0].text[0]
    # suppressed Malå is neither plotted nor given a value in the table
    xs = [x for t in fig.data if t.mode == "markers" for x in t.x]
    assert len(xs) == 10  # 12 municipalities − Malå (suppressed) − Skellefteå (highlighted)
    assert "Malå" not in chart.table_html
    assert "2 av 11 kommuner tydligt över och 1 tydligt under riket" in chart.table_html
    rule = fmt.text("chart.flag_rule")
    assert rule in chart.table_html and rule in chart.caption
    assert "så många personer att slumpen ensam är en osannolik förklaring" in chart.caption
    # a 99.8 % test does not rule chance out: about 1 in 500 lands outside by chance alone
    assert "inte räcker som förklaring" not in chart.caption
    en = plots.funnel_chart(table, "boende", "2482", "en").caption
    assert "chance alone is an unlikely explanation" in en and "cannot explain" not in en
    # φ = 3.2 > 1: widened limits, said in plain words (φ itself belongs in 04-metod)
    assert "Gränserna är vidgade" in chart.caption and "φ" not in chart.caption
    calm = plots.funnel_chart(make_screen().with_columns(phi=pl.lit(0.9), tau2=pl.lit(0.0)),
                              "boende", "2482")
    assert "bara slumpens variation" in calm.caption and "vidgade" not in calm.caption


def test_funnel_points_outside_limits_but_not_flagged_get_their_own_marker() -> None:
    # Upplands Väsby: O = 90, E = 38 → 2.37, above the 99.8 % curve (1.73 at E = 38 with
    # τ² = 0.004) but "similar" because the exact test is not significant
    table = make_screen().with_columns(
        observed=pl.when(pl.col("municipality") == "0114").then(90.0)
        .otherwise(pl.col("observed")),
        ratio=pl.when(pl.col("municipality") == "0114").then(90.0 / 38.0)
        .otherwise(pl.col("ratio")))
    for lang in ("sv", "en"):
        chart = plots.funnel_chart(table, "boende", "2482", lang)
        fig = chart.figure
        out = [t for t in fig.data if t.marker.symbol == plots.OUTSIDE_SYMBOL]
        assert len(out) == 1 and out[0].name == fmt.text("funnel.outside", lang)
        assert list(out[0].x) == [38.0]
        # the picture never contradicts the legend: every plain circle lies inside the curves
        for t in fig.data:
            if t.mode == "markers" and t.marker.symbol == "circle":
                lo, hi = plots.funnel_limits(list(t.x), 0.998, 3.2, 0.004)
                assert all(a <= y <= b for y, a, b in zip(t.y, lo, hi, strict=True))
        assert fmt.text("funnel.outside", lang) in chart.table_html
        assert "Upplands Väsby" in chart.table_html
        assert "⊗" in chart.caption
    sv = plots.funnel_chart(table, "boende", "2482").table_html
    assert "1 till ligger utanför gränsen men har för få personer" in sv
    # the chosen municipality itself outside but unflagged: distinct marker, no ▲
    chosen = plots.funnel_chart(table, "boende", "0114").figure
    me = next(t for t in chosen.data if t.mode == "markers+text")
    assert me.marker.symbol == plots.OUTSIDE_SYMBOL and "▲" not in me.text[0]


def test_funnel_says_when_a_flag_depends_on_the_ages() -> None:
    """A flag that another way of counting the ages does not give (robust false) is not a
    clear deviation anywhere else in the report; the funnel called Demoby's boende 2024
    (1.35, flag higher, not robust) "Tydligt högre än riket" with ▲ and counted it among
    the municipalities "tydligt över" riket."""
    table = make_screen().with_columns(robust=pl.col("municipality") != "2482")
    for lang in ("sv", "en"):
        chart = plots.funnel_chart(table, "boende", "2482", lang)
        me = next(t for t in chart.figure.data if t.mode == "markers+text")
        assert me.marker.symbol == "triangle-up-open" and "△" in me.text[0]
        assert fmt.flag_label("higher_uncertain", lang) in chart.table_html
    sv = plots.funnel_chart(table, "boende", "0114").table_html
    assert "1 av 11 kommuner tydligt över och 1 tydligt under riket" in sv
    others = plots.funnel_chart(table, "boende", "0114").figure.data
    open_up = [t for t in others if t.mode == "markers" and t.marker.symbol == "triangle-up-open"]
    assert len(open_up) == 1 and list(open_up[0].x) == [330.0]
    assert open_up[0].name == fmt.flag_label("higher_uncertain")


def test_funnel_without_overdispersion_uses_poisson_limits() -> None:
    table = make_screen().with_columns(phi=pl.lit(0.8), tau2=pl.lit(0.0),
                                       od_adjusted=pl.lit(False))
    fig = plots.funnel_chart(table, "boende", "2482").figure
    up = next(t for t in fig.data if t.legendgroup == "limit_998")
    _, hi = stats.poisson_ratio_limits(np.asarray(up.x), 0.998)
    np.testing.assert_allclose(up.y, hi)
    caption = plots.funnel_chart(table, "boende", "2482").caption
    assert "vidgade" not in caption and "bara slumpens variation" in caption
    en = plots.funnel_chart(table.with_columns(phi=pl.lit(None, pl.Float64)), "boende", "2482",
                            "en").caption
    assert "widened" not in en and "chance variation only" in en and "φ" not in en


def test_trend_years_intervals_and_suppressed_year() -> None:
    chart = plots.trend_chart(make_history(), "boende")
    fig = chart.figure
    pts = [t for t in fig.data if t.mode == "markers"]
    years = sorted(y for t in pts for y in t.x)
    assert years == list(range(2016, 2025))  # 2015 suppressed: not plotted
    assert fig.layout.xaxis.tickformat == "d"
    assert "Skyddad uppgift (sekretess)" in chart.table_html
    assert "<th scope=\"row\">2015</th>" in chart.table_html
    peer = _traces_by_name(fig, "Jämförelsegrupp")[0]
    assert "Liknande kommuner LSS, Skellefteå, 2024" in peer.hovertext[-1]
    assert "(Liknande kommuner LSS, Skellefteå, 2024)" in chart.caption
    assert list(peer.y) == pytest.approx([1.2485 / 1.10] * 9)  # peers' own level, per year


def test_decomposition_bars_are_persons_with_signed_labels() -> None:
    chart = plots.decomposition_chart(make_compare())
    comp = _traces_by_name(chart.figure, "Befolkningens sammansättning")[0]
    prac = _traces_by_name(chart.figure, "Övrig skillnad: behov, praxis, utbud, slump")[0]
    assert dict(zip(comp.y, comp.x, strict=True))["Bostad med särskild service"] == 30.0
    assert dict(zip(prac.y, prac.x, strict=True))["Bostad med särskild service"] == 82.0
    assert dict(zip(prac.y, prac.text, strict=True))["Daglig verksamhet"] == "+120"
    assert dict(zip(comp.y, comp.text, strict=True))["Daglig verksamhet"] == "\u221210"
    assert "Ledsagarservice" not in comp.y
    assert prac.marker.pattern.shape == "/"  # not colour alone


def test_names_are_html_escaped() -> None:
    table = make_compare(name="<script>alert(1)</script>")
    out = plots.forest_chart(table).to_html()
    assert "<script>alert(1)" not in out
    assert "&lt;script&gt;" in out


def test_bad_input_raises_input_error() -> None:
    with pytest.raises(InputError, match="lacks column"):
        plots.forest_chart(make_compare().drop("ratio"))
    two = pl.concat([make_compare(), make_compare("0180", "Stockholm")])
    with pytest.raises(InputError, match="expected one municipality"):
        plots.forest_chart(two)
    with pytest.raises(InputError, match="unknown category"):
        plots.funnel_chart(make_screen(), "nope")
    with pytest.raises(InputError):
        plots.forest_chart(make_compare(), "de")


def _contrast(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (lum + 0.05)


def test_palette_contrast_against_white() -> None:
    assert _contrast("#0072B2") == pytest.approx(5.19, abs=0.01)  # docs/ecosystem.md §5.3
    for name, colour in plots.PALETTE.items():
        assert _contrast(colour) >= 3.0, name


def test_suppressed_values_are_never_shown_even_if_present() -> None:
    # a source row marked suppressed but (wrongly) carrying numbers must still show none
    bogus = make_compare().with_columns(
        observed=pl.when(pl.col("status") != "ok").then(777.0).otherwise(pl.col("observed")),
        ratio=pl.when(pl.col("status") != "ok").then(9.99).otherwise(pl.col("ratio")),
        ratio_lower=pl.when(pl.col("status") != "ok").then(9.5)
        .otherwise(pl.col("ratio_lower")),
        ratio_upper=pl.when(pl.col("status") != "ok").then(10.5)
        .otherwise(pl.col("ratio_upper")),
        composition_effect=pl.when(pl.col("status") != "ok").then(555.0)
        .otherwise(pl.col("composition_effect")),
        other_effect=pl.when(pl.col("status") != "ok").then(666.0)
        .otherwise(pl.col("other_effect")),
        flag=pl.when(pl.col("status") != "ok").then(pl.lit("higher")).otherwise(pl.col("flag")),
    )
    for chart in (plots.forest_chart(bogus), plots.decomposition_chart(bogus)):
        spec = chart.figure.to_plotly_json()
        out = (json.dumps(spec["data"], ensure_ascii=False)
               + json.dumps(spec["layout"].get("annotations", []), ensure_ascii=False)
               + chart.table_html)
        for shown in ("777", "9,99", "9.99", "555", "666"):
            assert shown not in out, (chart.key, shown)
    fig = plots.forest_chart(bogus).figure
    assert 9.99 not in [x for t in fig.data for x in (t.x or ()) if x is not None]
    hist = make_history().with_columns(
        ratio=pl.when(pl.col("status") != "ok").then(9.99).otherwise(pl.col("ratio")))
    trend = plots.trend_chart(hist, "boende")
    assert "9,99" not in trend.table_html
    assert 9.99 not in [y for t in trend.figure.data for y in (t.y or ()) if y is not None]


def test_forest_draws_zero_observed_at_axis_minimum_with_upper_end() -> None:
    # avlösarservice with O = 0: ratio 0 and lower limit 0 cannot sit on the log axis
    table = make_compare().with_columns(
        observed=pl.when(pl.col("category") == "avlosarservice").then(0.0)
        .otherwise(pl.col("observed")),
        ratio=pl.when(pl.col("category") == "avlosarservice").then(0.0)
        .otherwise(pl.col("ratio")),
        ratio_lower=pl.when(pl.col("category") == "avlosarservice").then(0.0)
        .otherwise(pl.col("ratio_lower")),
        ratio_upper=pl.when(pl.col("category") == "avlosarservice").then(0.7378)
        .otherwise(pl.col("ratio_upper")))
    chart = plots.forest_chart(table)
    fig = chart.figure
    zero = [t for t in fig.data if t.marker.symbol == plots.ZERO_SYMBOL]
    assert len(zero) == 1 and list(zero[0].y) == ["Avlösarservice"]
    assert list(zero[0].text) == ["0"]
    x_min = 10 ** fig.layout.xaxis.range[0]
    x0 = zero[0].x[0]
    assert x_min < x0 < 0.75 * 1.0  # inside the axis, left of every other value
    others = [x for t in fig.data if t.legendgroup == "municipality" and t is not zero[0]
              for x in (t.x or ()) if x is not None]
    assert all(x0 < x for x in others)
    assert x0 + zero[0].error_x.array[0] == pytest.approx(0.7378)  # the upper end is kept
    assert zero[0].error_x.arrayminus[0] == 0
    # no other trace tries to put the zero on the axis
    assert 0.0 not in [x for t in fig.data for x in (t.x or ()) if x is not None]
    assert "Inga personer (kvot 0)" in zero[0].hovertext[0]
    assert "◀ med 0: inga personer" in chart.caption
    assert "◀ med 0" not in plots.forest_chart(make_compare()).caption


def test_reference_band_named_and_all_ages_not_shown_as_age_adjusted() -> None:
    """The band model: a category compared at all ages is not age-adjusted."""
    t = make_compare().with_columns(age_model=pl.lit("band"))
    forest = plots.forest_chart(t)
    assert "<th scope=\"col\">Jämförda åldrar</th>" in forest.table_html
    row = re.search(r"Bostad med särskild service</th>(.*?)</tr>", forest.table_html).group(1)
    assert "<td>20+</td>" in row
    assert "<td>0–22/23–64/65+</td>" in forest.table_html
    assert "rikets andel i insatsens åldersgrupp" in forest.caption
    assert "varje åldersgrupp" not in forest.caption
    assert "all ages" in plots.forest_chart(t, "en").table_html
    chart = plots.decomposition_chart(t)
    kp = re.search(r"Kontaktperson</th>(.*?)</tr>", chart.table_html).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", kp)
    assert cells[0] == "alla åldrar" and cells[3] == "\u2013"  # not "+0,0"
    assert "+0" not in kp
    assert "ej åldersjusterad (insatsen ges i alla åldrar)" in chart.table_html
    comp = _traces_by_name(chart.figure, "Befolkningens sammansättning")[0]
    assert "Kontaktperson" not in comp.y and "Bostad med särskild service" in comp.y
    prac = _traces_by_name(chart.figure, "Övrig skillnad: behov, praxis, utbud, slump")[0]
    assert "Kontaktperson" in prac.y
    # the note sits under the name on the axis, not over the bars and their labels
    assert [a for a in chart.figure.layout.annotations if a.y == "Kontaktperson"] == []
    ticks = dict(zip(chart.figure.layout.yaxis.tickvals, chart.figure.layout.yaxis.ticktext,
                     strict=True))
    assert ticks["Kontaktperson"].startswith("Kontaktperson<br>")
    assert "ej åldersjusterad" in ticks["Kontaktperson"]
    assert ticks["Bostad med särskild service"] == "Bostad med särskild service"
    assert "Insatser utan åldersjustering saknar hel stapel (–)." in chart.caption
    assert "övrig skillnad, som kan bero på behov, praxis, utbud eller slump" in chart.caption


def test_age_profile_adjusts_every_category() -> None:
    """The age-profile model (default): categories at all ages are age-adjusted too, so
    they have a composition bar and no "not age-adjusted" note."""
    t = make_compare()
    chart = plots.decomposition_chart(t)
    comp = _traces_by_name(chart.figure, "Befolkningens sammansättning")[0]
    assert "Kontaktperson" in comp.y
    assert "ej åldersjusterad" not in chart.table_html + " ".join(
        chart.figure.layout.yaxis.ticktext)
    assert "saknar hel stapel" not in chart.caption
    forest = plots.forest_chart(t)
    assert "kvinnor och män i varje ålder" in forest.caption


def test_peer_labels_are_generic_and_the_caption_names_the_actual_group() -> None:
    t = make_compare().with_columns(peer_group_title=pl.lit("Kommungrupp: Större städer"))
    chart = plots.forest_chart(t)
    names = [tr.name for tr in chart.figure.data]
    assert "Jämförelsegrupp" in names and "Liknande kommuner" not in names
    assert "jämförelsegruppen (Kommungrupp: Större städer)" in chart.caption
    assert "liknande kommuner" not in chart.caption.lower()
    assert "Jämförelsegruppens nivå" in chart.table_html
    assert "Kvot mot jämförelsegruppen" in chart.table_html
    assert "Liknande" not in chart.table_html
    en = plots.forest_chart(t, "en")
    assert "Peer group" in [tr.name for tr in en.figure.data]
    assert "the peer group (Kommungrupp: Större städer)" in en.caption
    trend = plots.trend_chart(make_history().with_columns(
        peer_group_title=pl.lit("Samma län")), "boende")
    assert "jämförelsegruppens egen nivå mot riket (Samma län)" in trend.caption
    assert "Jämförelsegrupp" in [tr.name for tr in trend.figure.data]

"""The register import on the demo: Demoby's synthetic export reproduces its published
1 October counts, the flow equals an independent count of the file (pandas), the stock view
uses the national rates on the municipality's population, and no output carries a
pseudonymous key, a cell of 1–2 persons or a copy of the register."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from benchmark import cli, stats
from benchmark.comparison import compare, load_inputs
from benchmark.config import Settings
from benchmark.demo import DEMO_FOCUS
from benchmark.demo.register import (
    DEMO_LABEL_MAP,
    DEMO_REGISTER_DATE,
    SYNTHETIC_NOTE,
    UNKNOWN_LABEL,
    generate_register,
    write_register,
)
from benchmark.register.stock import stock
from benchmark.register.tables import flow, reconciliation
from benchmark.register.validate import read_register
from benchmark.report import RegisterSource, build_report

ON = DEMO_REGISTER_DATE
KEY = re.compile(r"DB-\d{5}")
#: The demo file's labels, written out here apart from the library's mapping table.
LABELS = {
    "Daglig verksamhet": "daglig_verksamhet",
    "Bostad med särskild service för vuxna": "boende",
    "Bostad med särskild service för barn och ungdomar": "boende",
    "Personlig assistans": "personlig_assistans_lss", "Ledsagarservice": "ledsagarservice",
    UNKNOWN_LABEL: "ledsagarservice", "Kontaktperson": "kontaktperson",
    "Avlösarservice i hemmet": "avlosarservice",
    "Korttidsvistelse utanför det egna hemmet": "korttidsvistelse",
    "Korttidstillsyn för skolungdom över 12 år": "korttidstillsyn",
}


@pytest.fixture(scope="module")
def demo_file(demo_data: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_register(load_inputs(demo_data), tmp_path_factory.mktemp("register"))


@pytest.fixture(scope="module")
def plain(demo_file: Path) -> pd.DataFrame:
    """The file as pandas reads it, with the insats ids and dates (the independent count)."""
    df = pd.read_csv(demo_file, sep=";", dtype=str)
    df = df[df["Insats"] != "Assistansersättning"].copy()
    df["cat"] = df["Insats"].map(LABELS)
    assert df["cat"].notna().all()
    for col in ("Beslutsdatum", "Verkställd datum", "Avslutad datum"):
        df[col] = pd.to_datetime(df[col])
    df["granted"] = df["Beslut"].isin(["Bifall", "Delvis bifall"])
    return df


def pandas_persons(df: pd.DataFrame, day: date) -> dict[str, int]:
    t = pd.Timestamp(day)
    on = df[df["granted"] & (df["Verkställd datum"] <= t)
            & (df["Avslutad datum"].isna() | (df["Avslutad datum"] >= t))]
    out = on.groupby("cat")["Person"].nunique().to_dict()
    out["totalt"] = on["Person"].nunique()
    return out


def test_demo_file_is_synthetic_and_deterministic(demo_data: Settings, demo_file: Path
                                                  ) -> None:
    df = pl.read_csv(demo_file, separator=";", infer_schema=False)
    assert demo_file.name.endswith("-DEMO.csv")
    assert (df["anmarkning"] == SYNTHETIC_NOTE).all()
    assert generate_register(load_inputs(demo_data)).equals(
        pl.read_csv(demo_file, separator=";", try_parse_dates=True,
                    schema_overrides={"Födelseår": pl.Int64}))
    # refusals, late starts, partial grants and the one unknown label are there
    assert (df["Beslut"] == "Avslag").sum() > 100 and (df["Beslut"] == "Delvis bifall").sum()
    assert (df["Insats"] == UNKNOWN_LABEL).sum() > 0


def test_reconciliation_reproduces_published_counts(demo_data: Settings, demo_file: Path,
                                                    plain: pd.DataFrame) -> None:
    inputs = load_inputs(demo_data)
    rec = reconciliation(read_register(demo_file, labels=DEMO_LABEL_MAP), DEMO_FOCUS, ON,
                         inputs=inputs)
    published = rec.filter(pl.col("kolada_status") == "ok")
    assert published["year"].unique().sort().to_list() == list(range(2015, 2025))
    assert published.height == 90 and (published["difference"] == 0).all()
    lss = inputs.lss.filter(pl.col("municipality") == DEMO_FOCUS)
    for year in range(2015, 2025):  # the independent count gives Kolada's figures too
        count = pandas_persons(plain, date(year, 10, 1))
        kolada = dict(lss.filter(pl.col("year") == year).select("category", "count")
                      .iter_rows())
        for cat, n in count.items():
            assert n == kolada[cat], (year, cat)
    assert rec.filter(pl.col("year") == 2025)["kolada_status"].unique().to_list() == [
        "not_published"]


def test_flow_equals_independent_count(demo_file: Path, plain: pd.DataFrame) -> None:
    table = flow(read_register(demo_file, labels=DEMO_LABEL_MAP), ON)
    t = pd.Timestamp(ON)
    df = plain[plain["Beslutsdatum"] <= t]
    start, end = df["Verkställd datum"], df["Avslutad datum"]
    started = start.notna() & (start <= t)
    ended = end.notna() & (end <= t)
    deadline = df["Beslutsdatum"] + pd.DateOffset(months=3)
    late = df["granted"] & (deadline < t) & (
        (started & (start > deadline)) | (~started & (~ended | (end > deadline))))
    events = {"decisions": (df["Beslutsdatum"], df["Beslutsdatum"].notna()),
              "granted": (df["Beslutsdatum"], df["granted"]),
              "refused": (df["Beslutsdatum"], df["Beslut"] == "Avslag"),
              "started": (start, df["granted"] & started), "ended": (end, started & ended),
              "waiting_over_3m": (df["Beslutsdatum"], late),
              "still_waiting": (df["Beslutsdatum"], late & ~started & ~ended)}
    checked = hidden = 0
    for r in table.iter_rows(named=True):
        cats = (df["cat"] == r["category"]) if r["category"] != "alla_insatser" else True
        gone = set(filter(None, r["hidden"].split(",")))
        for measure, (when, mask) in events.items():
            sel = df[mask & cats & (when.dt.year == r["year"])]
            if measure in gone:
                assert r[measure] is None
                hidden += 1
                continue
            assert r[measure] == len(sel), (r["year"], r["category"], measure)
            assert len(sel) == 0 or sel["Person"].nunique() >= 3  # never a cell of 1–2
            checked += 1
        sel = df[events["started"][1] & cats & (start.dt.year == r["year"])]
        days = (sel["Verkställd datum"] - sel["Beslutsdatum"]).dt.days
        if "median_days" not in gone and len(sel):
            assert r["median_days"] == days.median()
        if "share_refused" not in gone and r["decisions"]:
            assert r["share_refused"] == pytest.approx(r["refused"] / r["decisions"])
    assert table["year"].unique().sort().to_list() == list(range(2016, 2026))
    assert checked > 500 and 0 < hidden < checked / 4


def test_stock_uses_national_rates_on_the_municipality_population(
        demo_data: Settings, demo_file: Path, plain: pd.DataFrame) -> None:
    from benchmark.comparison import Method

    inputs = load_inputs(demo_data)
    # against Riket: with the rest of the country as the reference (Demoby holds 5.7 % of
    # Riket's 65+, so its total is compared with the rest by default) the municipality's own
    # persons, here the register's, are subtracted from Riket's count, and the register has
    # no split of 0–22 by sex (the total is then pooled over sex)
    riket = Method(reference="riket")
    table = stock(read_register(demo_file, labels=DEMO_LABEL_MAP), DEMO_FOCUS, ON,
                  inputs=inputs, method=riket)
    published = compare(DEMO_FOCUS, 2024, inputs=inputs, method=riket)
    count = pandas_persons(plain, ON)
    for r, p in zip(table.iter_rows(named=True), published.iter_rows(named=True),
                    strict=True):
        assert r["category"] == p["category"] and r["reference_year"] == 2024
        # E: national band rates of 2024 × Demoby's 2024 band population, as in compare
        assert r["expected"] == pytest.approx(p["expected"], rel=1e-12)
        if r["source"] == "register":
            assert r["observed"] == count[r["category"]]
            assert r["count_date"] == ON and r["persistent"] is None
        else:  # assistansersättning: the published figure
            assert r["category"] == "personlig_assistans_sfb"
            assert r["observed"] == p["observed"] and r["flag"] == p["flag"]
    # kontaktperson, planted 40 % low against the flat band, sits on the 99.8 % limit
    # against the age profile: the register's own count decides the verdict through the
    # published year's limits (same E, same overdispersion), and the band model (another
    # alternative, robust) agrees only when the count is below the limit too
    kp = table.filter(pl.col("category") == "kontaktperson").row(0, named=True)
    pub = published.filter(pl.col("category") == "kontaktperson").row(0, named=True)
    assert (kp["limit_lower_998"], kp["limit_upper_998"]) == pytest.approx(
        (pub["limit_lower_998"], pub["limit_upper_998"]), rel=1e-12)
    below = kp["observed"] / kp["expected"] < kp["limit_lower_998"]
    assert kp["flag"] == ("lower" if below else "similar")
    assert kp["robust"] == below and kp["flag_depends_on"] == (None if below
                                                                else "age_model=band")


def test_small_register_rows_are_hidden_with_what_gives_them_back(
        demo_data: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["person;fodelsear;insats;beslutsdatum;beslut;verkstalld_datum;avslutad_datum"]
    rows += [f"P{i};1980;Daglig verksamhet;2023-01-0{1 + i};Bifall;2023-02-01;"
             for i in range(6)]
    rows += ["P9;2008;Korttidstillsyn;2023-01-01;Bifall;2023-02-01;"]
    path = tmp_path / "liten.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    table = stock(read_register(path), DEMO_FOCUS, date(2024, 1, 1),
                  inputs=load_inputs(demo_data))
    kt = table.filter(pl.col("category") == "korttidstillsyn").row(0, named=True)
    assert kt["status"] == "suppressed" and kt["expected"] is not None
    for col in ("observed", "rate_per_10k", "ratio", "ratio_upper", "p_value", "q_value",
                "excess", "phi", "limit_upper_998", "peer_ratio"):
        assert kt[col] is None and col in kt["hidden"].split(",")
    shown = table.filter(pl.col("p_value").is_not_null())
    assert shown["q_value"].to_numpy() == pytest.approx(
        stats.bh_qvalues(shown["p_value"].to_numpy()))
    rec = reconciliation(read_register(path), DEMO_FOCUS, date(2024, 1, 1),
                         inputs=load_inputs(demo_data))
    small = rec.filter((pl.col("year") == 2023) & (pl.col("category") == "korttidstillsyn"))
    assert small["register_persons"].item() is None and small["difference"].item() is None
    assert small["kolada_persons"].item() is not None  # the published figure stays
    missing = table.filter(pl.col("category") == "boende").row(0, named=True)
    assert missing["status"] == "missing" and missing["observed"] is None
    assert missing["flag_reason"] == "no decisions on this insats in the file"
    rc = cli.main(["register", "--file", str(path), "--kommun", DEMO_FOCUS, "--data-dir",
                   str(demo_data.data_dir), "--date", "2024-01-01", "--view", "stock",
                   "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert rc == 0
    kt = next(r for r in payload["stock"] if r["category"] == "korttidstillsyn")
    assert kt["observed"] == "–" and kt["ratio"] == "–"


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_outputs_hold_no_key_and_nothing_is_copied(
        demo_data: Settings, demo_file: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = _tree(demo_data.data_dir)
    keys = set(KEY.findall(demo_file.read_text(encoding="utf-8")))
    assert len(keys) > 2000
    base = ["register", "--file", str(demo_file), "--kommun", DEMO_FOCUS, "--data-dir",
            str(demo_data.data_dir), "--date", ON.isoformat(), "--map",
            f"{UNKNOWN_LABEL}=ledsagarservice"]
    texts = []
    for fmt in ("table", "json"):
        assert cli.main([*base, "--format", fmt]) == 0
        texts.append(capsys.readouterr().out)
    assert cli.main([*base, "--format", "csv", "--out", str(tmp_path / "r-{view}.csv")]) == 0
    capsys.readouterr()
    texts += [(tmp_path / f"r-{v}.csv").read_text(encoding="utf-8")
              for v in ("stock", "reconciliation", "flow")]
    report = build_report(DEMO_FOCUS, 2024, lang="sv", out_dir=tmp_path / "rep",
                          settings=demo_data,
                          register=RegisterSource(demo_file, ON, labels=DEMO_LABEL_MAP))
    html = report.read_text(encoding="utf-8")
    texts.append(html)
    assert "Egna beslut i år" in html and "sammanräknade tal från registret" in html
    assert "I alla 54 jämförelser är antalen lika" in html
    for text in texts:
        assert not KEY.search(text)
    assert "syntetiska demodata" in texts[2]  # the CSV says where the numbers come from
    # the register was read where it is: the data folder is exactly as it was
    assert _tree(demo_data.data_dir) == before
    for path in demo_data.data_dir.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".parquet", ".txt"):
            assert not KEY.search(path.read_bytes().decode("utf-8", "replace"))


def test_left_out_rows_are_counted_apart(demo_file: Path, plain: pd.DataFrame) -> None:
    reg = read_register(demo_file, labels=DEMO_LABEL_MAP)
    assert reg.left_out == {"personlig_assistans_sfb": 3}
    assert reg.rows == reg.decisions.height + 3 == len(plain) + 3
    assert reg.decisions["person"].n_unique() == plain["Person"].nunique()


def test_bench_register_is_a_valid_export(demo_data: Settings, tmp_path: Path) -> None:
    """``make bench``'s 100 000-row file: copies of the demo register with new keys, so two
    whole copies count every published 1 October twice (no timing here)."""
    from bench.run import write_big_register

    one = generate_register(load_inputs(demo_data)).height
    big = write_big_register(demo_data.data_dir, tmp_path / "big.csv", rows=2 * one)
    rec = reconciliation(read_register(big, labels=DEMO_LABEL_MAP), DEMO_FOCUS, ON,
                         inputs=load_inputs(demo_data)).filter(pl.col("kolada_status") == "ok")
    assert (rec["register_persons"] == 2 * rec["kolada_persons"]).all()

"""The demo pipeline: serve the demo country through the in-process emulator, fetch and
process it with the suite's own code, and run the whole suite on it (``make demo``)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import polars as pl

from benchmark.config import Settings, get_settings
from benchmark.demo.country import DEMO_FOCUS, DEMO_FOCUS_NAME
from benchmark.demo.generate import DEMO_SEED, DEMO_YEARS, generate_dataset
from benchmark.demo.lss import PLANTED
from benchmark.errors import DataError, InputError
from benchmark.files import atomic_write_bytes
from benchmark.origin import SYNTHETIC_ORIGIN
from benchmark.texts import LANGS, text

#: Base URLs the demo fetch uses; they never resolve, the emulator answers in process.
DEMO_KOLADA_URL = "http://kolada.demo.invalid/v3"
DEMO_SCB_URL = "http://scb.demo.invalid/api/v2"
#: Marker file that identifies a folder as demo data (so :func:`prepare_demo_data` may
#: clear it before a fresh run).
DEMO_MARKER = "SYNTETISKA-DEMODATA.txt"


def demo_settings(data_dir: Path = Path("data/demo")) -> Settings:
    """Settings for demo data: ``data_dir`` and loopback-only emulator URLs."""
    return get_settings(data_dir=data_dir, kolada_url=DEMO_KOLADA_URL, scb_url=DEMO_SCB_URL)


def _check_demo_dir(data_dir: Path) -> None:
    """Refuse to write demo data into the real data folder or an unmarked folder."""
    real = get_settings().data_dir
    if data_dir.resolve() == real.resolve() or data_dir.resolve() == Path("data").resolve():
        raise InputError(f"demo data must not be mixed with real data in {data_dir}; "
                         "use a separate folder such as data/demo")
    if data_dir.exists() and any(data_dir.iterdir()) and not (data_dir / DEMO_MARKER).exists():
        raise InputError(f"{data_dir} holds files that are not demo data (no {DEMO_MARKER}); "
                         "choose an empty folder or data/demo")


def prepare_demo_data(data_dir: Path = Path("data/demo"), *, seed: int = DEMO_SEED,
                      years: range = DEMO_YEARS, progress: bool = False) -> Settings:
    """Generate the demo country, fetch it through the emulator and process it.

    Parameters
    ----------
    data_dir
        The demo data folder; cleared first (only if it is empty or marked as demo data)
        so the raw store never mixes two generator runs.
    seed, years
        As for :func:`benchmark.demo.generate_dataset`.
    progress
        Show the fetch's progress bar.

    Returns
    -------
    Settings
        Settings pointing at ``data_dir``; ``read_table(..., settings)`` then gives the
        processed demo tables.

    Raises
    ------
    InputError
        For the real data folder, or a folder holding files that are not demo data.
    DataError
        When the processed data are not marked synthetic.

    Examples
    --------
    >>> settings = prepare_demo_data(Path("/tmp/demo"))  # doctest: +SKIP
    >>> screen(2024, settings=settings).height  # doctest: +SKIP
    2900
    """
    steps = iter_prepare_demo_data(data_dir, seed=seed, years=years, progress=progress)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def iter_prepare_demo_data(data_dir: Path = Path("data/demo"), *, seed: int = DEMO_SEED,
                           years: range = DEMO_YEARS, progress: bool = False
                           ) -> Generator[str, None, Settings]:
    """:func:`prepare_demo_data` as a generator of progress lines (returns the settings)."""
    from benchmark.fetch import fetch
    from benchmark.process import process
    from benchmark.sources.emulator import ApiEmulator
    from benchmark.sources.http import HttpClient

    _check_demo_dir(data_dir)
    for sub in ("raw", "processed"):
        if (data_dir / sub).exists():
            shutil.rmtree(data_dir / sub)
    data_dir.mkdir(parents=True, exist_ok=True)
    marker = "".join(text("demo.marker", lang) + "\n" for lang in LANGS)
    (data_dir / DEMO_MARKER).write_text(marker, encoding="utf-8")

    t0 = time.perf_counter()
    dataset = generate_dataset(seed, years)
    n = dataset.municipalities.filter(pl.col("type") == "K").height
    yield (f"generated the demo country: {n} municipalities + Riket, "
           f"{years[0]}–{years[-1]}, seed {seed} ({time.perf_counter() - t0:.1f} s)")

    t0 = time.perf_counter()
    settings = demo_settings(data_dir)
    emulator = ApiEmulator(dataset, calls_per_window=1_000_000, window_s=1)
    unlimited = {"Kolada": (1_000_000, 1.0), "SCB": (1_000_000, 1.0)}
    with HttpClient(settings, transport=emulator.transport(), limits=unlimited) as client:
        summary = fetch(list(years), settings=settings, progress=progress, client=client)
    yield (f"fetched through the in-process emulator: {summary.http_attempts} requests, "
           f"{summary.saved} raw snapshots in {settings.raw_dir} "
           f"({time.perf_counter() - t0:.1f} s)")

    t0 = time.perf_counter()
    processed = process(settings=settings)
    if not processed.synthetic:
        raise DataError("processed demo data are not marked synthetic; refusing to continue")
    yield (f"processed into {settings.processed_dir} (synthetic: true; "
           f"{time.perf_counter() - t0:.1f} s)")
    return settings


def _write_demo_csv(table: pl.DataFrame, path: Path) -> Path:
    from benchmark.output import render

    if "data_origin" in table.columns and not (table["data_origin"] == SYNTHETIC_ORIGIN).all():
        raise DataError(f"refusing to write {path.name}: rows not labelled {SYNTHETIC_ORIGIN!r}")
    atomic_write_bytes(path, render(table, "csv", "demo").encode("utf-8"))
    return path


def planted_check(table: pl.DataFrame, municipality: str = DEMO_FOCUS) -> list[str]:
    """One line per planted deviation: what the comparison table found, and whether that is
    what was planted.

    The deviations are planted against the national rate *flat* inside the reference band
    (the band model); the default comparison expects with the national age × sex profile,
    and ``robust`` says whether the flag survives the other model and moved band edges. A
    line says "as planted" only when the flag is the planted one and robust; a flag that
    depends on the age assumption is reported as found, naming the assumption.
    """
    lines = []
    rows = {r["category"]: r for r in table.filter(
        pl.col("municipality") == municipality).iter_rows(named=True)}
    for cid, planted in PLANTED.items():
        r = rows.get(cid)
        if r is None:
            lines.append(f"  {cid}: no row")
            continue
        same = r["flag"] == planted.expected_flag or (
            planted.expected_flag == "similar" and r["flag"] != "higher")
        robust = r.get("robust")
        if robust is False:
            verdict = f"depends on the age assumption ({r.get('flag_depends_on')})"
        elif same:
            verdict = "as planted" + (", robust" if robust else "")
        else:
            verdict = "NOT as planted"
        alternatives = ("" if r.get("n_alternatives") is None else
                        f", {r['flag_alternatives']}/{r['n_alternatives']} alternatives agree")
        lines.append(
            f"  {cid}: planted ×{planted.multiplier:.2f} within the band ({planted.effect}) → "
            f"flag {r['flag']}, O/E {r['ratio']:.2f}{alternatives}, composition "
            f"{round(r['composition_effect']):+d}, other {round(r['other_effect']):+d} "
            f"persons — {verdict}")
    return lines


def need_check(table: pl.DataFrame) -> list[str]:
    """Lines for the need adjustment on the demo (:mod:`benchmark.demo.need`): the
    need-driven daglig verksamhet of ``NEED_FOCUS`` (higher adjusted for age, not after the
    need adjustment) and Demoby's practice deviation (higher both ways), with the three-way
    split in persons. ``table`` holds both municipalities (e.g. the screening)."""
    from benchmark.demo.need import NEED_FOCUS

    lines = []
    for code, want in ((NEED_FOCUS, "similar"), (DEMO_FOCUS, "higher")):
        rows = table.filter((pl.col("municipality") == code)
                            & (pl.col("category") == "daglig_verksamhet"))
        if rows.height == 0 or rows["need_ratio"][0] is None:
            lines.append(f"  need: {code} daglig_verksamhet not assessed")
            continue
        r = rows.row(0, named=True)
        kind = "need-driven" if code == NEED_FOCUS else "practice"
        found = r["flag"] == "higher" and r["need_flag"] == want
        lines.append(
            f"  need: {code} {r['name']} daglig_verksamhet ({kind}) → flag {r['flag']} "
            f"adjusted for age (O/E {r['ratio']:.2f}), {r['need_flag']} adjusted for age and "
            f"need (O/E* {r['need_ratio']:.2f}; β {r['need_beta']:.2f}); split age "
            f"{round(r['composition_effect']):+d}, need {round(r['need_effect']):+d}, other "
            f"{round(r['other_effect']):+d} persons — "
            + ("as planted" if found else "NOT as planted"))
    return lines


def run_demo(*, out_dir: Path = Path("reports"), lang: str = "sv", progress: bool = True,
             data_dir: Path = Path("data/demo")) -> Iterator[str]:
    """Run the whole suite offline on the demo country; yield progress and summary lines.

    Steps: generate → fetch through the emulator → process (``data_dir``) → national
    screening (``out_dir/screening-<year>-DEMO.csv``) → comparison of ``DEMO_FOCUS``
    (``out_dir/compare-<code>-<year>-DEMO.csv``) → the focus's synthetic register of
    decisions (``data_dir/register/``, :mod:`benchmark.demo.register`) → board report with
    the section on its own decisions (``…-DEMO.html``).

    Parameters
    ----------
    out_dir
        Where the CSVs and the report go.
    lang
        The report's language.
    progress
        Show the fetch's progress bar.
    data_dir
        The demo data folder.

    Returns
    -------
    Iterator[str]
        One line per step, the planted deviations as recovered, and the demo banner first
        and last.

    Examples
    --------
    >>> for line in run_demo(out_dir=Path("reports")):  # doctest: +SKIP
    ...     print(line)
    """
    from benchmark.comparison import compare, screen
    from benchmark.report import build_report

    banner = f"*** {text('output.warning')} / {text('origin.synthetic', 'en')} ***"
    yield banner
    settings = yield from iter_prepare_demo_data(data_dir, progress=progress)
    year = DEMO_YEARS[-1]
    out_dir.mkdir(parents=True, exist_ok=True)

    table = screen(year, settings=settings)
    path = _write_demo_csv(table, out_dir / f"screening-{year}-DEMO.csv")
    flagged = table.filter(pl.col("flag").is_in(["higher", "lower"])).height
    yield f"national screening {year}: {table.height} rows, {flagged} strong flags → {path}"

    comparison = compare(DEMO_FOCUS, year, settings=settings)
    path = _write_demo_csv(comparison, out_dir / f"compare-{DEMO_FOCUS}-{year}-DEMO.csv")
    yield f"comparison {DEMO_FOCUS} {DEMO_FOCUS_NAME} {year} → {path}"
    yield "planted deviations (see benchmark.demo.PLANTED):"
    yield from planted_check(comparison.filter(pl.col("year") == year))
    yield from need_check(table)

    # the focus's own (synthetic) case-system export, drawn from its published figures
    from benchmark.comparison import load_inputs
    from benchmark.demo.register import (
        DEMO_LABEL_MAP,
        DEMO_REGISTER_DATE,
        register_check,
        write_register,
    )
    from benchmark.report import RegisterSource

    inputs = load_inputs(settings)
    register = write_register(inputs, data_dir)
    yield f"synthetic register of decisions for {DEMO_FOCUS} {DEMO_FOCUS_NAME} → {register}"
    yield register_check(register, inputs)

    # build_report names the file …-DEMO.html itself, because the manifest is synthetic
    report = build_report(DEMO_FOCUS, year, lang=lang, out_dir=out_dir, settings=settings,
                          register=RegisterSource(register, DEMO_REGISTER_DATE,
                                                  labels=DEMO_LABEL_MAP))
    yield f"board report (DEMO) for {DEMO_FOCUS} {DEMO_FOCUS_NAME} {year}: {report}"
    yield banner

"""The command line's arguments: the parser of ``python -m benchmark`` and the argument
types, each a check of :mod:`benchmark.catalog` whose :class:`InputError` argparse prints
(exit code 2)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from benchmark.catalog import (
    check_year,
    get_category,
    normalise_municipality_code,
    parse_age_band,
)
from benchmark.config import FIRST_YEAR, LAST_YEAR
from benchmark.errors import InputError
from benchmark.indicators import parse_need_indicators
from benchmark.profile.catalogue import parse_kpi_ids
from benchmark.texts import DEFAULT_LANG, LANGS

if TYPE_CHECKING:
    from benchmark.comparison import Method

FORMATS = ("table", "csv", "json")


class _Parser(argparse.ArgumentParser):
    """argparse that raises InputError instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}")


def parse_years(text: str) -> list[int]:
    """Parse ``2015-2024``, ``2024`` or ``2019,2021`` into a sorted list of years.

    Both ends of a range are checked before the range is built, so ``2015-99999999999``
    is one clear error, not a list of a hundred billion years.
    """
    years: set[int] = set()
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = (int(p) for p in part.split("-", 1))
                if not (FIRST_YEAR <= lo <= LAST_YEAR and FIRST_YEAR <= hi <= LAST_YEAR):
                    raise InputError(f"year range {part!r} is out of range; valid years are "
                                     f"{FIRST_YEAR}–{LAST_YEAR}, e.g. 2015-{LAST_YEAR - 1}")
                if lo > hi:
                    raise InputError(f"year range {part!r} runs backwards; write e.g. 2015-2024")
                years.update(range(lo, hi + 1))
            else:
                years.add(check_year(int(part)))
    except InputError:
        raise
    except ValueError:
        raise InputError(
            f"invalid years {text!r}; write a year (2024), a range (2015-2024) or a list"
        ) from None
    return [check_year(y) for y in sorted(years)]


def _argument(check: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse ``type`` from a check that raises :class:`InputError` (its message is
    what argparse prints, with exit code 2)."""

    def parse(text: str) -> object:
        try:
            return check(text)
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = check.__name__
    return parse


_year = _argument(check_year)
_years = _argument(parse_years)
_kommun = _argument(normalise_municipality_code)
_age_band = _argument(parse_age_band)
_kpi_ids = _argument(parse_kpi_ids)
_need_indicator_arg = _argument(parse_need_indicators)


def _date(text: str) -> date:
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}; write YYYY-MM-DD, e.g. "
                                         "2025-10-01") from None
    if value > date.today():
        raise argparse.ArgumentTypeError(f"{value} is in the future; persons can only be "
                                         f"counted up to today ({date.today()})")
    return value


def _categories(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError(
            f"no category given; valid categories: {', '.join(_category_ids())}")
    try:
        return [get_category(i).id for i in ids]
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def age_bands(values: list[tuple[str, tuple[int, int | None]]] | None
               ) -> dict[str, tuple[int, int | None]] | None:
    """``--age-band`` values as a mapping; a category given twice is an error."""
    if not values:
        return None
    bands: dict[str, tuple[int, int | None]] = {}
    for cat_id, band in values:
        if cat_id in bands:
            raise InputError(f"--age-band given twice for {cat_id}; give each category at "
                             "most once, e.g. --age-band daglig_verksamhet=18-64")
        bands[cat_id] = band
    return bands


def method_of(args: argparse.Namespace) -> Method:
    """The method of ``compare``/``screen`` from ``--preset``, ``--age-band``,
    ``--age-model``, ``--reference``, ``--need-model`` and ``--need-indicators``."""
    from benchmark.comparison import Method

    settings = {k: v for k, v in (("age_model", args.age_model),
                                  ("reference", args.reference),
                                  ("need_model", getattr(args, "need_model", None)))
                if v is not None}
    chosen = _need_indicators(getattr(args, "need_indicators", None))
    if chosen:
        settings["need_indicators"] = chosen
    make = Method.legacy if args.preset == "legacy" else Method
    return make(age_bands=age_bands(args.age_band), **settings)


def _need_indicators(values: list[tuple[str, tuple[str, ...]]] | None
                     ) -> dict[str, tuple[str, ...]]:
    """``--need-indicators`` values as a mapping, refusing a category given twice."""
    chosen: dict[str, tuple[str, ...]] = {}
    for cat_id, ids in values or []:
        if cat_id in chosen:
            raise InputError(f"--need-indicators given twice for {cat_id}; give each category "
                             "at most once, e.g. --need-indicators "
                             "daglig_verksamhet=aktivitetsersattning")
        chosen[cat_id] = ids
    return chosen


def _common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """--debug, --data-dir and --quiet; accepted before and after the command name."""
    default = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors",
                        **default)
    parser.add_argument("--data-dir", type=Path, help="data folder (default ./data or "
                        "$BENCHMARK_DATA_DIR)", **default)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output",
                        **default)


_PROFILE_HELP = ("the whole LSS picture of one municipality: any Kolada KPI with the "
                 "comparison its kind allows")
_PROFILE_DESCRIPTION = (
    "One row per KPI of the LSS profile (volume, extent, economy, quality, staff) or of "
    "--kpi: value, Riket, interval, percentile and robust z in the national distribution, "
    "the peers' median and a flag (higher/lower/similar/not_assessed, or not_tested where "
    "Kolada gives no sampling variance).")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m benchmark",
        description="Compare municipalities' LSS support with Riket and similar municipalities.",
    )
    _common_options(parser, suppress=False)
    common = _Parser(add_help=False)
    _common_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("fetch", parents=[common], help="download raw snapshots from Kolada and SCB",
                       description="Fetch the national picture (all municipalities, Riket, "
                       "peer groups, population) for the years asked. Incremental and resumable.")
    p.add_argument("--years", type=_years, default=None,
                   help="years to fetch, e.g. 2015-2024 (default: 2015 through the newest "
                   "year Kolada and SCB have both published, asked from the APIs)")
    p.add_argument("--offline", action="store_true",
                   help="use only snapshots on disk; report exactly what is missing")

    p = sub.add_parser("process", parents=[common],
                       help="turn raw snapshots into tidy parquet tables",
                       description="Parse the newest raw snapshots into a new processed set "
                       "(data/processed/current/*.parquet), switched in one step. Refuses "
                       "(exit 1, listing what is missing) when a fetch did not finish or the "
                       "population has gaps.")
    p.add_argument("--allow-partial", action="store_true",
                   help="process an incomplete raw store anyway; the manifest then says "
                   "complete: false and lists what is missing")

    sub.add_parser("doctor", parents=[common], help="check that Kolada and SCB answer as "
                   "this version expects (live, a handful of small requests)",
                   description="Live self-check for a first run: reaches both APIs with a "
                   "few small requests, validates each answer with the validators fetch "
                   "uses and prints one line per check (ok / what differs / unreachable) "
                   "and the requests a full `make data` needs. Writes nothing. Exit 0 when "
                   "every check passes, 1 otherwise.")

    for name, helptext in (("compare", "one municipality against Riket and peers"),
                           ("screen", "every municipality for one year")):
        p = sub.add_parser(name, parents=[common], help=helptext,
                           description=helptext.capitalize() + ".")
        if name == "compare":
            p.add_argument("--kommun", type=_kommun, required=True,
                           help="four-digit kommunkod, e.g. 2482")
            p.add_argument("--peer-group", help="Kolada group id (e.g. G39684), 'liknande_lss' "
                           "(default), 'kommungrupp', 'lan', or a comma list of kommunkoder")
        p.add_argument("--year", type=_year, default=None, help="reference year, e.g. 2024 "
                       "(default: the newest year in the processed data)")
        p.add_argument("--category", type=_categories, nargs="+", action="extend",
                       metavar="ID", help="only these LSS categories (one or more catalogue "
                       "ids, space- or comma-separated), e.g. boende daglig_verksamhet; "
                       "statistics are computed over all categories first, so the rows are "
                       "identical to the unfiltered table. Valid ids: "
                       + ", ".join(_category_ids()))
        p.add_argument("--age-band", type=_age_band, action="append",
                       metavar="CATEGORY=LO-HI", help="reference age band of one category's "
                       "age standardisation (E), e.g. daglig_verksamhet=18-64, boende=20+ or "
                       "ledsagarservice=all (= 0+); ages 0–100 (100 = 100+); repeatable. "
                       "Without it the defaults are the catalogue's reference bands, "
                       "justified in notebooks/04-metod; the total (totalt) keeps "
                       "0–22/23–64/65+. Use it to test how sensitive the results are to the "
                       "band assumption; the reference_band column shows the band used")
        p.add_argument("--age-model", choices=("profile", "band"), default=None,
                       help="expected counts: 'profile' (default: the national age × sex "
                       "profile inside each reference band) or 'band' (the national rate "
                       "flat inside the band); notebooks/04-metod explains both")
        p.add_argument("--reference", choices=("auto", "riket", "riket_utom_kommunen"),
                       default=None, help="national reference: 'auto' (default: the rest "
                       "of Sweden where the municipality holds more than 5 %% of a band's "
                       "population, else Riket), 'riket' or 'riket_utom_kommunen'")
        p.add_argument("--need-model", choices=("negative_binomial", "quasi_poisson", "none"),
                       default=None, help="the need adjustment (need_* columns): "
                       "'negative_binomial' (default), 'quasi_poisson' or 'none' (off); "
                       "notebooks/04-metod explains it")
        p.add_argument("--need-indicators", type=_need_indicator_arg, action="append",
                       metavar="CATEGORY=ID[,ID]", help="need indicators of one category "
                       "instead of the catalogue's (benchmark/indicators.py), e.g. "
                       "daglig_verksamhet=aktivitetsersattning,sjukersattning or "
                       "kontaktperson=none; ids: aktivitetsersattning, anpassad_grundskola, "
                       "sjukersattning; repeatable")
        p.add_argument("--preset", choices=("default", "legacy"), default="default",
                       help="'legacy' = the method of version 0.1 (band model, Riket, BH "
                       "within municipality × year, single-year overdispersion, …), which "
                       "reproduces its tables bit for bit; the options above override it")
        p.add_argument("--format", choices=FORMATS, default="table", help="output format")
        p.add_argument("--out", type=Path, help="write to this file instead of stdout; "
                       "{year} in the name becomes the year used, e.g. "
                       "reports/screening-{year}.csv")

    p = sub.add_parser("profile", parents=[common], help=_PROFILE_HELP,
                       description=_PROFILE_DESCRIPTION)
    p.add_argument("--kommun", type=_kommun, required=True, help="four-digit kommunkod")
    p.add_argument("--year", type=_year, default=None, help="reference year (default: the "
                   "newest year in the processed data)")
    p.add_argument("--kpi", metavar="ID,...", type=_kpi_ids,
                   help="only these Kolada KPI ids (default: the 40 of the profile "
                   "catalogue); ids outside it are classified from their Kolada title")
    p.add_argument("--peer-group", help="as for compare (default: liknande_lss)")
    p.add_argument("--gender", choices=("T", "all"), default="T", help="T: totals only; "
                   "all: also K and M rows where Kolada splits the KPI by gender")
    p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help="language of the "
                   "label column")
    p.add_argument("--format", choices=FORMATS, default="table", help="output format")
    p.add_argument("--out", type=Path, help="write to this file instead of stdout; {year} "
                   "in the name becomes the year used")

    p = sub.add_parser("register", parents=[common],
                       help="the municipality's own decisions (a case-system export), "
                       "aggregated",
                       description="Read an export of the municipality's LSS decisions (CSV "
                       "or Excel in the format of templates/register/) where it is, and show "
                       "three aggregated views: persons with an executed decision on the date "
                       "against the latest national rates (stock), the register on each "
                       "1 October against Kolada (reconciliation) and the decision flow per "
                       "year (flow). Nothing is copied; cells of 1–2 persons show as –.")
    p.add_argument("--file", type=Path, required=True, help="the export (.csv, .xlsx, ...)")
    p.add_argument("--kommun", type=_kommun, required=True, help="four-digit kommunkod")
    p.add_argument("--date", type=_date, default=None,
                   help="count persons on this day, YYYY-MM-DD (default: today)")
    p.add_argument("--sheet", help="the sheet of a workbook with several")
    p.add_argument("--map", action="append", metavar="LABEL=ID",
                   help="what a local insats label means: LABEL=ID (a catalogue id or skip; "
                   "';' between several), or a CSV file of label,id rows; repeatable")
    p.add_argument("--view", choices=("stock", "reconciliation", "flow"), action="append",
                   help="only this view (repeatable; default: all three)")
    p.add_argument("--format", choices=FORMATS, default="table", help="output format")
    p.add_argument("--out", type=Path, help="write to this file instead of stdout; {view} "
                   "in the name gives one CSV per view")

    p = sub.add_parser("report", parents=[common],
                       help="build the board report (self-contained HTML or PDF)",
                       description="Execute the report notebook and export one offline "
                       "file: interactive HTML (default), static HTML (--static: charts as "
                       "SVG, no JavaScript) or A4 PDF (--format pdf). Static HTML and PDF "
                       "need Chromium.")
    p.add_argument("--kommun", type=_kommun, required=True, help="four-digit kommunkod")
    p.add_argument("--year", type=_year, default=None,
                   help="reference year (default: the newest year in the processed data)")
    p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help="report language")
    p.add_argument("--out", type=Path, default=Path("reports"), help="output folder")
    p.add_argument("--register", type=Path, metavar="FILE",
                   help="the municipality's own export of decisions (see `register`): adds "
                   "the section \"Egna beslut i år\" with aggregated figures")
    p.add_argument("--register-date", type=_date, help="count persons on this day "
                   "(default today)")
    p.add_argument("--register-sheet", help="the sheet of a workbook with several")
    p.add_argument("--register-map", action="append", metavar="LABEL=ID",
                   help="what a local insats label means (as register --map)")
    _format_options(p, default="html")

    p = sub.add_parser("reports", parents=[common],
                       help="build the board reports of many municipalities, with an index",
                       description="Build the report of every municipality (or of one län, "
                       "or of a list) for one year into OUT/<year>/, with index.html (main "
                       "findings in one line each, links). Uses one worker per core. A "
                       "municipality whose report fails is reported and the others go on; "
                       "the exit code is then 1. Default format: static HTML (self-contained, "
                       "no JavaScript, < 1 MB each); --format html gives interactive reports "
                       "(about 5 MB each, plotly.js in every file).")
    p.add_argument("--kommuner", default="all", metavar="all|LÄN|CODES",
                   help="all (default), a län code such as 24, or kommunkoder such as "
                   "0180,2482")
    p.add_argument("--year", type=_year, default=None,
                   help="reference year (default: the newest year in the processed data)")
    p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help="report language")
    p.add_argument("--out", type=Path, default=Path("reports"),
                   help="output folder; the reports go to OUT/<year>/")
    p.add_argument("--jobs", type=_jobs, default=None,
                   help="worker processes (default: one per core)")
    _format_options(p, default="static")

    p = sub.add_parser("demo", parents=[common],
                       help="run the whole pipeline on synthetic demo data, offline",
                       description="Generate the synthetic demo country, then fetch, process, "
                       "compare, screen and report, all offline. Never official statistics.")
    p.add_argument("--out", type=Path, default=Path("reports"), help="output folder")
    p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG, help="report language")
    return parser


def _format_options(parser: argparse.ArgumentParser, *, default: str) -> None:
    """--format html|static|pdf and --static (= --format static)."""
    parser.add_argument("--format", dest="variant", choices=("html", "static", "pdf"),
                        default=default, help=f"html: interactive (plotly); static: charts "
                        f"as inline SVG, no JavaScript; pdf: A4 PDF (default: {default})")
    parser.add_argument("--static", dest="variant", action="store_const", const="static",
                        help="the same as --format static")


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid --jobs {text!r}; give a whole number ≥ 1")
    return value


def _category_ids() -> list[str]:
    from benchmark.catalog import CATEGORY_BY_ID

    return list(CATEGORY_BY_ID)

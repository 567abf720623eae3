"""Command line: ``python -m benchmark <command>`` (README: "For statisticians").

Exit codes: 0 success; 2 bad input (one line naming the problem and what would be valid);
1 anything else (a clear message; ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from benchmark.config import FIRST_YEAR, LAST_YEAR, Settings, get_settings
from benchmark.errors import BenchmarkError, InputError

if TYPE_CHECKING:
    import polars as pl

    from benchmark.output import OutTarget

log = logging.getLogger("benchmark")

FORMATS = ("table", "csv", "json")
LANGS = ("sv", "en")


class _Parser(argparse.ArgumentParser):
    """argparse that raises InputError instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}")


def parse_years(text: str) -> list[int]:
    """Parse ``2015-2024``, ``2024`` or ``2019,2021`` into a sorted list of years.

    Both ends of a range are checked before the range is built, so ``2015-99999999999``
    is one clear error, not a list of a hundred billion years.
    """
    from benchmark.catalog import check_year

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


def _year(text: str) -> int:
    from benchmark.catalog import check_year

    try:
        return check_year(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _years(text: str) -> list[int]:
    try:
        return parse_years(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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


def _kommun(text: str) -> str:
    from benchmark.catalog import normalise_municipality_code

    try:
        return normalise_municipality_code(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _categories(text: str) -> list[str]:
    from benchmark.catalog import get_category

    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError(
            f"no category given; valid categories: {', '.join(_category_ids())}")
    try:
        return [get_category(i).id for i in ids]
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _age_band(text: str) -> tuple[str, tuple[int, int | None]]:
    from benchmark.catalog import parse_age_band

    try:
        return parse_age_band(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _age_bands(values: list[tuple[str, tuple[int, int | None]]] | None
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


def _common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """--debug, --data-dir and --quiet; accepted before and after the command name."""
    default = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors",
                        **default)
    parser.add_argument("--data-dir", type=Path, help="data folder (default ./data or "
                        "$BENCHMARK_DATA_DIR)", **default)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output",
                        **default)


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
        p.add_argument("--format", choices=FORMATS, default="table", help="output format")
        p.add_argument("--out", type=Path, help="write to this file instead of stdout; "
                       "{year} in the name becomes the year used, e.g. "
                       "reports/screening-{year}.csv")

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
    p.add_argument("--lang", choices=LANGS, default="sv", help="report language")
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
    p.add_argument("--lang", choices=LANGS, default="sv", help="report language")
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
    p.add_argument("--lang", choices=LANGS, default="sv", help="report language")
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


def _only_categories(table: pl.DataFrame, categories: list[list[str]] | None
                     ) -> pl.DataFrame:
    """Rows of ``table`` in ``categories`` (``--category`` values; all rows when None)."""
    if not categories:
        return table
    import polars as pl

    wanted = list(dict.fromkeys(c for group in categories for c in group))
    return table.filter(pl.col("category").is_in(wanted))


def _check_out(out: Path | None, year: int | None) -> OutTarget | None:
    """``--out`` of compare/screen with ``{year}`` filled in, checked before anything is
    computed (:func:`benchmark.output.check_out_file`). Before the newest year is known, a
    ``{year}`` template is checked as written (its folder must be usable); call it again
    with the year once it is known."""
    from benchmark.output import check_out_file

    if out is None:
        return None
    return check_out_file(Path(str(out) if year is None
                               else str(out).replace("{year}", str(year))))


def _warn_if_partial(settings: Settings) -> None:
    """One stderr line when the processed set was built with ``--allow-partial``."""
    from benchmark.store import read_manifest

    manifest = read_manifest(settings)
    if manifest.get("complete") is False:
        gaps = manifest.get("missing") or []
        print(f"warning: the processed data are incomplete (process --allow-partial; "
              f"{len(gaps)} gap(s), e.g. {gaps[0] if gaps else '?'}); figures that depend on "
              "the missing data are absent or not assessed", file=sys.stderr)


def _year_or_newest(year: int | None, settings: Settings) -> int:
    """``year``, or the newest year in the processed data, named in one line on stderr."""
    if year is not None:
        return year
    from benchmark.comparison import latest_year

    newest = latest_year(settings)
    print(f"year: {newest} (the newest year in {settings.processed_dir} with LSS values and "
          "population; choose another with --year or YEAR=)", file=sys.stderr)
    return newest


def _cmd_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from benchmark.fetch import fetch

    summary = fetch(args.years, offline=args.offline, settings=settings,
                    progress=not args.quiet)
    print(summary.render())
    return 0


def _cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from benchmark.doctor import doctor

    report = doctor(settings=settings)
    print(report.render())
    return 0 if report.ok else 1


def _cmd_process(args: argparse.Namespace, settings: Settings) -> int:
    from benchmark.process import process

    summary = process(settings=settings, allow_partial=args.allow_partial)
    print(summary.render())
    return 0


def _cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    from benchmark.comparison import Method, compare
    from benchmark.output import write_table

    method = Method(age_bands=_age_bands(args.age_band))
    out = _check_out(args.out, args.year)
    year = _year_or_newest(args.year, settings)
    out = _check_out(args.out, year) if args.year is None else out
    table = compare(args.kommun, year, peer_group=args.peer_group, settings=settings,
                    method=method)
    table = _only_categories(table, args.category)
    _warn_if_partial(settings)
    write_table(table, args.format, out, kind="compare", method=method)
    return 0


def _cmd_screen(args: argparse.Namespace, settings: Settings) -> int:
    from benchmark.comparison import Method, screen
    from benchmark.output import write_table

    method = Method(age_bands=_age_bands(args.age_band))
    out = _check_out(args.out, args.year)
    year = _year_or_newest(args.year, settings)
    out = _check_out(args.out, year) if args.year is None else out
    table = screen(year, settings=settings, method=method)
    table = _only_categories(table, args.category)
    _warn_if_partial(settings)
    write_table(table, args.format, out, kind="screen", method=method)
    return 0


def _cmd_register(args: argparse.Namespace, settings: Settings) -> int:
    from benchmark.register.cli import run

    return run(args, settings)


def _cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from benchmark.output import check_out_folder
    from benchmark.report import build_report

    check_out_folder(args.out)
    year = _year_or_newest(args.year, settings)
    _warn_if_partial(settings)
    register = None
    if args.register is not None:
        from benchmark.register.format import parse_map
        from benchmark.report import RegisterSource

        register = RegisterSource(args.register, args.register_date, args.register_sheet,
                                  parse_map(args.register_map))
    path = build_report(args.kommun, year, lang=args.lang, out_dir=args.out,
                        settings=settings, variant=args.variant, register=register)
    print(f"report written: {path}")
    return 0


def _cmd_reports(args: argparse.Namespace, settings: Settings) -> int:
    from benchmark.batch import run_batch
    from benchmark.comparison import load_inputs
    from benchmark.output import check_out_folder
    from benchmark.report import municipality_names

    check_out_folder(args.out)
    year = _year_or_newest(args.year, settings)
    _warn_if_partial(settings)
    result = run_batch(args.kommuner, year, lang=args.lang, variant=args.variant,
                       out=args.out, settings=settings, workers=args.jobs,
                       progress=not args.quiet)
    print(result.render(municipality_names(load_inputs(settings))))
    if result.failed:
        codes = ", ".join(o.municipality for o in result.failed)
        print(f"error: {len(result.failed)} of {len(result.outcomes)} reports failed: {codes}",
              file=sys.stderr)
        return 1
    return 0


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from benchmark.demo import run_demo
    from benchmark.output import check_out_folder

    check_out_folder(args.out)
    data_dir = args.data_dir or Path("data/demo")  # never the real data folder by default
    for line in run_demo(out_dir=args.out, lang=args.lang, progress=not args.quiet,
                         data_dir=data_dir):
        print(line)
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "fetch": _cmd_fetch,
    "process": _cmd_process,
    "doctor": _cmd_doctor,
    "compare": _cmd_compare,
    "screen": _cmd_screen,
    "register": _cmd_register,
    "report": _cmd_report,
    "reports": _cmd_reports,
    "demo": _cmd_demo,
}


class _Terminated(BaseException):
    """SIGTERM: unwound like Ctrl-C so temporary files and folders are removed."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        parser = build_parser()
        if not argv or argv in (["-h"], ["--help"]):
            parser.print_help()
            return 0
        args = parser.parse_args(argv)
        if args.command is None:
            raise InputError("no command given; choose one of: " + ", ".join(COMMANDS))
        logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s")
        settings = get_settings(data_dir=args.data_dir)
        return COMMANDS[args.command](args, settings)
    except SystemExit as exc:  # --help inside a subcommand
        return int(exc.code or 0)
    except InputError as exc:
        if debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BenchmarkError as exc:
        if debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        if debug:
            traceback.print_exc()
        print(f"error: a required package is missing: {exc.name} (run `make setup`)",
              file=sys.stderr)
        return 1
    except (KeyboardInterrupt, _Terminated) as exc:
        print("interrupted; raw snapshots already written are complete and kept, the "
              "processed data are the last complete set", file=sys.stderr)
        return 143 if isinstance(exc, _Terminated) else 130
    except Exception as exc:  # last line of defence: never a bare traceback
        if debug:
            traceback.print_exc()
        else:
            print(f"error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
                  file=sys.stderr)
        return 1

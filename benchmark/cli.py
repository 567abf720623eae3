"""Command line: ``python -m benchmark <command>`` (README: "For statisticians").

Exit codes: 0 success; 2 bad input (one line naming the problem and what would be valid);
1 anything else (a clear message; ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from benchmark.arguments import build_parser, method_of
from benchmark.config import Settings, get_settings
from benchmark.errors import BenchmarkError, InputError

if TYPE_CHECKING:
    import polars as pl

    from benchmark.output import OutTarget

log = logging.getLogger("benchmark")


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
    other = re.search(r"\{[^{}]*\}", str(out).replace("{year}", ""))
    if other:
        raise InputError(f"--out {out}: {other.group()} is not filled in; only {{year}} is "
                         "(the year used), e.g. reports/compare-0180-{year}.csv")
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


def _cmd_table(args: argparse.Namespace, settings: Settings) -> int:
    """``compare`` (one municipality) or ``screen`` (all of them): the table as asked."""
    from benchmark.comparison import compare, screen
    from benchmark.output import write_table

    method = method_of(args)
    out = _check_out(args.out, args.year)
    year = _year_or_newest(args.year, settings)
    out = _check_out(args.out, year) if args.year is None else out
    if args.command == "compare":
        table = compare(args.kommun, year, peer_group=args.peer_group, settings=settings,
                        method=method)
    else:
        table = screen(year, settings=settings, method=method)
    table = _only_categories(table, args.category)
    _warn_if_partial(settings)
    write_table(table, args.format, out, kind=args.command, method=method)
    return 0


def _cmd_profile(args: argparse.Namespace, settings: Settings) -> int:
    """``profile``: the LSS profile of one municipality (:func:`benchmark.profile.profile`).
    Every argument is checked (KPI ids against the data included) before anything is
    computed or printed."""
    from benchmark.comparison import Method, load_inputs
    from benchmark.output import write_table
    from benchmark.profile import profile
    from benchmark.profile.engine import resolve_kpis

    out = _check_out(args.out, args.year)
    inputs = load_inputs(settings)
    inputs.check_municipality(args.kommun)
    resolve_kpis(args.kpi, inputs)
    if args.year is None:
        year = _year_or_newest(None, settings)
        out = _check_out(args.out, year)
    else:
        year = inputs.check_year(args.year)
    method = Method()
    table = profile(args.kommun, year, kpis=args.kpi, peer_group=args.peer_group,
                    genders=("T", "K", "M") if args.gender == "all" else ("T",),
                    lang=args.lang, method=method, inputs=inputs)
    _warn_if_partial(settings)
    write_table(table, args.format, out, kind="profile", method=method)
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
    "compare": _cmd_table,
    "screen": _cmd_table,
    "profile": _cmd_profile,
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

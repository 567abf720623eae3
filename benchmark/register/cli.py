"""``python -m benchmark register``: read the export, compute the views, write them."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from benchmark.config import Settings
from benchmark.errors import InputError
from benchmark.output import check_out_file, write_out
from benchmark.register.format import LEFT_OUT, parse_map
from benchmark.register.validate import read_register
from benchmark.register.views import VIEWS, build, render

#: Days after the file's newest date before ``--date`` gets a warning.
STALE_DAYS = 31


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The ``register`` command (exit code 0; errors are raised)."""
    views = list(dict.fromkeys(args.view or VIEWS))
    outs = _targets(args.out, args.format, views)
    labels = parse_map(args.map)
    register = read_register(args.file, sheet=args.sheet, labels=labels)
    on = args.date or date.today()
    notes(register, on)
    result = build(register, args.kommun, on, views=views, settings=settings)
    if outs is None:
        sys.stdout.write(render(result, args.format))
        return 0
    for view, target in outs.items():
        text = render(result, args.format, view)
        write_out(target, text.encode("utf-8"))
        print(f"register {view or ', '.join(views)} written: {target.given}", file=sys.stderr)
    return 0


def _targets(out: Path | None, fmt: str, views: list[str]) -> dict | None:
    """Checked ``--out`` targets per view (``None`` key: one file of all views)."""
    if out is None:
        if fmt == "csv" and len(views) > 1:
            raise InputError("CSV holds one table: choose --view stock, reconciliation or "
                             "flow, or give --out with {view} in the name (e.g. "
                             "reports/egna-beslut-{view}.csv)")
        return None
    if "{view}" in str(out):
        return {v: check_out_file(Path(str(out).replace("{view}", v))) for v in views}
    if fmt == "csv" and len(views) > 1:
        raise InputError("CSV holds one table: put {view} in the --out name (e.g. "
                         f"{out.with_name(out.stem + '-{view}' + out.suffix)}) or choose "
                         "one --view")
    return {views[0] if fmt == "csv" else None: check_out_file(out)}


def notes(register, on: date) -> None:
    """One stderr line per thing the reader should know: rows left out, a stale file."""
    for reason, n in register.left_out.items():
        print(f"note: {n} row(s) left out: {LEFT_OUT[reason]}", file=sys.stderr)
    last = register.last_date
    if last is not None and on - last > timedelta(days=STALE_DAYS):
        print(f"note: the newest date in {register.source} is {last}; persons on {on} are "
              "counted as the file left them (export again for newer decisions, or give "
              f"--date {last})", file=sys.stderr)

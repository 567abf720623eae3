"""One benchmark step in a fresh interpreter: ``python -m bench.worker STEP ...``.

Steps: ``screen-library`` (``benchmark.screen.screen``, the default method),
``screen-legacy`` (the same with ``Method.legacy()``, the computation the baseline
implements), ``screen-pandas`` (``bench.baseline_pandas.screen_pandas``), ``process``
(``benchmark.process.process`` from the raw snapshots) and ``register`` (read and validate a
case-system export of ``--file`` and build its three views,
:func:`benchmark.register.views.build`) and ``profile`` (the 40-KPI LSS profile of the demo
focus, :func:`benchmark.profile.profile`, reading the processed tables each time). The step
runs ``--reps`` times after its imports; the worker prints
one JSON line: the per-repetition seconds, the import time, the peak resident memory after
the imports alone and the process's peak resident memory (VmHWM from /proc/self/status,
which covers polars/arrow allocations that tracemalloc cannot see). The parent samples the
process tree as well (``bench.measure``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

__all__ = ["main", "peak_rss_mb"]

STEPS = ("screen-library", "screen-legacy", "screen-pandas", "process", "register",
         "profile")


def peak_rss_mb() -> float | None:
    """This process's peak resident set size (VmHWM) in MB, or None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("step", choices=STEPS)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--file", type=Path, default=None, help="the export (register)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    from benchmark.config import get_settings

    settings = get_settings(data_dir=args.data_dir)
    if args.step in ("screen-library", "screen-legacy"):
        from benchmark.comparison import Method
        from benchmark.screen import screen

        method = Method.legacy() if args.step == "screen-legacy" else Method()

        def run() -> object:
            return screen(args.year, settings=settings, method=method)
    elif args.step == "screen-pandas":
        from bench.baseline_pandas import screen_pandas

        def run() -> object:
            return screen_pandas(args.year, settings.processed_dir / "current")
    elif args.step == "profile":
        from benchmark.demo import DEMO_FOCUS
        from benchmark.profile import profile

        def run() -> object:
            table = profile(DEMO_FOCUS, args.year, settings=settings)
            assert table.height == 40, table.height
            return table
    elif args.step == "register":
        from benchmark.demo.register import DEMO_LABEL_MAP, DEMO_REGISTER_DATE
        from benchmark.register.validate import read_register
        from benchmark.register.views import build

        def run() -> object:
            register = read_register(args.file, labels=DEMO_LABEL_MAP)
            return build(register, "0180", DEMO_REGISTER_DATE, settings=settings)
    else:
        from benchmark.process import process

        def run() -> object:
            return process(settings=settings)
    import_s = time.perf_counter() - t0
    after_import_mb = peak_rss_mb()

    from benchmark.comparison.need import forget_fits

    times = []
    for _ in range(args.reps):
        forget_fits()  # every repetition computes from scratch, as one command would
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    json.dump({"step": args.step, "times": times, "import_s": import_s,
               "after_import_mb": after_import_mb, "vmhwm_mb": peak_rss_mb()}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

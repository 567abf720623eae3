"""Every municipality's board report for one year in one run (``python -m benchmark reports``,
``make reports``), with an ``index.html``.

The reports go to ``<out>/<year>/`` under the same names as single reports
(:func:`benchmark.report.report_path`). Worker processes (one per core by default) each keep
one Python interpreter with the notebook's imports loaded and render report after report
without a kernel (:class:`benchmark.inprocess.NotebookRunner`, papermill's parameter
injection); static HTML and PDF workers keep one headless Chromium with plotly.js loaded
(:class:`benchmark.render.Renderer`). The export is the single report's
(:func:`benchmark.report.export_html`, :func:`benchmark.report.finish`), so a batch report
equals the one ``python -m benchmark report`` writes (``tests/test_batch.py``).

A municipality whose report fails is reported (one line on stderr as it happens, and in the
summary) while the others go on; :func:`run_batch` returns the outcome of each. The index
lists every municipality selected with its main findings in one line
(:func:`benchmark.views.findings_line`, from the national screening of the year) and a link
to its report, or that it could not be made. The inputs are checked once before any worker
starts; a processed set replaced during the run is an error, as for a single report.
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmark import fmt
from benchmark.catalog import normalise_municipality_code
from benchmark.config import Settings, get_settings
from benchmark.errors import BenchmarkError, DataError, InputError
from benchmark.output import check_out_file, check_out_folder, write_out
from benchmark.report import (
    REPORT_NOTEBOOK,
    TMP_PREFIX,
    ReportInfo,
    check_variant,
    municipality_names,
    notebook_path,
    remove_stale_tempdirs,
    report_path,
)
from benchmark.tableset import open_set

#: ``--kommuner`` value for every municipality in the data.
ALL = "all"
#: Default batch format: static HTML (self-contained, no script, < 1 MB each).
DEFAULT_VARIANT = "static"
INDEX_NAME = "index.html"
_LAN = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class Outcome:
    """One municipality's report: its path, or the error that stopped it."""

    municipality: str
    path: Path | None = None
    error: str | None = None
    seconds: float = 0.0


@dataclass
class BatchResult:
    """What a batch wrote: every outcome, the index, the year folder and the time taken."""

    year: int
    folder: Path
    index: Path
    variant: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error is not None]

    @property
    def written(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error is None]

    def render(self, names: dict[str, str] | None = None) -> str:
        """The summary printed at the end of ``python -m benchmark reports``."""
        names = names or {}
        size = sum(o.path.stat().st_size for o in self.written if o.path and o.path.exists())
        minutes, seconds = divmod(round(self.seconds), 60)
        lines = [f"reports {self.year} ({_VARIANT_WORDS[self.variant]}): "
                 f"{len(self.written)} written, {len(self.failed)} failed, in "
                 f"{minutes} min {seconds:02d} s with {self.workers} worker(s); "
                 f"{size / 1e6:.1f} MB in {self.folder}",
                 f"index: {self.index}"]
        if self.failed:
            lines.append("failed:")
            lines += [f"  {o.municipality} {names.get(o.municipality, '')}: {o.error}"
                      for o in self.failed]
        return "\n".join(lines)


_VARIANT_WORDS = {"html": "interactive HTML", "static": "static HTML", "pdf": "PDF"}


def select_municipalities(spec: str | Sequence[str], register: Sequence[str]) -> list[str]:
    """The kommunkoder a ``--kommuner`` value names: ``all``, a län code (two digits, e.g.
    ``24``: every municipality whose code starts with it) or a list (comma- or
    space-separated kommunkoder); in register order, each once. Bad input raises
    :class:`InputError` naming what would be valid."""
    parts = [p for item in ([spec] if isinstance(spec, str) else spec)
             for p in re.split(r"[\s,]+", str(item).strip()) if p]
    if not parts:
        raise InputError("no municipalities given; write all, a län code such as 24, or "
                         "kommunkoder such as 0180,2482")
    known = sorted(register)
    chosen: set[str] = set()
    for part in parts:
        if part.lower() == ALL:
            chosen.update(known)
        elif _LAN.match(part):
            members = [c for c in known if c.startswith(part)]
            if not members:
                lans = sorted({c[:2] for c in known})
                raise InputError(f"no municipality with län code {part} in the data; län "
                                 f"codes in the data: {', '.join(lans)}")
            chosen.update(members)
        else:
            chosen.add(normalise_municipality_code(part, known))
    return [c for c in known if c in chosen]


# --- the workers --------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(data_dir: str, year: int, lang: str, variant: str, folder: str,
                 names: dict[str, str], synthetic: bool, notebook: str) -> None:
    """Per worker process: the settings, the notebook, an in-process runner, a temporary
    working folder (the notebook's cwd, as for a single report) and, for static HTML and
    PDF, a Chromium renderer; all closed when the worker exits."""
    import logging
    from multiprocessing import util

    from papermill.iorw import load_notebook_node

    from benchmark.comparison.reuse import keep_results
    from benchmark.inprocess import NotebookRunner

    logging.basicConfig(level=logging.ERROR)
    keep_results()  # the tables across all municipalities: computed once per worker
    tmp = tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-",
                                      ignore_cleanup_errors=True)
    os.chdir(tmp.name)
    _WORKER.update(year=year, lang=lang, variant=variant, folder=Path(folder), names=names,
                   synthetic=synthetic, data_dir=data_dir, tmp=tmp, renderer=None,
                   notebook=load_notebook_node(notebook), runner=NotebookRunner())
    util.Finalize(None, _close_worker, exitpriority=10)
    if variant != "html":
        from benchmark.render import Renderer

        _WORKER["renderer"] = Renderer().__enter__()


def _close_worker() -> None:
    """Stop the worker's Chromium and remove its working folder (at worker exit)."""
    renderer = _WORKER.pop("renderer", None)
    if renderer is not None:
        renderer.__exit__(None, None, None)
    tmp = _WORKER.pop("tmp", None)
    if tmp is not None:
        os.chdir(tempfile.gettempdir())
        tmp.cleanup()


def _render_one(code: str) -> Outcome:
    """One municipality's report, written atomically; errors become the outcome."""
    from benchmark import views
    from benchmark.report import export_html, finish

    w = _WORKER
    start = time.perf_counter()
    try:
        path = report_path(code, w["year"], w["lang"], w["folder"],
                           synthetic=w["synthetic"], variant=w["variant"])
        if path.is_dir():
            raise InputError(f"{path} is a folder, where this report must be written; "
                             "move or remove it and run the batch again")
        target = check_out_file(path, option="report file")
        views.start_document(include_plotlyjs=w["variant"] == "html")
        nb = w["runner"].run(w["notebook"], {"municipality": code, "year": w["year"],
                                             "lang": w["lang"], "data_dir": w["data_dir"]},
                             name=REPORT_NOTEBOOK)
        info = ReportInfo(code, w["names"].get(code, code), w["year"], w["lang"],
                          w["synthetic"])
        text = export_html(nb, lang=w["lang"], title=info.title)
        write_out(target, finish(text, w["variant"], info, w["renderer"]))
        return Outcome(code, target.path, None, time.perf_counter() - start)
    except BenchmarkError as exc:
        return Outcome(code, None, str(exc), time.perf_counter() - start)
    except Exception as exc:  # one municipality's failure must not stop the others
        return Outcome(code, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start)


# --- the run ------------------------------------------------------------------------------

def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_batch(kommuner: str | Sequence[str] = ALL, year: int | None = None, *,
              lang: str = "sv", variant: str = DEFAULT_VARIANT, out: Path = Path("reports"),
              settings: Settings | None = None, workers: int | None = None,
              progress: bool = True,
              on_failure: Callable[[Outcome, str], None] | None = None) -> BatchResult:
    """Write the reports of the municipalities ``kommuner`` names
    (:func:`select_municipalities`) for ``year`` (None: the newest in the data) into
    ``out/<year>/`` with an ``index.html``; ``workers`` processes (default: one per core).
    ``progress`` shows a bar on a terminal (stderr); ``on_failure(outcome, name)`` is called
    for each failure as it happens (default: one line on stderr)."""
    from benchmark.comparison import load_inputs, screen

    lang = fmt.check_lang(lang)
    variant = check_variant(variant)
    settings = settings or get_settings()
    check_out_folder(out)
    open_set(settings).verify()
    inputs = load_inputs(settings)
    year = inputs.resolve_year(year)
    codes = select_municipalities(kommuner, inputs.register())
    names = municipality_names(inputs)
    folder = Path(out) / str(year)
    index_target = check_out_file(folder / INDEX_NAME)
    if variant != "html":
        from benchmark.browser import require_chromium

        require_chromium("static HTML and PDF reports")
    set_id = open_set(settings).manifest.get("id")
    scr = screen(year, inputs=inputs)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_tempdirs()
    n_workers = max(1, min(workers or default_workers(), len(codes)))
    notify = on_failure or _print_failure
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"lss-batch-{os.getpid()}-") as tmp:
        nb_file = notebook_path(REPORT_NOTEBOOK, Path(tmp))
        # absolute paths: each worker works in its own temporary folder (its cwd)
        initargs = (str(settings.data_dir.resolve()), year, lang, variant,
                    str(folder.resolve()), names, inputs.synthetic, str(nb_file))
        outcomes = _run_pool(codes, n_workers, initargs, progress, names, notify)
    if open_set(settings).manifest.get("id") != set_id:
        raise DataError(f"the processed data in {settings.processed_dir} were replaced while "
                        "the reports were being built, so they could come from two versions; "
                        "run the batch again")
    by_code = {o.municipality: o for o in outcomes}
    result = BatchResult(year, folder, index_target.given, variant,
                         [by_code[c] for c in codes], time.perf_counter() - start, n_workers)
    write_out(index_target, index_html(result, scr, names, lang=lang,
                                       synthetic=inputs.synthetic).encode("utf-8"))
    return result


def _print_failure(outcome: Outcome, name: str) -> None:
    from tqdm import tqdm

    tqdm.write(f"report failed: {outcome.municipality} {name}: {outcome.error}",
               file=sys.stderr)


def _run_pool(codes: list[str], n_workers: int, initargs: tuple[Any, ...], progress: bool,
              names: dict[str, str], notify: Callable[[Outcome, str], None]) -> list[Outcome]:
    """Render ``codes`` in a pool of spawned workers. A worker that dies (killed, out of
    memory) breaks the pool: the reports it took down are tried once more, one worker at a
    time, and a second death is that municipality's failure."""
    import multiprocessing

    from tqdm import tqdm

    ctx = multiprocessing.get_context("spawn")  # no fork of a process running polars threads
    bar = tqdm(total=len(codes), unit="report", file=sys.stderr, dynamic_ncols=True,
               disable=not (progress and sys.stderr.isatty()))
    outcomes: list[Outcome] = []
    pending, attempt = list(codes), 0
    try:
        while pending:
            attempt += 1
            lost: list[str] = []
            size = n_workers if attempt == 1 else 1
            with ProcessPoolExecutor(max_workers=size, mp_context=ctx,
                                     initializer=_init_worker, initargs=initargs) as pool:
                futures: dict[Future[Outcome], str] = {pool.submit(_render_one, c): c
                                                       for c in pending}
                try:
                    for future in as_completed(futures):
                        code = futures[future]
                        try:
                            outcome = future.result()
                        except BrokenProcessPool:
                            if attempt < 2:
                                lost.append(code)
                                continue
                            outcome = Outcome(code, None, "the worker process stopped "
                                              "unexpectedly (killed or out of memory?)")
                        outcomes.append(outcome)
                        if outcome.error is not None:
                            notify(outcome, names.get(code, ""))
                        bar.update(1)
                        bar.set_postfix_str(code, refresh=False)
                except BaseException:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
            pending = lost
    finally:
        bar.close()
    return outcomes


# --- the index ----------------------------------------------------------------------------

def index_html(result: BatchResult, screen: Any, names: dict[str, str], *, lang: str = "sv",
               synthetic: bool = False) -> str:
    """The batch's ``index.html``: one row per municipality (sorted by name, Swedish
    order) with its main findings in one line and a link to its report."""
    import polars as pl

    from benchmark.views import findings_line, sv_sort_key

    esc = html.escape
    rows = []
    for outcome in sorted(result.outcomes,
                          key=lambda o: sv_sort_key(names.get(o.municipality, ""))):
        code = outcome.municipality
        name = names.get(code, code)
        if outcome.path is not None:
            findings = findings_line(screen.filter(pl.col("municipality") == code), lang)
            link = (f'<a href="{esc(outcome.path.name)}">{esc(fmt.text("index.report_link", lang))}'
                    f'<span class="lss-sr"> {esc(name)}</span></a>')
        else:
            findings, link = fmt.MISSING, esc(fmt.text("index.report_failed", lang))
        rows.append(f'<tr><th scope="row">{esc(name)}</th><td>{esc(code)}</td>'
                    f"<td>{esc(findings)}</td><td>{link}</td></tr>")
    year = result.year
    caption = fmt.text("index.caption", lang, year=year)
    title = fmt.text("index.title", lang, year=year, n=len(result.outcomes))
    if synthetic:
        title += f" – {fmt.text('label.synthetic', lang)}"
    banner = (f'<p class="lss-demo" role="note">{esc(fmt.text("label.synthetic_note", lang))}</p>'
              if synthetic else "")
    failed = (f'<p class="lss-demo">{esc(fmt.text("index.failed", lang, n=len(result.failed)))}'
              "</p>" if result.failed else "")
    heads = "".join(f'<th scope="col">{esc(h)}</th>' for h in (
        fmt.text("label.municipality", lang), fmt.text("index.code", lang),
        fmt.text("index.main_findings", lang), fmt.text("index.report_link", lang)))
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{_INDEX_CSS}</style>\n</head>\n<body>\n"
            f"<main>\n<h1>{esc(title)}</h1>\n{banner}"
            f"<p>{esc(fmt.text('index.intro', lang, year=year))}</p>\n{failed}"
            # a labelled region a keyboard can scroll: on a phone the table is wider than
            # the screen, and only the table scrolls sideways, not the whole page
            f'<div class="lss-table" role="region" tabindex="0" aria-label="{esc(caption)}">'
            f"<table>\n<caption>{esc(caption)}</caption>\n"
            f"<thead><tr>{heads}</tr></thead>\n<tbody>\n" + "\n".join(rows)
            + "\n</tbody>\n</table></div>\n</main>\n</body>\n</html>\n")


_INDEX_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif;
  font-size: 17px; line-height: 1.5; color: #1a1a1a; background: #ffffff; margin: 0; }
main { max-width: 66rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
p { max-width: 46rem; }
table { border-collapse: collapse; font-size: 0.95rem; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
th, td { border: 1px solid #b3b3b3; padding: 0.3rem 0.55rem; text-align: left;
  vertical-align: top; }
thead th { background: #f0f0f0; }
a { color: #0b5394; }
a:focus, .lss-table:focus { outline: 3px solid #0072B2; outline-offset: 2px; }
.lss-table { overflow-x: auto; }
.lss-demo { border: 3px solid #D55E00; padding: 0.6rem 1rem; font-weight: 700; }
.lss-sr { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
@media print { thead { display: table-header-group; } tr { break-inside: avoid; } }
"""

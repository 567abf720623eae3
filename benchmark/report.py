"""The board report: execute ``notebooks/02-styrelserapport`` with papermill and export one
self-contained, offline file: interactive HTML, static HTML or PDF (:data:`VARIANTS`).

The export uses the template ``benchmark/templates/lss_offline`` (the JupyterLab template
without require.js, MathJax, mermaid or widget CDN scripts, with a skip link to the summary
and a print stylesheet), hides code cells and prompts, sets ``<html lang>``, drops the
``tabindex`` nbconvert puts on every output block, and inlines plotly.js exactly once (the
first figure carries it, see :func:`benchmark.views.show`). :func:`audit_html`
(:mod:`benchmark.audit`) refuses a file that would reach the network or is too big. The
static HTML and the PDF are drawn from that HTML by headless Chromium
(:mod:`benchmark.render`); the batch of every municipality's report is
:mod:`benchmark.batch`.

Before a kernel starts, the inputs are checked (municipality, year, every table of the
processed set against its hash, the provenance), so is the output file (the rules of
:func:`benchmark.output.check_out_file`) and, for static HTML and PDF, that Chromium is
installed. The notebook runs in a temporary folder
``lss-report-<pid>-*`` that is removed on every exit (errors, Ctrl-C, SIGTERM through the
command line); one left by a killed process (SIGKILL) is removed by the next report once
that process no longer exists. A report whose processed set was replaced while it ran (a
``process`` meanwhile) is refused rather than mixing two versions.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from benchmark import fmt
from benchmark.audit import audit_html, audit_static
from benchmark.catalog import check_year
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError, InputError
from benchmark.output import check_out_file, write_out
from benchmark.tableset import open_set

if TYPE_CHECKING:
    from benchmark.comparison import Inputs
    from benchmark.render import Renderer

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
REPORT_NOTEBOOK = "02-styrelserapport"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "lss_offline"
#: Seconds a single notebook cell may run.
CELL_TIMEOUT_S = 600
_KERNEL_NAME = "lss-benchmark-python"


#: Report forms: interactive HTML (plotly), static HTML (inline SVG, no script), A4 PDF.
VARIANTS = ("html", "static", "pdf")
_SUFFIX = {"html": ".html", "static": "-static.html", "pdf": ".pdf"}


def check_variant(variant: str) -> str:
    """``variant`` if it is one of :data:`VARIANTS`, else :class:`InputError`."""
    if variant not in VARIANTS:
        raise InputError(f"unknown report format {variant!r}; valid: {', '.join(VARIANTS)}")
    return variant


def report_path(municipality: str, year: int, lang: str, out_dir: Path, *,
                synthetic: bool = False, variant: str = "html") -> Path:
    """``<out_dir>/lss-<kommun>-<year>-<lang>.html`` (``-static.html`` for static HTML,
    ``.pdf`` for PDF; ``-DEMO`` before the suffix's extension for synthetic data)."""
    stem = f"lss-{municipality}-{year}-{lang}"
    suffix = _SUFFIX[check_variant(variant)]
    if synthetic:
        base, ext = suffix.rsplit(".", 1)
        suffix = f"{base}-DEMO.{ext}"
    return Path(out_dir) / f"{stem}{suffix}"


def build_report(municipality: str, year: int, *, lang: str = "sv",
                 out_dir: Path = Path("reports"), settings: Settings | None = None,
                 variant: str = "html", register: RegisterSource | None = None) -> Path:
    """Execute the board-report notebook for one municipality and year and write the
    report in ``variant``: interactive HTML, static HTML or an A4 PDF.

    Parameters
    ----------
    municipality
        The kommunkod.
    year
        The year (checked against the data).
    lang
        The report language (a file of :mod:`benchmark.texts`).
    out_dir
        Where the report goes.
    settings
        The data folder (default :func:`benchmark.config.get_settings`).
    variant
        One of :data:`VARIANTS`: ``"html"`` (interactive), ``"static"`` (charts as inline
        SVG, no script) or ``"pdf"``; the last two need Chromium.
    register
        The municipality's own case-system export: the report then gets the section
        "Egna beslut i år" (aggregates only; the export is read where it is and checked
        before the kernel starts).

    Returns
    -------
    pathlib.Path
        :func:`report_path`: ``<out_dir>/lss-<kommun>-<year>-<lang>.html``
        (``-static.html``, ``.pdf``), with ``-DEMO`` before the extension when the data
        are synthetic.

    Raises
    ------
    InputError
        For an unknown municipality, a year without data or an unsupported language.
    DataError
        When the processed data are missing or were replaced while the report was built,
        or the report fails its offline and size checks; :class:`ChromiumMissing` (a
        DataError) for static HTML or PDF without Chromium.

    Examples
    --------
    >>> build_report("0180", 2024, settings=demo_settings())  # doctest: +SKIP
    PosixPath('reports/lss-0180-2024-sv-DEMO.html')
    """
    lang = fmt.check_lang(lang)
    variant = check_variant(variant)
    settings = settings or get_settings()
    code, year, synthetic, name = _check_inputs(municipality, year, settings)
    params: dict[str, Any] = {"municipality": code, "year": year, "lang": lang,
                              "data_dir": str(settings.data_dir.resolve())}
    if register is not None:
        params.update(register.parameters(code, year, settings))
    target = check_out_file(report_path(code, year, lang, out_dir, synthetic=synthetic,
                                        variant=variant))
    if variant != "html":
        from benchmark.browser import require_chromium

        require_chromium("a static HTML or PDF report")
    set_id = open_set(settings).manifest.get("id")
    remove_stale_tempdirs()
    with tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-") as tmp:
        nb = execute_notebook(notebook_path(REPORT_NOTEBOOK, Path(tmp)), params,
                              cwd=Path(tmp))
    if open_set(settings).manifest.get("id") != set_id:  # a `process` ran meanwhile
        raise DataError(f"the processed data in {settings.processed_dir} were replaced while "
                        "the report was being built, so its parts could come from two "
                        "versions; run the report again")
    info = ReportInfo(code, name, year, lang, synthetic)
    text = export_html(nb, lang=lang, title=info.title)
    if variant == "html":
        data = finish(text, variant, info)
    else:
        from benchmark.render import Renderer

        with Renderer() as renderer:
            data = finish(text, variant, info, renderer)
    write_out(target, data)
    return target.given


def finish(text: str, variant: str, info: ReportInfo, renderer: Renderer | None = None
           ) -> bytes:
    """The bytes of a report in ``variant`` from its interactive HTML ``text`` (audited:
    :func:`audit_html`, and for static HTML :func:`audit_static`)."""
    problems = audit_html(text, expect_plotlyjs=variant == "html")
    if problems:
        raise DataError("report failed the offline/size checks: " + "; ".join(problems))
    if variant == "html":
        return text.encode("utf-8")
    from benchmark import render

    if renderer is None:
        raise DataError("a static HTML or PDF report needs a renderer (Chromium)")
    if variant == "static":
        static = render.static_html(text, renderer, width=render.SCREEN_WIDTH_PX)
        problems = audit_static(static)
        if problems:
            raise DataError("static report failed its checks: " + "; ".join(problems))
        return static.encode("utf-8")
    static = render.static_html(text, renderer, width=render.PRINT_WIDTH_PX)
    return render.print_pdf(static, info, renderer)


@dataclass(frozen=True)
class RegisterSource:
    """The municipality's own case-system export for the report's "Egna beslut i år"."""

    file: Path
    date: date | None = None
    sheet: str | None = None
    labels: dict[str, str] | None = None

    def parameters(self, municipality: str, year: int, settings: Settings) -> dict[str, Any]:
        """The notebook parameters, after reading and checking the export here (bad input
        stops before a kernel starts)."""
        from benchmark.register.present import load

        load(self.file, municipality, self.date, sheet=self.sheet, labels=self.labels,
             year=year, settings=settings)
        return {"register_file": str(Path(self.file).resolve()),
                "register_date": self.date.isoformat() if self.date else None,
                "register_sheet": self.sheet, "register_map": dict(self.labels or {})}


def _check_inputs(municipality: str, year: int, settings: Settings
                  ) -> tuple[str, int, bool, str]:
    """Validate code and year before starting a kernel, with the same checks and messages
    as ``compare`` (:class:`benchmark.comparison.Inputs`); also check every table of the
    set and its provenance. Returns (code, year, synthetic, name)."""
    from benchmark.comparison import load_inputs

    year = check_year(year)
    open_set(settings).verify()
    inputs = load_inputs(settings)
    code = inputs.check_municipality(municipality)
    return code, inputs.check_year(year), inputs.synthetic, municipality_names(inputs)[code]


def municipality_names(inputs: Inputs) -> dict[str, str]:
    """kommunkod → name, from the municipality register of the processed set."""
    return {str(r["municipality"]): str(r.get("name") or r["municipality"])
            for r in inputs.kommuner.to_dicts()}


@dataclass(frozen=True)
class ReportInfo:
    """What a report says about itself outside its body: title, PDF footer and metadata."""

    municipality: str
    name: str
    year: int
    lang: str = "sv"
    synthetic: bool = False

    @property
    def title(self) -> str:
        """``LSS-insatser i <name> <year> jämfört med riket`` (+ the demo label)."""
        title = fmt.text("report.title", self.lang, name=self.name, year=self.year)
        return f"{title} – {fmt.text('label.synthetic', self.lang)}" if self.synthetic else title


TMP_PREFIX = "lss-report-"
#: Temporary folders of a report run, each ``<prefix><pid>-<random>``.
_TMP_PREFIXES = (TMP_PREFIX, "lss-kernel-", "lss-chromium-", "lss-batch-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_tempdirs(base: Path | None = None) -> list[Path]:
    """Remove ``lss-report-<pid>-*`` and ``lss-kernel-<pid>-*`` folders in the temp folder
    whose process is gone (left by a report killed with SIGKILL)."""
    base = Path(base or tempfile.gettempdir())
    removed = []
    for prefix in _TMP_PREFIXES:
        for path in base.glob(f"{prefix}*"):
            pid_text = path.name[len(prefix):].split("-", 1)[0]
            if path.is_dir() and pid_text.isdigit() and not _alive(int(pid_text)):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


# --- notebooks ----------------------------------------------------------------------------

def notebook_path(name: str, tmp_dir: Path) -> Path:
    """Path of ``notebooks/<name>.ipynb``; built from the paired ``.py`` into ``tmp_dir``
    when only the percent script is present (e.g. a checkout that never synced)."""
    ipynb = NOTEBOOK_DIR / f"{name}.ipynb"
    if ipynb.exists():
        return ipynb
    script = NOTEBOOK_DIR / f"{name}.py"
    if not script.exists():
        raise DataError(f"notebook {name} not found in {NOTEBOOK_DIR}")
    import jupytext

    out = Path(tmp_dir) / f"{name}.ipynb"
    nbformat.write(jupytext.read(script), out)
    return out


def _runs_this_python(argv0: str) -> bool:
    names = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info)}
    if argv0 in names:  # jupyter_client substitutes sys.executable for these
        return True
    with contextlib.suppress(OSError):
        return Path(argv0).resolve() == Path(sys.executable).resolve()
    return False


@contextlib.contextmanager
def kernel_for_this_python() -> Iterator[str]:
    """A kernel name that runs the current interpreter (the project venv).

    Uses the registered ``python3`` kernel when it already does; otherwise registers a
    kernelspec in a temporary folder for the duration (a fresh clone needs no manual step).
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
        if spec.argv and _runs_this_python(spec.argv[0]):
            yield "python3"
            return
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    with tempfile.TemporaryDirectory(prefix=f"lss-kernel-{os.getpid()}-") as tmp:
        install(kernel_name=_KERNEL_NAME, prefix=tmp, display_name="lss-benchmark")
        old = os.environ.get("JUPYTER_PATH")
        share = str(Path(tmp) / "share" / "jupyter")
        os.environ["JUPYTER_PATH"] = share + (os.pathsep + old if old else "")
        try:
            yield _KERNEL_NAME
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


#: The one line of the kernel's own stderr that is not passed on: ipykernel 7 warns at every
#: start that its loopback TCP sockets are unencrypted (they are bound to 127.0.0.1 and signed
#: with the connection file's key); every other line reaches the terminal as before.
_TCP_WARNING = b"Kernel is running over TCP without encryption"


def forward_kernel_stderr(fd: int, to: Any = None) -> None:
    """Copy a kernel's stderr (the read end ``fd`` of a pipe) line by line to ``to``
    (default ``sys.stderr``), leaving out :data:`_TCP_WARNING`; returns at end of file."""
    with os.fdopen(fd, "rb") as pipe:
        for line in pipe:
            if _TCP_WARNING not in line:
                target = to or sys.stderr
                target.write(line.decode("utf-8", "replace"))
                target.flush()


def _quiet_kernel_manager() -> type:
    """An ``AsyncKernelManager`` whose kernel's stderr passes :func:`forward_kernel_stderr`
    (``_async_launch_kernel`` is jupyter_client's hook for launching differently)."""
    import threading

    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if kw.get("stderr") is not None:  # the caller chose where it goes
                await super()._async_launch_kernel(kernel_cmd, **kw)
                return
            read, write = os.pipe()
            try:
                await super()._async_launch_kernel(kernel_cmd, **{**kw, "stderr": write})
            except BaseException:
                os.close(read)
                raise
            finally:
                os.close(write)
            threading.Thread(target=forward_kernel_stderr, args=(read,), daemon=True,
                             name="kernel-stderr").start()

    return QuietKernelManager


def execute_notebook(path: Path, parameters: dict[str, Any], *, cwd: Path) -> Any:
    """Run a notebook with papermill (parameters injected from Python, so codes keep their
    leading zeros) and return the executed notebook node."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out = Path(cwd) / f"executed-{Path(path).name}"
    with kernel_for_this_python() as kernel:
        try:
            return pm.execute_notebook(
                str(path), str(out), parameters=parameters, kernel_name=kernel,
                cwd=str(cwd), language="python", progress_bar=False, log_output=False,
                execution_timeout=CELL_TIMEOUT_S, kernel_manager_class=_quiet_kernel_manager())
        except PapermillExecutionError as exc:
            if exc.ename == "InputError":
                raise InputError(str(exc.evalue).splitlines()[0]) from None
            raise DataError(f"notebook {Path(path).stem} failed in cell {exc.exec_count}: "
                            f"{exc.ename}: {exc.evalue}") from None


# --- export -------------------------------------------------------------------------------

def _strip_stderr(nb: Any) -> None:
    """Drop stderr streams (warnings) from the export; they are logged instead."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                log.warning("report notebook wrote to stderr: %s", output.get("text", "")[:500])
                continue
            kept.append(output)
        cell["outputs"] = kept


def export_html(nb: Any, *, lang: str = "sv", title: str = "LSS") -> str:
    """Export an executed notebook as offline HTML without code cells or prompts."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    fmt.check_lang(lang)
    nb = nbformat.from_dict(nb)
    _strip_stderr(nb)
    for cell in nb.cells:  # papermill gives it a random id; the anchor should not vary
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    nb.metadata.pop("widgets", None)
    exporter = _EXPORTERS.get(lang)
    if exporter is None:  # one per language and process: the template is compiled once
        config = Config()
        config.TagRemovePreprocessor.remove_cell_tags = ("remove",)
        config.TagRemovePreprocessor.enabled = True
        exporter = HTMLExporter(config=config, template_name=TEMPLATE_NAME,
                                extra_template_basedirs=[str(TEMPLATE_DIR)])
        exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        exporter.language_code = lang
        _EXPORTERS[lang] = exporter
    resources = {"metadata": {"name": title},
                 "lss": {"skip_text": fmt.text("report.skip_to_summary", lang)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return _FOCUSABLE_BLOCK.sub(r"\1", body)


_EXPORTERS: dict[str, Any] = {}


#: nbconvert makes every output block and input area a Tab stop (``tabindex="0"``); in a
#: report they are neither interactive nor scrollable, so each would be a stray Tab stop.
_FOCUSABLE_BLOCK = re.compile(
    r'(<div class="[^"]*\bjp-(?:OutputArea-output|Cell-inputWrapper)\b[^"]*"[^>]*?)'
    r' tabindex="0"')

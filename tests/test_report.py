"""Static checks on the exported board report (offline, accessible, one plotly.js copy)."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import nbformat
import polars as pl
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from benchmark import plots, report
from benchmark.errors import InputError
from tests.report_fixture import demo_reports  # noqa: F401  (fixture)

pytestmark = pytest.mark.notebook

EXTERNAL = re.compile(r"<(script|link|img|iframe|source|embed)\b[^>]*\b(src|href)\s*=\s*"
                      r"[\"']?\s*(https?:)?//", re.IGNORECASE)


class _Structure(HTMLParser):
    """Headings in order, and per chart block (``<div class="lss-chart">``) which parts it
    holds, in order: the figure (plot, figcaption) and the table after it."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.figures: list[list[str]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "div" and "lss-chart" in cls:
            self.figures.append([])
            self._depth = 1
            return
        if self._depth:
            if tag == "div":
                self._depth += 1
            if "plotly-graph-div" in cls:
                self.figures[-1].append("plot")
            elif tag in ("figure", "figcaption", "table"):
                self.figures[-1].append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag == "div":
            self._depth -= 1


def _structure(text: str) -> _Structure:
    parser = _Structure()
    parser.feed(text)
    return parser


def _figures_json(text: str) -> list[dict[str, Any]]:
    """The data and config of every ``Plotly.newPlot(id, data, layout, config)`` call."""
    decoder = json.JSONDecoder()
    out = []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', text):
        data, end = decoder.raw_decode(text, m.end())
        rest = text[end:].lstrip(", \n")
        layout, end2 = decoder.raw_decode(rest)
        config, _ = decoder.raw_decode(rest[end2:].lstrip(", \n"))
        out.append({"data": data, "layout": layout, "config": config})
    return out


def wcag_contrast(colour: str, background: str = "#ffffff") -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    def lum(c: str) -> float:
        rgb = [int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(colour), lum(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _trace_colours(trace: dict[str, Any]) -> list[str]:
    found = []
    for part in ("marker", "line", "error_x", "error_y"):
        c = (trace.get(part) or {}).get("color")
        if isinstance(c, str):
            found.append(c)
    return found


# --- the demo board report ----------------------------------------------------------------

@pytest.fixture(scope="module")
def sv_html(demo_reports: dict[str, Any]) -> str:  # noqa: F811
    return demo_reports["sv"].read_text(encoding="utf-8")


def test_file_name_and_size(demo_reports: dict[str, Any]) -> None:  # noqa: F811
    out = demo_reports["out"]
    # synthetic data: the file name says DEMO too, not only the page
    assert demo_reports["sv"] == out / "lss-0180-2024-sv-DEMO.html"
    assert demo_reports["en"] == out / "lss-0180-2024-en-DEMO.html"
    for lang in ("sv", "en"):
        size = demo_reports[lang].stat().st_size
        assert 1_000_000 < size < 6 * 1024 * 1024


def test_lang_attribute(demo_reports: dict[str, Any]) -> None:  # noqa: F811
    assert re.search(r'<html lang="sv"', demo_reports["sv"].read_text(encoding="utf-8"))
    en = demo_reports["en"].read_text(encoding="utf-8")
    assert re.search(r'<html lang="en"', en)
    assert "Clearly higher than Sweden" in en or "Clearly lower than Sweden" in en
    assert "Synthetic demo data" in en


def test_no_external_resources(sv_html: str) -> None:
    assert not EXTERNAL.search(sv_html), EXTERNAL.search(sv_html)
    assert "url(http" not in sv_html.replace(" ", "")
    assert "require.min.js" not in sv_html and "MathJax.js" not in sv_html
    assert "cdnjs" not in sv_html and "unpkg.com" not in sv_html
    assert "cdn.plot.ly/plotly" not in sv_html


def test_exactly_one_plotly_copy_and_safe_config(sv_html: str) -> None:
    assert len(re.findall(r"\*\s*plotly\.js v\d", sv_html)) == 1
    figs = _figures_json(sv_html)
    assert len(figs) >= 4
    assert sv_html.count("Plotly.newPlot(") == len(figs)
    for f in figs:
        assert f["config"]["showSendToCloud"] is False
        assert f["config"]["displaylogo"] is False
    assert not re.search(r'"showSendToCloud":\s*true', sv_html)
    assert report.audit_html(sv_html) == []


def test_headings_in_order_without_skips(sv_html: str) -> None:
    levels = _structure(sv_html).headings
    assert levels[0] == 1 and levels.count(1) == 1
    for prev, cur in pairwise(levels):
        assert cur <= prev + 1, levels
    assert 3 in levels


def test_every_figure_has_caption_and_adjacent_table(sv_html: str) -> None:
    figures = _structure(sv_html).figures
    assert len(figures) == sv_html.count("Plotly.newPlot(")
    for parts in figures:
        assert parts == ["figure", "plot", "figcaption", "table"], parts


def test_palette_contrast_of_every_trace_colour(sv_html: str) -> None:
    colours = {c.lower() for f in _figures_json(sv_html) for t in f["data"]
               for c in _trace_colours(t)}
    assert "#0072b2" in colours
    for c in colours:
        assert re.fullmatch(r"#[0-9a-f]{6}", c), c
        assert wcag_contrast(c) >= 3.0, c
    for c in plots.PALETTE.values():
        assert wcag_contrast(c) >= 3.0


def test_summary_first_sources_and_demo_label_last(sv_html: str) -> None:
    first_plot = sv_html.index("Plotly.newPlot(")
    m = re.search(r"(\d+) av 10 kategorier ligger tydligt över riket", sv_html)
    assert m and m.start() < first_plot
    assert sv_html.index("Sammanfattning") < first_plot
    last_plot = sv_html.rindex("Plotly.newPlot(")
    src = sv_html.index("Källa: Kolada (RKA), SCB")
    assert src > last_plot
    assert re.search(r"Kolada \(RKA\), hämtad \d{1,2} \w+ 20\d\d", sv_html[src:])
    assert re.search(r"SCB, hämtad \d{1,2} \w+ 20\d\d", sv_html[src:])
    assert "Vad siffrorna inte betyder" in sv_html
    assert "verkställt beslut" in sv_html.lower()
    # synthetic data say so at the top, in every figure title and at the bottom
    assert sv_html.index("Syntetiska demodata") < first_plot
    for f in _figures_json(sv_html):
        assert "Syntetiska demodata" in f["layout"]["title"]["subtitle"]["text"]
    assert "Syntetiska demodata" in sv_html[src:]


def test_no_code_prompts_or_stderr_in_export(sv_html: str) -> None:
    assert "views.show(" not in sv_html
    assert "load_report_data" not in sv_html
    assert not re.search(r'class="[^"]*jp-(Input|Output)Prompt', sv_html)
    assert not re.search(r'class="[^"]*jp-InputArea\b', sv_html)
    assert "Traceback" not in sv_html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in sv_html


def test_summary_counts_match_the_comparison_table(demo_reports: dict[str, Any],  # noqa: F811
                                                   sv_html: str) -> None:
    from benchmark.compare import compare

    table = compare(demo_reports["municipality"], demo_reports["year"],
                    settings=demo_reports["settings"])
    # "tydligt" only where the flag holds under every alternative (robust)
    clear = (pl.col("status") == "ok") & pl.col("robust").fill_null(True)
    n_hi = table.filter(clear & (pl.col("flag") == "higher")).height
    n_lo = table.filter(clear & (pl.col("flag") == "lower")).height
    assert f"{n_hi} av 10 kategorier ligger tydligt över riket" in sv_html
    assert f"{n_lo} av 10 ligger tydligt under riket" in sv_html
    fragile = table.filter((pl.col("status") == "ok") & (pl.col("robust") == False))  # noqa: E712
    assert fragile.height >= 1  # Demoby's boende and kontaktperson
    assert sv_html.count("beror på hur åldrarna räknas") >= fragile.height


# --- export machinery on a hand-made notebook -----------------------------------------------

def _handmade(tmp_path: Path) -> str:
    root = Path(__file__).resolve().parents[1]
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                               "display_name": "Python 3"}}, cells=[
        new_markdown_cell("Intern anteckning som inte ska exporteras",
                          metadata={"tags": ["remove"]}),
        new_code_cell('name = "x"', metadata={"tags": ["parameters"]}),
        new_code_cell(
            f"import sys, warnings\nsys.path.insert(0, {str(root)!r})\n"
            "from tests.comparison_tables import make_compare\n"
            "from benchmark import plots, views\n"
            "t = make_compare(name=name)\n"
            "views.show(views.heading(name, 1))\n"
            "views.show(plots.forest_chart(t))\n"
            "views.show(plots.decomposition_chart(t))\n"
            "warnings.warn('brus på stderr')\n"),
    ])
    path = tmp_path / "hand.ipynb"
    nbformat.write(nb, path)
    executed = report.execute_notebook(path, {"name": "Å <b>&</b> \"0180\""}, cwd=tmp_path)
    return report.export_html(executed, lang="sv", title="Test")


def test_export_escapes_removes_tagged_cells_and_stderr(tmp_path: Path) -> None:
    text = _handmade(tmp_path)
    assert "Intern anteckning" not in text
    assert "brus på stderr" not in text
    assert "<b>&</b>" not in text
    assert "Å &lt;b&gt;&amp;&lt;/b&gt;" in text
    assert len(re.findall(r"\*\s*plotly\.js v\d", text)) == 1
    assert text.count("Plotly.newPlot(") == 2
    assert report.audit_html(text) == []


def test_parameters_keep_leading_zeros(tmp_path: Path) -> None:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                               "display_name": "Python 3"}}, cells=[
        new_code_cell('code = "2482"', metadata={"tags": ["parameters"]}),
        new_code_cell("print(repr(code))")])
    path = tmp_path / "p.ipynb"
    nbformat.write(nb, path)
    out = report.execute_notebook(path, {"code": "0180"}, cwd=tmp_path)
    assert out.cells[-1].outputs[0]["text"].strip() == "'0180'"


def test_kernel_tcp_warning_is_not_on_the_terminal(tmp_path: Path,
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    """ipykernel's start-up warning about unencrypted TCP does not reach the terminal."""
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                               "display_name": "Python 3"}},
                      cells=[new_code_cell("x = 1")])
    path = tmp_path / "q.ipynb"
    nbformat.write(nb, path)
    report.execute_notebook(path, {}, cwd=tmp_path)
    assert "without encryption" not in capfd.readouterr().err


def test_kernel_stderr_keeps_every_other_line() -> None:
    read, write = os.pipe()
    os.write(write, b"[IPKernelApp] WARNING | Kernel is running over TCP without encryption. "
                    b"All communication ...\n[IPKernelApp] ERROR | Failed to load connection "
                    b"file\nWarning: \xc3\xa5ldersgrupp\n")
    os.close(write)
    out = io.StringIO()
    report.forward_kernel_stderr(read, out)
    assert out.getvalue() == ("[IPKernelApp] ERROR | Failed to load connection file\n"
                              "Warning: åldersgrupp\n")


def test_failing_notebook_is_a_data_error(tmp_path: Path) -> None:
    from benchmark.errors import DataError

    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                               "display_name": "Python 3"}},
                      cells=[new_code_cell("1/0")])
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(DataError, match="ZeroDivisionError"):
        report.execute_notebook(path, {}, cwd=tmp_path)


def test_kernel_falls_back_to_this_interpreter(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    bogus = tmp_path / "kernels" / "python3"
    bogus.mkdir(parents=True)
    (bogus / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/bin/python", "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"], "display_name": "broken", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with report.kernel_for_this_python() as name:
        assert name != "python3"
        spec = KernelSpecManager().get_kernel_spec(name)
        assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == "/nonexistent/bin/python"


# --- audit and input validation -----------------------------------------------------------

def test_audit_flags_cdn_duplicate_plotly_and_size() -> None:
    base = '<html lang="sv"><body>'
    assert report.audit_html(base + "</body></html>") == []
    bad = base + '<script src="https://cdn.plot.ly/plotly.min.js"></script>'
    assert any("external" in p for p in report.audit_html(bad))
    twice = base + "/**\n* plotly.js v4.1.1\n*/ /**\n* plotly.js v4.1.1\n*/"
    assert any("2 copies" in p for p in report.audit_html(twice))
    assert any("lang" in p for p in report.audit_html("<html><body></body></html>"))
    big = base + "x" * (6 * 1024 * 1024)
    assert any("exceeds" in p for p in report.audit_html(big))
    assert any("cloud" in p for p in report.audit_html(base + '{"showSendToCloud": true}'))


def test_build_report_rejects_bad_input(demo_reports: dict[str, Any],  # noqa: F811
                                        tmp_path: Path) -> None:
    settings = demo_reports["settings"]
    with pytest.raises(InputError, match="did you mean 0180"):
        report.build_report("180", 2024, settings=settings, out_dir=tmp_path)
    with pytest.raises(InputError, match="unknown municipality code '9999'"):
        report.build_report("9999", 2024, settings=settings, out_dir=tmp_path)
    # the same checks and messages as compare (benchmark.comparison.Inputs)
    with pytest.raises(InputError, match="not among the 290 municipalities"):
        report.build_report("9999", 2024, settings=settings, out_dir=tmp_path)
    with pytest.raises(InputError, match="0000 is Riket"):
        report.build_report("0000", 2024, settings=settings, out_dir=tmp_path)
    with pytest.raises(InputError, match="year 2010 is not in the data; available years: "
                       "2015–2024"):
        report.build_report("0180", 2010, settings=settings, out_dir=tmp_path)
    with pytest.raises(InputError, match="year 2031 is out of range"):
        report.build_report("0180", 2031, settings=settings, out_dir=tmp_path)
    with pytest.raises(InputError, match="valid languages"):
        report.build_report("0180", 2024, lang="de", settings=settings, out_dir=tmp_path)
    assert not list(tmp_path.iterdir())

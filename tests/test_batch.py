"""Every municipality's report in one run (benchmark.batch, ``python -m benchmark reports``):
the selection, one failure reported while the others are written, the index, and batch
reports identical to the single report that ``python -m benchmark report`` writes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from benchmark import cli
from benchmark.batch import select_municipalities
from benchmark.errors import InputError
from tests.report_fixture import demo_reports, demo_variants  # noqa: F401  (fixtures)

pytestmark = pytest.mark.notebook

REGISTER = ["0114", "0115", "0180", "2401", "2482", "2580"]


def test_select_all_a_lan_or_a_list() -> None:
    assert select_municipalities("all", REGISTER) == REGISTER
    assert select_municipalities("24", REGISTER) == ["2401", "2482"]
    assert select_municipalities("2482,0180", REGISTER) == ["0180", "2482"]
    assert select_municipalities(["2482 0114", "24"], REGISTER) == ["0114", "2401", "2482"]


@pytest.mark.parametrize(("spec", "message"), [
    ("", "no municipalities given"),
    ("99", "no municipality with län code 99 in the data; län codes in the data: 01, 24, 25"),
    ("180", "did you mean 0180?"),
    ("0181", "unknown municipality code '0181'"),
    ("alla", "invalid municipality code 'alla'"),
])
def test_select_refuses_bad_input(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        select_municipalities(spec, REGISTER)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_bad_input_exits_2_before_any_work(demo_reports: dict[str, Any],  # noqa: F811
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    data = str(demo_reports["settings"].data_dir)
    code, _, err = _run(["--data-dir", data, "reports", "--kommuner", "99",
                         "--out", str(tmp_path)], capsys)
    assert code == 2 and "no municipality with län code 99" in err
    code, _, err = _run(["--data-dir", data, "reports", "--jobs", "0"], capsys)
    assert code == 2 and "--jobs" in err
    assert not (tmp_path / str(demo_reports["year"])).exists()


@pytest.mark.parametrize("command", [["report", "--kommun", "0180", "--format", "pdf"],
                                     ["report", "--kommun", "0180", "--static"],
                                     ["reports", "--kommuner", "0180"]])
def test_cli_without_chromium_exits_1_naming_it(command: list[str],
                                               demo_reports: dict[str, Any],  # noqa: F811
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BENCHMARK_CHROMIUM", "/nonexistent/chromium")
    code, _, err = _run(["--data-dir", str(demo_reports["settings"].data_dir), *command,
                         "--out", str(tmp_path)], capsys)
    assert code == 1
    assert "needs Chromium" in err and "apt-get install chromium" in err
    assert "Traceback" not in err
    assert list(tmp_path.rglob("lss-*")) == []


class _Index(HTMLParser):
    """The rows of the index table: (name, code, findings, link text, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.hrefs: list[str | None] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
            self.hrefs.append(None)
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif tag == "a" and self.rows:
            self.hrefs[-1] = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_batch_reports_one_failure_writes_the_rest_and_equals_the_single_report(
        demo_reports: dict[str, Any], tmp_path: Path,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    year = demo_reports["year"]
    folder = tmp_path / str(year)
    # a deliberately broken municipality: a folder stands where its report must go
    (folder / f"lss-0114-{year}-sv-DEMO.html").mkdir(parents=True)
    code, out, err = _run(["--data-dir", str(demo_reports["settings"].data_dir), "reports",
                           "--kommuner", "0180,0114,2482", "--format", "html",
                           "--jobs", "2", "--out", str(tmp_path)], capsys)
    assert code == 1
    assert re.search(r"report failed: 0114 \S+: \S+/lss-0114-2024-sv-DEMO\.html is a folder, "
                     "where this report must be written; move or remove it", err)
    assert "error: 1 of 3 reports failed: 0114" in err
    assert "2 written, 1 failed" in out and "with 2 worker(s)" in out
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html", "lss-0114-2024-sv-DEMO.html", "lss-0180-2024-sv-DEMO.html",
        "lss-2482-2024-sv-DEMO.html"]
    # the batch report is the single report, byte for byte (the kernel-free runner in a
    # worker gives the same notebook as papermill in a kernel, and the same export)
    single = demo_reports["sv"].read_bytes()
    assert (folder / "lss-0180-2024-sv-DEMO.html").read_bytes() == single
    assert (folder / "lss-2482-2024-sv-DEMO.html").read_bytes() != single
    # the index: every municipality asked for, findings in one line, links, the failure
    index = _Index()
    index.feed((folder / "index.html").read_text(encoding="utf-8"))
    header, *rows = index.rows
    assert header == ["Kommun", "Kommunkod", "Huvudresultat", "Rapport"]
    by_code = {r[1]: (r, href) for r, href in zip(rows, index.hrefs[1:], strict=True)}
    assert set(by_code) == {"0180", "0114", "2482"}
    demoby, href = by_code["0180"]
    assert demoby[0] == "Demoby" and href == "lss-0180-2024-sv-DEMO.html"
    # "tydligt" only for a flag that holds however the ages are counted (robust), as in
    # the report's summary; boende is higher under the age profile but not the flat band
    assert demoby[2] == ("Tydligt över riket: daglig verksamhet. "
                         "Beror på hur åldrarna räknas: bostad med särskild service.")
    assert by_code["0114"][0][3] == "Rapporten kunde inte skapas." and by_code["0114"][1] is None
    assert by_code["2482"][1] == "lss-2482-2024-sv-DEMO.html"


_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.DOTALL)


def test_static_batch_report_equals_the_single_static_report(
        demo_variants: dict[str, Any], demo_reports: dict[str, Any],  # noqa: F811
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside the charts the HTML is identical; inside, the charts hold the same text
    (plotly may order a few SVG attributes differently from one drawing to the next). The
    output folder is relative, as ``make reports`` gives it (``--out reports``), while the
    workers run in folders of their own."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(["--data-dir", str(demo_reports["settings"].data_dir), "reports",
                         "--kommuner", "0180", "--out", "reports"], capsys)
    assert code == 0 and "(static HTML): 1 written, 0 failed" in out
    folder = tmp_path / "reports" / str(demo_reports["year"])
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html", "lss-0180-2024-sv-static-DEMO.html"]
    batch = (folder / "lss-0180-2024-sv-static-DEMO.html").read_text(encoding="utf-8")
    single = demo_variants["static"].read_text(encoding="utf-8")
    assert _SVG.sub("<svg/>", batch) == _SVG.sub("<svg/>", single)
    batch_svgs, single_svgs = _SVG.findall(batch), _SVG.findall(single)
    assert len(batch_svgs) == len(single_svgs) >= 4
    for a, b in zip(batch_svgs, single_svgs, strict=True):
        assert _SVG_TEXT.findall(a) == _SVG_TEXT.findall(b) != []

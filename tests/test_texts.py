"""The text catalogue: every language file has the same keys and placeholders, a missing key
fails loudly, every key the code names exists, and no view or chart branches on the
language."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from benchmark import fmt, texts
from benchmark.errors import InputError

PACKAGE = Path(texts.__file__).resolve().parents[1]


def _load(path: Path) -> dict[str, texts.Template]:
    with open(path, "rb") as fh:
        return texts._flatten(tomllib.load(fh))


def test_every_language_file_has_the_same_keys_and_placeholders() -> None:
    files = sorted(texts.FOLDER.glob("*.toml"))
    assert {p.stem for p in files} == set(texts.LANGS) and texts.LANGS[0] == "sv"
    assert len(texts.LANGS) >= 2
    reference = _load(texts.FOLDER / "sv.toml")
    assert len(reference) > 150
    for path in files:
        assert texts.compare_catalogues(reference, _load(path), path.stem) == [], path.name
    assert texts.check_catalogues() == []


def test_a_difference_between_files_is_named() -> None:
    sv = texts.catalogue("sv")
    other = {k: v for k, v in sv.items() if k != "flag.higher"}
    other["summary.higher"] = "{n} of {all}: {items}."
    other["format.months"] = ["January"]
    other["extra.key"] = "x"
    found = texts.compare_catalogues(sv, other, "fi")
    assert "fi.toml lacks 'flag.higher' (in sv.toml)" in found
    assert "fi.toml has 'extra.key', which sv.toml lacks" in found
    assert ("fi.toml: 'summary.higher' has placeholders ['all', 'items', 'n'], sv.toml "
            "['items', 'n', 'total']") in found
    assert any("'format.months' is not of the same kind" in p for p in found)


def test_a_missing_key_fails_loudly_naming_it() -> None:
    with pytest.raises(texts.MissingText, match=r"text 'flag\.nope' is missing in .*en\.toml"):
        texts.text("flag.nope", "en")
    with pytest.raises(InputError, match="unsupported language 'de'; valid languages: sv, en"):
        texts.text("flag.higher", "de")
    with pytest.raises(KeyError):  # a missing placeholder value is an error, not a blank
        texts.text("summary.similar", "sv")


def test_adding_a_language_is_adding_a_file(tmp_path: Path, monkeypatch) -> None:
    """A copy of sv.toml under a new code is a new language for every text and format."""
    (tmp_path / "sv.toml").write_bytes((texts.FOLDER / "sv.toml").read_bytes())
    (tmp_path / "en.toml").write_bytes((texts.FOLDER / "en.toml").read_bytes())
    fi = (texts.FOLDER / "sv.toml").read_text(encoding="utf-8").replace(
        'higher = "Tydligt högre än riket"', 'higher = "Selvästi korkeampi kuin koko maa"')
    (tmp_path / "fi.toml").write_text(fi, encoding="utf-8")
    monkeypatch.setattr(texts, "FOLDER", tmp_path)
    monkeypatch.setattr(texts, "LANGS", ("sv", "en", "fi"))
    texts.catalogue.cache_clear()
    try:
        assert fmt.flag_label("higher", "fi") == "Selvästi korkeampi kuin koko maa"
        assert fmt.number(1234.5, 1, "fi") == "1\u00a0234,5"
        assert texts.check_catalogues() == []
    finally:
        texts.catalogue.cache_clear()


#: Text keys named literally in the code: text("section.key" …), fmt.text('…'), label("…").
_LITERAL_KEY = re.compile(r"""\b(?:text|label)\(\s*["']([a-z_0-9]+\.[a-z_0-9]+)["']""")


def test_every_key_the_code_names_exists() -> None:
    keys = set(texts.catalogue("sv"))
    named: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for key in _LITERAL_KEY.findall(path.read_text(encoding="utf-8")):
            named.setdefault(key, str(path.relative_to(PACKAGE)))
    assert len(named) > 80
    missing = {k: where for k, where in named.items() if k not in keys}
    assert missing == {}


@pytest.mark.parametrize("folder", ["views", "plots", "demo"])
def test_no_language_branches(folder: str) -> None:
    branch = re.compile(r"""lang\s*[!=]=|[!=]=\s*lang\b|==\s*["'](?:sv|en)["']""")
    sources = [*(PACKAGE / folder).rglob("*.py"), PACKAGE / "fmt.py", PACKAGE / "explorer.py"]
    found = [f"{p.name}:{i + 1}" for p in sources
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines())
             if branch.search(line)]
    assert found == []

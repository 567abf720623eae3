"""User-facing text as data: one catalogue of keys → templates, one TOML file per language.

Everything the suite shows a reader in words (chart titles and captions, table headers,
flag and status labels, the report's sections, the tools' controls, the demo and output
banners, the comparison's ``flag_reason`` and ``reference_band`` labels) is a template in
``benchmark/texts/<lang>.toml``: ``sv.toml`` (Swedish, the default) and ``en.toml``. Code
asks for a text by key (``"section.name"``) and language and fills its ``{placeholders}``;
it never branches on the language. Number, date and list conventions are in each file's
``[format]`` section (used by :mod:`benchmark.fmt`).

Adding a language is adding a file: copy ``sv.toml`` to ``<code>.toml``, translate the
values, keep the keys and placeholders. :data:`LANGS` lists the files found;
:func:`check_catalogues` (run by the test suite) reports any key or placeholder that
differs from ``sv.toml``. A key missing at run time raises :class:`MissingText` naming the
key and the file.

Plain language: the words a unit head uses. Technical terms (control limit 99,8 %, exact
test, overdispersion φ, τ², shrunk ratio) belong in ``notebooks/04-metod``.

Examples
--------
>>> text("flag.higher", "en")
'Clearly higher than Sweden'
>>> text("screening.rows_shown", "sv", n=3, total=290)
'Visar 3 av 290 kommuner.'
"""

from __future__ import annotations

import functools
import string
import tomllib
from pathlib import Path

from benchmark.errors import InputError

__all__ = ["DEFAULT_LANG", "LANGS", "MissingText", "catalogue", "check_catalogues",
           "check_lang", "compare_catalogues", "placeholders", "text", "texts"]

#: Folder of the language files.
FOLDER = Path(__file__).parent
#: The default language, and the reference the other files are checked against.
DEFAULT_LANG = "sv"
#: The languages with a file, the default first.
LANGS: tuple[str, ...] = tuple(sorted((p.stem for p in FOLDER.glob("*.toml")),
                                      key=lambda lang: (lang != DEFAULT_LANG, lang)))

Template = str | list[str]


class MissingText(KeyError):
    """A text key that a language file lacks (the message names the key and the file)."""

    def __str__(self) -> str:
        return str(self.args[0])


def check_lang(lang: str) -> str:
    """``lang`` if a language file exists for it.

    Raises
    ------
    InputError
        Naming the valid languages.

    Examples
    --------
    >>> check_lang("en")
    'en'
    """
    if lang not in LANGS:
        raise InputError(f"unsupported language {lang!r}; valid languages: {', '.join(LANGS)}")
    return lang


def _flatten(data: dict[str, object], prefix: str = "") -> dict[str, Template]:
    out: dict[str, Template] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, str) or (isinstance(value, list)
                                        and all(isinstance(v, str) for v in value)):
            out[name] = value
        else:
            raise TypeError(f"text {name!r} is neither a string nor a list of strings")
    return out


@functools.cache
def catalogue(lang: str = DEFAULT_LANG) -> dict[str, Template]:
    """Every template of one language, keyed ``"section.name"``.

    Parameters
    ----------
    lang
        A language of :data:`LANGS`.

    Returns
    -------
    dict
        Key → template (a string, or a list of strings such as ``format.months``).

    Examples
    --------
    >>> catalogue("sv")["label.riket"]
    'Riket'
    """
    path = FOLDER / f"{check_lang(lang)}.toml"
    with open(path, "rb") as fh:
        return _flatten(tomllib.load(fh))


def _template(key: str, lang: str) -> Template:
    try:
        return catalogue(lang)[key]
    except KeyError:
        raise MissingText(f"text {key!r} is missing in {FOLDER / lang}.toml; every language "
                          f"file needs the keys of {DEFAULT_LANG}.toml") from None


def text(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The text ``key`` in ``lang`` with its ``{placeholders}`` filled from ``values``.

    Parameters
    ----------
    key
        ``"section.name"``, e.g. ``"flag.higher"``.
    lang
        A language of :data:`LANGS`.
    **values
        The placeholders' values (every placeholder needs one).

    Returns
    -------
    str
        The text.

    Raises
    ------
    MissingText
        When the language file lacks ``key`` (or it is a list; see :func:`texts`).
    KeyError
        When a placeholder has no value.
    InputError
        For an unknown language.

    Examples
    --------
    >>> text("cost.range", "en", low="1", high="2")
    '1 to 2'
    """
    template = _template(key, lang)
    if not isinstance(template, str):
        raise MissingText(f"text {key!r} in {lang}.toml is a list; read it with texts()")
    return template.format(**values)


def texts(key: str, lang: str = DEFAULT_LANG) -> list[str]:
    """A list-valued entry of the catalogue.

    Examples
    --------
    >>> texts("format.months", "en")[:2]
    ['January', 'February']
    """
    template = _template(key, lang)
    if isinstance(template, str):
        raise MissingText(f"text {key!r} in {lang}.toml is a string; read it with text()")
    return list(template)


def placeholders(template: Template) -> set[str]:
    """The ``{names}`` a template (or each item of a list) expects.

    Examples
    --------
    >>> sorted(placeholders("{n} av {total}"))
    ['n', 'total']
    """
    items = [template] if isinstance(template, str) else template
    return {name for item in items for _, name, _, _ in string.Formatter().parse(item)
            if name is not None}


def compare_catalogues(reference: dict[str, Template], other: dict[str, Template],
                       name: str = "other", reference_name: str = DEFAULT_LANG) -> list[str]:
    """What differs between two catalogues (key → template): keys missing or extra,
    placeholders that differ, a list where a string is expected (or of another length)."""
    problems = [f"{name}.toml lacks {key!r} (in {reference_name}.toml)"
                for key in reference if key not in other]
    problems += [f"{name}.toml has {key!r}, which {reference_name}.toml lacks"
                 for key in other if key not in reference]
    for key in [k for k in reference if k in other]:
        a, b = reference[key], other[key]
        if isinstance(a, str) != isinstance(b, str) or (
                isinstance(a, list) and len(a) != len(b)):
            problems.append(f"{name}.toml: {key!r} is not of the same kind (a string, or a "
                            f"list of the same length) as in {reference_name}.toml")
        elif placeholders(a) != placeholders(b):
            problems.append(f"{name}.toml: {key!r} has placeholders {sorted(placeholders(b))}, "
                            f"{reference_name}.toml {sorted(placeholders(a))}")
    return problems


def check_catalogues(reference: str = DEFAULT_LANG) -> list[str]:
    """:func:`compare_catalogues` for every language file against ``reference``; empty
    when every file has the same keys and placeholders.

    Examples
    --------
    >>> check_catalogues()
    []
    """
    return [problem for lang in LANGS if lang != reference
            for problem in compare_catalogues(catalogue(reference), catalogue(lang), lang,
                                              reference)]

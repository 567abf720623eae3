"""Numbers, dates and labels as readers see them, in the report's language.

The conventions come from each language file's ``[format]`` section
(:mod:`benchmark.texts`). Swedish: a no-break space (U+00A0) groups thousands, the decimal
sign is a comma and the minus sign is U+2212 (``−23 456,7``); percent takes a space
(``12 %``). Years are never grouped. The formatting is done here by hand rather than with
``locale.setlocale`` (process-global, and ``sv_SE`` may not exist on CI).

The label helpers (:func:`flag_label`, :func:`status_label`, :func:`category_label`,
:func:`band_label`) read the catalogue too, so no function here branches on the language.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from benchmark.catalog import CATEGORIES, get_category
from benchmark.texts import LANGS, check_lang, text, texts

__all__ = ["DASH", "FINDINGS", "LANGS", "MINUS", "MISSING", "NBSP", "age_adjustment_note",
           "band_label", "category_label", "check_lang", "finding", "flag_label", "integer",
           "interval", "is_age_adjusted", "is_all_ages", "join", "kronor", "long_date",
           "lower_first", "number", "percent", "plotly_separators", "ratio", "status_label",
           "text"]

NBSP = "\u00a0"
MINUS = "\u2212"
DASH = "\u2013"

#: What a report shows where there is no value (missing, suppressed, not computable).
MISSING = DASH


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def number(value: float | int | None, decimals: int = 1, lang: str = "sv", *,
           sign: bool = False) -> str:
    """Format a number in the language's convention.

    Parameters
    ----------
    value
        The number; ``None``/NaN give :data:`MISSING`.
    decimals
        Decimals shown.
    lang
        A language of :mod:`benchmark.texts` (its ``[format]``).
    sign
        Prefix ``+`` on positive values.

    Returns
    -------
    str
        ``23456.7`` → ``23 456,7`` (sv: no-break space, comma, minus U+2212) or
        ``23,456.7`` (en).

    Examples
    --------
    >>> number(-23456.75, 1, "sv") == "\u221223\u00a0456,8"
    True
    >>> number(23456.75, 1, "en"), number(0.04, 1, "en", sign=True), number(None)
    ('23,456.8', '0.0', '–')
    """
    decimal, group = text("format.decimal", lang), text("format.group", lang)
    if _is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    digits = f"{abs(x):,.{decimals}f}".replace(",", "\0").replace(".", decimal)
    digits = digits.replace("\0", group)
    nonzero = digits.strip("0" + decimal + group) != ""
    if x < 0 and nonzero:
        return MINUS + digits
    if sign and x > 0 and nonzero:
        return "+" + digits
    return digits


def integer(value: float | int | None, lang: str = "sv", *, sign: bool = False) -> str:
    """Format a whole number (rounded): ``12345`` → ``12 345``."""
    return number(value, 0, lang, sign=sign)


def percent(fraction: float | None, decimals: int = 0, lang: str = "sv", *,
            sign: bool = False) -> str:
    """Format a fraction as percent: ``0.123`` → ``12 %`` (sv) or ``12%`` (en).

    Examples
    --------
    >>> percent(-0.018, 1, "en", sign=True), percent(0.5, lang="sv") == "50\u00a0%"
    ('−1.8%', True)
    """
    if _is_missing(fraction):
        return MISSING
    digits = number(float(fraction) * 100, decimals, lang, sign=sign)  # type: ignore[arg-type]
    return text("format.percent", lang, number=digits)


def ratio(value: float | None, lang: str = "sv") -> str:
    """A standardised ratio with two decimals: ``1.234`` → ``1,23``."""
    return number(value, 2, lang)


def interval(lower: float | None, upper: float | None, decimals: int = 2,
             lang: str = "sv") -> str:
    """An interval ``1,05–1,42``; :data:`MISSING` when either end is missing (spaced dashes
    when an end is negative).

    Examples
    --------
    >>> interval(1.05, 1.42, 2, "en"), interval(None, 1.0)
    ('1.05–1.42', '–')
    """
    if _is_missing(lower) or _is_missing(upper):
        return MISSING
    sep = f"{NBSP}{DASH}{NBSP}" if (float(lower) < 0 or float(upper) < 0) else DASH  # type: ignore[arg-type]
    return f"{number(lower, decimals, lang)}{sep}{number(upper, decimals, lang)}"


def kronor(value: float | None, lang: str = "sv", *, sign: bool = False) -> str:
    """An amount in kronor: ``1234567`` → ``1 234 567 kr`` (sv) or ``SEK 1,234,567`` (en);
    with ``sign=True`` the sign leads: ``+1 234 567 kr``, ``+SEK 1,234,567``.

    Examples
    --------
    >>> kronor(67920000, "en", sign=True)
    '+SEK\xa067,920,000'
    """
    if _is_missing(value):
        return MISSING
    digits = integer(value, lang, sign=sign)
    lead = digits[0] if digits[:1] in ("+", MINUS) else ""  # +SEK 1,000, not SEK +1,000
    return text("format.kronor", lang, sign=lead, number=digits[len(lead):])


def long_date(value: str | date | datetime | None, lang: str = "sv") -> str:
    """A date in running text: ``2026-11-27`` → ``27 november 2026`` / ``27 November 2026``.

    Examples
    --------
    >>> long_date("2026-11-27T08:00:00Z", "sv"), long_date("2026-11-27", "en")
    ('27 november 2026', '27 November 2026')
    """
    check_lang(lang)
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    month = texts("format.months", lang)[value.month - 1]
    return text("format.date", lang, day=value.day, month=month, year=value.year)


def plotly_separators(lang: str = "sv") -> str:
    """plotly ``layout.separators`` (decimal sign, thousands mark) for the language."""
    return text("format.plotly_separators", lang)


def join(items: list[str] | tuple[str, ...], lang: str = "sv") -> str:
    """``a, b och c`` (sv) / ``a, b and c`` (en).

    Examples
    --------
    >>> join(["boende", "kontaktperson", "korttidstillsyn"], "sv")
    'boende, kontaktperson och korttidstillsyn'
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {text('format.and', lang)} " + items[-1]


def lower_first(phrase: str) -> str:
    """A label as it reads mid-sentence: ``Daglig verksamhet`` → ``daglig verksamhet``
    (acronyms such as ``LSS`` inside the label keep their case)."""
    return phrase[:1].lower() + phrase[1:]


# --- labels --------------------------------------------------------------------------------

def flag_label(flag: str | None, lang: str = "sv", *, short: bool = False) -> str:
    """Reader-facing label of a flag value; an unknown or missing flag reads as not assessed.

    Examples
    --------
    >>> flag_label("higher"), flag_label("lower", "en", short=True), flag_label(None, "en")
    ('Tydligt högre än riket', '▼ Lower', 'Not assessed')
    """
    section = "flag_short" if short else "flag"
    key = flag if flag in (*FINDINGS, "not_tested") else "not_assessed"
    return text(f"{section}.{key}", lang)


#: The findings a reader sees (:func:`finding`): the flags, and a higher/lower flag that
#: another defensible way of counting the ages does not give (``robust`` false).
FINDINGS = ("higher", "lower", "higher_uncertain", "lower_uncertain", "similar",
            "not_assessed")


def finding(row: dict[str, object]) -> str:
    """The flag of a comparison row as a reader sees it: ``higher``/``lower`` only when
    robust (``robust`` not False), else ``higher_uncertain``/``lower_uncertain``; the
    other flags unchanged (``not_assessed`` where there is none).

    Examples
    --------
    >>> finding({"flag": "higher", "robust": False}), finding({"flag": "higher"})
    ('higher_uncertain', 'higher')
    """
    flag = str(row.get("flag") or "not_assessed")
    if flag in ("higher", "lower") and row.get("robust") is False:
        return f"{flag}_uncertain"
    return flag


def status_label(status: str | None, lang: str = "sv", *, short: bool = False) -> str:
    """Reader-facing label of a data status; an unknown or missing status reads as missing.

    Examples
    --------
    >>> status_label("suppressed"), status_label("suppressed", "en", short=True)
    ('Skyddad uppgift (sekretess)', 'Suppressed')
    """
    section = "status_short" if short else "status"
    key = status if status in ("ok", "suppressed") else "missing"
    return text(f"{section}.{key}", lang)


def category_label(category_id: str, lang: str = "sv", *, mid_sentence: bool = False) -> str:
    """Catalogue label of a category id in ``lang``; ``mid_sentence=True`` gives the form
    used inside a sentence.

    Examples
    --------
    >>> category_label("totalt"), category_label("totalt", mid_sentence=True)
    ('Personer med någon LSS-insats', 'personer med någon LSS-insats')
    """
    label = get_category(category_id).label(check_lang(lang))
    return lower_first(label) if mid_sentence else label


# --- reference age bands (what "age-adjusted" means here) -----------------------------------

def is_all_ages(band: str | None) -> bool:
    """True when a ``reference_band`` covers all ages (no age adjustment: E is the national
    rate per inhabitant × the local population, so ``composition_effect`` is 0).

    Examples
    --------
    >>> is_all_ages("alla åldrar"), is_all_ages("20–64"), is_all_ages(None)
    (True, False, False)
    """
    return bool(band) and str(band).startswith(text("band.all_ages"))


def is_age_adjusted(row: dict[str, object]) -> bool:
    """Whether E of a comparison row allows for age: always with the age profile
    (``age_model`` ``profile``); with the band model (or a table without ``age_model``) not
    for a category compared at all ages, whose E is then the national rate per inhabitant ×
    the local population (``composition_effect`` 0); never where the total fell back to all
    ages (``age_model`` ``none``).

    Examples
    --------
    >>> is_age_adjusted({"age_model": "profile", "reference_band": "alla åldrar"})
    True
    >>> is_age_adjusted({"age_model": "band", "reference_band": "alla åldrar"})
    False
    """
    model = row.get("age_model")
    if model == "none":
        return False
    if model == "profile":
        return True
    band = row.get("reference_band")
    if band is None and row.get("category"):
        cat = get_category(str(row["category"]))
        return cat.id == "totalt" or not (cat.age_min == 0 and cat.age_max is None)
    return not is_all_ages(band if band is None else str(band))


def band_label(band: str | None, lang: str = "sv") -> str:
    """Reader-facing ``reference_band``: the table holds the Swedish labels of the
    catalogue's ``[band]`` section; ages read the same in every language.

    Examples
    --------
    >>> band_label("alla åldrar (ej åldersstandardiserad)", "en"), band_label("20–64", "en")
    ('all ages (not age-standardised)', '20–64')
    """
    check_lang(lang)
    if not band:
        return MISSING
    for key in ("band.crude", "band.all_ages"):
        if str(band) == text(key):
            return text(key, lang)
    return str(band)


def age_adjustment_note(lang: str = "sv", age_model: str = "band") -> str:
    """How the expected number E is formed, in plain language: with ``age_model="profile"``
    Sweden's share age by age and for women and men inside the category's age band, with
    ``"band"`` one share per band."""
    if age_model == "profile":
        return text("band.age_note_profile", lang)
    all_ages = [c.label(lang) for c in CATEGORIES
                if c.age_min == 0 and c.age_max is None and c.id != "totalt"]
    # the first name opens a sentence, the others stand inside it
    names = join(all_ages[:1] + [lower_first(x) for x in all_ages[1:]], lang)
    return text("band.age_note", lang, names=names)

"""Swedish (and English) number formatting and the user-facing labels of reports.

Swedish convention (docs/ecosystem.md §5.4): a no-break space (U+00A0) groups thousands,
the decimal sign is a comma and the minus sign is U+2212 (``−23 456,7``); percent takes a
space (``12 %``). Years are never grouped. The formatting is done here by hand rather than
with ``locale.setlocale`` (process-global, and ``sv_SE`` may not exist on CI).

Everything that a report shows to a reader as words (flag labels, headings of data tables,
short phrases) lives in :data:`TEXTS` so the Swedish and English versions stay side by side.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from benchmark.catalog import CATEGORIES, get_category
from benchmark.errors import InputError
from benchmark.texts import TEMPLATES

NBSP = "\u00a0"
MINUS = "\u2212"
DASH = "\u2013"
LANGS = ("sv", "en")

#: What a report shows where there is no value (missing, suppressed, not computable).
MISSING = DASH

_MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
              "september", "oktober", "november", "december")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported report language, else raise :class:`InputError`."""
    if lang not in LANGS:
        raise InputError(f"unsupported language {lang!r}; valid languages: sv, en")
    return lang


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def number(value: float | int | None, decimals: int = 1, lang: str = "sv", *,
           sign: bool = False) -> str:
    """Format a number: ``23456.7`` → ``23 456,7`` (sv) or ``23,456.7`` (en).

    ``None``/NaN give :data:`MISSING`. ``sign=True`` prefixes ``+`` on positive values.
    """
    check_lang(lang)
    if _is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    text = f"{abs(x):,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
    negative = x < 0 and text.strip("0,." + NBSP) != ""
    if negative:
        return MINUS + text
    if sign and x > 0 and text.strip("0,." + NBSP) != "":
        return "+" + text
    return text


def integer(value: float | int | None, lang: str = "sv", *, sign: bool = False) -> str:
    """Format a whole number (rounded): ``12345`` → ``12 345``."""
    return number(value, 0, lang, sign=sign)


def percent(fraction: float | None, decimals: int = 0, lang: str = "sv", *,
            sign: bool = False) -> str:
    """Format a fraction as percent: ``0.123`` → ``12 %`` (sv) or ``12%`` (en)."""
    if _is_missing(fraction):
        return MISSING
    text = number(float(fraction) * 100, decimals, lang, sign=sign)  # type: ignore[arg-type]
    return f"{text}{NBSP}%" if lang == "sv" else f"{text}%"


def ratio(value: float | None, lang: str = "sv") -> str:
    """A standardised ratio with two decimals: ``1.234`` → ``1,23``."""
    return number(value, 2, lang)


def interval(lower: float | None, upper: float | None, decimals: int = 2,
             lang: str = "sv") -> str:
    """An interval ``1,05–1,42``; :data:`MISSING` when either end is missing."""
    if _is_missing(lower) or _is_missing(upper):
        return MISSING
    sep = f"{NBSP}{DASH}{NBSP}" if (float(lower) < 0 or float(upper) < 0) else DASH  # type: ignore[arg-type]
    return f"{number(lower, decimals, lang)}{sep}{number(upper, decimals, lang)}"


def kronor(value: float | None, lang: str = "sv", *, sign: bool = False) -> str:
    """An amount in kronor: ``1234567`` → ``1 234 567 kr`` (sv) or ``SEK 1,234,567`` (en);
    with ``sign=True`` the sign leads: ``+1 234 567 kr``, ``+SEK 1,234,567``."""
    if _is_missing(value):
        return MISSING
    text = integer(value, lang, sign=sign)
    if lang == "sv":
        return f"{text}{NBSP}kr"
    sign_char = text[0] if text[:1] in ("+", MINUS) else ""  # +SEK 1,000, not SEK +1,000
    return f"{sign_char}SEK{NBSP}{text[len(sign_char):]}"


def long_date(value: str | date | datetime | None, lang: str = "sv") -> str:
    """A date in running text: ``2026-11-27`` → ``27 november 2026`` / ``27 November 2026``."""
    check_lang(lang)
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    months = _MONTHS_SV if lang == "sv" else _MONTHS_EN
    return f"{value.day} {months[value.month - 1]} {value.year}"


def plotly_separators(lang: str = "sv") -> str:
    """plotly ``layout.separators`` (decimal sign, thousands mark) for the language."""
    return "," + NBSP if check_lang(lang) == "sv" else ".,"


# --- labels ------------------------------------------------------------------------------

#: Flag vocabulary of the comparison table (``flag``, ``flag_95``) → reader-facing label.
FLAG_LABELS: dict[str, dict[str, str]] = {
    "higher": {"sv": "Tydligt högre än riket", "en": "Clearly higher than Sweden"},
    "lower": {"sv": "Tydligt lägre än riket", "en": "Clearly lower than Sweden"},
    "similar": {"sv": "Ingen tydlig skillnad mot riket",
                "en": "No clear difference from Sweden"},
    "not_assessed": {"sv": "Ej bedömd", "en": "Not assessed"},
    # a flag that another defensible way of counting the ages does not give (robust false)
    "higher_uncertain": {"sv": "Högre än riket, men det beror på hur åldrarna räknas",
                         "en": "Higher than Sweden, but it depends on how ages are counted"},
    "lower_uncertain": {"sv": "Lägre än riket, men det beror på hur åldrarna räknas",
                        "en": "Lower than Sweden, but it depends on how ages are counted"},
}

#: Short flag labels for chart annotations (the symbol repeats the direction).
FLAG_SHORT: dict[str, dict[str, str]] = {
    "higher": {"sv": "▲ Högre", "en": "▲ Higher"},
    "lower": {"sv": "▼ Lägre", "en": "▼ Lower"},
    "similar": {"sv": "● Ingen tydlig skillnad", "en": "● No clear difference"},
    "not_assessed": {"sv": "○ Ej bedömd", "en": "○ Not assessed"},
    "higher_uncertain": {"sv": "△ Högre, beror på åldrarna", "en": "△ Higher, depends on ages"},
    "lower_uncertain": {"sv": "▽ Lägre, beror på åldrarna", "en": "▽ Lower, depends on ages"},
}

#: 95 % flag (``flag_95``) wording: weaker evidence, so a softer phrase.
FLAG_95_LABELS: dict[str, dict[str, str]] = {
    "higher": {"sv": "Högre (95 %)", "en": "Higher (95%)"},
    "lower": {"sv": "Lägre (95 %)", "en": "Lower (95%)"},
    "similar": {"sv": "Ingen tydlig skillnad", "en": "No clear difference"},
    "not_assessed": {"sv": "Ej bedömd", "en": "Not assessed"},
}


def finding(row: dict[str, object]) -> str:
    """The flag of a comparison row as a reader sees it: ``higher``/``lower`` only when
    robust (``robust`` not False), else ``higher_uncertain``/``lower_uncertain``; the
    other flags unchanged (``not_assessed`` where there is none)."""
    flag = str(row.get("flag") or "not_assessed")
    if flag in ("higher", "lower") and row.get("robust") is False:
        return f"{flag}_uncertain"
    return flag

STATUS_LABELS: dict[str, dict[str, str]] = {
    "ok": {"sv": "Uppgift finns", "en": "Available"},
    "suppressed": {"sv": "Skyddad uppgift (sekretess)", "en": "Suppressed (confidentiality)"},
    "missing": {"sv": "Uppgift saknas", "en": "Missing"},
}

TEXTS: dict[str, dict[str, str]] = {
    "riket": {"sv": "Riket", "en": "Sweden"},
    "category": {"sv": "Insats", "en": "Category"},
    "observed": {"sv": "Antal personer", "en": "Persons"},
    "expected": {"sv": "Förväntat antal", "en": "Expected persons"},
    "ratio": {"sv": "Kvot mot riket", "en": "Ratio to Sweden"},
    "ratio_interval": {"sv": "95 % intervall", "en": "95% interval"},
    "reference_band": {"sv": "Jämförda åldrar", "en": "Ages compared"},
    "peer_group": {"sv": "Jämförelsegrupp", "en": "Peer group"},
    "peer_level": {"sv": "Jämförelsegruppens nivå", "en": "Peer group's level"},
    "peer_ratio": {"sv": "Kvot mot jämförelsegruppen", "en": "Ratio to peer group"},
    "flag": {"sv": "Bedömning", "en": "Assessment"},
    "rate": {"sv": "Per 10 000 invånare", "en": "Per 10,000 inhabitants"},
    "national_rate": {"sv": "Riket per 10 000", "en": "Sweden per 10,000"},
    "year": {"sv": "År", "en": "Year"},
    "municipality": {"sv": "Kommun", "en": "Municipality"},
    "composition": {"sv": "Befolkningens sammansättning", "en": "Population structure"},
    "other_effect": {"sv": "Övrig skillnad: behov, praxis, utbud, slump",
                     "en": "Other difference: need, practice, supply, chance"},
    "persons": {"sv": "personer", "en": "persons"},
    "limit_998": {"sv": "Gräns för tydlig avvikelse", "en": "Limit for a clear deviation"},
    "limit_95": {"sv": "Gräns för möjlig avvikelse", "en": "Limit for a possible deviation"},
    "synthetic": {"sv": "Syntetiska demodata", "en": "Synthetic demo data"},
    "synthetic_note": {
        "sv": "Syntetiska demodata – inte officiell statistik.",
        "en": "Synthetic demo data – not official statistics.",
    },
    "source": {"sv": "Källa: Kolada (RKA), SCB",
               "en": "Source: Kolada (RKA), Statistics Sweden (SCB)"},
    "liknande_lss": {"sv": "Liknande kommuner LSS", "en": "Similar municipalities LSS"},
    "not_age_adjusted": {"sv": "ej åldersjusterad", "en": "not age-adjusted"},
    "persistent": {"sv": "Varaktig avvikelse", "en": "Persistent deviation"},
    "yes": {"sv": "ja", "en": "yes"},
    "no": {"sv": "nej", "en": "no"},
}


def text(key: str, lang: str = "sv", **values: object) -> str:
    """The reader-facing phrase ``key`` in ``lang`` (from :data:`TEXTS` or, for longer
    templates, :data:`benchmark.texts.TEMPLATES`), with ``{placeholders}`` filled from
    ``values``."""
    entry = TEXTS.get(key) or TEMPLATES[key]
    phrase = entry[check_lang(lang)]
    return phrase.format(**values) if values else phrase


def join(items: list[str] | tuple[str, ...], lang: str = "sv") -> str:
    """``a, b och c`` (sv) / ``a, b and c`` (en)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    word = " och " if check_lang(lang) == "sv" else " and "
    return ", ".join(items[:-1]) + word + items[-1]


def lower_first(phrase: str) -> str:
    """A label as it reads mid-sentence: ``Daglig verksamhet`` → ``daglig verksamhet``
    (acronyms such as ``LSS`` inside the label keep their case)."""
    return phrase[:1].lower() + phrase[1:]


def flag_label(flag: str | None, lang: str = "sv", *, short: bool = False) -> str:
    """Reader-facing label of a flag value (``higher`` → ``Tydligt högre än riket``)."""
    table = FLAG_SHORT if short else FLAG_LABELS
    return table.get(flag or "not_assessed", table["not_assessed"])[check_lang(lang)]


STATUS_SHORT: dict[str, dict[str, str]] = {
    "ok": {"sv": "Uppgift finns", "en": "Available"},
    "suppressed": {"sv": "Skyddad uppgift", "en": "Suppressed"},
    "missing": {"sv": "Uppgift saknas", "en": "Missing"},
}


def status_label(status: str | None, lang: str = "sv", *, short: bool = False) -> str:
    """Reader-facing label of a data status (``suppressed`` → ``Skyddad uppgift``)."""
    table = STATUS_SHORT if short else STATUS_LABELS
    return table.get(status or "missing", table["missing"])[check_lang(lang)]


def category_label(category_id: str, lang: str = "sv", *, mid_sentence: bool = False) -> str:
    """Catalogue label of a category id in ``lang``; ``mid_sentence=True`` gives the form
    used inside a sentence (``daglig verksamhet``, ``personer med någon LSS-insats``)."""
    label = get_category(category_id).label(check_lang(lang))
    return lower_first(label) if mid_sentence else label


# --- reference age bands (what "age-adjusted" means here) -----------------------------------

ALL_AGES_SV = "alla åldrar"


def is_all_ages(band: str | None) -> bool:
    """True when a ``reference_band`` covers all ages."""
    return bool(band) and str(band).startswith(ALL_AGES_SV)


def is_age_adjusted(row: dict[str, object]) -> bool:
    """Whether E of a comparison row allows for age: always with the age profile
    (``age_model`` ``profile``); with the band model (or a table without ``age_model``) not
    for a category compared at all ages, whose E is then the national rate per inhabitant ×
    the local population (``composition_effect`` 0); never where the total fell back to all
    ages (``age_model`` ``none``)."""
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
    """Reader-facing ``reference_band`` (``20–64``, ``alla åldrar``/``all ages``, …)."""
    check_lang(lang)
    if not band:
        return MISSING
    text = str(band)
    if lang == "en":
        text = (text.replace("alla åldrar", "all ages")
                .replace("ej åldersstandardiserad", "not age-standardised"))
    return text


#: Marks a composition effect that is 0 by construction (the category has no age band).
NOT_AGE_ADJUSTED: dict[str, str] = {
    "sv": "ej åldersjusterad (insatsen ges i alla åldrar)",
    "en": "not age-adjusted (the support is given at all ages)",
}


def age_adjustment_note(lang: str = "sv", age_model: str = "band") -> str:
    """How the expected number E is formed, in plain language: with ``age_model="profile"``
    Sweden's share age by age and for women and men inside the category's age band, with
    ``"band"`` one share per band."""
    check_lang(lang)
    if age_model == "profile":
        return text("age_note_profile", lang)
    all_ages = [c.label(lang) for c in CATEGORIES
                if c.age_min == 0 and c.age_max is None and c.id != "totalt"]
    # the first name opens a sentence, the others stand inside it
    names = join(all_ages[:1] + [lower_first(x) for x in all_ages[1:]], lang)
    if lang == "sv":
        return ("Förväntat antal = rikets andel med insatsen bland invånarna i insatsens "
                "åldersgrupp (t.ex. 20 år och äldre för bostad med särskild service) gånger "
                "kommunens invånare i samma åldrar. Varje insats jämförs alltså i en enda "
                "åldersgrupp, inte ålder för ålder. "
                f"{names} ges i alla åldrar och jämförs per invånare, "
                "utan åldersjustering. Personer med någon LSS-insats jämförs i tre "
                "åldersgrupper (0–22, 23–64 och 65 år och äldre).")
    return ("Expected number = Sweden's share with the support among inhabitants in the "
            "category's age band (e.g. 20 and over for housing with special service) times "
            "the municipality's inhabitants of those ages. Each category is thus compared "
            "in a single age band, not age by age. "
            f"{names} are given at all ages and compared per inhabitant, without age "
            "adjustment. Persons with any LSS support are compared in three age bands "
            "(0–22, 23–64 and 65 and over).")

"""The import format of a case-system export: its columns, insats labels and decision values.

One row per decision. Column names are matched case-, accent- and punctuation-insensitively
(``Födelseår``, ``FODELSEAR`` and ``födelse-år`` are all ``fodelsear``; spaces, dashes
and underscores do not count); a few English
aliases are accepted too. The template in ``templates/register/`` (CSV and XLSX, written by
:func:`benchmark.register.template.write_templates`) describes every column in Swedish and
English.

Insats labels: a catalogue id (``daglig_verksamhet``), one of the usual Swedish labels and
their common variants (:data:`LABELS`), or a reference to the paragraph (``9 § 10``,
``LSS 9:10``). Labels that name support the municipality does not decide under LSS
(assistansersättning, decided by Försäkringskassan under SFB; råd och stöd, 9 § 1, the
region's responsibility) are known but left out (:data:`LEFT_OUT`). Any other label stops
the import, listing every unknown label with the closest known one; ``--map LABEL=ID``
(or ``LABEL=skip``) tells the import what a local label means.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "AGE_COLUMNS",
    "COLUMNS",
    "DECISIONS",
    "GRANTED",
    "LABELS",
    "LEFT_OUT",
    "REFUSED",
    "REGISTER_CATEGORIES",
    "REQUIRED",
    "SKIP",
    "Column",
    "label_of",
    "normalise",
]


def normalise(text: object) -> str:
    """Lower case without accents, every run of other characters one space.

    Examples
    --------
    >>> normalise("Bostad med särskild service för vuxna")
    'bostad med sarskild service for vuxna'
    >>> normalise(" Verkställd_datum "), normalise("LSS 9 § 10")
    ('verkstalld datum', 'lss 9 10')
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


@dataclass(frozen=True)
class Column:
    """One column of the import format."""

    name: str
    sv: str
    en: str
    example: str
    aliases: tuple[str, ...] = ()


#: The columns, in template order.
COLUMNS: tuple[Column, ...] = (
    Column("person", "Pseudonym för personen (t.ex. ett löpnummer). Samma person har samma "
           "nyckel på alla rader. Aldrig personnummer: en kolumn som ser ut som personnummer "
           "stoppar inläsningen.",
           "Pseudonymous key of the person (e.g. a running number), the same on every row of "
           "that person. Never a personal identity number: a column that looks like one "
           "stops the import.", "P0001", ("personnyckel", "pseudonym", "person_id")),
    Column("fodelsear", "Födelseår, fyra siffror (1900 till i år). Anges det används det i "
           "stället för alder.", "Year of birth, four digits (1900 to this year). Used "
           "instead of alder when given.", "1987", ("birth_year",)),
    Column("alder", "Ålder i hela år på beslutsdagen (0–110), om födelseår saknas.",
           "Age in whole years on the decision date (0–110), when the year of birth is not "
           "given.", "", ("age",)),
    Column("kon", "Kön (K/M). Frivillig; används inte i siffrorna än.",
           "Sex (K/M). Optional; not used in the figures yet.", "K", ("sex",)),
    Column("insats", "Insatsen: katalogens id (t.ex. daglig_verksamhet), en vanlig benämning "
           "(t.ex. Daglig verksamhet, Bostad med särskild service för vuxna, "
           "Ledsagarservice) eller paragrafen (9 § 10).",
           "The insats: the catalogue id (e.g. daglig_verksamhet), a usual Swedish label "
           "(e.g. Daglig verksamhet, Bostad med särskild service för vuxna, "
           "Ledsagarservice) or the paragraph (9 § 10).", "Daglig verksamhet", ()),
    Column("beslutsdatum", "Dagen beslutet fattades, ÅÅÅÅ-MM-DD.",
           "The day the decision was made, YYYY-MM-DD.", "2024-03-05", ("decision_date",)),
    Column("beslut", "Bifall, delvis bifall eller avslag.",
           "Bifall (granted), delvis bifall (partly granted) or avslag (refused).", "Bifall",
           ("decision",)),
    Column("verkstalld_datum", "Dagen insatsen började ges (verkställdes), ÅÅÅÅ-MM-DD; tom "
           "om den inte har börjat. Aldrig före beslutsdatum; tom vid avslag.",
           "The day the insats started (was executed), YYYY-MM-DD; empty if it has not "
           "started. Never before the decision date; empty for a refusal.", "2024-04-01",
           ("verkstalld", "verkstallighetsdatum", "start_date")),
    Column("avslutad_datum", "Sista dagen insatsen gavs, ÅÅÅÅ-MM-DD; tom om den pågår. Aldrig "
           "före verkställd datum.", "The last day the insats was given, YYYY-MM-DD; empty "
           "if it continues. Never before the start date.", "",
           ("avslutad", "avslutsdatum", "end_date")),
)
COLUMN_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
#: Columns every file must have (values of the date columns may be empty).
REQUIRED: tuple[str, ...] = ("person", "insats", "beslutsdatum", "beslut",
                             "verkstalld_datum", "avslutad_datum")
#: One of these must be present (``fodelsear`` wins when both are).
AGE_COLUMNS: tuple[str, ...] = ("fodelsear", "alder")


def column_key(name: object) -> str:
    """A column name as matched: :func:`normalise` without spaces (``Besluts-datum`` and
    ``beslutsdatum`` are one column)."""
    return normalise(name).replace(" ", "")


def column_names() -> dict[str, str]:
    """Matched column name or alias (:func:`column_key`) → format column."""
    out: dict[str, str] = {}
    for col in COLUMNS:
        for name in (col.name, *col.aliases):
            out[column_key(name)] = col.name
    return out


#: The municipal LSS insatser a register row can count for (catalogue ids, catalogue order).
REGISTER_CATEGORIES: tuple[str, ...] = (
    "boende", "daglig_verksamhet", "personlig_assistans_lss", "ledsagarservice",
    "kontaktperson", "avlosarservice", "korttidsvistelse", "korttidstillsyn",
)
#: Target of a label that is known but not counted (``--map LABEL=skip``).
SKIP = "skip"
#: Insatser that are known but not municipal LSS decisions: left out, with the reason.
LEFT_OUT: dict[str, str] = {
    "personlig_assistans_sfb": "assistansersättning is decided by Försäkringskassan (SFB), "
                               "not by the municipality",
    "rad_och_stod": "råd och stöd (9 § 1) is the region's responsibility and not in the "
                    "national statistics",
    SKIP: "mapped to skip with --map",
}

_LABEL_VARIANTS: dict[str, tuple[str, ...]] = {
    "boende": (
        "boende", "bostad", "bostad med sarskild service", "bostad med sarskild service for "
        "vuxna", "bostad med sarskild service for barn", "bostad med sarskild service for "
        "barn och ungdomar", "bostad med sarskild service for barn eller ungdomar",
        "annan sarskilt anpassad bostad", "annan sarskilt anpassad bostad for vuxna",
        "boende vuxna", "boende barn", "boende i familjehem", "familjehem",
        "familjehem for barn", "familjehem for barn och ungdomar", "gruppbostad",
        "servicebostad", "bostad for barn", "bostad for vuxna", "boende enligt lss",
        "lss boende"),
    "daglig_verksamhet": ("daglig verksamhet", "dv", "daglig verksamhet enligt lss",
                          "lss daglig verksamhet"),
    "personlig_assistans_lss": (
        "personlig assistans", "personlig assistans lss", "personlig assistans enligt lss",
        "personlig assistent", "bitrade av personlig assistent", "ekonomiskt stod till "
        "personlig assistans", "ekonomiskt stod till skaliga kostnader for personlig "
        "assistans", "pa lss", "lss personlig assistans"),
    "ledsagarservice": ("ledsagarservice", "ledsagare", "ledsagning", "ledsagarservice "
                        "enligt lss"),
    "kontaktperson": ("kontaktperson", "bitrade av kontaktperson", "kontaktperson enligt lss",
                      "kontaktperson lss"),
    "avlosarservice": ("avlosarservice", "avlosarservice i hemmet", "avlosning", "avlosare",
                       "avlosarservice enligt lss"),
    "korttidsvistelse": ("korttidsvistelse", "korttidsvistelse utanfor det egna hemmet",
                         "korttidshem", "korttidsboende lss", "stodfamilj", "lagervistelse",
                         "korttidsvistelse enligt lss"),
    "korttidstillsyn": ("korttidstillsyn", "korttidstillsyn for skolungdom",
                        "korttidstillsyn for skolungdom over 12 ar", "korttidstillsyn enligt "
                        "lss", "fritidshem lss"),
    "personlig_assistans_sfb": ("assistansersattning", "assistansersattning sfb",
                                "personlig assistans sfb", "personlig assistans enligt sfb",
                                "statlig assistansersattning"),
    "rad_och_stod": ("rad och stod", "radgivning och annat personligt stod"),
}
#: Normalised label → catalogue id (or a :data:`LEFT_OUT` key).
LABELS: dict[str, str] = {normalise(v): cid for cid, variants in _LABEL_VARIANTS.items()
                          for v in (cid, *variants)}
_PARAGRAPH = re.compile(r"^(?:lss )?9 (\d{1,2})(?: lss)?$")
_BY_PARAGRAPH = {1: "rad_och_stod", 2: "personlig_assistans_lss", 3: "ledsagarservice",
                 4: "kontaktperson", 5: "avlosarservice", 6: "korttidsvistelse",
                 7: "korttidstillsyn", 8: "boende", 9: "boende", 10: "daglig_verksamhet"}


def label_of(label: object, extra: dict[str, str] | None = None) -> str | None:
    """The catalogue id (or :data:`LEFT_OUT` key) of an insats label; None when unknown.

    ``extra`` maps further normalised labels (from ``--map``) and wins over the built-in
    table.

    Examples
    --------
    >>> label_of("Bostad med särskild service för vuxna"), label_of("LSS 9:10")
    ('boende', 'daglig_verksamhet')
    >>> label_of("Assistansersättning"), label_of("Trygghetslarm")
    ('personlig_assistans_sfb', None)
    """
    key = normalise(label)
    if extra and key in extra:
        return extra[key]
    if key in LABELS:
        return LABELS[key]
    m = _PARAGRAPH.match(key)
    return _BY_PARAGRAPH.get(int(m.group(1))) if m else None


#: Decision outcomes: normalised value → ``bifall`` / ``delvis_bifall`` / ``avslag``.
DECISIONS: dict[str, str] = {normalise(v): outcome for outcome, values in {
    "bifall": ("bifall", "beviljat", "beviljad", "beviljas", "bifallen", "granted"),
    "delvis_bifall": ("delvis bifall", "delvis beviljat", "delvis beviljad", "delvis avslag",
                      "partly granted", "partially granted"),
    "avslag": ("avslag", "avslaget", "avslagen", "avslas", "refused", "denied"),
}.items() for v in values}
#: Outcomes that grant the insats (a granted decision can be executed).
GRANTED: tuple[str, ...] = ("bifall", "delvis_bifall")
REFUSED = "avslag"


def parse_map(values: list[str] | None) -> dict[str, str]:
    """``--map`` values: ``LABEL=ID`` pairs (``;`` between several) or the path of a CSV
    file with two columns, label and id (a header row is allowed).

    Examples
    --------
    >>> parse_map(["Ledsagarserv.=ledsagarservice; Boendestöd=skip"])
    {'Ledsagarserv.': 'ledsagarservice', 'Boendestöd': 'skip'}
    """
    from pathlib import Path

    from benchmark.errors import InputError

    out: dict[str, str] = {}
    for value in values or []:
        path = Path(value)
        if "=" not in value and path.is_file():
            import polars as pl

            try:
                table = pl.read_csv(path, has_header=False, infer_schema=False,
                                    separator=";" if ";" in path.read_text("utf-8") else ",")
            except (OSError, UnicodeDecodeError, pl.exceptions.PolarsError) as exc:
                raise InputError(f"--map {value}: cannot read the file ({exc})") from None
            if table.width != 2:
                raise InputError(f"--map {value}: the file needs two columns, label and "
                                 f"insats id, not {table.width}")
            pairs = [(a, b) for a, b in table.iter_rows()
                     if a and b and normalise(a) not in ("etikett", "label")]
        else:
            pairs = []
            for part in filter(str.strip, value.split(";")):
                label, sep, target = part.rpartition("=")
                if not sep or not label.strip():
                    raise InputError(f"--map {part.strip()!r}: write LABEL=ID, e.g. "
                                     "'Ledsagarserv.=ledsagarservice' (or a CSV file with "
                                     "two columns)")
                pairs.append((label.strip(), target.strip()))
        out.update(pairs)
    return out

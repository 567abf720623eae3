"""The demo country: 290 municipalities with real kommunkoder and invented names, their
sizes and age profiles, and their municipality groups.

See :mod:`benchmark.demo` for what is real (the code list and its format, the SKR
kommungrupp ids and titles) and what is invented (everything attached to a code).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from benchmark.catalog import RIKET

#: The demo focus municipality (planted deviations, an old age structure) and its name.
DEMO_FOCUS = "0180"
DEMO_FOCUS_NAME = "Demoby"

# The 290 kommunkoder (real format and list, see the module docstring), by län prefix.
_CODES = """
01 14 15 17 20 23 25 26 27 28 36 38 39 40 60 62 63 80 81 82 83 84 86 87 88 91 92
03 05 19 30 31 60 80 81 82
04 28 61 80 81 82 83 84 86 88
05 09 12 13 60 61 62 63 80 81 82 83 84 86
06 04 17 42 43 62 65 80 82 83 84 85 86 87
07 60 61 63 64 65 67 80 81
08 21 34 40 60 61 62 80 81 82 83 84 85
09 80
10 60 80 81 82 83
12 14 30 31 33 56 57 60 61 62 63 64 65 66 67 70 72 73 75 76 77 78
12 80 81 82 83 84 85 86 87 90 91 92 93
13 15 80 81 82 83 84
14 01 02 07 15 19 21 27 30 35 38 39 40 41 42 43 44 45 46 47 52 60 61 62 63 65
14 66 70 71 72 73 80 81 82 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99
17 15 30 37 60 61 62 63 64 65 66 80 81 82 83 84 85
18 14 60 61 62 63 64 80 81 82 83 84 85
19 04 07 60 61 62 80 81 82 83 84
20 21 23 26 29 31 34 39 61 62 80 81 82 83 84 85
21 01 04 21 32 61 80 81 82 83 84
22 60 62 80 81 82 83 84
23 03 05 09 13 21 26 61 80
24 01 03 04 09 17 18 21 22 25 60 62 63 80 81 82
25 05 06 10 13 14 18 21 23 60 80 81 82 83 84
"""
_LAN_NAMES = (
    "Demolands", "Exempelbottens", "Låtsasmarkens", "Påhittsdalens", "Fiktivfjällens",
    "Fantasiskogens", "Provkustens", "Modellslättens", "Skissjöns", "Testådalens",
    "Övningsbergens", "Kulissöarnas", "Attrappmons", "Sagohedens", "Drömmarkens",
    "Mockbygdens", "Simulsundets", "Syntetlandets", "Kopieåns", "Mallfjärdens",
    "Demonorrlands",
)
_NAME_PREFIXES = (
    "Demo", "Exempel", "Låtsas", "Påhitts", "Fiktiv", "Fantasi", "Prov", "Modell", "Skiss",
    "Test", "Övnings", "Kuliss", "Attrapp", "Sago", "Dröm", "Mock", "Simul", "Syntet",
    "Kopie", "Mall",
)
_NAME_SUFFIXES = (
    "by", "stad", "vik", "köping", "holm", "berg", "fors", "näs", "torp", "sund", "hamn",
    "dal", "ås", "bro", "å",
)

#: SKR kommungrupper: (Kolada id, title, number of members as in Kolada). The ids and
#: titles are Kolada's so the suite treats them as kommungrupper; the members are drawn.
_KOMMUNGRUPPER = (
    ("G92787", "Storstäder", 3), ("G92790", "Större stad", 23),
    ("G92788", "Mindre stad/tätort", 27), ("G92793", "Pendlingskommun nära storstad", 43),
    ("G92792", "Pendlingskommun nära större stad", 63),
    ("G92786", "Lågpendlingskommun nära större stad", 24),
    ("G92789", "Pendlingskommun nära mindre tätort", 51),
    ("G92791", "Landsbygdskommun, ej nära större stad", 35),
    ("G92794", "Landsbygdskommun med besöksnäring", 21),
)
_SIZE_GROUPS = (
    (0, 4_999, "Kommuner med 0 - 4 999 invånare"),
    (5_000, 9_999, "Kommuner med 5 000 - 9 999 invånare"),
    (10_000, 14_999, "Kommuner med 10 000 - 14 999 invånare"),
    (15_000, 19_999, "Kommuner med 15 000 - 19 999 invånare"),
    (20_000, 29_999, "Kommuner med 20 000 - 29 999 invånare"),
    (30_000, 49_999, "Kommuner med 30 000 - 49 999 invånare"),
    (50_000, 99_999, "Kommuner med 50 000 - 99 999 invånare"),
    (100_000, 199_999, "Kommuner med 100 000 - 199 999 invånare"),
    (200_000, 10**9, "Kommuner med fler än 200 000 invånare"),
)


@dataclass
class World:
    """The simulated country: register, population and persons with LSS support."""

    codes: list[str]
    names: dict[str, str]
    years: list[int]
    sizes: np.ndarray
    age_index: np.ndarray
    pop: np.ndarray  # [m, y, s, age]
    total_band: np.ndarray  # [m, y, s, band] persons with any insats
    cat: dict[str, np.ndarray]  # category -> [m, y] persons
    status: dict[str, np.ndarray]  # category -> [m, y] "" | "Privacy" | "Missing"
    missing: tuple[int, int] | None  # (municipality index, year index) with all LSS missing
    seed: int

    @property
    def pop_total(self) -> np.ndarray:
        """Inhabitants per municipality and year [m, y]."""
        return self.pop.sum(axis=(2, 3)).astype(float)


def codes() -> list[str]:
    """The 290 kommunkoder, in län order."""
    found = []
    for line in _CODES.strip().splitlines():
        lan, *rest = line.split()
        found += [lan + r for r in rest]
    return found


def names(codes: list[str], rng: np.random.Generator) -> dict[str, str]:
    """Invented names (prefix + suffix), the focus always "Demoby"."""
    pool = [p + s for p in _NAME_PREFIXES for s in _NAME_SUFFIXES]
    pool.remove(DEMO_FOCUS_NAME)
    order = rng.permutation(len(pool))
    others = iter(pool[i] for i in order)
    return {c: DEMO_FOCUS_NAME if c == DEMO_FOCUS else next(others) for c in codes}


def sizes(n: int, focus_index: int, rng: np.random.Generator) -> np.ndarray:
    """2024 population sizes: log-normal body, three big cities, focus 260 000."""
    q = (np.arange(n - 4) + 0.5) / (n - 4)
    from scipy.stats import norm

    body = np.exp(np.log(19_000) + 0.92 * norm.ppf(q)) * np.exp(rng.normal(0, 0.05, n - 4))
    body = np.clip(body, 2_400, 240_000)
    big = np.array([985_000, 595_000, 362_000])
    rest = rng.permutation(np.concatenate([body, big]))
    sizes = np.insert(rest, focus_index, 260_000.0)
    return np.round(sizes)


def age_index(sizes: np.ndarray, focus: int, rng: np.random.Generator) -> np.ndarray:
    """Each municipality's age index (old rural > 0 > young urban), correlated with size;
    the focus is old (1.5)."""
    logsize = np.log(sizes)
    index = np.clip(-0.55 * (logsize - logsize.mean()) / logsize.std()
                    + rng.normal(0, 0.45, len(sizes)), -1.6, 1.6)
    index[focus] = 1.5
    return index


def groups_frame(w: World) -> pl.DataFrame:
    """Kolada-shaped municipality groups: Liknande kommuner LSS, all, size, län and the SKR
    kommungrupper (``group_id, group_title, member_id, member_title``)."""
    rows: list[tuple[str, str, str, str]] = []
    codes, names = w.codes, w.names
    # Liknande kommuner LSS: the 7 nearest others in (log size, age index).
    j = len(w.years) - 1
    feats = np.column_stack([np.log(w.sizes), w.age_index])
    feats = (feats - feats.mean(axis=0)) / feats.std(axis=0)
    dist = ((feats[:, None, :] - feats[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(dist, np.inf)
    year = w.years[j]
    for i, code in enumerate(codes):
        gid = f"G9{i + 1:04d}"
        title = f"Liknande kommuner LSS, {names[code]}, {year}"
        for k in np.argsort(dist[i], kind="stable")[:7]:
            rows.append((gid, title, codes[k], names[codes[k]]))
    for code in codes:
        rows.append(("G96001", "Alla kommuner (ovägt medel)", code, names[code]))
    size_now = w.pop[:, j].sum(axis=(1, 2))
    for g, (lo, hi, title) in enumerate(_SIZE_GROUPS):
        for i, code in enumerate(codes):
            if lo <= size_now[i] <= hi:
                rows.append((f"G97{g + 1:03d}", f"{title} (ovägt medel)", code, names[code]))
    lans = sorted({c[:2] for c in codes})
    for g, lan in enumerate(lans):
        title = f"{_LAN_NAMES[g]} läns kommuner (ovägt medel)"
        for code in codes:
            if code[:2] == lan:
                rows.append((f"G98{g + 1:03d}", title, code, names[code]))
    # SKR-like kommungrupper: by size first, then old (rural) vs young (commuting).
    order = list(np.argsort(-size_now, kind="stable"))
    urban = [order[:3], order[3:26], order[26:53]]
    rest = sorted(order[53:], key=lambda i: (w.age_index[i], codes[i]))
    counts = [n for _, _, n in _KOMMUNGRUPPER[3:]]
    parts, start = [], 0
    for size in counts:
        parts.append(rest[start:start + size])
        start += size
    for (gid, title, _), members in zip(_KOMMUNGRUPPER, urban + parts, strict=True):
        for i in sorted(members, key=lambda i: codes[i]):
            rows.append((gid, f"{title} (ovägt medel)", codes[i], names[codes[i]]))
    return pl.DataFrame(rows, schema=["group_id", "group_title", "member_id", "member_title"],
                        orient="row")


def municipalities_frame(w: World) -> pl.DataFrame:
    """Kolada's municipality register: Riket ("0000", type L) and the municipalities (K)."""
    return pl.DataFrame({
        "id": [RIKET, *w.codes],
        "title": ["Riket", *(w.names[c] for c in w.codes)],
        "type": ["L", *(["K"] * len(w.codes))],
    })

"""How the charts name the peer group (from the comparison table's ``peer_group_title``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from benchmark import fmt


def peer_name(title: str, lang: str = "sv") -> str:
    """A peer group's Kolada title as readers see it.

    Kolada's ``(ovägt medel)`` is dropped (our group level is pooled, not an unweighted
    mean) and, in another language, RKA's "Liknande kommuner LSS" is put under its name
    there (``label.liknande_lss``).

    Examples
    --------
    >>> peer_name("Liknande kommuner LSS, Demoby, 2024 (ovägt medel)", "en")
    'Similar municipalities LSS, Demoby, 2024'
    """
    fmt.check_lang(lang)
    name = re.sub(r"\s*\((?:o?vägt medel)\)\s*$", "", str(title)).strip()
    prefix = fmt.text("label.liknande_lss")
    if name.startswith(prefix):
        name = fmt.text("label.liknande_lss", lang) + name[len(prefix):]
    return name


def peer_group_name(rows: Sequence[dict[str, Any]], lang: str) -> str | None:
    """The actual peer group's name (see :func:`peer_name`), or ``None`` without a group."""
    titles = [str(r["peer_group_title"]) for r in rows if r.get("peer_group_title")]
    return peer_name(titles[0], lang) if titles else None


def peer_title(rows: Sequence[dict[str, Any]], lang: str) -> str:
    """The actual peer group's name, else the generic label."""
    return peer_group_name(rows, lang) or fmt.text("label.peer_group", lang)


def peer_suffix(rows: Sequence[dict[str, Any]], lang: str) -> str:
    """`` (Liknande kommuner LSS, X, 2024)``: the actual group's name, or nothing."""
    name = peer_group_name(rows, lang)
    return f" ({name})" if name else ""


def peer_subtitle(rows: Sequence[dict[str, Any]], lang: str) -> str | None:
    """The chart subtitle naming the peer group (``Jämförelsegrupp: …``), if there is one."""
    name = peer_group_name(rows, lang)
    return fmt.text("chart.peer_subtitle", lang, peer=name) if name else None


def peer_phrase(rows: Sequence[dict[str, Any]], lang: str) -> str:
    """“jämförelsegruppen (Liknande kommuner LSS, X, 2024)” for captions."""
    return fmt.text("chart.peer_phrase", lang) + peer_suffix(rows, lang)

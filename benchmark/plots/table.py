"""The accessible HTML data table under every chart (and in the views' own tables)."""

from __future__ import annotations

import html
from collections.abc import Sequence


def _cell(value: str, *, header: bool = False, numeric: bool = False) -> str:
    cls = ' class="num"' if numeric else ""
    if header:
        return f'<th scope="row"{cls}>{html.escape(value)}</th>'
    return f"<td{cls}>{html.escape(value)}</td>"


def data_table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
               numeric: Sequence[bool] | None = None,
               highlight: Sequence[bool] | None = None) -> str:
    """An accessible HTML table.

    The ``<caption>`` comes first, column headers get ``scope="col"``, and the first cell of
    each row is its row header. All text is HTML-escaped.

    Parameters
    ----------
    caption
        What the table shows.
    headers
        Column headers.
    rows
        The cells, already formatted as text; the first cell names the row.
    numeric
        Per column, whether it holds numbers (right-aligned, ``class="num"``).
    highlight
        Per row, whether it is the chosen municipality (``class="lss-chosen"``).

    Returns
    -------
    str
        The ``<table class="lss-data">`` element.

    Examples
    --------
    >>> print(data_table("Kvot", ["Insats", "Kvot"], [["Boende", "1,20"]], [False, True]))
    <table class="lss-data">
    <caption>Kvot</caption>
    <thead><tr><th scope="col">Insats</th><th scope="col" class="num">Kvot</th></tr></thead>
    <tbody>
    <tr><th scope="row">Boende</th><td class="num">1,20</td></tr>
    </tbody>
    </table>
    """
    numeric = list(numeric) if numeric is not None else [False] * len(headers)
    marks = list(highlight) if highlight is not None else [False] * len(rows)
    num_cls = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_cls if n else ""}>{html.escape(h)}</th>'
        for h, n in zip(headers, numeric, strict=True)
    )
    body = []
    for row, mark in zip(rows, marks, strict=True):
        cells = [_cell(row[0], header=True)]
        cells += [_cell(v, numeric=n) for v, n in zip(row[1:], numeric[1:], strict=True)]
        body.append(('<tr class="lss-chosen">' if mark else "<tr>") + "".join(cells) + "</tr>")
    return (f'<table class="lss-data">\n<caption>{html.escape(caption)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body)
            + "\n</tbody>\n</table>")

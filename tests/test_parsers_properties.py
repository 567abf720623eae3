"""Property-based tests of the two wire-format parsers (hypothesis).

* Kolada v3 data envelopes (``values``/``count``/``next_url``, items with nested
  ``values`` of ``gender``/``count``/``status``/``value``) and SCB json-stat2 datasets
  (``id``/``size``/``dimension``/``value``/``status``; index as array or object; value and
  status as arrays or sparse objects) are generated from tidy rows, serialised to JSON text,
  decoded and parsed: the parser must give back exactly those rows.
* Invalid inputs (a required key removed, a value of the wrong type, size and value length
  disagreeing, truncated text) must raise the parsers' own error
  :class:`~benchmark.sources.http.InvalidBody`, never a KeyError/TypeError/polars error.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.sources import kolada, scb
from benchmark.sources.http import InvalidBody, decode_json

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
               max_size=8)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
number = st.one_of(finite, st.integers(-10**9, 10**9))


# --------------------------------------------------------------------------- Kolada v3

@st.composite
def kolada_rows(draw: Any) -> list[tuple[Any, ...]]:
    """Tidy rows (kpi, municipality, year, gender, value, status, count), grouped so that
    rows of one (kpi, municipality, year) item are consecutive."""
    rows = []
    keys = draw(st.lists(st.tuples(text, text, st.integers(1000, 9999)), max_size=6,
                         unique=True))
    for kpi, muni, year in keys:
        for gender in draw(st.lists(st.sampled_from(["T", "K", "M"]), max_size=3)):
            value = draw(st.one_of(st.none(), number))
            status = draw(st.sampled_from(["", "Privacy", "Missing"]) | text)
            count = draw(st.one_of(st.none(), st.integers(0, 2**40)))
            rows.append((kpi, muni, year, gender, value, status, count))
    return rows


@st.composite
def kolada_envelope(draw: Any) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """A valid v3 data envelope and the tidy rows it encodes."""
    rows = draw(kolada_rows())
    items: list[dict[str, Any]] = []
    for (kpi, muni, year), group in itertools.groupby(rows, key=lambda r: r[:3]):
        period: Any = draw(st.sampled_from([year, str(year)]))
        values = []
        for _k, _m, _y, gender, value, status, count in group:
            v: dict[str, Any] = {"gender": gender, "value": value}
            if status or draw(st.booleans()):  # "" may be sent as "" or null
                v["status"] = status
            else:
                v["status"] = None
            if count is not None or draw(st.booleans()):
                v["count"] = count
            values.append(v)
        items.append({"kpi": kpi, "municipality": muni, "period": period, "values": values})
    # an item without any values is legal and yields no rows
    if draw(st.booleans()):
        items.append({"kpi": "N0", "municipality": "0000", "period": 2024, "values": []})
    env = {"values": items, "count": len(items) + draw(st.integers(0, 3)),
           "next_url": draw(st.none() | st.just("http://x/v3/data?page=2"))}
    return env, rows


def _kolada_parse(body: str) -> list[tuple[Any, ...]]:
    df = kolada.parse_values([(decode_json(body), "snap-1")])
    return [tuple(r) for r in df.drop("snapshot").iter_rows()]


def _expected_kolada(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(k, m, y, g, None if v is None else float(v), s, c)
            for k, m, y, g, v, s, c in rows]


@SETTINGS
@given(kolada_envelope())
def test_kolada_round_trip(case: tuple[dict[str, Any], list[tuple[Any, ...]]]) -> None:
    env, rows = case
    body = json.dumps(env, ensure_ascii=False)
    kolada.validate_data(decode_json(body))
    assert _kolada_parse(body) == _expected_kolada(rows)
    df = kolada.parse_values([(decode_json(body), "snap-1")])
    assert set(df["snapshot"].to_list()) <= {"snap-1"}


WRONG = st.one_of(st.none(), st.booleans(), st.just("12x"), st.just(1.5), st.just([1]),
                  st.just({"a": 1}))


def _paths(env: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(container path, key) of every key the parser relies on."""
    out: list[tuple[Any, ...]] = [((), "values"), ((), "count")]
    for i, item in enumerate(env["values"]):
        out += [(("values", i), k) for k in ("kpi", "municipality", "period", "values")]
        for j, _v in enumerate(item["values"]):
            out += [(("values", i, "values", j), k) for k in ("gender", "value", "status",
                                                              "count")]
    return out


def _at(obj: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        obj = obj[p]
    return obj


# values a key may not take (beside removal), by key
_BAD_TYPES: dict[str, list[Any]] = {
    "values": [None, "x", 3, {"a": 1}],
    "count": [None, "3", 1.5, True, -1],
    "kpi": [None, 5, ["N1"]],
    "municipality": [None, 180, ["0180"]],
    "period": [None, "20x4", 2024.0, True, [2024], 10**12],
    "gender": [None, 1, ["T"]],
    "value": ["12", True, [1.0], {"v": 1}],
    "status": [5, ["Privacy"], True],
}
_BAD_TYPES["count_inner"] = ["1", 1.5, True, 2**70]
_REQUIRED = {"values", "count", "kpi", "municipality", "period", "gender"}


@SETTINGS
@given(kolada_envelope(), st.data())
def test_kolada_invalid_raises_invalid_body(case: Any, data: st.DataObject) -> None:
    env, _rows = case
    env = json.loads(json.dumps(env))  # a private copy
    path, key = data.draw(st.sampled_from(_paths(env)))
    container = _at(env, path)
    kind = "count_inner" if key == "count" and path else key
    removable = key in _REQUIRED and not (key == "count" and path)
    if removable and data.draw(st.booleans()):
        del container[key]
    else:
        container[key] = data.draw(st.sampled_from(_BAD_TYPES[kind]))
    with pytest.raises(InvalidBody):
        _kolada_parse(json.dumps(env))


def _truncated_raises(document: Any, parse: Any, data: st.DataObject) -> None:
    """Any cut of the JSON text of ``document`` short of its end is :class:`InvalidBody`."""
    body = json.dumps(document, ensure_ascii=False)
    cut = data.draw(st.integers(0, len(body) - 1))
    with pytest.raises(InvalidBody):
        parse(body[:cut])


@SETTINGS
@given(kolada_envelope(), st.data())
def test_kolada_truncated_text_raises_invalid_body(case: Any, data: st.DataObject) -> None:
    _truncated_raises(case[0], _kolada_parse, data)


@pytest.mark.parametrize("body", [
    "[]", "null", '"values"', '{"values": {}, "count": 0}',
    '{"values": [1], "count": 1}', '{"values": [], "count": 0, "next_url": 5.5}',
])
def test_kolada_wrong_top_level_shapes(body: str) -> None:
    with pytest.raises(InvalidBody):
        _kolada_parse(body)


# --------------------------------------------------------------------------- json-stat2

DIM_IDS = ["Region", "Alder", "Kon", "Tid", "ContentsCode", "Civilstand"]
code = st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyzÅÄÖ+-", min_size=1, max_size=5)


@st.composite
def jsonstat(draw: Any) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """A valid json-stat2 dataset and its tidy rows (codes…, value, status)."""
    ids = draw(st.lists(st.sampled_from(DIM_IDS), min_size=1, max_size=4, unique=True))
    codes = [draw(st.lists(code, min_size=1, max_size=4, unique=True)) for _ in ids]
    size = [len(c) for c in codes]
    n = math.prod(size)
    values = draw(st.lists(st.one_of(st.none(), number), min_size=n, max_size=n))
    status_kind = draw(st.sampled_from(["none", "str", "list", "dict"]))
    symbol = st.sampled_from([".", "..", "B", "e"])
    if status_kind == "none":
        status_wire: Any = None
        status = [None] * n
    elif status_kind == "str":
        status_wire = draw(symbol)
        status = [status_wire] * n
    else:
        status = draw(st.lists(st.one_of(st.none(), symbol), min_size=n, max_size=n))
        status_wire = (status if status_kind == "list"
                       else {str(i): s for i, s in enumerate(status) if s is not None})
    dimension = {}
    for dim_id, cs in zip(ids, codes, strict=True):
        if draw(st.booleans()):
            index: Any = list(cs)
        else:  # an object {code: position}, keys in any order
            order = draw(st.permutations(range(len(cs))))
            index = {cs[i]: i for i in order}
        dimension[dim_id] = {"label": dim_id, "category": {
            "index": index, "label": {c: f"label {c}" for c in cs}}}
    value_wire: Any = (values if draw(st.booleans())
                       else {str(i): v for i, v in enumerate(values) if v is not None})
    data = {"version": "2.0", "class": "dataset", "label": "test", "id": ids, "size": size,
            "dimension": dimension, "value": value_wire}
    if status_wire is not None:
        data["status"] = status_wire
    rows = [(*combo, None if v is None else float(v), s)
            for combo, v, s in zip(itertools.product(*codes), values, status, strict=True)]
    return data, rows


def _scb_parse(body: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in scb.parse_jsonstat(decode_json(body)).iter_rows()]


@SETTINGS
@given(jsonstat())
def test_jsonstat_round_trip(case: tuple[dict[str, Any], list[tuple[Any, ...]]]) -> None:
    data, rows = case
    body = json.dumps(data, ensure_ascii=False)
    df = scb.parse_jsonstat(decode_json(body))
    assert df.columns == [*data["id"], "value", "status"]
    assert [tuple(r) for r in df.iter_rows()] == rows


MUTATIONS = ["drop:class", "drop:id", "drop:size", "drop:dimension", "drop:value",
           "class", "id_type", "size_str", "size_bool", "size_negative", "size_extra",
           "value_longer", "value_shorter", "value_str", "value_bool", "value_type",
              "status_length", "status_type", "dim_missing", "dim_type", "category_missing",
           "index_type", "index_short", "index_duplicate", "index_positions",
           "sparse_key", "id_reserved"]


def _mutate(data: dict[str, Any], how: str, pick: int) -> None:
    ids, size = data["id"], data["size"]
    n = math.prod(size)
    dim = data["dimension"][ids[pick % len(ids)]]
    index = dim["category"]["index"]
    if how.startswith("drop:"):
        del data[how[5:]]
    elif how == "class":
        data["class"] = "collection"
    elif how == "id_type":
        data["id"] = {"0": ids[0]}
    elif how == "size_str":
        size[0] = str(size[0])
    elif how == "size_bool":
        size[0] = True
    elif how == "size_negative":
        size[0] = -size[0]
    elif how == "size_extra":
        size.append(1)
    elif how in ("value_longer", "value_shorter", "value_str", "value_bool"):
        values = data["value"] if isinstance(data["value"], list) else [
            data["value"].get(str(i)) for i in range(n)]
        if how == "value_longer":
            values.append(1.0)
        elif how == "value_shorter":
            values.pop()
        else:
            values[pick % n] = "12" if how == "value_str" else True
        data["value"] = values
    elif how == "value_type":
        data["value"] = "1,2,3"
    elif how == "status_length":
        data["status"] = ["."] * (n + 1)
    elif how == "status_type":
        data["status"] = 5
    elif how == "dim_missing":
        del data["dimension"][ids[pick % len(ids)]]
    elif how == "dim_type":
        data["dimension"][ids[pick % len(ids)]] = ["category"]
    elif how == "category_missing":
        del dim["category"]
    elif how == "index_type":
        dim["category"]["index"] = "0,1"
    elif how == "index_short":
        if isinstance(index, list):
            index.append("extra-code")
        else:
            index["extra-code"] = len(index)
    elif how == "index_duplicate":
        codes = list(index) if isinstance(index, dict) else index
        dim["category"]["index"] = [codes[0], *codes[:-1]] if len(codes) > 1 else [1]
    elif how == "index_positions":
        codes = list(index)
        dim["category"]["index"] = {c: i + 1 for i, c in enumerate(codes)}
    elif how == "sparse_key":
        data["value"] = {str(n): 1.0}
    elif how == "id_reserved":
        data["dimension"]["value"] = data["dimension"].pop(ids[0])
        ids[0] = "value"


@SETTINGS
@given(jsonstat(), st.data())
def test_jsonstat_invalid_raises_invalid_body(case: Any, data: st.DataObject) -> None:
    dataset = json.loads(json.dumps(case[0]))
    how = data.draw(st.sampled_from(MUTATIONS))
    _mutate(dataset, how, data.draw(st.integers(0, 100)))
    with pytest.raises(InvalidBody):
        _scb_parse(json.dumps(dataset))


@SETTINGS
@given(jsonstat(), st.data())
def test_jsonstat_truncated_text_raises_invalid_body(case: Any, data: st.DataObject) -> None:
    _truncated_raises(case[0], _scb_parse, data)


def _population_body(tid: str) -> dict[str, Any]:
    dims = {"Region": ["00", "0180"], "Alder": ["0", "100+"], "Kon": ["1", "2"], "Tid": [tid]}
    return {"class": "dataset", "id": list(dims), "size": [len(v) for v in dims.values()],
            "dimension": {k: {"category": {"index": v}} for k, v in dims.items()},
            "value": [1, 2, 3, 4, 5, 6, 7, 8]}


def test_population_parser_keeps_its_error_type() -> None:
    """The population layer adds its own checks on top of json-stat2: a missing dimension
    or a Tid code that is not a year is an InvalidBody too (not a polars cast error)."""
    body = {"class": "dataset", "id": ["Tid"], "size": [1],
            "dimension": {"Tid": {"category": {"index": ["2024"]}}}, "value": [5]}
    with pytest.raises(InvalidBody, match="Region"):
        scb.parse_population(body)
    ok = scb.parse_population(_population_body("2024M12"))
    assert ok["year"].unique().to_list() == [2024] and ok["population"].sum() == 36
    assert ok.filter(pl.col("municipality") == "0000")["population"].to_list() == [1, 2, 3, 4]
    for tid in ("20x4", "2024M1", "Q4-2024", ""):
        with pytest.raises(InvalidBody, match="Tid"):
            scb.parse_population(_population_body(tid))

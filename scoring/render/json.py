"""The JSON trace of a run (every score with its reason and source cell), and stored history as JSON records.

The trace is written entry by entry and a table's rows a chunk at a time (issue 15: a province has millions
of items): each column of a chunk goes through `DataFrame.to_json` once, and each distinct value is encoded
once. The text is exactly `json.dumps(trace(run), ensure_ascii=False, indent=2)`, without building it."""

from __future__ import annotations

import io
import json
from json.encoder import encode_basestring  # the C function json.dumps(ensure_ascii=False) uses
from typing import Any, TextIO

import numpy as np
import pandas as pd

from scoring.model.run import Run
from scoring.model.trace import TraceFrame, trace_parts

CHUNK_ROWS = 20_000
"""Rows of a table encoded at a time: bounds the writer's memory whatever the province's size."""


def render_json(run: Run) -> str:
    """The full trace (`scoring.model.trace`), indented, Chinese kept as written."""
    out = io.StringIO()
    write_json(run, out)
    return out.getvalue()


def write_json(run: Run, out: TextIO) -> None:
    """`render_json` written to `out` as it is encoded."""
    out.write("{")
    for i, (key, value) in enumerate(trace_parts(run)):
        out.write(("," if i else "") + "\n  " + encode_basestring(key) + ": ")
        if isinstance(value, TraceFrame):
            _write_frame(value, out)
        else:
            out.write(_dumps(value, 1))
    out.write("\n}\n")


def _dumps(value: Any, depth: int) -> str:
    """json.dumps(value, indent=2) as it reads nested `depth` levels deep."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * depth)


def _write_frame(entry: TraceFrame, out: TextIO) -> None:
    """A frame as a list of records at depth 2 (inside the top-level object)."""
    df = entry.frame
    if not len(df):
        out.write("[]")
        return
    out.write("[")
    for start in range(0, len(df), CHUNK_ROWS):
        chunk = df.iloc[start : start + CHUNK_ROWS]
        rows = _record_lines(chunk, entry)
        out.write(("," if start else "") + "\n    {\n" + "\n    },\n    {\n".join(rows) + "\n    }")
    out.write("\n  ]")


def _record_lines(chunk: pd.DataFrame, entry: TraceFrame) -> list[str]:
    """Each row's members, one per line at depth 3, joined by ",\n" (the record's braces left to the caller)."""
    members = [_members(chunk[name], "      " + encode_basestring(str(name)) + ": ") for name in chunk.columns]
    if entry.extra is not None:
        members.append(
            [
                ",\n".join("      " + encode_basestring(k) + ": " + _dumps(v, 3) for k, v in more.items())
                for more in entry.extra(chunk)
            ]
        )
    return list(map(",\n".join, zip(*members, strict=True)))


_NONE = type(None)


def _members(col: pd.Series, prefix: str) -> list[str]:
    """prefix + the JSON text of each cell, as `json.loads(col.to_json())` then `json.dumps` give it; each
    distinct value is encoded once."""
    values = json.loads(col.to_json(orient="records", force_ascii=False))  # a Series: a list of its values
    kinds = set(map(type, values)) - {_NONE}
    if kinds <= {float}:
        floats = np.array(values, dtype=float)  # None → NaN
        if not np.any((floats == 0) & np.signbit(floats)):  # -0.0 == 0.0 would share one text
            codes, uniques = pd.factorize(floats)
            return _take([prefix + repr(float(u)) for u in uniques], prefix, codes)
    elif len(kinds) == 1 and kinds <= {str, int, bool}:  # one type: equal values have one text
        codes, uniques = pd.factorize(np.array(values, dtype=object))
        return _take([prefix + _scalar(u) for u in uniques], prefix, codes)
    seen: dict[tuple[type, Any], str] = {}
    out = []
    for v in values:
        key = (type(v), v if isinstance(v, str | int | float | bool) or v is None else id(v))
        text = seen.get(key)
        if text is None:
            text = seen[key] = prefix + _scalar(v)
        out.append(text)
    return out


def _take(texts: list[str], prefix: str, codes: np.ndarray) -> list[str]:
    table = np.array([*texts, prefix + "null"], dtype=object)  # code -1 (a missing value) takes the last
    out: list[str] = table[codes].tolist()
    return out


def _scalar(v: Any) -> str:
    if isinstance(v, str):
        return str(encode_basestring(v))
    if v is None or isinstance(v, bool | int | float):
        return json.dumps(v)
    return _dumps(v, 3)  # a list or object held in a cell


def history_json(rows: pd.DataFrame) -> str:
    """`scoring.store.results.history` rows as a JSON array of records."""
    return str(rows.to_json(orient="records", force_ascii=False, indent=2))

"""Finding rules over columns: the facts of one kind as columns, conditions evaluated and templates filled column by column.

The column-wise findings path (issue 15) reads facts through ``KindColumns`` and fills a template for many rows
with one string operation per placeholder (``render_rows``). Each filled text equals ``render(template, fact)``
for the row's fact, character for character: a placeholder's values are formatted by ``format_value``, once per
distinct value, and a template that is more than ``{field}`` / ``{field:spec}`` (only rules built in code, not
loaded from YAML, can hold one) is filled row by row with ``render``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.rules import expr as ex
from scoring.rules.expr.columns import Columns
from scoring.rules.finding_rules import (
    _FORMATTER,
    _NAME,
    NULL_TEXT,
    FindingRule,
    format_numbers,
    format_value,
    render,
    template_fields,
)

Objects = npt.NDArray[np.object_]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]


class KindColumns:
    """The facts of one kind: ``index`` their places in the run (increasing), each field as an object column.

    Columns come from ``arrays`` (field → one value per row, as the facts' dicts hold them) when given, or are
    read from the dicts (``fact(row)``) on first use; a field no fact has is all None. Conditions read ``frame``
    when given (the same values), else a frame of those columns. ``fact(row)`` is the row's
    dict, built by the caller only for facts that are reported.
    """

    def __init__(
        self,
        kind: str,
        index: Ints,
        fact: Callable[[int], Mapping[str, object]],
        arrays: Mapping[str, Objects] | None = None,
        take: Callable[[Ints], Sequence[Mapping[str, object]]] | None = None,
        frame: pd.DataFrame | None = None,
    ) -> None:
        self.kind, self.index, self.fact = kind, index, fact
        self._take, self._frame = take, frame
        self._arrays = dict(arrays) if arrays is not None else None
        self._cache: dict[str, Objects] = {}
        self._texts: dict[str, Bools | None] = {}
        self._columns: Columns | None = None

    def __len__(self) -> int:
        return len(self.index)

    def facts(self, rows: Ints) -> Sequence[Mapping[str, object]]:
        """The dicts of these rows (built in one pass when the caller can)."""
        if self._take is not None:
            return self._take(rows)
        return [self.fact(int(r)) for r in rows]

    def column(self, name: str) -> Objects:
        values = self._cache.get(name)
        if values is None:
            if self._arrays is not None:
                values = self._arrays.get(name)
                if values is None:
                    values = np.full(len(self), None, dtype=object)
            else:
                values = np.fromiter((self.fact(r).get(name) for r in range(len(self))), dtype=object, count=len(self))
            self._cache[name] = values
        return values

    def texts(self, name: str) -> Bools | None:
        """Where the field is None, when every value is a str or None (read once per field); else None."""
        if name not in self._texts:
            values = self.column(name)
            mask: Bools | None = None
            if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):  # NaN is skipped: tell it apart
                mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
                if not np.array_equal(mask, pd.isna(values)):
                    mask = None
            self._texts[name] = mask
        return self._texts[name]

    def holds(self, expr: ex.Expr, fields: Iterable[str]) -> Ints:
        """Rows where expr holds; ``fields``: every field the kind's rules read (the columns prepared once)."""
        if self._columns is None and self._frame is not None:  # the facts' own frame (RangeIndex, one row each)
            self._columns = Columns(self._frame)
        if self._columns is None:
            frame = pd.DataFrame(
                {name: pd.Series(self.column(name), dtype=object) for name in fields}, index=pd.RangeIndex(len(self))
            )
            self._columns = Columns(frame)
        return np.flatnonzero(self._columns.holds(expr).to_numpy())


@functools.lru_cache(maxsize=512)
def _pieces(template: str) -> tuple[tuple[str, str | None, str], ...] | None:
    """(literal, field, spec) of a template of {field} and {field:spec} only; None for anything more."""
    out = []
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        if name is not None and (not _NAME.fullmatch(name) or conversion or "{" in (spec or "")):
            return None
        out.append((literal, name, spec or ""))
    return tuple(out)


def _formatted(facts: KindColumns, name: str, rows: Ints, spec: str) -> Objects:
    """format_value of each row's value, computed once per distinct value."""
    values = facts.column(name)[rows]
    nones = facts.texts(name)
    if nones is not None and not spec:  # texts and None: format_value gives a text itself, None "—"
        out: Objects = np.where(nones[rows], NULL_TEXT, values).astype(object)
        return out
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("floating", "string", "empty"):  # one type: pandas finds the distinct values
        numbers = values.astype(float) if inferred == "floating" else values
        codes, uniques = pd.factorize(numbers, use_na_sentinel=True)
        distinct = uniques.tolist()
        if inferred == "floating" and np.isfinite(uniques).all():
            texts = np.array([*format_numbers(distinct, spec), NULL_TEXT], dtype=object)
        else:
            texts = np.array([*(format_value(u, spec) for u in distinct), format_value(None, spec)], dtype=object)
        out = texts[codes]  # code -1 (null) takes the last
        if inferred == "floating":  # -0.0 and 0.0 are one value to pandas but may print differently
            zeros = np.flatnonzero(numbers == 0)
            out[zeros] = [format_value(float(numbers[z]), spec) for z in zeros]
        return out
    return _each(values, spec)


def _each(values: Objects, spec: str) -> Objects:
    """format_value cell by cell, once per distinct (type, value)."""
    memo: dict[tuple[type, Any], str] = {}
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        if type(v) is float and v == 0:  # -0.0 == 0.0 but may format differently ("-0.00万元")
            out[i] = format_value(v, spec)
            continue
        key = (type(v), v)  # the type keeps True and 1.0 apart
        try:
            text = memo.get(key)
        except TypeError:  # unhashable: let format_value say what is wrong with it
            out[i] = format_value(v, spec)
            continue
        if text is None:
            text = memo[key] = format_value(v, spec)
        out[i] = text
    return out


def render_rows(template: str, facts: KindColumns, rows: Ints) -> Objects:
    """``render(template, fact)`` for the fact of each row, as an object array of str."""
    pieces = _pieces(template)
    out = np.empty(len(rows), dtype=object)
    if pieces is None:
        out[:] = [render(template, facts.fact(int(r))) for r in rows]
        return out
    if all(name is None for _, name, _ in pieces):
        out[:] = "".join(literal for literal, _, _ in pieces)
        return out
    if len(pieces) == 1 and not pieces[0][0]:  # the template is one placeholder: its values, formatted
        return _formatted(facts, str(pieces[0][1]), rows, pieces[0][2])
    parts: list[Iterable[str]] = []
    for literal, name, spec in pieces:
        if literal:
            parts.append(itertools.repeat(literal, len(rows)))
        if name is not None:
            parts.append(_formatted(facts, name, rows, spec).tolist())
    out[:] = list(map("".join, zip(*parts, strict=False)))  # one join per row, in C (repeat has no length)
    return out


def cause_given(rule: FindingRule, facts: KindColumns, rows: Ints) -> Bools:
    """For each row, whether the rule's ``cause_given`` is used: it has one and every field it names is filled."""
    if not rule.cause_given:
        return np.zeros(len(rows), dtype=bool)
    given = np.ones(len(rows), dtype=bool)
    for name in dict.fromkeys(n for n, _ in template_fields(rule.cause_given)):
        values = facts.column(name)[rows].tolist()
        given &= np.fromiter(
            (bool(v.strip()) if type(v) is str else bool(str(v or "").strip()) for v in values),
            dtype=bool,
            count=len(rows),
        )
    return given


def dept_keys(facts: KindColumns, rows: Ints) -> list[str | None]:
    """The department of each row, as findings name it (None when the fact has none)."""
    values = facts.column("dept_code")[rows]
    if facts.texts("dept_code") is not None:
        return values.tolist()  # type: ignore[no-any-return]  # texts and None already
    return [None if v is None else str(v) for v in values]


def _texts(facts: KindColumns, name: str, rows: Ints) -> Objects:
    """``"" if v is None else str(v)`` for each row's value."""
    values, nones = facts.column(name)[rows], facts.texts(name)
    if nones is not None:
        out: Objects = np.where(nones[rows], "", values).astype(object)
        return out
    return np.array(["" if v is None else str(v) for v in values], dtype=object)


def _either(a: Objects, b: Objects) -> Objects:
    """``a or b`` for each pair of texts."""
    out: Objects = np.where(a != "", a, b).astype(object)
    return out


def subjects(facts: KindColumns, rows: Ints) -> Objects:
    """What each row's finding is about, as a reader names it (``findings._subject``, column-wise)."""

    def text(name: str) -> Objects:
        return _texts(facts, name, rows)

    if facts.kind == "indicator":
        name = _either(text("name"), text("indicator_id"))
        project = _either(text("project_name"), text("project_code"))
        both = (project != "") & (name != "")
        out: Objects = np.where(both, project + "·" + name, _either(name, project)).astype(object)
        return out
    if facts.kind == "project":
        return _either(text("project_name"), text("project_code"))
    if facts.kind == "department":
        return _either(text("dept_name"), text("dept_code"))
    if facts.kind == "check":
        return _either(_either(text("title"), text("check_id")), text("subject"))
    return _either(_either(text("subject"), text("name")), text("dept_code"))

"""Facts for the findings rules: flat, typed records of scored indicators, projects, departments and checks.

`SCHEMA` declares every field and its type; rule expressions and templates are checked against it
when a ruleset loads, and every fact is coerced to it before it reaches the rule engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.core.display import half_up
from scoring.core.text import text_col
from scoring.core.tolerance import EPS
from scoring.model.derived import with_fund_ratios
from scoring.model.result import ScoreResult
from scoring.pipeline.score import precision, rejected_rows
from scoring.rules.fact_fields import SCHEMA
from scoring.rules.ruleset import Ruleset, roles_from_name


def _each(col: pd.Series, fn: Callable[[Any], object]) -> pd.Series | None:
    """fn of each present cell, once per distinct value (None where missing), as an object Series; None when
    the values are of several types (1 == 1.0 == True would share one result) and must be read one by one."""
    codes, uniques = pd.factorize(col)
    values = uniques.to_numpy(dtype=object) if isinstance(uniques, pd.Index) else np.asarray(uniques, dtype=object)
    if len({type(v) for v in values}) > 1:
        return None
    table = np.empty(len(values) + 1, dtype=object)  # the last entry: a missing cell (code -1)
    for i, v in enumerate(values):
        table[i] = fn(v)
    return pd.Series(table[np.asarray(codes)], index=col.index, dtype=object)


def _column(col: pd.Series, typ: type) -> pd.Series:
    """One column coerced to its schema type, with None (never NaN) for missing values."""
    if typ is float:
        values = pd.to_numeric(col, errors="coerce").astype(float)
    else:
        cast = bool if typ is bool else str
        found = _each(col, cast)  # each distinct value once: a province has millions of facts (issue 15)
        values = (
            found
            if found is not None
            else col.astype(object).where(col.notna(), None).map(lambda v: None if v is None else cast(v))
        )
    return values.astype(object).where(values.notna(), None)


def _records(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The facts of one kind as a typed frame, column by column (vectorised): a fact's dict is one row of it."""
    schema = SCHEMA[kind]
    cols = {c: _column(df[c], schema[c]) for c in schema if c in df.columns and c != "kind"}
    frame = pd.DataFrame(cols, index=df.index)
    frame.insert(0, "kind", kind)
    return frame.reset_index(drop=True)


def _itself(fact: dict[str, Any]) -> dict[str, Any]:
    return fact


class FactView(Mapping[str, Any]):
    """One fact of a ``Facts``, read through it: its dict is built when the view is first read, and is the very dict
    ``Facts`` gives for that index. Equal to that dict; pickled as it (worker processes send back plain dicts)."""

    __slots__ = ("_facts", "_index")

    def __init__(self, facts: Facts, index: int) -> None:
        self._facts, self._index = facts, index

    def _dict(self) -> dict[str, Any]:
        return self._facts[self._index]

    def __getitem__(self, key: str) -> Any:
        return self._dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __eq__(self, other: object) -> bool:
        return self._dict() == (other._dict() if isinstance(other, FactView) else other)

    __hash__ = None  # type: ignore[assignment]  # like the dict it stands for

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        return _itself, (self._dict(),)  # the dict itself: pickled once with the run's other references to it

    def __repr__(self) -> str:
        return repr(self._dict())


class Facts(Sequence[dict[str, Any]]):
    """The facts of a run, in order, kept as one typed frame per kind; a fact's dict is built when first read.

    Findings evaluate rules over the frames' columns and read the dicts of reported facts only (issue 15: building
    121,000 dicts took longer than matching them). Each frame has a RangeIndex and object columns holding only
    None, str, float and bool (``_column``); ``kind`` is its first column. A dict, once built, is kept: the same
    fact is the same object wherever it is read (a finding's facts and the run's facts).
    """

    def __init__(self, frames: Sequence[pd.DataFrame]) -> None:
        self.frames = tuple(f for f in frames if len(f))
        self.kinds = tuple(str(f["kind"].iloc[0]) for f in self.frames)
        if len(set(self.kinds)) < len(self.kinds) or any(
            (f["kind"] != k).any() for f, k in zip(self.frames, self.kinds, strict=True)
        ):
            raise ValueError("Facts: one frame per kind, and one kind per frame")
        self.offsets = tuple(int(x) for x in np.cumsum([0, *(len(f) for f in self.frames)]))
        self._columns: list[tuple[tuple[str, ...], tuple[npt.NDArray[np.object_], ...]] | None] = [None] * len(
            self.frames
        )
        self._dicts: npt.NDArray[np.object_] = np.full(self.offsets[-1], None, dtype=object)  # built so far

    def __len__(self) -> int:
        return self.offsets[-1]

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("fact index out of range")
        fact = self._dicts[i]
        return self.take([i])[0] if fact is None else fact

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for part in range(len(self.frames)):
            yield from self.take(np.arange(self.offsets[part], self.offsets[part + 1]))

    def views(self, indices: Sequence[int]) -> list[FactView]:
        """Views of the facts at these indices: no dict is built until a view is read (findings keep the facts
        they were found on, and most readers never look at them)."""
        return list(map(FactView, itertools.repeat(self), indices))

    def take(self, indices: Sequence[int] | npt.NDArray[np.intp]) -> list[dict[str, Any]]:
        """The facts at these indices, the dicts not yet built built in one pass per frame (in C: map, zip, dict)."""
        index = np.asarray(indices, dtype=np.intp)
        missing = np.unique(index[pd.isna(self._dicts[index])])
        for part in range(len(self.frames)):
            start, stop = self.offsets[part], self.offsets[part + 1]
            rows = missing[(missing >= start) & (missing < stop)] - start
            if len(rows):
                names, arrays = self.arrays(part)
                built = np.empty(len(rows), dtype=object)
                built[:] = list(
                    map(dict, map(zip, itertools.repeat(names), zip(*(a[rows] for a in arrays), strict=True)))
                )
                self._dicts[rows + start] = built
        return self._dicts[index].tolist()  # type: ignore[no-any-return]

    def arrays(self, part: int) -> tuple[tuple[str, ...], tuple[npt.NDArray[np.object_], ...]]:
        """Field names and value arrays of ``frames[part]``: a fact's dict holds these very values."""
        cached = self._columns[part]
        if cached is None:
            frame = self.frames[part]
            cached = self._columns[part] = (
                tuple(str(c) for c in frame.columns),
                tuple(frame[c].to_numpy(dtype=object) for c in frame.columns),
            )
        return cached


def _indicator_roles(ruleset: Ruleset, level1: pd.Series, level2: pd.Series) -> pd.DataFrame:
    """Boolean columns output, benefit, satisfaction: the roles of an indicator's 一级 and of its 二级.

    The roles come from the ruleset's levels (declared `role:`, or implied by the level's name). A 二级
    written under a 一级 that declares no children is free text; its name implies its roles."""
    memo: dict[tuple[str, str], frozenset[str]] = {}

    def roles(l1: str, l2: str) -> frozenset[str]:
        if (l1, l2) not in memo:
            level = ruleset.level_for(l1)
            found = set(level.roles) if level else set(roles_from_name(l1))
            if l2:
                child = ruleset.child_for(level, l2) if level and level.children else None
                found |= set(child.roles) if child else set(roles_from_name(l2))
            memo[l1, l2] = frozenset(found)
        return memo[l1, l2]

    if len(level1) and not level1.isna().any():  # each distinct (一级, 二级) once (issue 15)
        l2 = level2.astype(object).where(level2.notna(), "")
        codes, uniques = pd.MultiIndex.from_arrays([level1.astype(object), l2]).factorize()
        distinct = [roles(str(a), str(b)) for a, b in uniques]
        at = np.asarray(codes)
        return pd.DataFrame(
            {r: np.array([r in p for p in distinct], dtype=bool)[at] for r in ("output", "benefit", "satisfaction")},
            index=level1.index,
            dtype=bool,
        )
    else:
        pairs = [roles(str(a), "" if pd.isna(b) else str(b)) for a, b in zip(level1, level2, strict=True)]
    return pd.DataFrame(
        {r: [r in p for p in pairs] for r in ("output", "benefit", "satisfaction")}, index=level1.index, dtype=bool
    )


def _rejected_by_unit(result: ScoreResult) -> pd.DataFrame:
    """Per (dept_code, project_code): rejected indicator rows, their 一级 levels, and whether an output,
    benefit or satisfaction row was among them — a level whose rows were rejected was set, not missing."""
    rej = rejected_rows(result.dataset, result.ruleset)
    rej = rej[rej["project_code"] != ""]
    cols = ["n_rejected", "rejected_levels", "output_rejected", "benefit_rejected", "satisfaction_rejected"]
    if rej.empty:
        return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples([], names=["dept_code", "project_code"]))
    role = _indicator_roles(result.ruleset, rej["level1"].astype(str), pd.Series("", index=rej.index))
    rej = rej.assign(_out=role["output"], _ben=role["benefit"], _sat=role["satisfaction"])
    g = rej.groupby(["dept_code", "project_code"])
    return pd.DataFrame(
        {
            "n_rejected": g.size().astype(float),
            "rejected_levels": g["level1"].agg(lambda s: "、".join(dict.fromkeys(x for x in s if x)) or "项目信息"),
            "output_rejected": g["_out"].any(),
            "benefit_rejected": g["_ben"].any(),
            "satisfaction_rejected": g["_sat"].any(),
        }
    )


def build_facts(result: ScoreResult, checks: pd.DataFrame) -> Facts:
    """All facts of a scored run, in a stable order: departments, projects, indicators, checks."""
    ds = result.dataset
    names = ds.departments.set_index("dept_code")
    dept_name = names["dept_name"]
    year = names["year"]
    items = result.items.copy()
    items["dept_name"] = items["dept_code"].map(dept_name)
    items["year"] = items["dept_code"].map(year)
    pname = ds.projects[["dept_code", "project_code", "project_name"]]
    items = items.merge(pname, on=["dept_code", "project_code"], how="left")
    items["project_name"] = text_col(items["project_name"])
    with np.errstate(divide="ignore", invalid="ignore"):
        items["over_ratio"] = items["actual"] / items["target"].where(items["target"] > 0)
        items["share"] = items["points"] / items["weight"].where(items["weight"] > 0)
    # Lost points at the display precision: an indicator that lost less than 0.01 shows 0.00 and is no problem.
    items["lost"] = half_up(items["weight"] - items["points"], precision(result.ruleset))
    items["has_reason"] = text_col(items["deviation_reason"]).str.strip() != ""
    items["source"] = items["kind"]
    items["adjusted"] = items["override_score"].notna()
    items["published"] = items["published_score"]
    items["published_diff"] = items["points"] - items["published_score"]
    facts_ind = _records(items.drop(columns=["kind"]), "indicator")

    per_unit = ["dept_code", "project_code"]
    # Indicators the unit set itself (and those it filled in on 整体绩效指标): not the computed 执行率 row.
    real = items[items["kind"].isin(["input", "reported"])].copy()
    role = _indicator_roles(result.ruleset, real["level1"], real["level2"])
    real["_quant"] = ~real["qualitative"].astype(bool)
    real["_below"] = real["completion"] < 1 - EPS
    real["_out"], real["_ben"], real["_sat"] = role["output"], role["benefit"], role["satisfaction"]
    real["_surveyed"] = real["_sat"] & real["_quant"]  # a satisfaction rate measured, not just 达成预期指标
    g = real.groupby(per_unit)
    stats = pd.DataFrame(
        {
            "n_indicators": g.size().astype(float),
            "n_quantitative": g["_quant"].sum().astype(float),
            "n_below_target": g["_below"].sum().astype(float),
            "has_output": g["_out"].any(),
            "has_benefit": g["_ben"].any(),
            "has_satisfaction": g["_sat"].any(),
        }
    )
    surveyed = g["_surveyed"].any()
    rejected = _rejected_by_unit(result)
    facts_proj = pd.DataFrame()
    # A department-scope ruleset scores no project totals, but its projects' funds still tell findings
    # about execution, adjustment, carry-over and data periods.
    base = result.projects if len(result.projects) else ds.projects
    if len(base):
        p = (
            base.drop(columns=["n_rejected"], errors="ignore")
            .set_index(per_unit)
            .join(stats)
            .join(surveyed.rename("satisfaction_surveyed"))
            .join(rejected)
        )
        p = p.reset_index()
        p["n_rejected"] = p["n_rejected"].fillna(0)
        p["rejected_levels"] = text_col(p["rejected_levels"])
        for col in ("output_rejected", "benefit_rejected", "satisfaction_rejected"):
            p[col] = p[col].astype(object).where(p[col].notna(), False).astype(bool)
        p["dept_name"], p["year"] = p["dept_code"].map(dept_name), p["dept_code"].map(year)
        p["quantitative_share"] = p["n_quantitative"] / p["n_indicators"].where(p["n_indicators"] > 0)
        p = with_fund_ratios(p)
        for col in ("has_output", "has_benefit", "has_satisfaction", "satisfaction_surveyed"):
            p[col] = p[col].fillna(False).astype(bool)
        facts_proj = _records(p, "project")

    d = result.departments.copy()
    proj = ds.projects.groupby("dept_code")[["budget_initial", "budget_final", "spent", "carryover"]].sum(min_count=1)
    d = d.drop(columns=[c for c in ("budget_final", "spent") if c in d]).join(proj, on="dept_code")
    d = with_fund_ratios(d)
    failed = checks[checks["status"] == "fail"].groupby("dept_code").size() if len(checks) else pd.Series(dtype=float)
    d["n_checks_failed"] = d["dept_code"].map(failed).fillna(0)
    gd = real.groupby("dept_code")
    dstats = pd.DataFrame({"n_indicators": gd.size().astype(float), "n_quant": gd["_quant"].sum().astype(float)})
    d = d.join(dstats, on="dept_code")
    d["quantitative_share"] = d["n_quant"] / d["n_indicators"].where(d["n_indicators"] > 0)
    d["provisional"] = d["provisional"].astype(bool) if "provisional" in d else False
    facts_dept = _records(d, "department")

    c = checks.copy()
    c["dept_name"], c["year"] = c["dept_code"].map(dept_name), c["dept_code"].map(year)
    facts_chk = _records(c, "check") if len(c) else pd.DataFrame()
    return Facts([facts_dept, facts_proj, facts_ind, facts_chk])

"""Target advice (目标设置): indicators whose 年度指标值 look set too low, from stored history plus the current run.

Three rules, each on quantitative indicators where more is better (direction higher, target > 0):

- over_two_years  连续两年超额: the actual beat the target by `over` (default 20 %) in the year and the year
  before. Suggested next-year target: the lower of the two actuals (a level reached in both years).
- below_last_actual  目标低于上年实际: the year's target is below the previous year's actual. Suggested: the
  higher of the two actuals (a target should not be below a level already reached).
- below_peers  低于同类部门: the same canonical indicator (indicator_id) in at least `min_peers` other
  departments, in units comparable across departments of different size (`peer_units`, default %: rates, not
  counts), has a median actual (each department's own median first) above the target by more than `peer_gap`
  (target < median × (1 − peer_gap)). Suggested: that median.

财预〔2020〕10号 asks for targets that are 合理 and cuts points when an actual is far above a target set too low;
these are suggestions with their basis for the reviewer, never decisions. An indicator is the same across years
when department, project and indicator_id match.

`advise(frame, year)` is pure (INDICATOR_COLUMNS rows of at least the year and the one before);
`advise_store(location, year, run=…)` reads the store and lays the current run over it, for the CLI and the 汇总表.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from scoring.core.errors import UsageError
from scoring.core.escape import md_rows
from scoring.core.tolerance import EPS
from scoring.model.run import Run
from scoring.store.backend import INDICATOR_COLUMNS, StoreError
from scoring.store.location import open_store
from scoring.store.yearly import pick_ruleset

RULES = {
    "over_two_years": "连续两年超额完成",
    "below_last_actual": "目标低于上年实际",
    "below_peers": "目标低于同类部门",
}
_ORDER = {k: i for i, k in enumerate(RULES)}
_TOL = EPS  # comparisons of ratios at the shared noise level (scoring.core.tolerance)


@dataclass(frozen=True, slots=True)
class AdviceOptions:
    """Thresholds of the three rules (see the module docstring)."""

    over: float = 0.20
    peer_gap: float = 0.20
    min_peers: int = 3
    peer_units: tuple[str, ...] = ("%",)


@dataclass(frozen=True, slots=True)
class TargetAdvice:
    """One suggestion: which indicator, which rule, the year's target and actual, the suggested target and why."""

    year: int
    dept_code: str
    dept_name: str
    project_code: str
    indicator_id: str
    name: str
    unit: str
    rule: str  # a key of RULES
    target: float
    actual: float | None
    suggested: float
    basis: str  # "建议 2025 年目标不低于 125人（近两年实际值分别为 130人、125人，均超出当年目标 20% 以上）"


def _n(v: float) -> str:
    """A number as people write it: 125, 95.5, 0.35 (no trailing zeros)."""
    return f"{v:.2f}".rstrip("0").rstrip(".") if v == v else "—"


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%" if abs(x * 100 - round(x * 100)) < _TOL else f"{x * 100:.1f}%"


def advise(frame: pd.DataFrame, year: int, options: AdviceOptions | None = None) -> list[TargetAdvice]:
    """Target advice for `year` from indicator rows (INDICATOR_COLUMNS) of `year` and `year − 1`."""
    opt = options or AdviceOptions()
    usable = frame[
        (frame["direction"].astype(str) == "higher") & ~frame["qualitative"].astype(bool) & (frame["target"] > 0)
    ]
    key = ["dept_code", "project_code", "indicator_id"]
    now = usable[(usable["year"] == year) & usable["actual"].notna()].drop_duplicates(key)
    last = usable[(usable["year"] == year - 1) & usable["actual"].notna()].drop_duplicates(key)
    before = {
        (str(c), str(p), str(i)): (float(t), float(a))
        for c, p, i, t, a in zip(
            last["dept_code"], last["project_code"], last["indicator_id"], last["target"], last["actual"], strict=True
        )
    }
    nxt = year + 1
    out: list[TargetAdvice] = []

    def add(r: pd.Series, rule: str, suggested: float, why: str) -> None:
        out.append(
            TargetAdvice(
                year,
                str(r["dept_code"]),
                str(r["dept_name"]),
                str(r["project_code"]),
                str(r["indicator_id"]),
                str(r["name"]),
                str(r["unit"]),
                rule,
                float(r["target"]),
                float(r["actual"]),
                suggested,
                f"建议 {nxt} 年目标不低于 {_n(suggested)}{r['unit']}（{why}）",
            )
        )

    for _, r in now.iterrows():
        u, t, a = str(r["unit"]), float(r["target"]), float(r["actual"])
        k = (str(r["dept_code"]), str(r["project_code"]), str(r["indicator_id"]))
        if k not in before:
            continue
        pt, pa = before[k]
        if a >= t * (1 + opt.over) - _TOL and pa >= pt * (1 + opt.over) - _TOL:
            add(
                r,
                "over_two_years",
                min(pa, a),
                f"近两年实际值分别为 {_n(pa)}{u}、{_n(a)}{u}，目标分别为 {_n(pt)}{u}、{_n(t)}{u}，"
                f"均超出当年目标 {_pct(opt.over)} 以上",
            )
        if t < pa - _TOL:
            add(
                r,
                "below_last_actual",
                max(pa, a),
                f"{year} 年目标 {_n(t)}{u} 低于 {year - 1} 年实际值 {_n(pa)}{u}；{year} 年实际值 {_n(a)}{u}",
            )

    rates = usable[(usable["year"] == year) & usable["actual"].notna() & usable["unit"].isin(opt.peer_units)]
    per_dept = rates.groupby(["indicator_id", "unit", "dept_code"])["actual"].median()
    for _, r in rates[rates["year"] == year].iterrows():
        peers = per_dept.loc[(r["indicator_id"], r["unit"])].drop(r["dept_code"], errors="ignore")
        if len(peers) < opt.min_peers:
            continue
        median = float(peers.median())
        t = float(r["target"])
        if t < median * (1 - opt.peer_gap) - _TOL:
            add(
                r,
                "below_peers",
                median,
                f"同一指标在其他 {len(peers)} 个部门 {year} 年实际值的中位数为 {_n(median)}{r['unit']}，"
                f"本部门目标 {_n(t)}{r['unit']} 低于它 {_pct(opt.peer_gap)} 以上",
            )
    return sorted(out, key=lambda x: (x.dept_code, x.project_code, x.indicator_id, _ORDER[x.rule]))


def _run_rows(run: Run) -> pd.DataFrame:
    """The current run's indicators as INDICATOR_COLUMNS rows (its departments' own fiscal years)."""
    from scoring.store.results import indicator_rows

    deps = run.result.departments
    years = dict(zip(deps["dept_code"].astype(str), deps["year"].astype(int), strict=True))
    names = dict(zip(deps["dept_code"].astype(str), deps["dept_name"].astype(str), strict=True))
    rows = [
        {
            "ruleset": run.ruleset.name,
            "year": years.get(code),
            "dept_code": code,
            "dept_name": names.get(code, ""),
            **asdict(i),
        }
        for code, inds in indicator_rows(run).items()
        for i in inds
        if code in years
    ]
    return pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))


def advise_store(
    location: str | Path,
    year: int,
    *,
    ruleset: str | None = None,
    run: Run | None = None,
    options: AdviceOptions | None = None,
) -> list[TargetAdvice]:
    """Target advice for `year` from the store at `location`, with `run` (if given) laid over what is stored.

    The current run's rows replace stored rows of the same department and year, so advice can be given before
    (or without) storing the run. Without a run the store must hold `year`.
    """
    store = open_store(location)
    stored = pd.DataFrame(columns=list(INDICATOR_COLUMNS))
    rs = run.ruleset.name if run is not None else ruleset
    if store.exists():
        if rs is None:
            rs = pick_ruleset(store, [year], None)
        stored = store.indicators([year - 1, year], rs)
    elif run is None:
        raise StoreError(f"{location} 不是 perfscore 存储（还没有存入过结果）")
    if run is not None:
        current = _run_rows(run)
        replaced = set(zip(current["dept_code"], current["year"], strict=True))
        keep = [(c, y) not in replaced for c, y in zip(stored["dept_code"], stored["year"], strict=True)]
        stored = pd.concat([stored[keep], current], ignore_index=True) if len(stored) else current
    if not (stored["year"] == year).any():
        raise StoreError(f"存储 {location} 中没有 {year} 年的指标结果，无法给出目标设置建议")
    return advise(stored, year, options)


HEADERS = ["部门", "项目", "指标", "规则", "目标", "实际", "建议目标", "依据"]


def render_advice(advice: Sequence[TargetAdvice], fmt: str = "table") -> str:
    """Advice as `table` (terminal), `md` or `json` (a list of records, field names as in TargetAdvice)."""
    if fmt == "json":
        return json.dumps([asdict(a) for a in advice], ensure_ascii=False, indent=2)
    rows = [
        [
            f"{a.dept_name}（{a.dept_code}）",
            a.project_code,
            a.name,
            RULES[a.rule],
            f"{_n(a.target)}{a.unit}",
            "—" if a.actual is None else f"{_n(a.actual)}{a.unit}",
            f"≥{_n(a.suggested)}{a.unit}",
            a.basis,
        ]
        for a in advice
    ]
    depts = len({a.dept_code for a in advice})
    title = (
        f"目标设置建议：{len(advice)} 条，涉及 {depts} 个部门（供审核参考，不是结论）"
        if advice
        else "目标设置建议：没有发现目标明显偏低的指标"
    )
    if fmt == "md":
        lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        return (
            f"## {title}\n\n"
            + ("\n".join(lines + ["| " + " | ".join(r) + " |" for r in md_rows(rows)]) if rows else "")
            + "\n"
        )
    if fmt != "table":
        raise UsageError(f"advice 不支持格式「{fmt}」", hint="可用 table、md、json")
    return title + ("\n" + tabulate(rows, HEADERS, disable_numparse=True) if rows else "") + "\n"

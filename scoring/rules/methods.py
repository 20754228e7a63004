"""Scoring methods: registered pure functions over whole columns (no loop per indicator).

Each method takes a frame of the indicators it scores — columns `actual`, `target`, `high`,
`comparator`, `weight`, `actual_text` — and its parameters from the ruleset, and returns the
points, the completion ratio and a Chinese phrase saying how the points were reached. Inputs are
never modified. Parameters are checked when the ruleset loads (`validate_params`).
"""

from __future__ import annotations

import functools
import json
import math  # band_coverage runs when a ruleset compiles: no numpy for --help
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StrictBool, ValidationError, model_validator

from scoring.core.display import half_up, pct
from scoring.core.lazy import lazy_module
from scoring.core.tolerance import EPS, NOISE_PLACES
from scoring.rules import qualitative as phrases
from scoring.rules.schema_types import Given, NonNeg, Num, Positive, Share, Strict, Text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:  # pandas costs 14× a bare interpreter: imported when a method first runs (issue 15)
    np, pd = lazy_module("numpy"), lazy_module("pandas")

Params = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MethodResult:
    points: pd.Series
    completion: pd.Series
    how: pd.Series  # Chinese phrase, e.g. "完成率 100.00%（封顶）"


class MethodParams(Strict):
    """Parameters every method accepts; each method's model adds its own (declared once, shown in the schema)."""

    round: Annotated[int, Field(ge=0, le=6, strict=True)] | None = Field(
        None, description="计分前将实际值（执行率等比率按百分数）四舍五入到几位小数，如 0：49.88% 按 50% 计分"
    )


class BandSpec(Strict):
    """One band: [min, max) (or (min, max] with closed: right) and the share of the weight it earns.

    A band earns a fixed `share`, or with `linear: [a, b]` a share running from a at its min to b at its
    max (a missing min counts from 0): "≥95% 满分，90–95% 得 80%，90% 以下线性" is three bands.
    """

    min: Annotated[Num | None, Given] = Field(None, description="下限（不写表示无下限）")
    max: Annotated[Num | None, Given] = Field(None, description="上限（不写表示无上限）")
    share: Share | None = Field(None, description="得分比例 0–1，如 0.8 表示得该指标分值的 80%")
    linear: tuple[Share, Share] | None = Field(
        None, description="[下限处比例, 上限处比例]：档内按实际值线性插值（不写 min 时从 0 起算）"
    )
    label: Text | None = Field(None, description="档次名称，显示在得分说明中")

    @model_validator(mode="after")
    def _one_share(self) -> BandSpec:
        if (self.share is None) == (self.linear is None):
            raise ValueError("每档需要 share（固定比例）或 linear（线性比例）之一")
        if self.linear is not None and self.max is None:
            raise ValueError("linear 档需要 max（上限）")
        if self.linear is not None and (self.min or 0) >= (self.max or 0):
            raise ValueError("linear 档的下限应小于上限（不写 min 时从 0 起算）")
        return self


class BandsParams(MethodParams):
    bands: list[BandSpec] = Field(min_length=1, description="各档，须覆盖全部取值且不重叠")
    closed: Literal["left", "right"] = Field("left", description="left：[min, max)；right：(min, max]")
    on: Literal["actual", "completion"] = Field("actual", description="按实际值，或按完成率%（实际/目标×100）分档")


class LinearParams(MethodParams):
    zero: Num = Field(description="得 0 分处的值")
    full: Num = Field(description="得满分处的值；zero > full 表示越低越好")
    on: Literal["actual", "completion"] = Field("actual", description="按实际值，或按完成率%（实际/目标×100）")

    @model_validator(mode="after")
    def _distinct(self) -> LinearParams:
        if self.zero == self.full:
            raise ValueError("zero 与 full 不能相等")
        return self


class DeductionParams(MethodParams):
    per: Positive = Field(description="每 step 个单位扣的分数")
    step: Positive = Field(1.0, description="每多少个单位扣一次（默认 1，如 1 个百分点、1 次）")
    floor: NonNeg = Field(0.0, description="最低得分（分），扣到此为止；默认 0，即扣完为止")
    whole_steps: StrictBool = Field(False, description="true：不足一个 step 的部分不扣（按整档扣分）")


class QualitativeLevel(Strict):
    share: Share = Field(description="该等级得分比例 0–1")
    match: list[Text] = Field(min_length=1, description="实际完成情况中出现这些词即为该等级（最长匹配优先）")


class QualitativeParams(MethodParams):
    levels: list[QualitativeLevel] = Field(min_length=1, description="各等级及其用词")


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    title: str
    func: Callable[[pd.DataFrame, Params], MethodResult]
    check: Callable[[Params], list[str]]
    doc: str
    params: type[MethodParams] = MethodParams
    example: Mapping[str, Any] | None = None  # {params, target, actual, comparator, weight}: shown by `ruleset methods`


METHODS: dict[str, Method] = {}


def _no_params(params: Params) -> list[str]:
    return []


def method(
    name: str,
    title: str,
    check: Callable[[Params], list[str]] = _no_params,
    params: type[MethodParams] = MethodParams,
    example: Mapping[str, Any] | None = None,
) -> Callable[[Callable[[pd.DataFrame, Params], MethodResult]], Callable[[pd.DataFrame, Params], MethodResult]]:
    """Register a scoring method under `name` (the word rulesets use), with its parameter model."""

    def deco(func: Callable[[pd.DataFrame, Params], MethodResult]) -> Callable[[pd.DataFrame, Params], MethodResult]:
        @functools.wraps(func)
        def quiet(g: pd.DataFrame, params: Params) -> MethodResult:
            # Division by a zero or tiny target is handled explicitly by each method (masked to its rule).
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                if params.get("round") is not None:
                    # as published tables do: 执行率 49.88% is shown, and scored, as 50%
                    g = g.assign(actual=half_up(g["actual"].astype(float), int(params["round"])))
                return func(g, params)

        METHODS[name] = Method(name, title, quiet, check, (func.__doc__ or "").strip(), params, example)
        return quiet

    return deco


def validate_params(name: str, params: Params) -> list[str]:
    """Problems with a method's parameters, in Chinese; empty when fine (types by its model, then its check)."""
    try:
        METHODS[name].params.model_validate(dict(params))
    except ValidationError as exc:
        return [
            f"{'.'.join(str(x) for x in e['loc']) or '参数'}：{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
    return METHODS[name].check(params)


def _safe_ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num.astype(float) / den.astype(float).where(den != 0)
    return out


def _cap(completion: pd.Series, weight: pd.Series) -> pd.Series:
    return completion.clip(lower=0, upper=1).fillna(0) * weight


@method(
    "ratio",
    "完成比例（越高越好，封顶）",
    example={"params": {}, "target": 100, "actual": 80, "comparator": ">=", "weight": 10},
)
def ratio(g: pd.DataFrame, params: Params) -> MethodResult:
    """实际值达到目标得满分；未达到按 实际值/目标值 × 分值 计分（财预〔2020〕10号）。目标为 0 时实际值 ≥0 即满分。"""
    completion = _safe_ratio(g["actual"], g["target"])
    zero_target = g["target"].astype(float).abs() < EPS
    completion = completion.mask(zero_target, (g["actual"] >= -EPS).astype(float))
    # Decide "target met" at 9 decimals (0.8999999999 ≈ 0.9), but keep the points at full precision.
    completion = completion.mask(completion.round(NOISE_PLACES) == 1, 1.0)
    points = _cap(completion, g["weight"])
    capped = np.where(completion > 1, "（封顶）", "")
    how: pd.Series = "完成率 " + pct(completion) + capped
    return MethodResult(points, completion, how)


@method(
    "inverse_ratio",
    "反向比例（越低越好）",
    example={"params": {}, "target": 80, "actual": 100, "comparator": "<=", "weight": 10},
)
def inverse_ratio(g: pd.DataFrame, params: Params) -> MethodResult:
    """实际值不超过目标得满分；超出时按 (1 − 超出部分/目标值) × 分值 计分，超出一倍及以上不得分。"""
    actual, target = g["actual"].astype(float), g["target"].astype(float)
    over = _safe_ratio(actual - target, target)
    over = over.mask(over.round(NOISE_PLACES) == 0, 0.0)
    zero_target = target.abs() < EPS
    share = (1 - over.clip(lower=0)).clip(lower=0)
    share = share.mask(zero_target, (actual <= EPS).astype(float))
    points = share.fillna(0) * g["weight"]
    completion = share  # for lower-better indicators the completion is the share kept
    how: pd.Series = pd.Series(np.where(over.fillna(0) > 0, "超出目标 " + pct(over), "未超过目标"), index=g.index)
    how = how.mask(zero_target & (actual > EPS), "目标为 0，实际值超出")
    return MethodResult(points, completion, how)


@method(
    "target_over_actual",
    "反向比例（目标/实际）",
    example={"params": {}, "target": 80, "actual": 100, "comparator": "<=", "weight": 10},
)
def target_over_actual(g: pd.DataFrame, params: Params) -> MethodResult:
    """越低越好：实际值不超过目标得满分；超出时按 年度指标值/实际值 × 分值 计分（自评表填表说明）。目标为 0 时实际值 ≤0 得满分否则不得分。"""
    actual, target = g["actual"].astype(float), g["target"].astype(float)
    share = _safe_ratio(target, actual).clip(lower=0, upper=1)
    share = share.mask(actual <= target + EPS, 1.0)
    zero_target = target.abs() < EPS
    share = share.mask(zero_target, (actual <= EPS).astype(float)).fillna(0)
    how = pd.Series("未超过目标", index=g.index).mask(share < 1, "目标/实际 = " + pct(share))
    return MethodResult(share * g["weight"], share, how)


@method("exact", "等于目标", example={"params": {}, "target": 0, "actual": 1, "comparator": "=", "weight": 10})
def exact(g: pd.DataFrame, params: Params) -> MethodResult:
    """目标为 0 时实际值 ≤0 得满分否则不得分；目标大于 0 时同“完成比例”。"""
    zero_target = g["target"].astype(float).abs() < EPS
    res = ratio(g, params)
    zero_ok = (g["actual"].astype(float) <= EPS).astype(float)
    completion = res.completion.mask(zero_target, zero_ok)
    points = res.points.mask(zero_target, zero_ok * g["weight"])
    return MethodResult(points, completion, res.how.mask(zero_target, "目标为 0"))


@method(
    "range",
    "区间目标",
    example={"params": {}, "target": 90, "high": 100, "actual": 110, "comparator": "range", "weight": 10},
)
def range_(g: pd.DataFrame, params: Params) -> MethodResult:
    """实际值落在目标区间内得满分；低于下限按 实际/下限 计分；高于上限按偏离度 (1 − 超出/上限) 计分。"""
    actual = g["actual"].astype(float)
    low = g["target"].astype(float)
    high = g["high"].astype(float).fillna(low)
    below = _safe_ratio(actual, low)
    above = (1 - _safe_ratio(actual - high, high)).clip(lower=0)
    share = pd.Series(1.0, index=g.index).mask(actual < low - EPS, below).mask(actual > high + EPS, above)
    share = share.clip(0, 1).fillna(0)
    how = (
        pd.Series("在目标区间内", index=g.index)
        .mask(actual < low - EPS, "低于区间下限")
        .mask(actual > high + EPS, "高于区间上限")
    )
    return MethodResult(share * g["weight"], share, how)


def _meets(g: pd.DataFrame) -> pd.Series:
    a, t = g["actual"].astype(float), g["target"].astype(float)
    comp = g["comparator"].astype(object).fillna(">=")
    high = g["high"].astype(float).fillna(t)
    return pd.Series(
        np.select(
            [comp == "<=", comp == "<", comp == ">", comp == "=", comp == "range"],
            [a <= t + EPS, a < t - EPS, a > t + EPS, (a - t).abs() <= EPS, (a >= t - EPS) & (a <= high + EPS)],
            default=a >= t - EPS,
        ),
        index=g.index,
    )


@method("binary", "达标即满分", example={"params": {}, "target": 95, "actual": 94.9, "comparator": ">=", "weight": 10})
def binary(g: pd.DataFrame, params: Params) -> MethodResult:
    """实际值满足目标（按目标的比较符）得满分，否则不得分。"""
    ok = _meets(g).astype(float)
    how = pd.Series(np.where(ok > 0, "达到目标", "未达到目标"), index=g.index)
    return MethodResult(ok * g["weight"], ok, how)


def _check_bands(params: Params) -> list[str]:
    """Types and shares are the model's; here: the bands cover every value once."""
    return band_coverage(params["bands"])


def band_coverage(bands: Sequence[Mapping[str, Any]], label: str = "档") -> list[str]:
    """Gaps and overlaps among [min, max) bands; a missing min/max means unbounded. Whole real line must be covered."""
    ivs = sorted(
        ((float(b.get("min", -math.inf)), float(b.get("max", math.inf)), i + 1) for i, b in enumerate(bands)),
        key=lambda t: (t[0], t[1]),
    )
    problems = []
    for lo, hi, n in ivs:
        if lo >= hi:
            problems.append(f"第{n}{label}的下限 {lo:g} 不小于上限 {hi:g}")
    if ivs[0][0] != -math.inf:
        problems.append(f"低于 {ivs[0][0]:g} 的值没有落入任何{label}（缺口）")
    if ivs[-1][1] != math.inf:
        problems.append(f"不低于 {ivs[-1][1]:g} 的值没有落入任何{label}（缺口）")
    for (_, hi1, n1), (lo2, hi2, n2) in zip(ivs, ivs[1:], strict=False):
        if lo2 > hi1:
            problems.append(f"第{n1}{label}与第{n2}{label}之间 [{hi1:g}, {lo2:g}) 没有覆盖（缺口）")
        elif lo2 < hi1:
            problems.append(f"第{n1}{label}与第{n2}{label}在 [{lo2:g}, {min(hi1, hi2):g}) 重叠")
    return problems


def _band_value(g: pd.DataFrame, params: Params) -> pd.Series:
    on = params.get("on", "actual")
    if on == "completion":
        return (_safe_ratio(g["actual"], g["target"]) * 100).round(NOISE_PLACES)
    return g["actual"].astype(float).round(NOISE_PLACES)


@method(
    "bands",
    "分档计分",
    _check_bands,
    BandsParams,
    example={
        "params": {
            "bands": [{"min": 95, "share": 1}, {"min": 90, "max": 95, "share": 0.8}, {"max": 90, "linear": [0, 0.8]}]
        },
        "target": 100,
        "actual": 45,
        "comparator": ">=",
        "weight": 10,
    },
)
def bands(g: pd.DataFrame, params: Params) -> MethodResult:
    """按实际值（或 on: completion 时按完成率%）落入的档次给分：每档 [min, max)（closed: right 时为 (min, max]）对应分值比例 share；
    写 linear: [a, b] 的档在下限处得 a、上限处得 b，之间线性（不写 min 时从 0 起算）。"""
    value = _band_value(g, params)
    share = pd.Series(np.nan, index=g.index)
    label = pd.Series("", index=g.index, dtype=object)
    right = params.get("closed", "left") == "right"
    for b in params["bands"]:
        lo, hi = float(b.get("min", -np.inf)), float(b.get("max", np.inf))
        hit = ((value > lo) & (value <= hi)) if right else ((value >= lo) & (value < hi))
        if b.get("linear") is not None:
            a, z = (float(x) for x in b["linear"])
            start = lo if np.isfinite(lo) else 0.0
            part = (a + (z - a) * (value - start) / (hi - start)).clip(min(a, z), max(a, z))
            share = share.mask(hit, part)
        else:
            share = share.mask(hit, float(b["share"]))
        text = b.get("label") or _band_text(lo, hi, right) + ("（线性）" if b.get("linear") is not None else "")
        label = label.mask(hit, text)
    share = share.fillna(0)
    on = "完成率" if params.get("on") == "completion" else "实际值"
    how = on + "落在 " + label + " 档，得分比例 " + pct(share)
    return MethodResult(share * g["weight"], share, how)


def _band_text(lo: float, hi: float, right: bool = False) -> str:
    if lo == -np.inf:
        return f"≤{hi:g}" if right else f"<{hi:g}"
    if hi == np.inf:
        return f">{lo:g}" if right else f"≥{lo:g}"
    return f"({lo:g}, {hi:g}]" if right else f"[{lo:g}, {hi:g})"


def _check_linear(params: Params) -> list[str]:
    zero, full = params.get("zero"), params.get("full")
    if not isinstance(zero, int | float) or not isinstance(full, int | float):
        return ["linear 方法需要数值参数 zero（0 分处）和 full（满分处）"]
    return ["zero 与 full 不能相等"] if zero == full else []


@method(
    "linear",
    "阈值间线性",
    _check_linear,
    LinearParams,
    example={"params": {"zero": 20, "full": 0}, "target": 0, "actual": 10, "comparator": "<=", "weight": 4},
)
def linear(g: pd.DataFrame, params: Params) -> MethodResult:
    """实际值（或 on: completion 时的完成率%）在 zero 处得 0 分、full 处得满分，之间线性插值；zero > full 表示越低越好。"""
    value = _band_value(g, params)
    zero, full = float(params["zero"]), float(params["full"])
    share = ((value - zero) / (full - zero)).clip(0, 1).fillna(0)
    how = f"在 {zero:g}（0 分）与 {full:g}（满分）之间按比例，得分比例 " + pct(share)
    return MethodResult(share * g["weight"], share, how)


def _check_deduction(params: Params) -> list[str]:
    per = params.get("per")
    if not isinstance(per, int | float) or per <= 0:
        return ["deduction 方法需要正数参数 per（每单位扣分）"]
    step = params.get("step", 1)
    return [] if isinstance(step, int | float) and step > 0 else ["step 必须为正数"]


@method(
    "deduction",
    "按次/按点扣分",
    _check_deduction,
    DeductionParams,
    example={"params": {"per": 0.5, "step": 1}, "target": 100, "actual": 106, "comparator": "<=", "weight": 5},
)
def deduction(g: pd.DataFrame, params: Params) -> MethodResult:
    """实际值超出目标（越低越好）或低于目标（越高越好）的部分，每 step 个单位扣 per 分，扣到 floor 分为止（默认扣完为止）；
    whole_steps: true 时不足一个 step 的部分不扣。"""
    actual, target = g["actual"].astype(float), g["target"].astype(float)
    higher = g["comparator"].isin([">=", ">"])
    excess = pd.Series(np.where(higher, target - actual, actual - target), index=g.index).clip(lower=0)
    excess = excess.mask(excess.round(NOISE_PLACES) == 0, 0.0)
    per, step = float(params["per"]), float(params.get("step", 1))
    steps = (excess / step).round(NOISE_PLACES)
    if params.get("whole_steps"):
        steps = steps.apply(np.floor)
    lost = steps * per
    floor = pd.Series(float(params.get("floor", 0)), index=g.index).clip(upper=g["weight"])
    points = (g["weight"] - lost).clip(lower=floor)
    completion = _safe_ratio(points, g["weight"])
    how = "偏离目标 " + excess.map(lambda v: f"{v:g}") + "，每 " + f"{step:g}" + " 扣 " + f"{per:g}" + " 分"
    how = how.mask(excess <= 0, "未偏离目标，不扣分")
    return MethodResult(points, completion, how)


def _check_qualitative(params: Params) -> list[str]:
    levels = params.get("levels")
    if not isinstance(levels, Sequence) or not levels:
        return ["qualitative 方法需要 levels 列表，如 - {share: 1, match: [达成预期指标]}"]
    problems = []
    for i, lv in enumerate(levels):
        if not isinstance(lv, Mapping) or not isinstance(lv.get("share"), int | float) or not lv.get("match"):
            problems.append(f"第{i + 1}个等级需要 share 与 match")
        elif not 0 <= lv["share"] <= 1:
            problems.append(f"第{i + 1}个等级 share={lv['share']} 超出 0–1")
    return problems


def qualitative_share(text: str, params: Params) -> float | None:
    """The share of the weight a qualitative actual earns, or None when no level's phrase is the answer
    (whole normalised phrases, negations never inherit a level: scoring.rules.qualitative)."""
    return phrases.match_share(text, params)


@method(
    "qualitative",
    "定性分级",
    _check_qualitative,
    QualitativeParams,
    example={
        "params": {"levels": [{"share": 1, "match": ["达成"]}, {"share": 0.7, "match": ["部分达成"]}]},
        "target": None,
        "actual": "部分达成",
        "comparator": None,
        "weight": 10,
    },
)
def qualitative(g: pd.DataFrame, params: Params) -> MethodResult:
    """定性指标按实际完成情况的文字对照等级给分：达成 / 部分达成 / 未达成 各对应分值比例（财预〔2020〕10号）。"""
    texts = g["actual_text"].astype(str)
    shares = {t: qualitative_share(t, params) for t in texts.unique()}  # few distinct texts: map, don't loop
    share = texts.map(shares).astype(float).fillna(0)
    how = "定性评价“" + g["actual_text"].astype(str) + "”，得分比例 " + pct(share)
    return MethodResult(share * g["weight"], share, how)


@method(
    "budget_execution",
    "预算执行率（财政部方法）",
    example={"params": {"round": 0}, "target": 100, "actual": 49.88, "comparator": ">=", "weight": 10},
)
def budget_execution(g: pd.DataFrame, params: Params) -> MethodResult:
    """得分 = 执行率 × 分值，最高不超过分值；执行率 = 全年执行数 / 全年预算数（财预〔2020〕10号）。"""
    res = ratio(g, params)
    how: pd.Series = "执行率 " + pct(res.completion) + np.where(res.completion > 1, "（封顶）", "")
    how = how.mask(g["actual"].isna(), "全年预算数缺失或为 0，无法计算执行率，本项不得分")
    return MethodResult(res.points, res.completion, how)


def example_frame(example: Mapping[str, Any]) -> pd.DataFrame:
    """The one-row frame a method's worked example is scored on."""
    actual = example["actual"]
    text = isinstance(actual, str)
    return pd.DataFrame(
        {
            "actual": [np.nan if text else float(actual)],
            "target": [np.nan if example.get("target") is None else float(example["target"])],
            "high": [float(example.get("high", np.nan))],
            "comparator": [example.get("comparator")],
            "weight": [float(example["weight"])],
            "actual_text": [str(actual)],
        }
    )


def run_example(name: str) -> MethodResult | None:
    """Score a method's worked example (None when it has none): the documentation computes, it is not typed in."""
    meth = METHODS[name]
    if meth.example is None:
        return None
    return meth.func(example_frame(meth.example), meth.example["params"])


def _param_type(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    if "enum" in prop:
        return " / ".join(str(v) for v in prop["enum"])
    if "const" in prop:
        return str(prop["const"])
    if "anyOf" in prop:
        return " 或 ".join(_param_type(p, defs) for p in prop["anyOf"] if p.get("type") != "null")
    if "$ref" in prop:
        return "映射（" + "、".join(defs[prop["$ref"].split("/")[-1]].get("properties", {})) + "）"
    kind = prop.get("type")
    if kind == "array":
        items = prop.get("prefixItems") or [prop.get("items", {})]
        return "列表[" + "，".join(_param_type(i, defs) for i in items) + "]"
    return {"number": "数值", "integer": "整数", "string": "文字", "boolean": "true/false"}.get(str(kind), str(kind))


def method_params(name: str) -> list[tuple[str, str, str, str]]:
    """(parameter, type, default, description) of a method, read from its parameter model."""
    schema = METHODS[name].params.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    rows = []
    for key, prop in schema.get("properties", {}).items():
        default = (
            "必填"
            if key in required
            else ("不设" if prop.get("default") is None else json.dumps(prop.get("default"), ensure_ascii=False))
        )
        rows.append((key, _param_type(prop, defs), default, str(prop.get("description", ""))))
    return rows


def describe_methods() -> str:
    """Every registered method: what it does, its parameters and a worked example computed by the method itself."""
    out = []
    for name, meth in METHODS.items():
        out += [f"■ {name}：{meth.title}", f"  {' '.join(meth.doc.split())}", "  参数："]
        out += [f"    {key}（{kind}，默认 {default}）：{text}" for key, kind, default, text in method_params(name)]
        res = run_example(name)
        if res is not None and meth.example is not None:
            ex = meth.example
            written = json.dumps({"name": name, **ex["params"]}, ensure_ascii=False) if ex["params"] else name
            comp = {">=": "≥", "<=": "≤", "=": "=", "range": ""}.get(str(ex.get("comparator")), "")
            target = (
                ""
                if ex.get("target") is None
                else f"目标 {comp}{ex['target']:g}" + (f"–{ex['high']:g}" if "high" in ex else "") + "，"
            )
            out.append(
                f"  例：method: {written}；{target}实际 {ex['actual']}，分值 {ex['weight']:g} → "
                f"{float(res.points.iloc[0]):.2f} 分（{res.how.iloc[0]}）"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"

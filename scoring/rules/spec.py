"""The ruleset format, declared once: every key, type, range and enum, as pydantic models.

Each YAML file of a ruleset (the ruleset, what it extends, what it includes) is validated against
`RulesetSpec` before anything is merged or compiled, so an error names the file it is in and the
line and column of the offending key or value. Unknown keys are errors with a did-you-mean hint —
a misspelt key is never ignored. `json_schema()` publishes the same declaration for editors.

Every key is optional here because a variant (`extends:`) writes only what it changes; what a
complete ruleset must have (name, levels) and what depends on several keys (weights add up, bands
cover every value) is checked by the compiler in scoring.rules.ruleset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic_core import ErrorDetails

from scoring.core.errors import RulesetError, did_you_mean
from scoring.core.yamlio import Positions
from scoring.rules import methods as m
from scoring.rules.schema_types import Given, Name, NonNeg, Num, Positive, Share, Strict, Text, Year, shown

SCHEMA_ID = "https://perfscore.invalid/ruleset.schema.json"


def _method_input(value: Any) -> Any:
    """`method: ratio` is short for `method: {name: ratio}`."""
    return {"name": value} if isinstance(value, str) else value


def _method_union() -> Any:
    """One model per registered method, told apart by `name` (built from the registry, so never stale)."""
    models = [
        create_model(
            f"Method_{name}",
            __base__=meth.params,
            __doc__=f"{meth.title}：{meth.doc}",
            name=(Literal[name], Field(description=meth.title)),  # type: ignore[arg-type]
        )
        for name, meth in m.METHODS.items()
    ]
    return Annotated[Union[tuple(models)], Field(discriminator="name")]  # noqa: UP007


if TYPE_CHECKING:  # built at import from the registry; to a type checker it is any method mapping
    MethodRef = Any
else:
    MethodRef = Annotated[_method_union(), BeforeValidator(_method_input)]


def _named(value: Any) -> Any:
    """A level written as a bare name (`children: [数量指标]`) is a level with only a name."""
    return {"name": value} if isinstance(value, str) else value


def _condition(value: Any) -> Any:
    """`when: true` (always) is the expression text 'true'."""
    return ("true" if value else "false") if isinstance(value, bool) else value


Condition = Annotated[Text, BeforeValidator(_condition), WithJsonSchema({"type": ["string", "boolean"]})]


def _listed(value: Any) -> Any:
    """A `when:` value may be one value or a list of values."""
    return value if isinstance(value, list) else [value]


Selector = Annotated[
    list[Text],
    BeforeValidator(_listed),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


class FixedIndicatorSpec(Strict):
    """An indicator the ruleset itself sets (部门整体 common indicators)."""

    id: Name = Field(description="指标库中的指标名称或别名")
    points: Annotated[NonNeg | None, Given] = Field(None, description="分值")
    from_: Literal["formula", "input", "projects"] | None = Field(
        None, alias="from", description="formula 由预算数据推导 / input 部门填报 / projects 汇总项目指标"
    )
    target: Text | None = Field(None, description="年度指标值，如 ≤100%")
    method: MethodRef | None = Field(None, description="计分方法（不写则按 methods 规则）")
    category: Text | None = Field(None, description="from: projects 时汇总的项目二级指标类别，如 数量")
    remove: StrictBool = Field(False, description="extends 时删除父规则集中的同名指标")


class LevelSpec(Strict):
    """A node of the weight tree: 一级 or 二级 indicator."""

    name: Name = Field(description="指标名称，如 产出指标")
    aliases: list[Name] = Field(default_factory=list, description="自评表中的其他写法")
    points: Annotated[NonNeg | None, Given] = Field(None, description="分值")
    metric: Literal["execution_rate"] | None = Field(None, description="由数据计算的指标：execution_rate 预算执行率")
    method: MethodRef | None = Field(None, description="本级（metric）的计分方法")
    open: StrictBool = Field(False, description="单位自设的三级指标在本级内分配分值")
    split: Literal["equal", "by_child"] = Field("equal", description="equal 各行平均 / by_child 先按二级平均")
    # the names are checked by the compiler (scoring.rules.ruleset ROLE_WORDS), which says which are known
    role: Selector | None = Field(
        None,
        description="本级在 10号 指标体系中的作用（output 产出 / benefit 效益 / satisfaction 满意度）；不写时按名称判断",
    )
    children: list[Annotated[LevelSpec, BeforeValidator(_named)]] = Field(default_factory=list, description="二级指标")
    indicators: list[FixedIndicatorSpec] = Field(default_factory=list, description="规则集设定的指标")
    remove: StrictBool = Field(False, description="extends 时删除父规则集中的同名级次")


class IndicatorSpec(Strict):
    """An indicator the ruleset declares beside the library's (indicators/*.yaml), e.g. 支付进度."""

    id: Name = Field(description="规范名称")
    aliases: list[Name] = Field(default_factory=list, description="别名")
    category: Text | None = Field(None, description="类别，如 过程-预算执行")
    direction: Literal["higher", "lower", "exact"] = Field(
        "higher", description="higher 越高越好 / lower 越低越好 / exact 等于"
    )
    unit: Text | None = Field(None, description="计量单位，如 %")
    formula: Text | None = Field(None, description="由部门预算数据推导的公式（perfscore 表达式）")
    remove: StrictBool = False


class YearsSpec(Strict):
    from_: Year | None = Field(None, alias="from", description="适用的第一个财政年度")
    to: Year | None = Field(None, description="适用的最后一个财政年度")

    @model_validator(mode="after")
    def _ordered(self) -> YearsSpec:
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise ValueError(f"years.to {self.to} 早于 years.from {self.from_}")
        return self


class WhenSpec(Strict):
    """Rows a rule applies to: every named field equals the value or one of the listed values."""

    level1: Selector | None = None
    level2: Selector | None = None
    comparator: Selector | None = None
    qualitative: StrictBool | None = None
    indicator: Selector | None = None
    direction: Selector | None = None
    unit: Selector | None = None


class MethodRuleSpec(Strict):
    when: WhenSpec | None = Field(None, description="适用条件；不写表示其余全部")
    method: MethodRef = Field(description="计分方法")


class BlankComparatorSpec(Strict):
    when: WhenSpec | None = None
    comparator: Literal[">=", "<=", "="] = Field(description="未写比较符时按此理解")


class OverachievementSpec(Strict):
    threshold: Annotated[Num, Field(gt=1)] = Field(1.3, description="实际/目标达到此倍数即为超额完成")
    require_reason: StrictBool = Field(True, description="超额完成须说明偏差原因")
    penalty: Share = Field(0.0, description="未说明原因时扣减的分值比例")
    per_excess: NonNeg = Field(0.0, description="每超出 1 倍再扣减的比例（按偏离度调减）")
    cap: Share = Field(1.0, description="最多扣减的比例")
    even_with_reason: StrictBool = Field(False, description="说明了原因也按偏离度扣减")


class GradeSpec(Strict):
    name: Name | None = Field(None, description="等级名称，如 优")
    grade: Name | None = Field(None, description="name 的旧写法")
    min: Annotated[Num | None, Given] = Field(None, description="下限（含）")
    max: Annotated[Num | None, Given] = Field(None, description="上限（不含；最高等级含总分）")


class CheckSpec(Strict):
    """A consistency check. Kinds are a registry (scoring.rules.check_rules) and each kind takes its own keys,
    so only the keys every check shares are declared here; the check compiler validates the rest."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: Name
    kind: Text | None = Field(None, description="sum / assert / rates / magnitude / weights / text …")
    on: Literal["department", "project"] | None = None
    severity: Text | None = Field(None, description="high / medium / low")
    title: Text | None = None
    message: Text | None = None
    remove: StrictBool = False


class FindingSpec(Strict):
    id: Name
    on: Text | None = Field(None, description="事实类型：department / project / indicator / check")
    when: Condition | None = Field(None, description="触发条件表达式")
    severity: Text | None = Field(None, description="high / medium / low（或 高 / 中 / 低）")
    category: Text | None = None
    problem: Text | None = None
    cause: Text | None = None
    measure: Text | None = None
    merge_key: Text | None = None
    problem_merged: Text | None = None
    cause_given: Text | None = Field(
        None, description="单位填写了偏差原因时代替 cause 的原因模板（如 单位说明：{reason}）"
    )
    remove: StrictBool = False


class ExpectSpec(Strict):
    total: Annotated[Num | None, Given] = None
    grade: Text | None = None
    rejected: Annotated[int | None, Field(ge=0, strict=True), Given] = None
    projects: dict[str, Num] | None = None
    indicators: dict[str, Num] | None = None
    findings: list[Text] | None = None
    no_findings: list[Text] | None = None


class TestSpec(Strict):
    name: Text | None = None
    data: dict[str, list[dict[str, Any]]] | None = Field(None, description="各表（表名 → 行列表）")
    expect: ExpectSpec = Field(description="期望结果")


class RulesetSpec(Strict):
    """A perfscore ruleset (规则集): weight tree, scoring methods, grades, checks, findings and tests."""

    format: Literal[1] = Field(1, description="规则集格式版本")
    include: list[Text] = Field(default_factory=list, description="合并的片段文件")
    extends: Text | None = Field(None, description="继承的规则集（名称或文件）")
    name: Name | None = Field(None, description="规则集名称")
    version: Text | None = None
    title: Text | None = None
    source: Text | None = Field(None, description="依据的文件")
    years: YearsSpec | None = None
    scope: Literal["project", "department"] = Field("project", description="project 逐项目 / department 部门整体")
    total: Positive = Field(100.0, description="总分")
    levels: list[Annotated[LevelSpec, BeforeValidator(_named)]] | None = Field(None, description="一级指标")
    missing_level: Literal["withhold", "redistribute"] = Field(
        "withhold", description="未设置某一级指标时：withhold 该级不得分 / redistribute 按已设置的级次折算"
    )
    blank_comparator: list[BlankComparatorSpec] = Field(default_factory=list)
    methods: list[MethodRuleSpec] = Field(default_factory=list, description="计分方法规则，取第一条匹配")
    overachievement: OverachievementSpec | None = None
    checks: list[CheckSpec] = Field(default_factory=list)
    findings: list[FindingSpec] = Field(default_factory=list)
    grades: list[GradeSpec] | None = None
    tests: list[TestSpec] = Field(default_factory=list)
    indicators: list[IndicatorSpec] = Field(default_factory=list, description="本规则集自设的指标（指标库之外）")


# ---------------------------------------------------------------- errors


def _models_in(tp: Any) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [x for a in get_args(tp) for x in _models_in(a)] if get_origin(tp) is not None else []


def _field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _allowed_keys(loc: Sequence[str | int]) -> list[str]:
    """The keys the model at `loc` accepts (for did-you-mean), following tagged unions by their tag."""
    cands: list[type[BaseModel]] = [RulesetSpec]
    for elem in loc:
        if isinstance(elem, int):
            continue
        tagged = [c for c in cands if (f := _field(c, "name")) is not None and get_args(f.annotation) == (elem,)]
        if tagged and len(cands) > 1:
            cands = tagged
            continue
        nxt = [x for c in cands if (f := _field(c, elem)) is not None for x in _models_in(f.annotation)]
        cands = nxt or cands
    return sorted({info.alias or name for c in cands for name, info in c.model_fields.items()})


def _data_path(doc: Any, loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """The loc of a pydantic error as a path into the document (union and tag labels dropped)."""
    out: list[str | int] = []
    cur = doc
    for elem in loc:
        if (
            isinstance(cur, Mapping)
            and elem in cur
            or isinstance(cur, list)
            and isinstance(elem, int)
            and 0 <= elem < len(cur)
        ):
            cur = cur[elem]  # type: ignore[index]
            out.append(elem)
    return tuple(out)


def _message(err: ErrorDetails, path: tuple[str | int, ...]) -> tuple[str, str]:  # noqa: C901 - one table
    """A pydantic error in Chinese: (message, hint)."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    key = str(path[-1]) if path else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(err["loc"][:-1])
        return f"未知的键 '{key}'", did_you_mean(key, allowed) or "可用：" + "、".join(allowed)
    if kind == "missing":
        return f"缺少必填项 '{err['loc'][-1]}'", ""
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        return f"未知计分方法 '{tag}'", did_you_mean(tag, m.METHODS) or "可用：" + "、".join(m.METHODS)
    if kind == "union_tag_not_found":
        return "计分方法缺少 name（方法名）", "可用：" + "、".join(m.METHODS)
    if kind == "literal_error":
        options = [o.strip(" '") for o in str(ctx.get("expected", "")).replace(" or ", ",").split(",")]
        return f"未知 {key} '{value}'", did_you_mean(str(value), options) or "可用：" + " / ".join(options)
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])), ""
    bounds = {
        "greater_than_equal": ("ge", "应不小于"),
        "greater_than": ("gt", "应大于"),
        "less_than_equal": ("le", "应不大于"),
        "less_than": ("lt", "应小于"),
    }
    if kind in bounds:
        name, words = bounds[kind]
        return f"{words} {ctx.get(name)}，而不是 {value}", ""
    types = {
        "list_type": "列表（每项以 - 开头）",
        "model_type": "映射（key: value）",
        "dict_type": "映射（key: value）",
        "model_attributes_type": "映射（key: value）",
        "bool_type": "true 或 false",
        "string_type": "文字",
        "int_type": "整数",
        "int_parsing": "整数",
        "int_from_float": "整数",
        "float_type": "数值",
        "float_parsing": "数值",
    }
    if kind in types:
        return f"应为 {types[kind]}，而不是 {shown(value)}", ""
    if kind in ("too_short", "string_too_short"):
        return f"至少需要 {ctx.get('min_length')} 项（或字符）", ""
    if kind in ("too_long", "string_too_long"):
        return f"过长（最多 {ctx.get('max_length')} 项或字符）", ""
    return str(err["msg"]), ""


def _where(path: tuple[str | int, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p + 1}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def validate_document(doc: Any, positions: Positions, file: Path | str) -> RulesetSpec:
    """Validate one YAML file (LINE_KEY entries stripped) against the spec; RulesetError with file:line:column."""
    try:
        return RulesetSpec.model_validate(doc)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            path = _data_path(doc, err["loc"])
            message, hint = _message(err, path)
            # an unknown key points at the key; a missing one at its mapping; anything else at the value
            pos = positions.of(path, key=err["type"] == "extra_forbidden")
            errors.append((pos, _where(path), message + (f"（{hint}）" if hint else "")))
        errors.sort(key=lambda e: e[0] or (0, 0))
        (pos, rule, message), rest = errors[0], errors[1:]
        more = "".join(f"\n  {file}" + (f":{p[0]}:{p[1]}" if p else "") + f" {r}：{msg}" for p, r, msg in rest[:20])
        if len(rest) > 20:
            more += f"\n  ……另有 {len(rest) - 20} 处错误"
        raise RulesetError(
            message + more, file=file, rule=rule or None, line=pos[0] if pos else None, column=pos[1] if pos else None
        ) from None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the ruleset format, for editors (VS Code YAML, PyCharm); method names as plain text too."""
    schema = RulesetSpec.model_json_schema(by_alias=True)
    names = list(m.METHODS)

    def patch(node: Any) -> Any:
        if isinstance(node, dict):
            if "discriminator" in node and node["discriminator"].get("propertyName") == "name":
                return {
                    "anyOf": [
                        {"type": "string", "enum": names, "description": "方法名（无参数时可直接写）"},
                        {k: patch(v) for k, v in node.items()},
                    ]
                }
            return {k: patch(v) for k, v in node.items()}
        if isinstance(node, list):
            return [patch(v) for v in node]
        return node

    out: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID}
    out.update(patch(schema))
    out["title"] = "perfscore 规则集 / ruleset"
    return out

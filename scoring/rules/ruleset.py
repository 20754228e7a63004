"""Rulesets: YAML that says how to score — weight tree, methods, grades, checks, findings and tests.

`load_ruleset` parses, merges `extends:`, and checks everything before any data is read: weights add
up level by level, bands have no gaps or overlaps, every method and indicator is known, every
expression parses. Errors name the YAML file, line and rule.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from scoring.core import resources
from scoring.core.errors import RulesetError, did_you_mean
from scoring.core.tolerance import POINTS_TOL as TOL
from scoring.core.values import try_parse_value
from scoring.core.yamlio import (
    FILE_KEY,
    LINE_KEY,
    Positions,
    YamlLimitError,
    file_of,
    line_of,
    read_yaml,
    strip_lines,
)
from scoring.rules import expr, spec
from scoring.rules import methods as m
from scoring.rules.check_rules import Check, compile_checks
from scoring.rules.fact_fields import SCHEMA as FACT_SCHEMA
from scoring.rules.finding_rules import FindingRule, compile_findings
from scoring.rules.indicators import Library, default_library, normalize_name

SUPPORTED_VERSION = 1
EXTENDED_KEY = "__extends__"  # what a merged ruleset was extended from, nearest parent first
Scope = Literal["project", "department"]
FixedSource = Literal["formula", "input", "projects"]
FIXED_SOURCES: tuple[FixedSource, ...] = ("formula", "input", "projects")
# What a level stands for in the 10号 tree, for findings such as "no benefit indicator". A level without
# `role:` takes the roles whose word its name contains (产出指标 → output), as 10号 forms name them.
ROLE_WORDS = {"output": "产出", "benefit": "效益", "satisfaction": "满意度"}


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable text key: indicators with equal keys are scored together in one vectorised call."""
        return self.name + json.dumps(self.params, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True, slots=True)
class FixedIndicator:
    """An indicator the ruleset itself sets (部门整体 common indicators), with its points."""

    id: str
    points: float
    method: MethodSpec | None
    source: FixedSource
    target: str | None = None
    category: str | None = None  # for source=projects: project indicators of this 二级 are averaged
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Level:
    """A node of the weight tree: 一级 or 二级."""

    name: str
    points: float
    aliases: tuple[str, ...] = ()
    children: tuple[Level, ...] = ()
    open: bool = False  # the department's own indicator rows under this name are scored here
    split: Literal["equal", "by_child"] = "equal"
    indicators: tuple[FixedIndicator, ...] = ()
    metric: str | None = None  # e.g. execution_rate, computed per project
    method: MethodSpec | None = None
    line: int | None = None
    file: str | None = None  # the YAML file the level was written in (a parent's, when extended)
    roles: tuple[str, ...] = ()  # output / benefit / satisfaction (ROLE_WORDS)

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class MethodRule:
    """First matching rule picks the method: `when` fields compare to a value or a list of values."""

    when: Mapping[str, Any]
    method: MethodSpec


@dataclass(frozen=True, slots=True)
class BlankComparator:
    """A target written without ≥/≤/= ("80万元") reads with this comparator where `when` matches."""

    when: Mapping[str, Any]
    comparator: str


@dataclass(frozen=True, slots=True)
class Grade:
    name: str
    min: float
    max: float


@dataclass(frozen=True, slots=True)
class Overachievement:
    threshold: float = 1.3
    require_reason: bool = True
    penalty: float = 0.0  # share of the weight withheld when over threshold with no 偏差原因
    per_excess: float = 0.0  # further share per 1.0 of (actual/target − threshold): 按偏离度适度调减
    cap: float = 1.0  # at most this share is withheld
    even_with_reason: bool = False  # cut by deviation even when a 偏差原因 is given


@dataclass(frozen=True)
class Ruleset:
    name: str
    version: str
    title: str
    source_doc: str
    scope: Scope
    total: float
    years: tuple[int | None, int | None]
    levels: tuple[Level, ...]
    method_rules: tuple[MethodRule, ...]
    blank_comparators: tuple[BlankComparator, ...]
    grades: tuple[Grade, ...]
    overachievement: Overachievement
    missing_level: Literal["withhold", "redistribute"]
    checks: tuple[Check, ...]
    findings: tuple[FindingRule, ...]
    tests: tuple[Mapping[str, Any], ...]
    path: Path
    library: Library = field(repr=False)
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)
    extends: tuple[str, ...] = ()  # "mof-project 2020.1" …: what this ruleset was extended from, nearest first

    @property
    def label(self) -> str:
        """The banner: 标题（名称 版本，继承自 …）, so a variant never passes for its parent."""
        who = " ".join(x for x in (self.name, self.version) if x)
        parent = f"，继承自 {' ← '.join(self.extends)}" if self.extends else ""
        return f"{self.title}（{who}{parent}）"

    @property
    def fingerprint(self) -> str:
        text = json.dumps(strip_lines(self.raw), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def level_for(self, name: str) -> Level | None:
        """The 一级 level a written 一级指标 name means (names and aliases, punctuation ignored)."""
        wanted = normalize_name(name)
        return next((lv for lv in self.levels if wanted in {normalize_name(n) for n in lv.names()}), None)

    def child_for(self, level: Level, name: str) -> Level | None:
        wanted = normalize_name(name)
        return next((c for c in level.children if wanted in {normalize_name(n) for n in c.names()}), None)

    def level_names(self) -> list[str]:
        return [n for lv in self.levels for n in lv.names()]

    def grade_of(self, score: float) -> str:
        for g in self.grades:
            if g.min - TOL <= score < g.max - TOL or (g.max >= self.total and score >= g.min - TOL):
                return g.name
        return self.grades[-1].name

    def qualitative_params(self) -> Mapping[str, Any] | None:
        for rule in self.method_rules:
            if rule.method.name == "qualitative":
                return rule.method.params
        return None

    def applies_to(self, year: int) -> bool:
        lo, hi = self.years
        return (lo is None or year >= lo) and (hi is None or year <= hi)


# ---------------------------------------------------------------- loading


SEARCH_PATH_ENV = "PERFSCORE_RULESET_PATH"  # more folders (os.pathsep-separated) where names and paths may resolve


def _search_dirs() -> list[Path]:
    extra = os.environ.get(SEARCH_PATH_ENV, "")
    return [resources.rulesets_dir(), *(Path(p) for p in extra.split(os.pathsep) if p.strip())]


def _regular(path: Path, what: str, shown: str | None = None) -> Path:
    """`path` if it is a regular file: a FIFO, device or folder would block or mislead the reader."""
    try:
        mode = path.stat().st_mode
    except OSError:
        raise RulesetError(f"{what}不存在：{_clip(str(shown or path))}") from None
    if not stat.S_ISREG(mode):
        raise RulesetError(f"{what}不是普通文件：{_clip(str(shown or path))}", hint="规则集只能是 .yaml 文本文件")
    return path


def shipped_names() -> list[str]:
    """Names `extends:` and `include:` accept without a path: rulesets and fragments/… in every search folder."""
    names = {
        p.relative_to(d).with_suffix("").as_posix() for d in _search_dirs() if d.is_dir() for p in d.rglob("*.yaml")
    }
    return sorted(names)


def is_path_reference(ref: str) -> bool:
    """`./x.yaml`, `../x.yaml`, `/x.yaml` or anything ending in .yaml is a path; `fragments/common-findings` is a name."""
    return ref.startswith(("./", "../", "/", ".\\")) or Path(ref).suffix in (".yaml", ".yml")


def resolve_reference(ref: str, origin: Path) -> Path:
    """The file an `extends:`/`include:` written in `origin` means (a name the file system cannot even look up,
    such as one longer than it allows, is a RulesetError like any unknown name)."""
    try:
        return _resolve_reference(ref, origin)
    except OSError as exc:
        raise RulesetError(f"无法查找 '{_clip(ref)}'：{exc.strerror or exc}") from None


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + f"…（共 {len(text)} 个字符）"


def _resolve_reference(ref: str, origin: Path) -> Path:
    """The file an `extends:`/`include:` written in `origin` means.

    A name always means the shipped file (then the search path), so a local copy cannot shadow it; a
    path is read relative to `origin`'s folder and must stay inside that folder, the shipped folder or
    the search path (no ../ escape), and must be a regular file.
    """
    if not is_path_reference(ref):
        for folder in _search_dirs():
            candidate = folder / f"{ref}.yaml"
            if candidate.is_file():
                return _regular(candidate, "规则集")
        raise RulesetError(
            f"未知规则集 '{ref}'",
            hint=did_you_mean(ref, shipped_names())
            or "可用：" + "、".join(shipped_names()) + "；本地文件请写成路径，如 ./my.yaml",
        )
    candidate = origin.parent / ref
    real = candidate.resolve()
    allowed = [origin.parent.resolve(), *(d.resolve() for d in _search_dirs())]
    if not any(real.is_relative_to(a) for a in allowed):
        raise RulesetError(
            f"'{ref}' 位于规则集所在文件夹之外，已拒绝",
            hint=f"把文件放进 {origin.parent}，或把它的文件夹加入环境变量 {SEARCH_PATH_ENV}",
        )
    return _regular(candidate, "文件", ref)


def find_ruleset(name_or_path: str | Path) -> Path:
    """A ruleset file by path, or by name among the shipped rulesets (with a did-you-mean hint)."""
    try:
        return _find_ruleset(name_or_path)
    except OSError as exc:
        raise RulesetError(f"无法查找规则集 '{_clip(str(name_or_path))}'：{exc.strerror or exc}") from None


def _find_ruleset(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise RulesetError("规则集文件不存在", file=path)
        try:
            return _regular(path, "规则集文件")
        except RulesetError as exc:
            raise RulesetError(exc.args[0], file=path, hint=exc.hint) from None
    shipped = {p.stem: p for p in resources.ruleset_files()}
    if str(name_or_path) in shipped:
        return shipped[str(name_or_path)]
    raise RulesetError(
        f"未知规则集 '{name_or_path}'",
        hint=did_you_mean(str(name_or_path), shipped) or "可用：" + "、".join(sorted(shipped)),
    )


def _merge(base: Any, over: Any) -> Any:
    """Deep-merge `over` onto `base`: mappings recursively, lists of named items by name/id, else replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        if LINE_KEY in over and FILE_KEY not in over:
            out.pop(FILE_KEY, None)  # the line is now the child's, so is the file
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base and k not in (LINE_KEY, FILE_KEY) else v
        return out
    if (
        isinstance(base, list)
        and isinstance(over, list)
        and all(isinstance(x, dict) and ("name" in x or "id" in x) for x in (*base, *over))
    ):
        key = "id" if all("id" in x for x in (*base, *over)) else "name"
        merged = {x[key]: x for x in base}
        for x in over:
            if x.get("remove"):
                merged.pop(x[key], None)
            else:
                merged[x[key]] = _merge(merged[x[key]], x) if x[key] in merged else x
        return list(merged.values())
    return over


def _tag_file(obj: Any, path: Path) -> Any:
    """Mark every mapping of an included or extended file with that file, so errors name it (not the child)."""
    if isinstance(obj, dict):
        obj.setdefault(FILE_KEY, str(path))
        for v in obj.values():
            _tag_file(v, path)
    elif isinstance(obj, list):
        for v in obj:
            _tag_file(v, path)
    return obj


def read_document(path: Path) -> dict[str, Any]:
    """One ruleset file, parsed within the size limits and validated against the spec (RulesetError otherwise)."""
    return _read_document(path)[0]


def _read_document(path: Path) -> tuple[dict[str, Any], Positions]:
    try:
        loaded, positions = read_yaml(path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RulesetError(
            f"YAML 语法错误：{exc.problem or exc.context}",
            file=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except YamlLimitError as exc:
        raise RulesetError(str(exc), file=path, line=exc.line) from None
    except UnicodeDecodeError:
        raise RulesetError("文件不是 UTF-8 编码的文本", file=path, hint="请以 UTF-8 保存 YAML 文件") from None
    except (yaml.YAMLError, OSError) as exc:
        raise RulesetError(f"无法读取规则集：{exc}", file=path) from None
    if loaded is None:
        raise RulesetError("规则集文件为空", file=path)
    if not isinstance(loaded, dict):
        raise RulesetError("规则集应为 YAML 映射（key: value）", file=path, line=1, column=1)
    spec.validate_document(strip_lines(loaded), positions, path)
    return loaded, positions


def _read_raw(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path.resolve() in seen:
        raise RulesetError("extends 形成循环", file=path, hint=" → ".join(p.name for p in (*seen, path.resolve())))
    doc, positions = _read_document(path)

    def at(key: tuple[str | int, ...], exc: RulesetError) -> RulesetError:
        pos = positions.of(key)
        return RulesetError(
            exc.args[0],
            file=path,
            rule=key[0] if isinstance(key[0], str) else None,
            line=pos[0] if pos else None,
            column=pos[1] if pos else None,
            hint=exc.hint,
        )

    for i, fragment in enumerate(doc.pop("include", None) or ()):
        try:
            frag_path = resolve_reference(str(fragment), path)
        except RulesetError as exc:
            raise at(("include", i), RulesetError(f"include 的{exc.args[0]}", hint=exc.hint)) from None
        frag = _tag_file(read_document(frag_path), frag_path)
        frag.pop(LINE_KEY, None)
        doc = _merge(frag, doc)
    parent = doc.get("extends")
    if parent:
        try:
            base_path = resolve_reference(str(parent), path)
        except RulesetError as exc:
            raise at(("extends",), exc) from None
        chain = (*seen, path.resolve())
        if base_path.resolve() in chain:
            raise at(
                ("extends",),
                RulesetError(
                    "extends 形成循环",
                    hint=" → ".join(p.name for p in (*chain[chain.index(base_path.resolve()) :], base_path.resolve())),
                ),
            )
        base = _tag_file(_read_raw(base_path, (*seen, path.resolve())), base_path)
        lineage = [f"{base.get('name', base_path.stem)} {base.get('version', '')}".strip(), *base.pop(EXTENDED_KEY, [])]
        for k in ("tests", "name", "version", "title"):
            base.pop(k, None)  # a child's own tests and identity, never its parent's
        doc = _merge(base, {k: v for k, v in doc.items() if k != "extends"})
        doc[EXTENDED_KEY] = lineage
    return doc


def load_ruleset(name_or_path: str | Path, library: Library | None = None) -> Ruleset:
    """Parse, merge and compile a ruleset; raises RulesetError naming file, line and rule."""
    path = find_ruleset(name_or_path)
    raw = _read_raw(path)
    return _compile(raw, path, library or default_library())


def _need(raw: Mapping[str, Any], key: str, path: Path, rule: str | None = None) -> Any:
    if key not in raw or raw[key] in (None, ""):
        raise RulesetError(f"缺少必填项 '{key}'", file=path, rule=rule, line=line_of(raw))
    return raw[key]


def _method_spec(raw: Any, path: Path, rule: str, line: int | None) -> MethodSpec:
    if isinstance(raw, str):
        name, params = raw, {}
    elif isinstance(raw, Mapping):
        name = str(raw.get("name") or raw.get("method") or "")
        params = {k: strip_lines(v) for k, v in raw.items() if k not in ("name", "method", LINE_KEY, FILE_KEY)}
    else:
        raise RulesetError("method 应为方法名或含 name 的映射", file=path, rule=rule, line=line)
    if name not in m.METHODS:
        raise RulesetError(
            f"未知计分方法 '{name}'",
            file=path,
            rule=rule,
            line=line,
            hint=did_you_mean(name, m.METHODS) or "可用：" + "、".join(m.METHODS),
        )
    problems = m.validate_params(name, params)
    if problems:
        raise RulesetError(f"方法 {name} 参数有误：" + "；".join(problems), file=path, rule=rule, line=line)
    return MethodSpec(name, params)


def _level(raw: Any, path: Path, lib: Library, parent: str = "") -> Level:
    if isinstance(raw, str):
        return Level(name=raw, points=0.0, roles=roles_from_name(raw))
    path = Path(file_of(raw, path))
    name = str(_need(raw, "name", path, parent or None))
    rule = f"{parent}/{name}" if parent else name
    line = line_of(raw)
    points = float(raw.get("points", 0))
    children = tuple(_level(c, path, lib, rule) for c in raw.get("children") or ())
    method = _method_spec(raw["method"], path, rule, line) if raw.get("method") else None
    fixed = tuple(_fixed(i, path, lib, rule) for i in raw.get("indicators") or ())
    metric = raw.get("metric")
    if metric is not None and metric != "execution_rate":
        raise RulesetError(f"未知 metric '{metric}'", file=path, rule=rule, line=line, hint="可用：execution_rate")
    split = raw.get("split", "equal")
    if split not in ("equal", "by_child"):
        raise RulesetError(f"未知 split '{split}'", file=path, rule=rule, line=line, hint="可用：equal / by_child")
    level = Level(
        name,
        points,
        tuple(str(a) for a in raw.get("aliases") or ()),
        children,
        bool(raw.get("open", False)),
        split,
        fixed,
        metric,
        method,
        line,
        str(path),
    )
    _check_level_sums(level, path, rule)
    return replace(level, roles=_roles(raw.get("role"), name, path, rule, line))


def roles_from_name(name: str) -> tuple[str, ...]:
    """The roles a level name implies by its words (ROLE_WORDS), in ROLE_WORDS order."""
    return tuple(role for role, word in ROLE_WORDS.items() if word in name)


def _roles(raw: Any, name: str, path: Path, rule: str, line: int | None) -> tuple[str, ...]:
    if raw is None:
        return roles_from_name(name)
    declared = [str(r) for r in (raw if isinstance(raw, list) else [raw])]
    unknown = [r for r in declared if r not in ROLE_WORDS]
    if unknown:
        raise RulesetError(
            f"未知 role '{unknown[0]}'",
            file=path,
            rule=rule,
            line=line,
            hint=did_you_mean(unknown[0], ROLE_WORDS) or "可用：" + " / ".join(ROLE_WORDS),
        )
    return tuple(declared)


def _check_level_sums(level: Level, path: Path, rule: str) -> None:
    sized = [c for c in level.children if c.points]
    total = sum(c.points for c in sized)
    # An open level may give some children fixed points (e.g. 预算执行 20 inside 产出 60); the rest
    # goes to the department's own indicators. A closed level's children must add up exactly.
    if sized and (total - level.points > TOL if level.open else abs(total - level.points) > TOL):
        raise RulesetError(
            f"下级分值之和 {total:g} 不等于本级分值 {level.points:g}"
            if not level.open
            else f"下级分值之和 {total:g} 超过本级分值 {level.points:g}",
            file=path,
            rule=rule,
            line=level.line,
            hint="、".join(f"{c.name} {c.points:g}" for c in sized),
        )
    if level.indicators and not level.open and abs(sum(i.points for i in level.indicators) - level.points) > TOL:
        raise RulesetError(
            f"指标分值之和 {sum(i.points for i in level.indicators):g} 不等于本级分值 {level.points:g}",
            file=path,
            rule=rule,
            line=level.line,
            hint="、".join(f"{i.id} {i.points:g}" for i in level.indicators),
        )


def _fixed(raw: Mapping[str, Any], path: Path, lib: Library, parent: str) -> FixedIndicator:
    path = Path(file_of(raw, path))
    name = str(_need(raw, "id", path, parent))
    rule = f"{parent}/{name}"
    line = line_of(raw)
    ind = lib.resolve(name)
    if ind is None:
        raise RulesetError(f"指标库中没有指标 '{name}'", file=path, rule=rule, line=line, hint=lib.suggest(name))
    derivable = bool(ind.formula) and not _formula_unknowns(ind.formula or "", lib)
    source = str(raw.get("from") or ("formula" if derivable else "input"))
    if source not in FIXED_SOURCES:
        raise RulesetError(
            f"未知来源 from: '{source}'",
            file=path,
            rule=rule,
            line=line,
            hint="可用：formula（由预算数据推导）/ input（部门填报）/ projects（汇总项目指标）",
        )
    if source == "formula" and not ind.formula:
        raise RulesetError(
            f"指标 '{ind.id}' 在指标库中没有 formula，不能 from: formula", file=path, rule=rule, line=line
        )
    if source == "formula" and ind.formula:
        _check_formula(ind.formula, lib, path, rule, line)
    method = _method_spec(raw["method"], path, rule, line) if raw.get("method") else None
    target = str(raw["target"]) if raw.get("target") is not None else None
    if source in ("formula", "projects") and target is None:
        raise RulesetError("推导或汇总的指标需要 target（如 ≤100%）", file=path, rule=rule, line=line)
    parsed = try_parse_value(target) if target is not None else None
    if isinstance(parsed, ValueError):
        raise RulesetError(f"目标值 '{target}' 无法解析", file=path, rule=rule, line=line)
    if source in ("formula", "projects") and parsed is not None and parsed.value is None:
        # a formula or a mean completion is a number: a worded target could never be compared with it
        raise RulesetError(
            f"目标值 '{target}' 不是数值，推导或汇总的指标需要数值目标",
            file=path,
            rule=rule,
            line=line,
            hint="如 ≥100%、≤0%",
        )
    return FixedIndicator(
        ind.id, float(_need(raw, "points", path, rule)), method, source, target, raw.get("category"), line
    )


def _formula_unknowns(formula: str, lib: Library) -> list[str]:
    """Fields of a library formula that are not department fields (e.g. other indicators' counts)."""
    return expr.check_fields(expr.parse(formula), lib.department_fields())


def _check_formula(formula: str, lib: Library, path: Path, rule: str, line: int | None) -> None:
    try:
        parsed = expr.parse(formula)
    except ValueError as exc:
        raise RulesetError(f"公式无法解析：{exc}", file=path, rule=rule, line=line) from exc
    unknown = expr.check_fields(parsed, lib.department_fields())
    if unknown:
        raise RulesetError(
            f"公式使用了未知字段 {', '.join(unknown)}",
            file=path,
            rule=rule,
            line=line,
            hint=did_you_mean(unknown[0], lib.department_fields()),
        )


def _grades(raw: Any, path: Path, total: float) -> tuple[Grade, ...]:
    if not raw:  # 90（含）-100 优、80–90 良、60–80 中、60 以下差 (财预〔2020〕10号), as shares of the total
        k = total / 100
        raw = [
            {"name": "优", "min": 90 * k},
            {"name": "良", "min": 80 * k, "max": 90 * k},
            {"name": "中", "min": 60 * k, "max": 80 * k},
            {"name": "差", "max": 60 * k},
        ]
    for g in raw:
        if not (g.get("name") or g.get("grade")):
            raise RulesetError(
                "等级缺少 name（如 优、良、中、差）", file=file_of(g, path), rule="grades", line=line_of(g)
            )
    grades = tuple(
        Grade(str(g.get("name") or g.get("grade")), float(g.get("min", 0)), float(g.get("max", total))) for g in raw
    )
    bands = [{"min": g.min, "max": g.max} for g in grades]
    # The lowest grade reaches down to −∞ and the highest up to +∞ (a score is never outside 0–total).
    problems = m.band_coverage(
        [
            {"min": b["min"] if b["min"] > 0 else float("-inf"), "max": b["max"] if b["max"] < total else float("inf")}
            for b in bands
        ],
        label="等级",
    )
    if problems:
        raise RulesetError(
            "等级区间有误：" + "；".join(problems),
            file=path,
            rule="grades",
            line=line_of(raw[0]) if isinstance(raw, list) else None,
        )
    return tuple(sorted(grades, key=lambda g: -g.min))


WHEN_FIELDS = frozenset({"level1", "level2", "comparator", "qualitative", "indicator", "direction", "unit"})


def _when(r: Mapping[str, Any], path: Path, rule: str, section: str, allowed: frozenset[str]) -> dict[str, Any]:
    """A rule's `when:` selector: field → value or list of values, fields checked against `allowed`."""
    when = {k: v for k, v in (r.get("when") or {}).items() if k not in (LINE_KEY, FILE_KEY)}
    bad = set(when) - allowed
    if bad:
        b = sorted(bad)[0]
        raise RulesetError(
            f"{section} 的 when 不支持字段 '{b}'",
            file=path,
            rule=rule,
            line=line_of(r),
            hint=did_you_mean(b, allowed) or "可用：" + "、".join(sorted(allowed)),
        )
    return when


def _blank_comparators(raw: Any, path: Path) -> tuple[BlankComparator, ...]:
    out = []
    for i, r in enumerate(raw or ()):
        rule = f"blank_comparator[{i + 1}]"
        when = _when(r, path, rule, "blank_comparator", WHEN_FIELDS - {"comparator", "direction", "qualitative"})
        comparator = str(r.get("comparator", ""))
        if comparator not in (">=", "<=", "="):
            raise RulesetError(
                f"comparator 应为 >=、<= 或 =，而不是 '{comparator}'", file=path, rule=rule, line=line_of(r)
            )
        out.append(BlankComparator(when, comparator))
    return tuple(out)


def _method_rules(raw: Any, path: Path) -> tuple[MethodRule, ...]:
    rules = []
    for i, r in enumerate(raw or ()):
        rule = f"methods[{i + 1}]"
        when = _when(r, path, rule, "methods", WHEN_FIELDS)
        rules.append(MethodRule(when, _method_spec(r.get("method"), path, rule, line_of(r))))
    if not rules or rules[-1].when:
        rules.append(MethodRule({}, MethodSpec("ratio")))  # the 10号 default for anything else
    return tuple(rules)


def _compile(raw: dict[str, Any], path: Path, lib: Library) -> Ruleset:
    version = raw.get("format", SUPPORTED_VERSION)
    if version != SUPPORTED_VERSION:
        raise RulesetError(f"不支持的规则集格式版本 format: {version}", file=path, hint=f"当前支持 {SUPPORTED_VERSION}")
    name = str(_need(raw, "name", path))
    scope = raw.get("scope", "project")
    if scope not in ("project", "department"):
        raise RulesetError(f"未知 scope '{scope}'", file=path, hint="可用：project / department")
    total = float(raw.get("total", 100))
    lib = lib.extended(raw.get("indicators") or (), path)
    levels = tuple(_level(lv, path, lib) for lv in _need(raw, "levels", path))
    level_sum = sum(lv.points for lv in levels)
    first = raw["levels"][0] if raw["levels"] else None  # where a whole-tree error points
    if abs(level_sum - total) > TOL:
        raise RulesetError(
            f"一级指标分值之和 {level_sum:g} 不等于总分 {total:g}",
            file=file_of(first, path),
            rule="levels",
            line=line_of(first),
            hint="、".join(f"{lv.name} {lv.points:g}" for lv in levels),
        )
    _check_unique_names(levels, path)
    _check_tree(levels, scope, Path(file_of(first, path)), line_of(first))
    years = raw.get("years") or {}
    oa = raw.get("overachievement") or {}
    ruleset = Ruleset(
        name=name,
        version=str(raw.get("version", "")),
        title=str(raw.get("title", name)),
        source_doc=str(raw.get("source", "")),
        scope=scope,
        total=total,
        years=(years.get("from"), years.get("to")),
        levels=levels,
        method_rules=_method_rules(raw.get("methods"), path),
        blank_comparators=_blank_comparators(raw.get("blank_comparator"), path),
        grades=_grades(raw.get("grades"), path, total),
        overachievement=_overachievement(oa, path),
        missing_level=raw.get("missing_level", "withhold"),
        checks=(),
        findings=(),
        tests=tuple(raw.get("tests") or ()),
        path=path,
        library=lib,
        raw=raw,
        extends=tuple(raw.get(EXTENDED_KEY) or ()),
    )
    return _attach_findings(ruleset, raw, path)


def _overachievement(oa: Mapping[str, Any], path: Path) -> Overachievement:
    known = {"threshold", "require_reason", "penalty", "per_excess", "cap", "even_with_reason", LINE_KEY, FILE_KEY}
    unknown = sorted(set(oa) - known)
    if unknown:
        raise RulesetError(
            f"overachievement 不支持 '{unknown[0]}'",
            file=path,
            rule="overachievement",
            line=line_of(oa),
            hint=did_you_mean(unknown[0], known - {LINE_KEY}),
        )
    out = Overachievement(
        float(oa.get("threshold", 1.3)),
        bool(oa.get("require_reason", True)),
        float(oa.get("penalty", 0.0)),
        float(oa.get("per_excess", 0.0)),
        float(oa.get("cap", 1.0)),
        bool(oa.get("even_with_reason", False)),
    )
    if out.threshold <= 1 or not 0 <= out.penalty <= 1 or out.per_excess < 0 or not 0 <= out.cap <= 1:
        raise RulesetError(
            "overachievement 取值有误：threshold 应大于 1，penalty 与 cap 在 0–1 之间，per_excess 不为负",
            file=path,
            rule="overachievement",
            line=line_of(oa),
        )
    return out


def _check_unique_names(levels: Sequence[Level], path: Path) -> None:
    seen: dict[str, str] = {}
    for lv in levels:
        for n in lv.names():
            k = normalize_name(n)
            if k in seen:
                raise RulesetError(f"一级指标名称 '{n}' 重复（与 '{seen[k]}'）", file=path, rule=lv.name, line=lv.line)
            seen[k] = lv.name


def _check_tree(levels: Sequence[Level], scope: str, path: Path, line: int | None) -> None:
    """What the scorer needs of the weight tree: every point reachable, execution scored once, no row counted twice."""

    def fail(lv: Level, message: str, hint: str = "") -> RulesetError:
        return RulesetError(message, file=lv.file or path, rule=lv.name, line=lv.line, hint=hint)

    metrics = [lv for top in levels for lv in (top, *top.children) if lv.metric]
    fixed_ids: dict[str, Level] = {}
    for top in levels:
        for child in top.children:
            if child.open:
                # score.py takes a department's own rows by their 一级 only; an open 二级 would drop them silently
                raise fail(
                    child,
                    f"open 只能用于一级指标，不能用于二级指标 '{child.name}'",
                    f"把 open: true 写在一级指标 '{top.name}' 上",
                )
            if child.children:
                raise fail(child, f"二级指标 '{child.name}' 不能再有 children（权重树只有一级和二级）")
        seen: dict[str, str] = {}
        for child in top.children:
            for n in child.names():
                if normalize_name(n) in seen:
                    raise fail(
                        child,
                        f"二级指标名称 '{n}' 在 '{top.name}' 下重复（与 '{seen[normalize_name(n)]}'）",
                        "同一行只能计入一个二级指标",
                    )
                seen[normalize_name(n)] = child.name
        for lv in (top, *top.children):
            if lv.metric and scope != "project":
                raise fail(
                    lv, "metric 只用于 scope: project（部门整体规则集用 indicators 设定 预算执行率，from: formula）"
                )
            for fi in lv.indicators:
                if fi.id in fixed_ids:
                    raise fail(lv, f"指标 '{fi.id}' 设定了两次（另一处在 '{fixed_ids[fi.id].name}'），会被重复计分")
                fixed_ids[fi.id] = lv
        if top.points > TOL and not _reachable(top):
            raise fail(
                top,
                f"一级指标 '{top.name}' 的 {top.points:g} 分无法得到：它不是 open，没有 metric，也没有 indicators",
                "单位自设指标的级次写 open: true；由数据计算的写 metric；规则集设定的写 indicators",
            )
        for child in top.children:
            if child.points > TOL and not top.open and not _reachable(child):
                raise fail(
                    child,
                    f"二级指标 '{child.name}' 的 {child.points:g} 分无法得到：没有 metric 或 indicators",
                    f"或把一级指标 '{top.name}' 设为 open: true",
                )
    if len(metrics) > 1:
        raise fail(
            metrics[1],
            f"预算执行率（metric: execution_rate）设置了 {len(metrics)} 次，会被重复计分",
            "、".join(lv.name for lv in metrics),
        )
    if scope == "project" and not metrics:
        raise RulesetError(
            "没有计分预算执行率的级次：项目支出规则集需要一个 metric: execution_rate 的一级或二级指标",
            file=path,
            rule="levels",
            line=line,
            hint="删除 预算执行率 一级时，在另一级下加 {name: 预算执行, points: 20, metric: execution_rate}",
        )
    if scope == "department" and "预算执行率" not in fixed_ids:
        raise RulesetError(
            "没有计分预算执行率：部门整体规则集需要在 indicators 中设定 预算执行率（from: formula）",
            file=path,
            rule="levels",
            line=line,
            hint='如 {id: 预算执行率, points: 8, from: formula, target: "≥100%", method: budget_execution}',
        )


def _reachable(level: Level) -> bool:
    """Some row can earn this level's points: the department's own rows, a computed metric, or set indicators."""
    if level.open or level.metric or level.indicators:
        return True
    sized = [c for c in level.children if c.points > TOL]
    return bool(sized) and all(_reachable(c) for c in sized)


def _attach_findings(ruleset: Ruleset, raw: Mapping[str, Any], path: Path) -> Ruleset:
    """Compile `findings:` and `checks:` (their expressions) now, so a bad rule fails before data is read."""
    compiled_checks = compile_checks(raw.get("checks") or (), file=path, library=ruleset.library)
    compiled = compile_findings(raw.get("findings") or (), file=path, schema=FACT_SCHEMA)
    return replace(ruleset, checks=compiled_checks, findings=compiled)

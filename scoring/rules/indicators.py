"""The indicator library: canonical names, aliases, direction, units, formulas and extraction patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from scoring.core import resources
from scoring.core.errors import RulesetError, did_you_mean
from scoring.core.yamlio import line_of, load_yaml

Direction = Literal["higher", "lower", "exact"]
DIRECTIONS: tuple[Direction, ...] = ("higher", "lower", "exact")
MONEY_FIELDS = ("budget_initial", "budget_final", "spent", "prior_spent")


@dataclass(frozen=True, slots=True)
class Indicator:
    """One library entry; `formula` is an expression over department fields (scoring.expr grammar)."""

    id: str
    category: str = ""
    direction: Direction = "higher"
    unit: str | None = None
    aliases: tuple[str, ...] = ()
    formula: str | None = None
    patterns: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True, slots=True)
class Library:
    """All indicators by canonical id, with a lookup from every alias."""

    indicators: Mapping[str, Indicator]
    budget_lines: Mapping[str, tuple[str, ...]]
    _lookup: Mapping[str, str] = field(repr=False)

    def resolve(self, name: str) -> Indicator | None:
        """The indicator a written name means (exact id or alias, spaces and 'the' punctuation ignored)."""
        key = self._lookup.get(normalize_name(name))
        return self.indicators[key] if key else None

    def suggest(self, name: str) -> str:
        """Close canonical names first (an alias of an unrelated indicator misleads), then close aliases."""
        return did_you_mean(name, self.indicators.keys()) or did_you_mean(name, self._lookup.keys())

    def extended(self, raws: Iterable[Mapping[str, object]], path: Path) -> Library:
        """This library plus a ruleset's own `indicators:` (name, direction, unit, aliases); clashes are errors.

        A formula is checked where it is used (`from: formula`), against the department fields."""
        items = [r for r in raws if isinstance(r, Mapping) and not r.get("remove")]
        if not items:
            return self
        indicators = dict(self.indicators)
        lookup = dict(self._lookup)
        for raw in items:
            ind = _indicator(raw, path)
            for name in (ind.id, *ind.aliases):
                norm = normalize_name(name)
                if norm in lookup and lookup[norm] != ind.id:
                    raise RulesetError(
                        f"名称 '{name}' 已属于指标库中的指标 '{lookup[norm]}'",
                        file=path,
                        rule=ind.id,
                        line=line_of(raw),
                        hint="换一个名称，或直接使用库中的指标",
                    )
                lookup[norm] = ind.id
            indicators[ind.id] = ind
        return Library(indicators, self.budget_lines, lookup)

    def budget_line_key(self, name: str) -> str | None:
        """The canonical budget-line key (total, general, basic…) for a 科目 as written."""
        wanted = normalize_name(name)
        for key, aliases in self.budget_lines.items():
            if wanted == key or wanted in (normalize_name(a) for a in aliases):
                return key
        return None

    def department_fields(self) -> tuple[str, ...]:
        """Names a formula may use: <line>_<money field> per budget line, projects_<field> sums, staff counts."""
        money = tuple(f"{k}_{m}" for k in self.budget_lines for m in MONEY_FIELDS)
        projects = tuple(
            f"projects_{part}{m}"
            for part in ("", "general_", "fund_")
            for m in ("budget_initial", "budget_final", "spent", "carryover")
        )
        return (*money, *projects, "staff_authorized", "staff_actual")


def normalize_name(name: str) -> str:
    """Names compare without spaces, quotes and full-width/half-width differences."""
    return re.sub(r"[\s“”\"'‘’（）()]", "", str(name)).strip()


def load_library(paths: Iterable[Path] | None = None) -> Library:
    """Read every indicators/*.yaml file (or the given ones) into one Library."""
    files = sorted(paths) if paths is not None else resources.indicator_files()
    indicators: dict[str, Indicator] = {}
    lookup: dict[str, str] = {}
    budget_lines: dict[str, tuple[str, ...]] = {}
    for path in files:
        doc = load_yaml(path) or {}
        for key, aliases in (doc.get("budget_lines") or {}).items():
            if key != "__line__":
                budget_lines[key] = tuple(str(a) for a in aliases)
        for raw in doc.get("indicators") or []:
            ind = _indicator(raw, path)
            for name in (ind.id, *ind.aliases):
                norm = normalize_name(name)
                if norm in lookup and lookup[norm] != ind.id:
                    raise RulesetError(
                        f"名称 '{name}' 同时属于指标 '{lookup[norm]}' 和 '{ind.id}'",
                        file=path,
                        rule=ind.id,
                        line=line_of(raw),
                    )
                lookup[norm] = ind.id
            indicators[ind.id] = ind
    return Library(indicators, budget_lines, lookup)


def _indicator(raw: Mapping[str, object], path: Path) -> Indicator:
    ident = str(raw.get("id") or "")
    if not ident:
        raise RulesetError("指标缺少 id", file=path, line=line_of(raw))
    direction = str(raw.get("direction", "higher"))
    if direction not in DIRECTIONS:
        raise RulesetError(
            f"未知方向 '{direction}'",
            file=path,
            rule=ident,
            line=line_of(raw),
            hint=did_you_mean(direction, DIRECTIONS) or "可选 higher / lower / exact",
        )
    patterns = []
    for text in raw.get("patterns") or []:  # type: ignore[attr-defined]
        try:
            patterns.append(re.compile(str(text)))
        except re.error as exc:
            raise RulesetError(f"正则表达式无效：{exc}", file=path, rule=ident, line=line_of(raw)) from exc
    return Indicator(
        id=ident,
        category=str(raw.get("category", "")),
        direction=direction,
        unit=str(raw["unit"]) if raw.get("unit") else None,
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),  # type: ignore[attr-defined]
        formula=str(raw["formula"]) if raw.get("formula") else None,
        patterns=tuple(patterns),
    )


@cache
def default_library() -> Library:
    """The library shipped with perfscore (indicators/*.yaml)."""
    return load_library()

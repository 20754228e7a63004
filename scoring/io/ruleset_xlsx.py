"""A ruleset as a workbook an officer can review and edit, and back: `ruleset export` / `ruleset import`.

One sheet per part — 设置, 权重 (the weight tree, one row per level or set indicator), 计分方法, 未写比较符,
自设指标, 等级, 检查, 问题规则, 测试 — with one column per key. A blank cell means the key is not set.
Lists and mappings (aliases, method parameters, `when:` selectors, test data) are written as YAML in
their cell, exactly as in the ruleset file. The export is of the merged ruleset (extends and include
resolved), so the imported YAML stands alone; export → import compiles to the same ruleset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from scoring.adapters.xlsx import (
    HEAD_FILL,
    FontSpec,
    Grid,
    as_text_cell,
    new_workbook,
    read_grids,
    save,
    set_widths,
    style,
)
from scoring.core.errors import DataError, RulesetError
from scoring.core.yamlio import YamlLimitError, parse_yaml_text, strip_lines
from scoring.rules.ruleset import EXTENDED_KEY, Ruleset

if TYPE_CHECKING:
    from scoring.adapters.xlsx import Workbook, Worksheet


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    as_yaml: bool = False  # lists and mappings: YAML text in the cell
    width: int = 14


def _cols(*spec: tuple[str, str] | tuple[str, str, bool] | tuple[str, str, bool, int]) -> tuple[Column, ...]:
    return tuple(Column(*s) for s in spec)


LEVEL_COLS = _cols(
    ("级次", "级次", False, 8),
    ("name", "名称", False, 18),
    ("aliases", "别名", True, 24),
    ("points", "分值", False, 8),
    ("open", "单位自设（open）"),
    ("split", "分配（split）"),
    ("metric", "计算指标（metric）", False, 18),
    ("method", "计分方法（method）", True, 40),
    ("from", "来源（from）"),
    ("target", "目标（target）"),
    ("category", "汇总类别（category）"),
)
SHEETS: dict[str, tuple[str, tuple[Column, ...]]] = {
    # section → (sheet, columns); 设置 and 权重 are laid out by hand below
    "methods": ("计分方法", _cols(("when", "条件（when）", True, 40), ("method", "计分方法（method）", True, 60))),
    "blank_comparator": (
        "未写比较符",
        _cols(("when", "条件（when）", True, 40), ("comparator", "比较符（comparator）")),
    ),
    "indicators": (
        "自设指标",
        _cols(
            ("id", "指标（id）", False, 18),
            ("aliases", "别名", True, 24),
            ("category", "类别"),
            ("direction", "方向（direction）"),
            ("unit", "单位（unit）"),
            ("formula", "公式（formula）", False, 40),
        ),
    ),
    "grades": ("等级", _cols(("name", "等级（name）"), ("min", "下限（min，含）"), ("max", "上限（max）"))),
    "checks": (
        "检查",
        _cols(
            ("id", "编号（id）", False, 22),
            ("kind", "类型（kind）"),
            ("on", "对象（on）"),
            ("severity", "严重程度"),
            ("title", "名称（title）", False, 36),
            ("left", "左边（left）"),
            ("right", "右边（right）", True, 30),
            ("tolerance", "容差"),
            ("expect", "期望（expect）", False, 30),
            ("message", "提示（message）", False, 30),
            ("factor", "倍数（factor）"),
            ("minimum", "下限（minimum）"),
            ("kinds", "核对项（kinds）", True, 24),
        ),
    ),
    "findings": (
        "问题规则",
        _cols(
            ("id", "编号（id）", False, 24),
            ("on", "对象（on）"),
            ("when", "条件（when）", False, 40),
            ("severity", "严重程度"),
            ("category", "类别"),
            ("problem", "问题（problem）", False, 50),
            ("cause", "原因（cause）", False, 40),
            ("cause_given", "单位说明时的原因（cause_given）", False, 40),
            ("measure", "措施（measure）", False, 50),
            ("merge_key", "合并键（merge_key）"),
            ("problem_merged", "合并后问题", False, 40),
        ),
    ),
    "tests": (
        "测试",
        _cols(
            ("name", "名称（name）", False, 28),
            ("data", "数据（data）", True, 80),
            ("expect", "期望（expect）", True, 50),
        ),
    ),
}
SETTINGS = (
    "format",
    "name",
    "version",
    "title",
    "source",
    "years.from",
    "years.to",
    "scope",
    "total",
    "missing_level",
    "overachievement.threshold",
    "overachievement.require_reason",
    "overachievement.penalty",
    "overachievement.per_excess",
    "overachievement.cap",
    "overachievement.even_with_reason",
)
ORDER = (
    "format",
    "name",
    "version",
    "title",
    "source",
    "years",
    "scope",
    "total",
    "indicators",
    "levels",
    "missing_level",
    "blank_comparator",
    "methods",
    "overachievement",
    "checks",
    "grades",
    "findings",
    "tests",
)
TIERS = ("一级", "二级", "指标")
BOLD = FontSpec(bold=True)


def _dump(value: Any, block: bool = False) -> str:
    if isinstance(value, str):
        return value
    text = yaml.safe_dump(value, default_flow_style=not block, allow_unicode=True, sort_keys=False, width=10_000)
    return str(text).removesuffix("\n...\n").strip()


def _cell(value: Any, col: Column) -> Any:
    if value is None:
        return None
    return _dump(value, block=col.key == "data") if col.as_yaml else value


def _as_text(cell: Any) -> None:
    """A target like "=0次" is text, not an Excel formula (which would read back empty)."""
    if isinstance(cell.value, str) and cell.value.startswith("="):
        as_text_cell(cell)


def _sheet(book: Workbook, title: str, cols: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> Worksheet:
    ws = book.create_sheet(title)
    ws.append([c.header for c in cols])
    for i in range(1, len(cols) + 1):
        style(ws.cell(row=1, column=i), fill=HEAD_FILL, font=BOLD)
    set_widths(ws, {i: c.width for i, c in enumerate(cols, start=1)})
    for row in rows:
        ws.append([_cell(row.get(c.key), c) for c in cols])
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            style(cell, align="wrap")
            _as_text(cell)
    ws.freeze_panes = "A2"
    return ws


def _level_rows(levels: Sequence[Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(level: Any, tier: str) -> None:
        lv: dict[str, Any] = {"name": level} if isinstance(level, str) else dict(level)
        rows.append({"级次": tier, **{k: v for k, v in lv.items() if k not in ("children", "indicators")}})
        rows.extend(
            {"级次": "指标", "name": fi.get("id"), **{k: v for k, v in fi.items() if k != "id"}}
            for fi in lv.get("indicators") or ()
        )
        for child in lv.get("children") or ():
            add(child, "二级")

    for level in levels:
        add(level, "一级")
    return rows


def export_ruleset(rs: Ruleset, out: Path) -> None:
    """Write the merged ruleset as a workbook (see the module docstring for its layout)."""
    doc = {k: v for k, v in strip_lines(rs.raw).items() if k not in (EXTENDED_KEY, "include", "extends")}
    book, about = new_workbook("说明")
    assert about is not None
    notes = [
        f"规则集：{rs.label}",
        "由 perfscore ruleset export 导出；修改后用 perfscore ruleset import 本文件 -o 新规则集.yaml 转回。",
        "每个工作表对应规则集的一部分，每列对应一个键（列名括号内为 YAML 中的键名）。空单元格表示不设置（取默认值）。",
        "别名、计分方法参数、条件（when）、测试数据等列表或映射，在单元格内按 YAML 写法填写，如 [预算执行, 资金执行率]。",
        "权重表：级次为 一级 / 二级 / 指标；“指标”行属于它上方最近的一级或二级。分值之和须与上级相等。",
        "以 = 开头的目标（如 =0次）在 Excel 中请先输入单引号：'=0次，否则会被当作公式。",
    ]
    for line in notes:
        about.append([line])
    set_widths(about, {1: 120})
    settings = book.create_sheet("设置")
    settings.append(["键", "值"])
    for key in SETTINGS:
        head, _, sub = key.partition(".")
        value = (doc.get(head) or {}).get(sub) if sub else doc.get(head)
        if value is not None:
            settings.append([key, value])
            _as_text(settings.cell(row=settings.max_row, column=2))
    set_widths(settings, {1: 32, 2: 60})
    _sheet(book, "权重", LEVEL_COLS, _level_rows(doc.get("levels") or ()))
    for section, (title, cols) in SHEETS.items():
        _sheet(book, title, cols, [dict(x) for x in doc.get(section) or () if isinstance(x, Mapping)])
    save(book, out)


# ---------------------------------------------------------------- import


def _read(ws: Grid, cols: Sequence[Column], book: Path) -> list[dict[str, Any]]:
    """Rows of a sheet as mappings, columns found by header; YAML cells parsed; blank cells left out."""
    rows = ws.rows
    if not rows:
        return []
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    known = {c.header: c for c in cols}
    unknown = [h for h in headers if h and h not in known]
    if unknown:
        raise RulesetError(
            f"未知的列「{unknown[0]}」", file=book, rule=f"工作表「{ws.title}」第1行", hint="可用：" + "、".join(known)
        )
    out = []
    for n, values in enumerate(rows[1:], start=2):
        row: dict[str, Any] = {}
        for header, value in zip(headers, values, strict=False):
            if not header or value is None or (isinstance(value, str) and not value.strip()):
                continue
            col = known[header]
            if col.as_yaml and isinstance(value, str):
                try:
                    value = parse_yaml_text(value)
                except (yaml.YAMLError, YamlLimitError) as exc:
                    raise RulesetError(
                        f"单元格不是有效的 YAML：{exc}", file=book, rule=f"工作表「{ws.title}」第{n}行「{header}」列"
                    ) from None
            row[col.key] = value
        if row:
            out.append(row)
    return out


def _levels(rows: Sequence[dict[str, Any]], book: Path) -> list[dict[str, Any]]:
    levels: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None  # the level an 指标 row belongs to
    for n, row in enumerate(rows, start=2):
        tier = str(row.pop("级次", ""))
        if tier not in TIERS:
            raise RulesetError(
                f"级次应为 一级 / 二级 / 指标，而不是 '{tier}'", file=book, rule=f"工作表「权重」第{n}行"
            )
        if tier == "一级":
            current = dict(row)
            levels.append(current)
        elif tier == "二级":
            if not levels:
                raise RulesetError("二级指标之前没有一级指标", file=book, rule=f"工作表「权重」第{n}行")
            current = dict(row)
            levels[-1].setdefault("children", []).append(current)
        else:
            if current is None:
                raise RulesetError("“指标”行之前没有一级或二级指标", file=book, rule=f"工作表「权重」第{n}行")
            fixed = {"id": row.pop("name", None), **row}
            current.setdefault("indicators", []).append(fixed)
    return levels


def import_ruleset(book: Path) -> dict[str, Any]:
    """The ruleset a workbook written by `export_ruleset` (and perhaps edited) describes, as a YAML mapping."""
    try:
        grids = {g.title: g for g in read_grids(book, formulas=False)}
    except DataError as exc:
        raise RulesetError(
            f"无法读取工作簿：{exc.args[0]}", file=book, hint="请使用 ruleset export 导出的 .xlsx 文件"
        ) from None
    doc: dict[str, Any] = {}
    if "设置" in grids:
        for n, (key, value, *_) in enumerate(grids["设置"].rows[1:], start=2):
            if key is None or value is None:
                continue
            if str(key) not in SETTINGS:
                raise RulesetError(
                    f"未知的设置「{key}」",
                    file=book,
                    rule=f"工作表「设置」第{n}行",
                    hint="可用：" + "、".join(SETTINGS),
                )
            head, _, sub = str(key).partition(".")
            if sub:
                doc.setdefault(head, {})[sub] = value
            else:
                doc[head] = value
    if "权重" in grids:
        doc["levels"] = _levels(_read(grids["权重"], LEVEL_COLS, book), book)
    for section, (title, cols) in SHEETS.items():
        if title in grids:
            rows = _read(grids[title], cols, book)
            if rows:
                doc[section] = rows
    return {k: doc[k] for k in ORDER if k in doc}


def ruleset_yaml(doc: Mapping[str, Any], source: str = "") -> str:
    """The YAML text of an imported ruleset, with a header saying where it came from."""
    head = f"# 由 perfscore ruleset import 从 {source} 生成\n" if source else ""
    body = yaml.safe_dump(dict(doc), allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
    return head + str(body)

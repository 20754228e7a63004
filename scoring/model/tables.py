"""The input tables: sheet names, their columns (Chinese headers with aliases) and internal field names."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.rules.indicators import normalize_name


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    numeric: bool = False
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    sheet: str
    columns: tuple[Column, ...]

    def header_map(self) -> dict[str, str]:
        """Normalised header text → field name, for every header and alias."""
        out: dict[str, str] = {}
        for col in self.columns:
            for name in (col.header, *col.aliases, col.field):
                out[normalize_name(name)] = col.field
        return out

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)


_DEPT = Column(
    "dept_code", "部门编码", ("单位编码", "部门代码", "单位代码"), comment="部门（单位）唯一编码，如 431202001"
)

DEPARTMENTS = Table(
    "departments",
    "单位信息",
    (
        Column("dept_code", "部门编码", ("单位编码", "部门代码", "单位代码"), required=True, comment=_DEPT.comment),
        Column("dept_name", "部门名称", ("单位名称", "部门（单位）名称"), required=True),
        Column(
            "year", "年度", ("预算年度", "评价年度"), required=True, numeric=True, comment="自评所属财政年度，如 2024"
        ),
        Column("staff_authorized", "编制人数", ("编制数",), numeric=True),
        Column("staff_actual", "在职人数", ("在编人数", "实有人数"), numeric=True),
        # Text only the department knows; the report carries it, or leaves a 【待单位补充】 placeholder.
        Column(
            "organization",
            "机构设置",
            ("内设机构", "机构设置情况"),
            comment="单位性质、内设股室和所属二级机构，写入自评报告“基本情况”",
        ),
        Column(
            "functions", "主要职能", ("单位职能", "职能"), comment="单位主要职能和年度重点工作，写入自评报告“基本情况”"
        ),
        # Who the department reports to and its 功能分类 行业: the bureau's 汇总表 sums by both (optional, blank
        # allowed). Last, so writers that fill the first columns by position (extract) are unaffected.
        Column(
            "supervisor",
            "主管部门",
            ("归口部门", "主管单位"),
            comment="本单位的主管部门；主管部门本身可填本单位名称或留空",
        ),
        Column(
            "sector",
            "行业",
            ("功能分类", "所属行业", "行业（功能分类）"),
            comment="支出功能分类（类），如 城乡社区支出、教育支出、卫生健康支出",
        ),
    ),
)

BUDGET = Table(
    "budget",
    "预算收支",
    (
        _DEPT,
        Column(
            "line",
            "科目",
            ("预算科目", "收支项目", "项目"),
            required=True,
            comment="合计 / 一般公共预算 / 基本支出 / 人员经费 / 公用经费 / 项目支出 / 政府性基金 / 三公经费 / 结转结余",
        ),
        Column("budget_initial", "年初预算数", ("年初预算",), numeric=True, comment="万元"),
        Column("budget_final", "全年预算数", ("调整后预算数", "全年预算"), numeric=True, comment="万元，调整后预算"),
        Column("spent", "全年执行数", ("实际支出", "执行数", "全年支出数"), numeric=True, comment="万元"),
        Column("prior_spent", "上年执行数", ("上年支出数", "上年数"), numeric=True, comment="万元，用于变动率"),
    ),
)

# 资金来源 (issue 12): the 其中 rows of the MoF funds block (财预〔2020〕10号 附件: 当年财政拨款, 上年结转资金,
# 其他资金), each with the three amounts of the total. Optional: blank is unknown — shown blank, never as 0.
FUND_SOURCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("current", "财政拨款", ("当年财政拨款", "本年财政拨款", "财政资金")),
    ("carried", "上年结转", ("上年结转资金",)),
    ("other", "其他资金", ()),
)
_FUND_AMOUNTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("budget_initial", "年初预算数", ("年初预算",)),
    ("budget_final", "全年预算数", ("调整后预算数", "全年预算")),
    ("spent", "全年执行数", ("执行数",)),
)


def source_field(source: str, amount: str) -> str:
    """The 项目支出 column of one source's amount: source_field("current", "spent") → "current_spent"."""
    return f"{source}_{amount}"


def _source_columns() -> tuple[Column, ...]:
    out = []
    for source, label, source_aliases in FUND_SOURCES:
        for amount, head, amount_aliases in _FUND_AMOUNTS:
            aliases = tuple(p + a for p in (label, *source_aliases) for a in (head, *amount_aliases))[1:]
            out.append(
                Column(
                    source_field(source, amount),
                    label + head,
                    aliases,
                    numeric=True,
                    comment=f"万元，其中{label}部分（可选；留空表示不详，不按 0 计）",
                )
            )
    return tuple(out)


PROJECTS = Table(
    "projects",
    "项目支出",
    (
        _DEPT,
        Column("project_code", "项目编码", ("项目代码", "项目编号"), required=True),
        Column("project_name", "项目名称", (), required=True),
        Column("fund_type", "资金性质", ("资金来源", "预算类型"), comment="一般公共预算 / 政府性基金"),
        Column("budget_initial", "年初预算数", ("年初预算",), numeric=True, comment="万元"),
        Column("budget_final", "全年预算数", ("调整后预算数", "全年预算"), numeric=True, comment="万元"),
        Column("spent", "全年执行数", ("实际支出", "执行数"), numeric=True, comment="万元"),
        Column("carryover", "结转结余", ("结余结转", "结转结余资金"), numeric=True, comment="万元"),
        Column("period", "数据期间", ("统计期间",), comment="如 1—12月；只覆盖部分年度时写 1—10月"),
        Column(
            "published_score",
            "执行率得分",
            ("预算执行率得分",),
            numeric=True,
            comment="单位自评的预算执行率得分（可选），与 perfscore 得分并列显示",
        ),
        Column(
            "description",
            "项目概况",
            ("项目说明", "绩效情况说明", "说明"),
            comment="年度总体目标、资金主要用途、完成的主要工作和成效，写入自评报告该项目一节",
        ),
        # Last, so writers that fill the first columns by position (extract) are unaffected.
        *_source_columns(),
    ),
)

INDICATORS = Table(
    "indicators",
    "绩效指标",
    (
        _DEPT,
        Column("project_code", "项目编码", ("项目代码", "项目编号"), comment="留空表示部门整体指标"),
        Column("level1", "一级指标", (), required=True),
        Column("level2", "二级指标", ()),
        Column("name", "三级指标", ("指标名称",), required=True),
        Column(
            "target",
            "年度指标值",
            ("指标值", "目标值", "年度目标值"),
            required=True,
            comment="如 ≥95%、≤90万元、达成预期指标",
        ),
        Column("actual", "实际完成值", ("实际值", "完成值", "全年实际值"), comment="如 96.39%、112252件、达成预期指标"),
        Column("weight", "分值", ("权重", "指标分值"), numeric=True),
        Column(
            "published_score",
            "得分",
            ("自评得分",),
            numeric=True,
            comment="单位自评得分（可选），与 perfscore 得分并列显示",
        ),
        Column("reason", "偏差原因", ("偏差原因分析及改进措施", "未完成原因"), comment="未完成或超额较多时必填"),
        Column("override_score", "人工调整得分", ("调整得分",), numeric=True),
        Column("override_reason", "调整理由", ("调整原因",)),
    ),
)

# 部门整体绩效指标（部门整体支出自评用）：与绩效指标同列，但不属于任何项目。
DEPT_INDICATORS = Table(
    "dept_indicators", "整体绩效指标", tuple(c for c in INDICATORS.columns if c.field != "project_code")
)

# 核对：text checks a reviewer keeps beside the data (written by `perfscore extract`): a year other than the
# fiscal year, data covering part of the year, amounts in 元. Read back so that findings can name them.
NOTES = Table(
    "notes",
    "核对",
    (
        _DEPT,
        Column("kind", "类别", (), required=True, comment="年度 / 数据期间 / 金额单位 / 勾稽关系 …"),
        Column("severity", "严重程度", ()),
        Column("status", "状态", (), comment="不符 / 尾差 / 提示"),
        Column("subject", "对象", ()),
        Column("message", "说明", (), required=True),
        Column("sentence", "来源句", ()),
    ),
)

INPUT_TABLES: tuple[Table, ...] = (DEPARTMENTS, BUDGET, PROJECTS, INDICATORS, DEPT_INDICATORS)
TABLES: tuple[Table, ...] = (*INPUT_TABLES, NOTES)
SOURCE_COLUMNS = ("_file", "_sheet", "_row")

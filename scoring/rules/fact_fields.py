"""The fact fields findings rules may use, with their types and meanings (rule expressions and templates are checked against them)."""

from __future__ import annotations

from collections.abc import Mapping

_COMMON: dict[str, type] = {"kind": str, "dept_code": str, "dept_name": str, "year": float}


SCHEMA: Mapping[str, Mapping[str, type]] = {
    "indicator": {
        **_COMMON, "project_code": str, "project_name": str, "level1": str, "level2": str, "name": str,
        "indicator_id": str, "target_text": str, "actual_text": str, "unit": str, "comparator": str,
        "target": float, "actual": float, "completion": float, "over_ratio": float, "points": float,
        "weight": float, "share": float, "lost": float, "qualitative": bool, "overachieved": bool,
        "reason_missing": bool, "has_reason": bool, "method": str, "direction": str, "source": str,
        "adjusted": bool, "published": float, "published_diff": float, "deviation_reason": str,
    },
    "project": {
        **_COMMON, "project_code": str, "project_name": str, "budget_initial": float, "budget_final": float,
        "spent": float, "carryover": float, "execution_rate": float, "adjustment_rate": float,
        "adjustment": float, "carryover_rate": float, "period_months": float, "total": float, "grade": str,
        "n_indicators": float, "n_quantitative": float, "quantitative_share": float, "n_below_target": float,
        "has_output": bool, "has_benefit": bool, "has_satisfaction": bool, "satisfaction_surveyed": bool,
        "status": str, "provisional": bool, "n_rejected": float, "rejected_levels": str,
        "output_rejected": bool, "benefit_rejected": bool, "satisfaction_rejected": bool,
    },
    "department": {
        **_COMMON, "total": float, "grade": str, "rank": float, "n_projects": float, "budget_initial": float,
        "budget_final": float, "spent": float, "execution_rate": float, "adjustment_rate": float,
        "carryover": float, "carryover_rate": float, "n_checks_failed": float, "n_indicators": float,
        "quantitative_share": float, "status": str, "provisional": bool, "n_rejected": float,
    },
    "check": {
        **_COMMON, "check_id": str, "title": str, "severity": str, "status": str, "subject": str,
        "expected": float, "actual": float, "difference": float, "message": str,
    },
}


# What each field means, for rule authors (`perfscore ruleset fields`). "kind.field" overrides "field".
FIELD_DOCS: Mapping[str, str] = {
    "kind": "事实类型：indicator / project / department / check",
    "dept_code": "部门编码", "dept_name": "部门名称", "year": "财政年度",
    "project_code": "项目编码（部门整体指标为空）", "project_name": "项目名称",
    "level1": "一级指标（规则集中的规范名称）", "level2": "二级指标", "name": "三级指标（填报名称）",
    "indicator_id": "指标库中的规范指标名（不在库中时同 name）",
    "target_text": "年度指标值（原文）", "actual_text": "实际完成值（原文）", "unit": "计量单位（万元、%、件…）",
    "comparator": "目标比较符：>=、<=、=、range", "target": "目标数值（金额为万元，比率为百分数）",
    "actual": "实际数值（同 target 的单位）",
    "completion": "完成比例：实际/目标（越低越好的指标为保留分值比例），封顶前的值",
    "over_ratio": "实际/目标（用于判断超额完成）", "points": "得分（人工调整后）", "weight": "分值",
    "share": "得分/分值", "lost": "失分：分值 − 得分（按显示精度取整，不足 0.01 分为 0）", "qualitative": "实际完成值为定性文字",
    "overachieved": "实际达到目标的超额阈值（如 130%）以上", "reason_missing": "超额完成但未填偏差原因",
    "has_reason": "填写了偏差原因", "deviation_reason": "偏差原因（单位填报原文）", "method": "计分方法", "direction": "higher / lower / exact",
    "source": "来源：input（单位自设）、metric（执行率）、formula（由预算数据推导）、projects（汇总项目）、"
              "reported（整体绩效指标表填报）、missing（缺失）",
    "adjusted": "有人工调整得分", "published": "单位自评得分", "published_diff": "得分 − 单位自评得分",
    "budget_initial": "年初预算数（万元）", "budget_final": "全年预算数（万元）", "spent": "全年执行数（万元）",
    "carryover": "结转结余（万元）", "execution_rate": "预算执行率（比例，0.9 = 90%）",
    "adjustment_rate": "预算调整幅度 |全年预算 − 年初预算| / 年初预算（比例）",
    "adjustment": "全年预算 − 年初预算（万元）", "carryover_rate": "结转结余 / 全年预算（比例）",
    "period_months": "数据覆盖的月数（1—10月 为 10）", "total": "总分", "grade": "等级",
    "n_indicators": "绩效指标个数", "n_quantitative": "定量指标个数", "quantitative_share": "定量指标占比",
    "n_below_target": "未达目标的指标个数", "has_output": "设有产出指标", "has_benefit": "设有效益指标",
    "has_satisfaction": "设有满意度指标", "satisfaction_surveyed": "满意度以调查数值自评（而非定性文字）",
    "rank": "排名", "n_projects": "项目个数", "n_checks_failed": "不符的一致性检查条数",
    "check_id": "检查编号（规则集 checks 中的 id）", "title": "检查名称（text 类检查为“核对”表的类别）",
    "severity": "严重程度 high / medium / low", "status": "fail（不符）/ rounding（尾差）/ note（提示）",
    "subject": "检查对象", "expected": "应为", "difference": "差额", "message": "检查说明",
    "check.actual": "实为",
    "department.status": "评分状态：完成评分 / 未完成评分（有被拒绝的行）",
    "project.status": "评分状态：完成评分 / 未完成评分（有被拒绝的行）", "provisional": "得分为暂定（有被拒绝的行）",
    "n_rejected": "被拒绝的输入行数", "rejected_levels": "被拒绝的指标行所属一级指标（顿号分隔）",
    "output_rejected": "有产出指标行被拒绝", "benefit_rejected": "有效益指标行被拒绝",
    "satisfaction_rejected": "有满意度指标行被拒绝",
}


def field_doc(kind: str, field: str) -> str:
    return FIELD_DOCS.get(f"{kind}.{field}") or FIELD_DOCS.get(field, "")


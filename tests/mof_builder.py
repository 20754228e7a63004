"""Build MoF 项目支出绩效自评表 workbooks for the tests: merged cells, spacer rows, formulas, several projects.

The data are three projects of examples/lusong-chengguan (P01, P04, P08) with published 分值 and 得分.
openpyxl cannot compute formulas, so it saves formula cells without a cached value; `set_cached_values`
writes the cached value into the saved file (as Excel would), so both cases can be tested.

Regenerate the committed fixture with:  python tests/mof_builder.py tests/data/mof-自评表-芦淞城管.xlsx
"""

from __future__ import annotations

import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

DEPT = "株洲市芦淞区城市管理和综合执法局"
YEAR = 2024
LEVEL_POINTS = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
# (一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因)
Row = tuple[str, str, str, str, str, float, float, str]


@dataclass(frozen=True)
class MofProject:
    sheet: str
    name: str
    implementer: str
    funds: tuple[float, float, float]  # 年初预算数, 全年预算数, 全年执行数
    rows: tuple[Row, ...]
    goal: tuple[str, str] = ("按计划完成年度任务", "已完成年度任务")
    level_points: bool = False  # write 一级 as "产出指标(50分)"
    merge_levels: bool = True  # False: 一级/二级 written once, the cells below left blank (no merge)
    formula_score_row: int | None = None  # index into rows whose 得分 is the formula =分值 (full marks)


PROJECTS = (
    MofProject(
        "数字化城管",
        "数字化城管指挥中心运行项目",
        "株洲市芦淞区数字化城市管理指挥中心",
        (129.44, 129.44, 129.44),
        (
            ("产出指标", "数量指标", "立案数", "≥100000件", "112252件", 10, 10, ""),
            ("产出指标", "数量指标", "结案数", "≥95000件", "108196件", 10, 10, ""),
            ("产出指标", "数量指标", "督查通报期数", "≥4期", "5期", 10, 10, ""),
            ("产出指标", "质量指标", "结案率", "≥95%", "96.39%", 10, 10, ""),
            ("产出指标", "时效指标", "按期结案率", "≥90%", "81.32%", 10, 9, "部分案件涉及多部门协调，处置周期较长"),
            ("效益指标", "社会效益指标", "城市管理问题处置效率", "有效提升", "达成预期指标", 30, 30, ""),
            ("满意度指标", "服务对象满意度指标", "市民满意度", "达成预期指标", "达成预期指标", 10, 10, ""),
        ),
        formula_score_row=0,
    ),
    MofProject(
        "城管考评",
        "城管考评、龙泉片区提质、中心广场等项目",
        DEPT,
        (70.5, 70.5, 70.5),
        (
            ("产出指标", "数量指标", "市容集中整治次数", "≥60次", "85次", 15, 15, ""),
            (
                "产出指标",
                "数量指标",
                "取缔占道经营",
                "≥1000起",
                "1480起",
                15,
                15,
                "龙泉片区提质攻坚期间开展专项整治，执法频次高于年初计划",
            ),
            ("产出指标", "质量指标", "垃圾容器更新率", "≥95%", "90%", 10, 9.5, ""),
            ("产出指标", "成本指标", "项目成本", "≤75万元", "70.5万元", 10, 10, ""),
            ("效益指标", "社会效益指标", "片区市容环境", "明显改善", "达成预期指标", 30, 30, ""),
            ("满意度指标", "服务对象满意度指标", "片区居民满意度", "达成预期指标", "达成预期指标", 10, 10, ""),
        ),
        level_points=True,
    ),
    MofProject(
        "小游园",
        "小游园提质改造项目",
        DEPT,
        (164.56, 164.56, 164.56),
        (
            ("产出指标", "数量指标", "微公园建设数量", "≥2个", "2个", 15, 15, ""),
            ("产出指标", "数量指标", "微公园建设面积", "≥10000平方米", "11000平方米", 15, 15, ""),
            ("产出指标", "成本指标", "建设成本", "≤170万元", "164.56万元", 20, 20, ""),
            ("效益指标", "社会效益指标", "居民休闲空间", "有效增加", "达成预期指标", 30, 30, ""),
            ("满意度指标", "服务对象满意度指标", "周边居民满意度", "达成预期指标", "达成预期指标", 10, 10, ""),
        ),
        merge_levels=False,
    ),
)

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _put(ws: Worksheet, ref: str, value: object, merge_to: str | None = None) -> None:
    ws[ref] = value
    ws[ref].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if merge_to:
        ws.merge_cells(f"{ref}:{merge_to}")


def write_sheet(ws: Worksheet, p: MofProject, dept: str = DEPT, year: int | None = YEAR) -> dict[str, str]:
    """Lay one project out as the MoF table; returns {purpose: cell} for the formula cells written."""
    formulas: dict[str, str] = {}
    _put(ws, "A1", "项目支出绩效自评表", "I1")
    ws["A1"].font = Font(bold=True, size=16)
    _put(ws, "A2", f"（{year}年度）" if year else "", "I2")
    _put(ws, "A3", "项目名称", "B3")
    _put(ws, "C3", p.name, "I3")
    _put(ws, "A4", "主管部门", "B4")
    _put(ws, "C4", dept, "E4")
    _put(ws, "F4", "实施单位")
    _put(ws, "G4", p.implementer, "I4")
    # funds block: label column A merged down, row labels in B, numbers C..H
    _put(ws, "A5", "项目资金（万元）", "A9")
    for col, title in zip("CDEFGH", ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), strict=True):
        _put(ws, f"{col}5", title)
    initial, final, spent = p.funds
    _put(ws, "B6", "年度资金总额")
    ws["C6"], ws["D6"], ws["E6"], ws["F6"] = initial, final, spent, 10
    ws["G6"] = "=E6/D6"
    ws["G6"].number_format = "0.00%"
    ws["H6"] = "=MIN(G6*F6,F6)"
    formulas.update({"rate": "G6", "exec_score": "H6"})
    for r, (label, share) in enumerate((("其中：当年财政拨款", 1.0), ("上年结转资金", 0.0), ("其他资金", 0.0)), 7):
        _put(ws, f"B{r}", label)
        ws[f"C{r}"], ws[f"D{r}"], ws[f"E{r}"] = initial * share, final * share, spent * share
        for col in "FGH":
            ws[f"{col}{r}"] = "—"
    # row 10: blank spacer
    _put(ws, "A11", "年度总体目标", "A12")
    _put(ws, "B11", "预期目标", "E11")
    _put(ws, "F11", "实际完成情况", "I11")
    _put(ws, "B12", p.goal[0], "E12")
    _put(ws, "F12", p.goal[1], "I12")
    # row 13: blank spacer; indicator block from row 14
    head = 14
    for col, text in zip(
        "BCDEFGHI",
        ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"),
        strict=True,
    ):
        _put(ws, f"{col}{head}", text)
    r = head + 1
    spans: dict[str, list[tuple[int, int]]] = {"B": [], "C": []}
    last: dict[str, str | None] = {"B": None, "C": None}
    for i, (l1, l2, name, target, actual, weight, score, reason) in enumerate(p.rows):
        if i and p.rows[i - 1][0] != l1 and l1 == "效益指标":
            r += 1  # a blank spacer row between the 产出 and 效益 groups
            last = {"B": None, "C": None}
        shown1 = f"{l1}({LEVEL_POINTS[l1]}分)" if p.level_points else l1
        for col, value in (("B", shown1), ("C", l2)):
            key = value if col == "B" else f"{l1}/{l2}"
            if last[col] == key and spans[col]:
                spans[col][-1] = (spans[col][-1][0], r)
                if not p.merge_levels:
                    continue
            else:
                spans[col].append((r, r))
                ws[f"{col}{r}"] = value
            last[col] = key
        ws[f"D{r}"], ws[f"E{r}"], ws[f"F{r}"], ws[f"G{r}"] = name, target, actual, weight
        if p.formula_score_row == i:
            ws[f"H{r}"] = f"=G{r}"
            formulas["indicator_score"] = f"H{r}"
        else:
            ws[f"H{r}"] = score
        ws[f"I{r}"] = reason or None
        r += 1
    if p.merge_levels:
        for col, ranges in spans.items():
            for top, bottom in ranges:
                if bottom > top:
                    ws.merge_cells(f"{col}{top}:{col}{bottom}")
    _put(ws, f"A{head}", "绩效指标", f"A{r - 1}")
    r += 1  # spacer before the total
    _put(ws, f"B{r}", "总分", f"F{r}")
    ws[f"G{r}"] = f"=SUM(G{head + 1}:G{r - 1})"
    ws[f"H{r}"] = f"=SUM(H{head + 1}:H{r - 1})"
    formulas["total"] = f"H{r}"
    for row in ws.iter_rows(min_row=3, max_row=r, max_col=9):
        for cell in row:
            cell.border = _BOX
    for col, width in zip("ABCDEFGHI", (12, 16, 18, 22, 16, 16, 10, 10, 30), strict=True):
        ws.column_dimensions[col].width = width
    return formulas


def build_workbook(
    path: Path,
    projects: tuple[MofProject, ...] = PROJECTS,
    *,
    dept: str = DEPT,
    year: int | None = YEAR,
    cached: bool = True,
    notes_sheet: bool = True,
) -> dict[str, dict[str, str]]:
    """Write a MoF-layout workbook, one project per sheet; returns each sheet's formula cells.

    cached=True writes Excel-style cached values for the formula cells (see set_cached_values).
    """
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    formulas = {}
    for p in projects:
        formulas[p.sheet] = write_sheet(wb.create_sheet(p.sheet), p, dept, year)
    if notes_sheet:
        wb.create_sheet("填报说明")["A1"] = "本工作簿每个工作表为一个项目的自评表。"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    if cached:
        set_cached_values(path, cached_values(projects, formulas))
    return formulas


def cached_values(
    projects: tuple[MofProject, ...], formulas: dict[str, dict[str, str]]
) -> dict[str, dict[str, object]]:
    """What Excel would cache for each formula cell build_workbook wrote."""
    values: dict[str, dict[str, object]] = {}
    for p in projects:
        cells = formulas[p.sheet]
        _initial, final, spent = p.funds
        rate = spent / final
        v: dict[str, object] = {
            cells["rate"]: rate,
            cells["exec_score"]: min(rate * 10, 10),
            cells["total"]: sum(row[6] for row in p.rows),
        }
        if "indicator_score" in cells:
            v[cells["indicator_score"]] = p.rows[p.formula_score_row or 0][5]
        values[p.sheet] = v
    return values


def set_cached_values(path: Path, values: dict[str, dict[str, object]]) -> None:
    """Write cached results into formula cells of a saved workbook, as Excel does when it saves.

    openpyxl writes a formula cell as <c r="H15"><f>G15</f><v></v></c>; this fills the <v>.
    """
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    workbook = files["xl/workbook.xml"].decode()
    rels = files["xl/_rels/workbook.xml.rels"].decode()
    targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    for name, rid in re.findall(r'<sheet[^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook):
        if name not in values:
            continue
        target = targets[rid].lstrip("/")
        part = target if target.startswith("xl/") else str(PurePosixPath("xl") / target)
        xml = files[part].decode()
        for ref, value in values[name].items():
            pattern = re.compile(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(?:<v\s*/>|<v>[^<]*</v>)?(</c>)')
            xml, count = pattern.subn(rf"\g<1>\g<2><v>{value}</v>\g<3>", xml)
            if count != 1:
                raise ValueError(f"{name}!{ref} is not a formula cell")
        files[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in files.items():
            z.writestr(member, data)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/data/mof-自评表-芦淞城管.xlsx")
    build_workbook(out)
    print(f"已写入 {out}")

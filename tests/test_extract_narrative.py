"""Headline figures, unit names and year context read by the phrasings file (issue 14).

Expected values are read by hand from the sentences themselves; the corpus-wide figures are in
tests/test_extract_corpus.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.io.extract import extract_text
from scoring.io.extract.narrative import load_phrasings, read_figures, settle, unit_name, year_is_history

DATA = Path(__file__).parent / "data"
LUSONG = DATA / "lusong-chengguan-2024-selfeval.txt"


def _unit(text: str) -> dict[str, float]:
    unit, _ = settle(read_figures(text))
    return {m: f.value for m, f in unit.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "年初批复预算8个项目985万元(含1个年初结转结余项目50万元),调整预算后项目预算861.46万元,实际到位资金334.67万元。",
            {"initial": 985.0, "final": 861.46, "received": 334.67},
        ),
        (
            "年初预算120万元，全年预算150万元，实际支出138.5万元，结转结余11.5万元。",
            {"initial": 120.0, "final": 150.0, "spent": 138.5, "carryover": 11.5},
        ),
        ("项目总投资39.2696万元,其中:中央财政衔接资金39万元,自筹资金2696元。", {"final": 39.2696}),
        ("衔接资金105万元已全部到位。", {"received": 105.0}),
        (
            "下达补助资金2.00万元。财政资金已全部到位。资金已使用2.00万元,结余0万元。",
            {"final": 2.0, "received": 2.0, "spent": 2.0, "carryover": 0.0},
        ),
        ("全年预算1.2亿元，实际支出11,500,000元。", {"final": 12000.0, "spent": 1150.0}),
        ("预算资金13.971129万并且全部到位。", {"final": 13.971129, "received": 13.971129}),
        ("项目资金共39.2696万元,项目目前未实施,资金未使用。", {"final": 39.2696, "spent": 0.0}),
        ("1、收入:792.22万元。同比上年度增加189.25万元。其中:财政拨款收入792.22万元。", {"received": 792.22}),
    ],
    ids=[
        "honghe-nested-han",
        "four-meanings",
        "qizhong-components",
        "received-after",
        "received-implied",
        "yi-and-yuan",
        "bare-wan",
        "not-used-is-zero",
        "income-not-growth",
    ],
)
def test_figures_by_nearest_phrase(text: str, expected: dict[str, float]) -> None:
    assert _unit(text) == pytest.approx(expected)


def test_unclear_amount_is_left_out_with_its_sentence() -> None:
    reading = read_figures("国家基本公共卫生服务项目州级补助资金2.00万元,截至12月31日,资金已使用2.00万元。")
    assert [(f.meaning, f.value) for f in reading.figures] == [("spent", 2.0)]
    (unsure,) = reading.unsure
    assert unsure.text == "2.00万元" and unsure.sentence.startswith("国家基本公共卫生服务项目州级补助资金")


def test_projects_and_their_budgets() -> None:
    text = (
        "该项目分三批实施,一批项目县级批复总投资3374.3万元(其中建筑工程3292万元),二批项目县级批复总投资2069.51万元"
        "(其中建筑工程1975.775万元),合计批复总投资5443.81万元。"
    )
    unit, projects = settle(read_figures(text))
    assert {n: {m: f.value for m, f in p.items()} for n, p in projects.items()} == {
        "一批项目": {"final": 3374.3},
        "二批项目": {"final": 2069.51},
    }
    assert unit["final"].value == 5443.81


def test_one_project_report_fills_the_workbook_rows() -> None:
    ex = extract_text(
        "海口市秀英区水务局2022年衔接资金项目绩效自评报告\n"
        "(一)2022年衔接资金共下达105万元,用于实施西秀镇龙头村蔬菜园产业项目。\n"
        "项目资金已完成拨付80万元。\n",
        code="X",
    )
    assert ex.dept_name == "海口市秀英区水务局" and ex.year == 2022
    assert [(p.name, p.budget_final, p.spent) for p in ex.projects] == [("西秀镇龙头村蔬菜园产业项目", 105.0, 80.0)]
    assert ex.budget_value("合计", "budget_final") == 105.0
    assert ex.figure("spent", "西秀镇龙头村蔬菜园产业项目") == 80.0
    # 80 / 105 = 76.19 % < 90 %: a flag with the sentence it came from
    (flag,) = [i for i in ex.issues if i.subject == "执行率"]
    assert "76.19%" in flag.message and flag.sentence == "项目资金已完成拨付80万元。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("红河州第二人民医院国家基本公共卫生服务项目州级补助资金2023年度绩效自评报告\n一、…", "红河州第二人民医院"),
        ("开远市乐白道中心校2024年度部门整体和项目支出绩效自评报告\n", "开远市乐白道中心校"),
        ("2021 年茂名市发展和改革局部门整体支出绩效自评报告.pdf\n", "茂名市发展和改革局"),
        ("玄马镇关于农村厕所革命建设项目的绩效自评报告\n", "玄马镇"),
        (
            "致指挥部:\n现将2024年某项目自评报告如下。\n固始县祖师庙镇人民政府\n2025年12月30日\n",
            "固始县祖师庙镇人民政府",
        ),
        ("为做好工作，现将2022年西平县交通运输局财政衔接资金项目绩效自评总结报告如下:\n", "西平县交通运输局"),
        ("部门整体支出及项目支出绩效评价报告\n县政协坚持…\n", None),
    ],
    ids=["before-year", "zhongxinxiao", "after-year-pdf", "guanyu", "signature", "lead-sentence", "never-named"],
)
def test_unit_name(text: str, expected: str | None) -> None:
    found = unit_name(text)
    assert (found[0] if found else None) == expected
    if found:
        assert text[found[1] : found[1] + len(found[0])] == found[0]


@pytest.mark.parametrize(
    ("text", "year", "history"),
    [
        ("实施项目共15个(含2023年转列暂付性款项项目5个)", "2023", True),
        ("根据《关于开展 2022 年市级财政资金绩效自评工作的通知》要求", "2022", True),
        ("2021年12月29日县领导小组下发了批复文件", "2021", True),
        ("我局成立于 1958 年", "1958", True),
        ("上年结转资金中2023年立项的项目", "2023", True),
        ("报告日期:2019年06月18日", "2019", True),
        ("2023年，芦淞区城管局在区委区政府的坚强领导下", "2023", False),
        ("2023年度单位政府性基金预算财政拨款收入28.03万元", "2023", False),
    ],
    ids=[
        "han-zhuanlie",
        "document-title",
        "dated-approval",
        "founded",
        "lixiang",
        "report-date",
        "copied-lead",
        "copied-figures",
    ],
)
def test_year_in_context(text: str, year: str, history: bool) -> None:
    start = text.index(year)
    assert year_is_history(text, start, start + 4, load_phrasings()) is history


def test_history_years_not_flagged_but_copied_years_are() -> None:
    text = (
        "红河州数据发展中心2024年度项目支出绩效单位自评报告\n"
        "2024年,实施项目共15个(含2023年转列暂付性款项项目5个),年初批复预算985万元。\n"
        "根据(开财字〔2020〕181号)要求，与2023年相比支出增加。\n"
        "2023年单位实际支出900万元。\n"
    )
    years = [i for i in extract_text(text, code="X").issues if i.kind == "年度"]
    assert [(i.subject, i.status) for i in years] == [("2023年", "提示"), ("2023年", "不符")]
    assert "为与往年比较" in years[0].message
    assert years[1].sentence == "2023年单位实际支出900万元。"


def test_the_shared_example_still_flags_its_copied_year() -> None:
    ex = extract_text(LUSONG.read_text(encoding="utf-8"), code="X")
    assert [i.subject for i in ex.issues if i.kind == "年度"] == ["2023年", "2023年"]


def test_flags_from_the_figures() -> None:
    # 到位 70 ÷ 全年 80 = 87.50 % < 100 %; 执行 60 ÷ 80 = 75.00 % < 90 %; (80 − 100) ÷ 100 = −20.00 %, beyond 10 %
    ex = extract_text(
        "某县水利局2024年度项目支出绩效自评报告\n年初预算100万元，调整后预算80万元。\n"
        "实际到位资金70万元。\n实际支出60万元。\n",
        code="X",
    )
    flags = {i.subject: i for i in ex.issues if i.kind == "资金"}
    assert set(flags) == {"到位率", "执行率", "预算调整幅度"}
    assert "87.50%" in flags["到位率"].message and flags["到位率"].sentence == "实际到位资金70万元。"
    assert "75.00%" in flags["执行率"].message and flags["执行率"].sentence == "实际支出60万元。"
    assert "-20.00%" in flags["预算调整幅度"].message


def test_no_flags_when_money_arrived_and_was_spent() -> None:
    ex = extract_text(
        "某县水利局2024年度项目支出绩效自评报告\n全年预算80万元，实际到位资金80万元，实际支出76万元。\n", code="X"
    )
    assert [i for i in ex.issues if i.kind == "资金"] == []  # 100 % arrived, 95 % spent


def test_indicator_table_with_wrapped_cells() -> None:
    text = (DATA / "reports" / "14-daying-shuangxin-chuangwen-2020.txt").read_text(encoding="utf-8")
    ex = extract_text(text, code="X")
    assert [(r.name, r.target, r.actual) for r in ex.indicators][:2] == [
        ("宣传次数", "至少全年完成2次宣传", "已完成100%"),
        ("创建质量", "按质按量完成", "已完成100%"),
    ]
    assert ex.indicators[-1].level1 == "满意度指标"
    assert {r.project for r in ex.indicators} == {"P01"}  # the report's one project


def test_indicators_in_prose_targets_and_actuals() -> None:
    text = (
        "一、绩效目标设定情况\n项目实施后预计年收入租金2万元,带动村集体经济收入共2万元。\n"
        "二、绩效指标完成情况分析\n(1)数量指标。\n开展工作督导: 一个季度开展工作督导一次,共4次。\n"
        "服务对象满意度:服务对象满意度≥80%。\n(3)项目实施进度\n项目已完成竣工验收,完成率100%。\n"
        "三、存在的问题\n人员不足10人。\n"
    )
    rows = [(r.name, r.target, r.actual) for r in extract_text(text, code="X").indicators]
    assert rows == [
        ("年收入租金", "2万元", ""),
        ("带动村集体经济收入", "2万元", ""),
        ("开展工作督导", "", "4次"),
        ("服务对象满意度", "≥80%", ""),
        ("项目实施进度", "", "100%"),
    ]

"""Qualitative answers: whole normalised phrases, negations never inherit a level (issue 9, case 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dept_files import FULL, score_dept
from hypothesis import given
from hypothesis import strategies as st

from scoring.rules import qualitative as q
from scoring.rules.ruleset import load_ruleset

_MOF = load_ruleset("mof-project").qualitative_params()
assert _MOF is not None
MOF = _MOF
DEPT = load_ruleset("province-dept").qualitative_params()
assert MOF is not None and DEPT is not None


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("达成预期指标", 1.0),
        ("达成预期指标。", 1.0),  # trailing punctuation
        (" 达成预期指标 ", 1.0),  # spaces
        ("“达成预期指标”", 1.0),  # quotes
        ("部分达成；", 0.7),
        ("部分 达成", 0.7),
        ("ＯＫ", None),  # full width is folded, but still not a listed phrase
        ("未达成", 0.3),  # listed as such
        ("没有达成预期指标", 0.3),  # negated top phrase → the lowest level (was 1.0 by substring)
        ("尚未完成", 0.3),
        ("不及时", 0.3),  # was 1.0: "及时" is a substring
        ("未明显改善", None),  # was 1.0 through "明显"; "明显改善" is no listed phrase
        ("不差", None),  # a negated low phrase says nothing gradable
        ("基本达成预期指标", 0.7),  # the ruleset lists the long form as a whole phrase of its own
        ("部分达成预期指标", 0.7),
        ("大体达成预期指标", None),  # an unlisted qualifier in front: not a whole phrase
        ("达成预期指标但效果一般", None),
    ],
    ids=lambda v: str(v),
)
def test_match_share_whole_phrases(text: str, share: float | None) -> None:
    assert q.match_share(text, MOF) == share


def test_full_width_punctuation_is_folded() -> None:
    assert q.normalise("达成预期指标！") == "达成预期指标"
    assert q.normalise("部分达成．") == "部分达成"


def _phrases(params: object) -> list[str]:
    assert isinstance(params, dict)
    return [str(w) for lv in params["levels"] for w in lv["match"]]


@given(
    st.sampled_from([MOF, DEPT]).flatmap(lambda p: st.tuples(st.just(p), st.sampled_from(_phrases(p)))),
    st.sampled_from(q.NEGATIONS),
    st.sampled_from(["", " ", "。", "！", "　"]),
)
def test_negation_never_scores_higher(case: tuple[dict[str, object], str], neg: str, tail: str) -> None:
    params, phrase = case
    plain = q.match_share(phrase, params)
    negated = q.match_share(neg + phrase + tail, params)
    assert plain is not None
    assert negated is None or negated <= plain
    if plain == max(float(lv["share"]) for lv in params["levels"]):  # type: ignore[attr-defined]
        assert negated is None or negated < plain


def test_negated_answer_scores_lowest_level_end_to_end(tmp_path: Path) -> None:
    # 执行率 100% → 10；产出 50；效益“没有达成预期指标”→ 未达成 0.3 × 30 = 9；满意度 95% ≥ 90% → 10。合计 79 → 中
    benefit = {**FULL[1], "实际完成值": "没有达成预期指标"}
    run = score_dept(tmp_path / "d", indicators=[FULL[0], benefit, FULL[2]])
    it = run.result.items.set_index("name")
    assert it.loc["服务能力", "points"] == pytest.approx(9.0)
    assert float(run.result.departments["total"].iloc[0]) == pytest.approx(79.0)
    assert run.result.departments["grade"].iloc[0] == "中"


def test_undecidable_answer_is_rejected_with_the_accepted_phrases(tmp_path: Path) -> None:
    benefit = {**FULL[1], "年度指标值": "明显改善", "实际完成值": "未明显改善"}
    run = score_dept(tmp_path / "d", indicators=[FULL[0], benefit, FULL[2]])
    [rej] = run.dataset.rejections
    assert rej.reason == "无法判定的定性评价"
    assert "达成预期指标" in rej.hint and "部分达成" in rej.hint
    assert "服务能力" not in set(run.result.items["name"])

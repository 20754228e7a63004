"""Tests for scoring.values: reading 年度指标值 / 实际完成值 cells."""

from __future__ import annotations

import dataclasses
import math
import pickle
import unicodedata
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.core.values import ParsedValue, ValueParseError, parse_value, try_parse_value

# (comparator, value, high, unit, approx)
Numeric = tuple[str | None, float, float | None, str | None, bool]


def _numeric(p: ParsedValue) -> Numeric:
    assert p.text is None and p.is_numeric and not p.is_qualitative
    assert p.value is not None
    return (p.comparator, p.value, p.high, p.unit, p.approx)


NUMERIC = [
    # comparators, symbols
    pytest.param("≥50个", (">=", 50.0, None, "个", False), id="ge-symbol"),
    pytest.param(">=95%", (">=", 95.0, None, "%", False), id="ge-ascii"),
    pytest.param("＞＝95％", (">=", 95.0, None, "%", False), id="ge-fullwidth"),
    pytest.param("≧90", (">=", 90.0, None, None, False), id="ge-jis"),
    pytest.param("> = 90", (">=", 90.0, None, None, False), id="ge-spaced"),
    pytest.param("≤90万元", ("<=", 90.0, None, "万元", False), id="le-symbol"),
    pytest.param("<=202.6万元", ("<=", 202.6, None, "万元", False), id="le-ascii"),
    pytest.param("＜＝10次", ("<=", 10.0, None, "次", False), id="le-fullwidth"),
    pytest.param("≦5%", ("<=", 5.0, None, "%", False), id="le-jis"),
    pytest.param("=8个", ("=", 8.0, None, "个", False), id="eq-ascii"),
    pytest.param("＝100%", ("=", 100.0, None, "%", False), id="eq-fullwidth"),
    pytest.param(">5", (">", 5.0, None, None, False), id="gt-ascii"),
    pytest.param("＞5人", (">", 5.0, None, "人", False), id="gt-fullwidth"),
    pytest.param("<3%", ("<", 3.0, None, "%", False), id="lt-ascii"),
    pytest.param("＜3%", ("<", 3.0, None, "%", False), id="lt-fullwidth"),
    # comparators, words
    pytest.param("不低于95%", (">=", 95.0, None, "%", False), id="word-buditiyu"),
    pytest.param("不少于12次", (">=", 12.0, None, "次", False), id="word-bushaoyu"),
    pytest.param("大于等于1", (">=", 1.0, None, None, False), id="word-dayudengyu"),
    pytest.param("不高于5%", ("<=", 5.0, None, "%", False), id="word-bugaoyu"),
    pytest.param("不超过10万元", ("<=", 10.0, None, "万元", False), id="word-buchaoguo"),
    pytest.param("不多于3次", ("<=", 3.0, None, "次", False), id="word-buduoyu"),
    pytest.param("小于等于2", ("<=", 2.0, None, None, False), id="word-xiaoyudengyu"),
    pytest.param("等于0", ("=", 0.0, None, None, False), id="word-dengyu"),
    pytest.param("大于5", (">", 5.0, None, None, False), id="word-dayu"),
    pytest.param("高于90%", (">", 90.0, None, "%", False), id="word-gaoyu"),
    pytest.param("小于5", ("<", 5.0, None, None, False), id="word-xiaoyu"),
    pytest.param("低于3%", ("<", 3.0, None, "%", False), id="word-diyu"),
    # comparators after the unit
    pytest.param("95%以上", (">=", 95.0, None, "%", False), id="suffix-yishang-not-approx"),
    pytest.param("95%及以上", (">=", 95.0, None, "%", False), id="suffix-jiyishang"),
    pytest.param("90%(含)以上", (">=", 90.0, None, "%", False), id="suffix-han-yishang"),
    pytest.param("5%以下", ("<=", 5.0, None, "%", False), id="suffix-yixia"),
    pytest.param("控制在90万元以内", ("<=", 90.0, None, "万元", False), id="suffix-yinei-filler"),
    pytest.param("3个工作日内", ("<=", 3.0, None, "个工作日", False), id="suffix-nei"),
    pytest.param("≥95%以上", (">=", 95.0, None, "%", False), id="prefix-and-suffix-agree"),
    pytest.param(">95%以上", (">", 95.0, None, "%", False), id="strict-prefix-wins"),
    # bare numbers
    pytest.param("100", (None, 100.0, None, None, False), id="bare-int"),
    pytest.param("0.95", (None, 0.95, None, None, False), id="bare-fraction"),
    pytest.param("12.5", (None, 12.5, None, None, False), id="bare-decimal"),
    pytest.param(" 100%\n", (None, 100.0, None, "%", False), id="bare-percent-whitespace"),
    pytest.param("１２３件", (None, 123.0, None, "件", False), id="fullwidth-digits"),
    pytest.param("９６．３９％", (None, 96.39, None, "%", False), id="fullwidth-point-percent"),
    pytest.param("1.5E+3", (None, 1500.0, None, None, False), id="exponent-from-csv"),
    # negatives
    pytest.param("-5%", (None, -5.0, None, "%", False), id="negative-not-range"),
    pytest.param("－5％", (None, -5.0, None, "%", False), id="negative-fullwidth"),
    pytest.param("≤-5%", ("<=", -5.0, None, "%", False), id="negative-with-comparator"),
    pytest.param("≤−3.5%", ("<=", -3.5, None, "%", False), id="negative-unicode-minus"),
    pytest.param("+5%", (None, 5.0, None, "%", False), id="explicit-plus"),
    # thousands separators
    pytest.param("112,252件", (None, 112252.0, None, "件", False), id="thousands-ascii"),
    pytest.param("1，255.11万元", (None, 1255.11, None, "万元", False), id="thousands-fullwidth"),
    pytest.param("1,234,567元", (None, 123.4567, None, "万元", False), id="thousands-yuan"),
    # units
    pytest.param("≥100百分比", (">=", 100.0, None, "%", False), id="unit-baifenbi"),
    pytest.param("5‰", (None, 0.5, None, "%", False), id="unit-permille"),
    pytest.param("百分之九十五", (None, 95.0, None, "%", False), id="unit-baifenzhi-chinese"),
    pytest.param("百分之百", (None, 100.0, None, "%", False), id="unit-baifenzhibai"),
    pytest.param("3700元", (None, 0.37, None, "万元", False), id="money-yuan"),
    pytest.param("90万元", (None, 90.0, None, "万元", False), id="money-wanyuan"),
    pytest.param("150万", (None, 150.0, None, "万元", False), id="money-bare-wan"),
    pytest.param("1.2亿元", (None, 12000.0, None, "万元", False), id="money-yiyuan"),
    pytest.param("1.2亿", (None, 12000.0, None, "万元", False), id="money-bare-yi"),
    pytest.param("5千元", (None, 0.5, None, "万元", False), id="money-qianyuan"),
    pytest.param("1.2万件", (None, 12000.0, None, "件", False), id="wan-times-count"),
    pytest.param("3万人次", (None, 30000.0, None, "人次", False), id="wan-times-renci"),
    pytest.param("3千米", (None, 3.0, None, "千米", False), id="qianmi-is-a-unit"),
    pytest.param("近1500平米", (None, 1500.0, None, "平方米", True), id="unit-pingmi"),
    pytest.param("500㎡", (None, 500.0, None, "平方米", False), id="unit-square-metre-sign"),
    pytest.param("500 m²", (None, 500.0, None, "平方米", False), id="unit-m-squared"),
    pytest.param("12台次", (None, 12.0, None, "台次", False), id="unit-taici"),
    pytest.param("12件次", (None, 12.0, None, "件次", False), id="unit-jianci-as-written"),
    pytest.param("3期", (None, 3.0, None, "期", False), id="unit-qi"),
    pytest.param("3个社区", (None, 3.0, None, "个社区", False), id="unit-short-unknown"),
    pytest.param("50元/人", (None, 50.0, None, "元/人", False), id="unit-rate-kept"),
    pytest.param("每月1次", (None, 1.0, None, "次/月", False), id="per-period"),
    pytest.param("每季度≥1次", (">=", 1.0, None, "次/季度", False), id="per-period-comparator"),
    # ranges
    pytest.param("90%—100%", ("range", 90.0, 100.0, "%", False), id="range-emdash"),
    pytest.param("90%——100%", ("range", 90.0, 100.0, "%", False), id="range-double-emdash"),
    pytest.param("90%-100%", ("range", 90.0, 100.0, "%", False), id="range-hyphen"),
    pytest.param("90~100%", ("range", 90.0, 100.0, "%", False), id="range-tilde-unit-once"),
    pytest.param("90～100％", ("range", 90.0, 100.0, "%", False), id="range-fullwidth-tilde"),
    pytest.param("90%至100%", ("range", 90.0, 100.0, "%", False), id="range-zhi"),
    pytest.param("90%-100", ("range", 90.0, 100.0, "%", False), id="range-unit-first-only"),
    pytest.param("90-100分", ("range", 90.0, 100.0, "分", False), id="range-fen"),
    pytest.param("-5%~5%", ("range", -5.0, 5.0, "%", False), id="range-negative-low"),
    pytest.param("1-2万件", ("range", 10000.0, 20000.0, "件", False), id="range-shared-multiplier"),
    pytest.param("1—10月", ("range", 1.0, 10.0, "月", False), id="range-months"),
    pytest.param("80%到90%之间", ("range", 80.0, 90.0, "%", False), id="range-zhijian"),
    pytest.param("约90-100人", ("range", 90.0, 100.0, "人", True), id="range-approx"),
    # Chinese numerals
    pytest.param("三次", (None, 3.0, None, "次", False), id="cn-san-ci"),
    pytest.param("十二个", (None, 12.0, None, "个", False), id="cn-shier-ge"),
    pytest.param("两个", (None, 2.0, None, "个", False), id="cn-liang-ge"),
    pytest.param("一百二十件", (None, 120.0, None, "件", False), id="cn-yibaiershi-jian"),
    pytest.param("一百零五人", (None, 105.0, None, "人", False), id="cn-with-ling"),
    pytest.param("零", (None, 0.0, None, None, False), id="cn-ling"),
    pytest.param("不少于三次", (">=", 3.0, None, "次", False), id="cn-with-comparator"),
    pytest.param("约三万人", (None, 30000.0, None, "人", True), id="cn-wan-approx"),
    pytest.param("三次以上", (">=", 3.0, None, "次", False), id="cn-yishang"),
    # approx
    pytest.param("约90%", (None, 90.0, None, "%", True), id="approx-yue"),
    pytest.param("9500余平方米", (None, 9500.0, None, "平方米", True), id="approx-yu-pingfangmi"),
    pytest.param("70余次", (None, 70.0, None, "次", True), id="approx-yu-ci"),
    pytest.param("280余处", (None, 280.0, None, "处", True), id="approx-yu-chu"),
    pytest.param("100多人", (None, 100.0, None, "人", True), id="approx-duo"),
    pytest.param("10次左右", (None, 10.0, None, "次", True), id="approx-zuoyou"),
    pytest.param("1.5万余元", (None, 1.5, None, "万元", True), id="approx-after-multiplier"),
    pytest.param("10余万元", (None, 10.0, None, "万元", True), id="approx-before-multiplier"),
    # filler words in actual-value cells
    pytest.param("完成12次", (None, 12.0, None, "次", False), id="filler-wancheng"),
    pytest.param("共计112,252件", (None, 112252.0, None, "件", False), id="filler-gongji"),
    pytest.param("100%完成", (None, 100.0, None, "%", False), id="filler-suffix-wancheng"),
]


@pytest.mark.parametrize(("text", "expected"), NUMERIC)
def test_numeric(text: str, expected: Numeric) -> None:
    parsed = parse_value(text)
    assert _numeric(parsed) == expected
    assert parsed.raw == text.strip()


QUALITATIVE = [
    pytest.param("达成预期指标", "达成预期指标", id="dacheng-yuqi"),
    pytest.param("达成年度指标", "达成年度指标", id="dacheng-niandu"),
    pytest.param("部分达成", "部分达成", id="bufen-dacheng"),
    pytest.param("良好", "良好", id="lianghao"),
    pytest.param("较上年提高", "较上年提高", id="jiaoshangnian-tigao"),
    pytest.param("逐步提升", "逐步提升", id="zhubu-tisheng"),
    pytest.param("合规", "合规", id="hegui"),
    pytest.param("及时", "及时", id="jishi"),
    pytest.param("有效提升", "有效提升", id="youxiao-tisheng"),
    pytest.param("是", "是", id="shi"),
    pytest.param("否", "否", id="fou"),
    pytest.param("无", "无", id="wu"),
    pytest.param("按月安排", "按月安排", id="anyue-anpai"),
    pytest.param("应保尽保", "应保尽保", id="yingbao-jinbao"),
    pytest.param(" 达成预期指标。 ", "达成预期指标", id="strip-space-and-full-stop"),
    pytest.param("不低于上年", "不低于上年", id="comparator-word-with-text"),
    pytest.param("完成", "完成", id="filler-alone-is-text"),
    # Chinese numerals inside phrases are not counts
    pytest.param("一次性完成", "一次性完成", id="cn-yicixing"),
    pytest.param("一般", "一般", id="cn-yiban"),
    pytest.param("十分满意", "十分满意", id="cn-shifen-manyi"),
    pytest.param("三四个", "三四个", id="cn-three-or-four"),
    pytest.param("零事故", "零事故", id="cn-ling-shigu"),
    # dates in 时效 targets (decision beyond the brief: text, not two numbers)
    pytest.param("2024年12月31日前", "2024年12月31日前", id="date-full"),
    pytest.param("12月底前", "12月底前", id="date-month-end"),
    pytest.param("2024-06-30", "2024-06-30", id="date-iso"),
    pytest.param("2024.6.30", "2024.6.30", id="date-dotted"),
    pytest.param("第3季度", "第3季度", id="date-quarter"),
    pytest.param("2024年底前", "2024年底前", id="date-year-end"),
    pytest.param("2024年度", "2024年度", id="date-year"),
    # a trailing comparator word with no number is a phrase, not a missing number
    pytest.param("年内完成", "年内完成", id="within-the-year"),
    pytest.param("以上", "以上", id="suffix-word-only"),
]


@pytest.mark.parametrize(("text", "expected"), QUALITATIVE)
def test_qualitative(text: str, expected: str) -> None:
    parsed = parse_value(text)
    assert parsed.text == expected
    assert parsed.is_qualitative and not parsed.is_numeric
    assert (parsed.comparator, parsed.value, parsed.high, parsed.unit, parsed.approx) == (
        None,
        None,
        None,
        None,
        False,
    )


ERRORS = [
    pytest.param("", "值为空", id="empty"),
    pytest.param("   ", "值为空", id="blank"),
    pytest.param("。", "值为空", id="full-stop-only"),
    pytest.param("—", "值为空", id="placeholder-dash"),
    pytest.param("/", "值为空", id="placeholder-slash"),
    pytest.param("nan", "值为空", id="placeholder-nan-string"),
    pytest.param("≥", "只有比较符号，缺少数值", id="comparator-only"),
    pytest.param("≥%", "只有比较符号，缺少数值", id="comparator-and-unit"),
    pytest.param("不少于", "只有比较符号，缺少数值", id="comparator-word-only"),
    pytest.param("约", "只有“约/左右”等词，缺少数值", id="approx-only"),
    pytest.param("%", "缺少数值", id="unit-only"),
    pytest.param("12件13次", "包含多个数值且不是区间", id="two-numbers"),
    pytest.param("1.2.3", "包含多个数值且不是区间", id="two-decimal-points"),
    pytest.param("1000.00.0", "包含多个数值且不是区间", id="not-a-date"),
    pytest.param("12件、13次", "包含多个数值且不是区间", id="list"),
    pytest.param("5 000", "包含多个数值且不是区间", id="space-between-digits"),
    pytest.param("满意度≥95%", "数字前有无法识别的文字「满意度≥」", id="text-before-number"),
    pytest.param("3个社区完成改造工作", "不是可识别的单位", id="long-text-after-number"),
    pytest.param("≥≤5", "比较符重复且矛盾", id="two-comparators"),
    pytest.param("≤95%以上", "比较符前后矛盾", id="comparator-contradicts-suffix"),
    pytest.param("≤三次以上", "比较符前后矛盾", id="cn-comparator-contradicts-suffix"),
    pytest.param("100%-90%", "区间下限大于上限", id="range-reversed"),
    pytest.param("90%-100分", "区间两端单位不一致", id="range-mixed-units"),
    pytest.param("≥90%-100%", "区间不能再加比较符", id="range-with-comparator"),
    pytest.param("1e999", "数值超出范围", id="overflow"),
]


@pytest.mark.parametrize(("text", "reason"), ERRORS)
def test_error(text: str, reason: str) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_value(text)
    assert reason in info.value.reason
    assert info.value.text == text.strip()
    assert reason in str(info.value)
    returned = try_parse_value(text)
    assert isinstance(returned, ValueParseError)
    assert returned.reason == info.value.reason


NON_STR = [
    pytest.param(12, 12.0, id="int"),
    pytest.param(0.95, 0.95, id="float"),
    pytest.param(Decimal("1255.11"), 1255.11, id="decimal"),
    pytest.param(Fraction(1, 4), 0.25, id="fraction"),
    pytest.param(np.float64(96.39), 96.39, id="numpy-float"),
    pytest.param(np.int64(3), 3.0, id="numpy-int"),
]


@pytest.mark.parametrize(("cell", "expected"), NON_STR)
def test_number_cell(cell: object, expected: float) -> None:
    assert _numeric(parse_value(cell)) == (None, expected, None, None, False)


NON_STR_ERRORS = [
    pytest.param(None, "值为空", id="none"),
    pytest.param(float("nan"), "值为空", id="nan"),
    pytest.param(Decimal("NaN"), "值为空", id="decimal-nan"),
    pytest.param(float("inf"), "数值超出范围", id="inf"),
    pytest.param(True, "布尔值不能作为指标值", id="bool"),
    pytest.param(np.bool_(False), "布尔值不能作为指标值", id="numpy-bool"),
]


@pytest.mark.parametrize(("cell", "reason"), NON_STR_ERRORS)
def test_number_cell_error(cell: object, reason: str) -> None:
    with pytest.raises(ValueParseError, match=reason):
        parse_value(cell)
    assert isinstance(try_parse_value(cell), ValueParseError)


def test_other_objects_are_read_as_text() -> None:
    class Cell:
        def __str__(self) -> str:
            return " ≥95% "

    assert _numeric(parse_value(Cell())) == (">=", 95.0, None, "%", False)


def test_parsed_value_is_frozen_and_cached() -> None:
    parsed = parse_value("≥95%")
    assert parse_value("≥95%") is parsed
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.value = 1.0  # type: ignore[misc]


def test_error_is_a_value_error_and_pickles() -> None:
    error = try_parse_value("12件13次")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.text, copy.reason) == ("12件13次", "包含多个数值且不是区间")


def test_cached_errors_are_fresh_exceptions() -> None:
    first, second = try_parse_value("≥"), try_parse_value("≥")
    assert first is not second and first.reason == second.reason  # type: ignore[union-attr]


# --- properties ------------------------------------------------------------------------------

SIGNS = [
    ("", None),
    ("≥", ">="),
    (">=", ">="),
    ("＞＝", ">="),
    ("不低于", ">="),
    ("不少于", ">="),
    ("≤", "<="),
    ("<=", "<="),
    ("不超过", "<="),
    ("不高于", "<="),
    ("=", "="),
    ("＝", "="),
    ("等于", "="),
    (">", ">"),
    ("大于", ">"),
    ("<", "<"),
    ("低于", "<"),
]
UNITS = [
    ("", None),
    ("%", "%"),
    ("％", "%"),
    ("百分比", "%"),
    ("件", "件"),
    ("个", "个"),
    ("次", "次"),
    ("人次", "人次"),
    ("台次", "台次"),
    ("平方米", "平方米"),
    ("平米", "平方米"),
    ("万元", "万元"),
    ("吨", "吨"),
    ("期", "期"),
    ("座", "座"),
]
sane_floats = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(x=sane_floats, sign=st.sampled_from(SIGNS), unit=st.sampled_from(UNITS))
def test_property_sign_number_unit_round_trip(
    x: float, sign: tuple[str, str | None], unit: tuple[str, str | None]
) -> None:
    parsed = parse_value(f"{sign[0]}{x}{unit[0]}")
    assert parsed.comparator == sign[1]
    assert parsed.unit == unit[1]
    assert parsed.value is not None and math.isclose(parsed.value, x, rel_tol=1e-9)
    assert parsed.high is None and not parsed.approx


@given(n=st.integers(min_value=0, max_value=10**12), unit=st.sampled_from(UNITS))
def test_property_thousands_separator(n: int, unit: tuple[str, str | None]) -> None:
    assert _numeric(parse_value(f"{n:,}{unit[0]}")) == (None, float(n), None, unit[1], False)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _outcome(result: ParsedValue | ValueParseError) -> tuple[object, ...]:
    if isinstance(result, ValueParseError):
        return ("error", result.reason)
    text = unicodedata.normalize("NFKC", result.text) if result.text else None  # text is kept as written
    return (result.comparator, result.value, result.high, result.unit, text, result.approx)


number_text = st.one_of(
    sane_floats.map(str),
    st.integers(min_value=-(10**9), max_value=10**9).map(lambda n: f"{n:,}"),
    st.decimals(min_value=0, max_value=10**6, places=2).map(str),
)
ascii_target = st.builds(
    lambda sign, low, sep, high, unit: f"{sign}{low}{sep}{high}{unit}",
    st.sampled_from(["", ">=", "<=", "=", ">", "<", "+"]),
    number_text,
    st.sampled_from(["", "", "-", "~"]),
    st.sampled_from([""]) | number_text,
    st.sampled_from(["", "%", "km", "t", "件", "万元", "元", "%以上"]),
)


@given(ascii_target)
def test_property_fullwidth_parses_like_halfwidth(text: str) -> None:
    assert _outcome(try_parse_value(_fullwidth(text))) == _outcome(try_parse_value(text))


@given(ascii_target)
def test_property_surrounding_space_and_full_stop_ignored(text: str) -> None:
    assert _outcome(try_parse_value(f" \u3000{text}。\n")) == _outcome(try_parse_value(text))


@given(st.text())
def test_property_try_parse_value_never_raises(text: str) -> None:
    result = try_parse_value(text)
    assert isinstance(result, ParsedValue | ValueParseError)
    if isinstance(result, ParsedValue):
        assert result.is_numeric != result.is_qualitative
        assert result.value is None or math.isfinite(result.value)


@given(st.text(alphabet="0123456789.,-~%≥≤<>=约余多以上下内万亿千元件次个至到 。一二三十百零两"))
def test_property_parse_value_raises_only_value_parse_error(text: str) -> None:
    try:
        parsed = parse_value(text)
    except ValueParseError as exc:
        assert exc.reason
    else:
        assert parsed.raw == text.strip()
        if parsed.comparator == "range":
            assert parsed.value is not None and parsed.high is not None
            assert parsed.value <= parsed.high

"""Parse 年度指标值 / 实际完成值 cell text into comparator, number, unit or qualitative text."""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Final, Literal

__all__ = ["Comparator", "ParsedValue", "ValueParseError", "parse_value", "try_parse_value"]

Comparator = Literal[">=", "<=", "=", ">", "<", "range"]


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """One target or actual cell, read: "≥95%" → (">=", 95.0, None, "%", None, False)."""

    raw: str  # the cell text as given (str(cell) stripped)
    comparator: Comparator | None  # None when no sign was written or the text is qualitative
    value: float | None  # the number in `unit`; the low end of a range
    high: float | None  # the high end of a range, else None
    unit: str | None  # "%", "万元", or the count unit as written ("件", "人次", "平方米")
    text: str | None  # qualitative text ("达成预期指标"); None for numeric values
    approx: bool = False  # 约/近/余/多/左右/上下 seen

    @property
    def is_numeric(self) -> bool:
        """True when a number was read (value is set)."""
        return self.value is not None

    @property
    def is_qualitative(self) -> bool:
        """True for 定性 text such as "达成预期指标" or "较上年提高"."""
        return self.text is not None


class ValueParseError(ValueError):
    """Text that looks numeric but cannot be read; .text and .reason (Chinese) attributes."""

    def __init__(self, text: str, reason: str) -> None:
        # Both in args so the error pickles (multiprocessing) and compares by content.
        super().__init__(text, reason)
        self.text, self.reason = text, reason

    def __str__(self) -> str:
        return f"无法解析指标值「{self.text}」：{self.reason}"


class _Fail(Exception):
    """Internal: the text cannot be read; carries the Chinese reason."""


class _NotNumeric(Exception):
    """Internal: Chinese-numeral reading failed, so the text is qualitative."""


# --- words and symbols ---------------------------------------------------------------------

_CMP_WORDS: Final[dict[str, Comparator]] = {
    "≥": ">=",
    "大于或等于": ">=",
    "大于等于": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "不小于": ">=",
    "至少": ">=",
    "最少": ">=",
    "≤": "<=",
    "小于或等于": "<=",
    "小于等于": "<=",
    "不高于": "<=",
    "不超过": "<=",
    "不多于": "<=",
    "不大于": "<=",
    "至多": "<=",
    "最多": "<=",
    "=": "=",
    "等于": "=",
    ">": ">",
    "大于": ">",
    "高于": ">",
    "超过": ">",
    "多于": ">",
    "<": "<",
    "小于": "<",
    "低于": "<",
    "少于": "<",
}
_APPROX_WORDS: Final = ("大约", "约为", "约合", "约", "接近", "将近", "近", "≈")
# Leading words that add nothing to the number ("完成12次", "共计112,252件", "控制在90万元以内").
_FILLER_WORDS: Final = (
    "已完成",
    "完成",
    "共计",
    "合计",
    "总计",
    "累计",
    "共",
    "达到",
    "达",
    "实现",
    "控制在",
    "为",
    "全年",
)
_PERCENT_OF: Final = "百分之"  # "百分之九十五" → 95 %

_PREFIXES: Final[tuple[tuple[str, str], ...]] = tuple(
    sorted(
        [(w, "cmp") for w in _CMP_WORDS]
        + [(w, "approx") for w in _APPROX_WORDS]
        + [(w, "filler") for w in _FILLER_WORDS]
        + [(_PERCENT_OF, "percent")],
        key=lambda item: -len(item[0]),
    )
)
# The same words grouped by first character, in the same (longest first) order: a cell is read at each
# position against the few words that can start there, not all of them.
_PREFIXES_AT: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    c: tuple(item for item in _PREFIXES if item[0][0] == c) for c in dict.fromkeys(w[0] for w, _ in _PREFIXES)
}
_PER_PERIOD: Final = re.compile(r"每(半年|季度|年|季|月|周|天|日)")  # "每月1次" → 1 次/月

# Trailing words, longest first; the value says what each one means.
_SUFFIXES: Final[tuple[tuple[str, str], ...]] = (
    ("及以上", ">="),
    ("或以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("或以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
    ("之内", "<="),
    ("内", "<="),
    ("左右", "approx"),
    ("上下", "approx"),
    ("之间", "between"),
    ("(含)", ""),
    ("完成", ""),
    ("达成", ""),
    ("达标", ""),
)
_INFIX_APPROX: Final = ("余", "多")  # "9500余平方米", "100多人", "1.5万余元"

# Multipliers between number and unit. 千 only where it is not part of 千米/千克/千瓦.
_MULTIPLIER: Final = re.compile(r"千万|百万|亿|万|千(?![米克瓦])")
_KILO_UNIT: Final = re.compile(r"千[米克瓦]")  # "三千米" is 3 千米, like "3千米"
_MULTIPLIER_VALUE: Final[dict[str, Decimal]] = {
    "千万": Decimal(10_000_000),
    "百万": Decimal(1_000_000),
    "亿": Decimal(100_000_000),
    "万": Decimal(10_000),
    "千": Decimal(1_000),
}
_WAN: Final = Decimal(10_000)
_ONE: Final = Decimal(1)
_TENTH: Final = Decimal("0.1")

# Units a Chinese numeral may carry ("三次", "十二个"); arabic numbers also accept any short unit.
_KNOWN_UNIT_WORDS: Final = """
    个 次 人 人次 件 件次 台 台次 户 家 所 座 处 项 场 场次 期 批 份 篇 本 册 套 辆 艘 架 条 根 棵 株 头 只
    名 位 支 队 组 班 间 栋 幢 趟 轮 类 种 门 起 例 张 块 盏 杆 部 字 页 课时 学时 节 堂 首 幅 部次
    天 日 周 月 年 季度 小时 分钟 工作日 个工作日 个月 个季度 周年
    分 元 万元 米 公里 千米 平方米 平方公里 立方米 方 亩 公顷 吨 千克 公斤 千瓦 度 个百分点 百分点
"""
_KNOWN_UNITS: Final = frozenset(_KNOWN_UNIT_WORDS.split())
_UNIT_ALIASES: Final[dict[str, str]] = {
    "%": "%",
    "百分比": "%",
    "平米": "平方米",
    "平方": "平方米",
    "m2": "平方米",
    "m3": "立方米",
}
# A unit nobody listed is still accepted after an arabic number when it is short: "3个社区".
_SHORT_UNIT: Final = re.compile(r"[A-Za-z\u3400-\u9fff]{1,4}(?:/[A-Za-z\u3400-\u9fff]{1,4})?")

# --- normalisation -------------------------------------------------------------------------

_TRANSLATE: Final = str.maketrans(
    {
        "≧": "≥",
        "⩾": "≥",
        "≮": "≥",
        "≦": "≤",
        "⩽": "≤",
        "≯": "≤",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "─": "-",
        "━": "-",
        "〜": "~",
        "∼": "~",
        "〰": "~",
    }
)
_ASCII_CMP: Final = (("≥=", "≥"), ("≤=", "≤"), (">=", "≥"), ("=>", "≥"), ("<=", "≤"), ("=<", "≤"), ("==", "="))
_SQUARE_METRE: Final = re.compile(r"(?<=[0-9万千余多])\s*([mM])([23])(?![0-9])")  # NFKC turns ㎡ into m2
_SPACE_BETWEEN_DIGITS: Final = re.compile(r"(?<=[0-9])\s+(?=[0-9])")
_SPACE: Final = re.compile(r"\s+")
_TRAILING_PUNCT: Final = "。.;；,，、"
_PLACEHOLDERS: Final = frozenset({"nan", "none", "null", "n/a", "na", "<na>", "nat"})
_ONLY_DASHES: Final = re.compile(r"[-/\\~_*]+")

_DIGIT: Final = re.compile(r"[0-9]")
_NUMBER: Final = re.compile(r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RANGE_SEP: Final = re.compile(r"(?:-+|~+|至|到)(?=[+-]?\.?[0-9])")
# Dates in 时效 targets ("2024年12月31日前", "12月底前") are qualitative, not two numbers.
_DATE: Final = re.compile(
    r"[0-9]{4}年[0-9]{1,2}月"
    r"|[0-9]{1,2}月[0-9]{1,2}[日号]"
    r"|(?:19|20)[0-9]{2}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12][0-9]|3[01])(?![0-9])"
    r"|[0-9]{1,2}月份?(?:底|末|初|中旬|上旬|下旬|前|之前|以前)"
    r"|(?<![0-9.])(?:19|20)[0-9]{2}年"
    r"|第[0-9]季度"
)

_CN_DIGITS: Final[dict[str, int]] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_POWERS: Final[dict[str, int]] = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS: Final = frozenset(_CN_DIGITS) | frozenset(_CN_POWERS)


def _normalise(raw: str) -> str:
    """Half-width, one dash, one tilde, ≥/≤ symbols, no spaces, no trailing full stop."""
    s = unicodedata.normalize("NFKC", raw).translate(_TRANSLATE)
    s = _SQUARE_METRE.sub(lambda m: "平方米" if m.group(2) == "2" else "立方米", s)
    s = _SPACE_BETWEEN_DIGITS.sub("\x00", s)  # "12 13" stays two numbers
    s = _SPACE.sub("", s)
    for ascii_cmp, symbol in _ASCII_CMP:
        s = s.replace(ascii_cmp, symbol)
    return s.rstrip(_TRAILING_PUNCT)


# --- pieces ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Prefix:
    end: int = 0
    comparator: Comparator | None = None
    approx: bool = False
    percent: bool = False
    period: str | None = None


def _read_prefix(s: str, *, fillers: bool = True) -> _Prefix:
    """Consume comparator, approx and filler words at the start, in any order."""
    out = _Prefix()
    while True:
        for word, kind in _PREFIXES_AT.get(s[out.end : out.end + 1], ()):
            if s.startswith(word, out.end) and (fillers or kind in ("cmp", "approx")):
                if kind == "cmp":
                    cmp = _CMP_WORDS[word]
                    if out.comparator not in (None, cmp):
                        raise _Fail(f"比较符重复且矛盾（{out.comparator} 与 {cmp}）")
                    out.comparator = cmp
                elif kind == "approx":
                    out.approx = True
                elif kind == "percent":
                    out.percent = True
                out.end += len(word)
                break
        else:
            m = _PER_PERIOD.match(s, out.end) if fillers else None
            if m is None or out.period is not None:
                return out
            out.period = m.group(1)
            out.end = m.end()


@dataclass(slots=True)
class _Tail:
    scale: Decimal = _ONE
    unit: str | None = None
    comparator: Comparator | None = None
    approx: bool = False
    between: bool = False
    written: bool = False  # a unit or multiplier was written (ranges inherit it otherwise)


def _read_tail(t: str, *, strict: bool) -> _Tail:
    """Read what follows a number: 余/多, a multiplier, the unit and 以上/以内/左右 words.

    strict (after a Chinese numeral): only listed units; failure means the text is qualitative.
    """
    out = _Tail()
    if t.startswith(_INFIX_APPROX):
        out.approx, t = True, t[1:]
    multiplier: str | None = None
    if m := _MULTIPLIER.match(t):
        multiplier, t = m.group(), t[m.end() :]
        if t.startswith(_INFIX_APPROX):
            out.approx, t = True, t[1:]
    changed = True
    while changed and t:
        changed = False
        for word, meaning in _SUFFIXES:
            if t.endswith(word):
                t, changed = t[: -len(word)], True
                if meaning in (">=", "<="):
                    if out.comparator not in (None, meaning):
                        raise _Fail("比较词矛盾（同时有“以上”和“以下/以内”）")
                    out.comparator = ">=" if meaning == ">=" else "<="
                elif meaning == "approx":
                    out.approx = True
                elif meaning == "between":
                    out.between = True
                break
    unit = _UNIT_ALIASES.get(t, t)
    scale = _MULTIPLIER_VALUE[multiplier] if multiplier else _ONE
    out.written = bool(unit) or multiplier is not None
    if not unit:
        # A bare 万/亿 after a number is money ("150万" → 150 万元); a bare 千 is just ×1000.
        if multiplier in ("万", "亿", "千万", "百万"):
            out.unit, out.scale = "万元", scale / _WAN
        else:
            out.scale = scale
        return out
    if unit == "‰":
        out.unit, out.scale = "%", scale * _TENTH
    elif unit == "元":
        out.unit, out.scale = "万元", scale / _WAN
    elif unit == "%" or unit in _KNOWN_UNITS or (not strict and _SHORT_UNIT.fullmatch(unit)):
        out.unit, out.scale = unit, scale
    elif strict:
        raise _NotNumeric
    else:
        raise _Fail(f"数字后的文字「{t}」不是可识别的单位")
    return out


def _cn_to_int(s: str) -> int | None:
    """Chinese numeral below 10 000 ("十二", "一百零五", "两", "二〇二四"), or None."""
    if all(c in _CN_DIGITS for c in s):
        # One digit, or digit by digit as in "二〇二四"; "三四个" (three or four) is not 34.
        if len(s) == 1 or (s and "〇" in s):
            return int("".join(str(_CN_DIGITS[c]) for c in s))
        return None
    total, digit, last_power, zero_seen = 0, -1, 10_000, False
    for c in s:
        if c in _CN_DIGITS:
            d = _CN_DIGITS[c]
            if d == 0:
                if total == 0 or digit >= 0:
                    return None
                zero_seen = True
            elif digit >= 0:
                return None
            else:
                digit = d
        else:
            power = _CN_POWERS[c]
            if power >= last_power or (digit < 0 and total > 0):
                return None
            total += (digit if digit >= 0 else 1) * power  # "十二", "百" without a leading 一
            digit, last_power = -1, power
    if digit >= 0:
        # "一百零五" = 105, but "一千五" = 1500 (a trailing digit takes the next lower power)
        total += digit if zero_seen or last_power == 10 else digit * (last_power // 10)
    return total


def _to_float(number: str, scale: Decimal) -> float:
    if scale == _ONE:
        value = float(number)
    else:
        try:
            value = float(Decimal(number) * scale)
        except ArithmeticError as exc:  # decimal Overflow and friends
            raise _Fail("数值超出范围") from exc
    # Beyond 10^15 nothing is a real amount or count, and later Decimal rounding to 2 places (28 digits) fails.
    if not math.isfinite(value) or abs(value) >= 1e15:
        raise _Fail("数值超出范围（绝对值应小于 10^15）")
    return value


def _join_cmp(prefix: Comparator | None, suffix: Comparator | None) -> Comparator | None:
    """'≥95%以上' is '>='; '>95%以上' stays '>'; '≤95%以上' contradicts itself."""
    if prefix is None or suffix is None:
        return prefix or suffix
    if (suffix == ">=" and prefix in (">=", ">")) or (suffix == "<=" and prefix in ("<=", "<")):
        return prefix
    raise _Fail(f"比较符前后矛盾（{prefix} 与 “以上/以下”）")


def _finish_unit(unit: str | None, pre: _Prefix) -> str | None:
    if pre.percent:
        if unit not in (None, "%"):
            raise _Fail("“百分之”后不能再写其他单位")
        unit = "%"
    if pre.period is not None:
        unit = f"{unit or ''}/{pre.period}"
    return unit


# --- the two readers ---------------------------------------------------------------------------


def _read_arabic(raw: str, s: str) -> ParsedValue:
    pre = _read_prefix(s)
    first = _NUMBER.match(s, pre.end)
    if first is None:
        digit = _DIGIT.search(s)
        lead = s[: digit.start()] if digit else s
        raise _Fail(f"数字前有无法识别的文字「{lead}」")
    rest = s[first.end() :]
    sep = _RANGE_SEP.search(rest)
    if sep is None:
        if _DIGIT.search(rest):
            raise _Fail("包含多个数值且不是区间")
        tail = _read_tail(rest, strict=False)
        if tail.between:
            raise _Fail("“之间”只能用于区间")
        return ParsedValue(
            raw=raw,
            comparator=_join_cmp(pre.comparator, tail.comparator),
            value=_to_float(first.group().replace(",", ""), tail.scale),
            high=None,
            unit=_finish_unit(tail.unit, pre),
            text=None,
            approx=pre.approx or tail.approx,
        )
    left, right = rest[: sep.start()], rest[sep.end() :]
    second = _NUMBER.match(right)
    if second is None or _DIGIT.search(left) or _DIGIT.search(right[second.end() :]):
        raise _Fail("包含多个数值且不是区间")
    low_tail = _read_tail(left, strict=False)
    high_tail = _read_tail(right[second.end() :], strict=False)
    if pre.comparator or low_tail.comparator or high_tail.comparator:
        raise _Fail("区间不能再加比较符")
    if low_tail.between:
        raise _Fail("“之间”应写在区间末尾")
    approx = pre.approx or low_tail.approx or high_tail.approx
    if not low_tail.written:
        low_tail = high_tail  # "90~100%", "1-2万件": the low end takes the high end's unit
    elif not high_tail.written:
        high_tail = low_tail  # "90%-100"
    if low_tail.unit != high_tail.unit:
        raise _Fail(f"区间两端单位不一致（{low_tail.unit or '无单位'} 与 {high_tail.unit or '无单位'}）")
    low = _to_float(first.group().replace(",", ""), low_tail.scale)
    high = _to_float(second.group().replace(",", ""), high_tail.scale)
    if low > high:
        raise _Fail("区间下限大于上限")
    return ParsedValue(
        raw=raw,
        comparator="range",
        value=low,
        high=high,
        unit=_finish_unit(high_tail.unit, pre),
        text=None,
        approx=approx,
    )


def _read_chinese(raw: str, s: str) -> ParsedValue | None:
    """'三次', '不少于十二个', '百分之九十五'; None when the text is not just numeral + unit."""
    try:
        pre = _read_prefix(s)
    except _Fail:
        return None
    end = pre.end
    while end < len(s) and s[end] in _CN_CHARS and not _KILO_UNIT.match(s, end):
        end += 1
    for stop in range(end, pre.end, -1):  # longest numeral that leaves a listed unit
        number = _cn_to_int(s[pre.end : stop])
        if number is None:
            continue
        try:
            tail = _read_tail(s[stop:], strict=True)
        except _NotNumeric:
            continue
        if tail.between:
            return None
        # From here on the cell is numeral + unit, so a contradiction ("≤三次以上") is an error.
        return ParsedValue(
            raw=raw,
            comparator=_join_cmp(pre.comparator, tail.comparator),
            value=_to_float(str(number), tail.scale),
            high=None,
            unit=_finish_unit(tail.unit, pre),
            text=None,
            approx=pre.approx or tail.approx,
        )
    return None


def _qualitative(raw: str, s: str) -> ParsedValue:
    try:
        pre = _read_prefix(s, fillers=False)
        tail = _read_tail(s[pre.end :], strict=True)
    except (_Fail, _NotNumeric):
        pass
    else:  # "≥", "≥%", "不少于", "约": a comparator or approx word waiting for its number
        # A trailing word alone ("年内完成", "以上") is qualitative text, not a missing number.
        if pre.comparator:
            raise _Fail("只有比较符号，缺少数值")
        if pre.approx or tail.approx:
            raise _Fail("只有“约/左右”等词，缺少数值")
    if not any(ch.isalpha() for ch in s):
        raise _Fail("缺少数值")
    return _text(raw)


def _text(raw: str) -> ParsedValue:
    """Qualitative cell: the text as written, without a closing "。"."""
    text = raw.rstrip(_TRAILING_PUNCT + " \t\u3000") or raw
    return ParsedValue(raw=raw, comparator=None, value=None, high=None, unit=None, text=text)


@lru_cache(maxsize=1 << 17)
def _parse_str(cell: str) -> ParsedValue | tuple[str, str]:
    """Parse one string cell; a failure is returned as (raw, reason) so that it is cached too."""
    raw = cell.strip()
    s = _normalise(raw)
    if not s or s.lower() in _PLACEHOLDERS or _ONLY_DASHES.fullmatch(s):
        return (raw, "值为空")
    try:
        if _DIGIT.search(s) is None:
            return _read_chinese(raw, s) or _qualitative(raw, s)
        if _DATE.search(s):
            return _text(raw)
        return _read_arabic(raw, s)
    except _Fail as exc:
        return (raw, str(exc))


def _parse_object(cell: object) -> ParsedValue | tuple[str, str]:
    """Non-str cells: None/NaN are empty, numbers from Excel are taken as they are."""
    if cell is None:
        return ("", "值为空")
    if isinstance(cell, str):
        return _parse_str(str(cell))
    raw = str(cell).strip()
    if isinstance(cell, bool) or type(cell).__name__ in ("bool", "bool_"):  # numpy.bool(_)
        return (raw, "布尔值不能作为指标值")
    if isinstance(cell, numbers.Real | Decimal):
        try:
            value = float(cell)
        except (ValueError, OverflowError):
            return (raw, "数值无效")
        if math.isnan(value):
            return (raw, "值为空")
        if math.isinf(value):
            return (raw, "数值超出范围")
        return ParsedValue(raw=raw, comparator=None, value=value, high=None, unit=None, text=None)
    return _parse_str(raw)


def parse_value(text: object) -> ParsedValue:
    """Parse one 年度指标值 / 实际完成值 cell.

    Raises ValueParseError for empty/None/NaN input and for numeric-looking text that cannot be read.

    What is read (see tests/test_values.py for worked cases):
    - Comparator before the number (≥ >= ＞＝ ≧ 不低于 不少于 …; ≤ 不超过 …; = 等于; > 大于 高于 超过;
      < 小于 低于) or after the unit (以上/及以上 → ">="; 以下/以内/内 → "<="). "以上" never sets approx.
      The same direction twice is fine ("≥95%以上"); opposite directions are an error.
    - Units: "%"/"百分比"/"百分之…" → "%"; "‰" → "%" ÷ 10; money → 万元 (元 ÷ 10 000, 千元 ÷ 10,
      亿元 × 10 000; a bare 万/亿 is money, "1.2万件" is 12 000 件); 平米/平方/㎡ → 平方米. Other units
      are kept as written, including any unit of at most 4 letters or CJK characters after an arabic
      number ("3个社区" → 3 个社区); longer trailing text is an error.
    - Ranges "90%—100%", "90~100%", "90%至100%", "1-2万件" (the unwritten end takes the other's unit);
      a leading minus is a sign. A range with a comparator, mixed units or low > high is an error.
    - Chinese numerals only when the whole cell is numeral + listed unit ("三次", "不少于十二个");
      "一次性完成" or "一般" stay qualitative.
    - Approx (约/近/接近/余/多/左右/上下) sets approx; filler words (完成/共计/累计/达到/控制在…) are
      dropped; "每月1次" → 1 "次/月".
    - Beyond the brief: dates ("2024年12月31日前", "2024年底", "12月底前", "2024-06-30") are
      qualitative text, not two numbers; placeholders ("—", "/", "N/A", "nan") count as empty.
    - Any other text without digits is qualitative (text set, trailing "。" dropped). Text with digits
      and unknown words before the number ("满意度95%"), or two numbers that are not a range
      ("12件13次", "1.2.3"), is an error.
    - int/float/Decimal cells give value=float(x) with no comparator or unit; bool is an error.
    """
    result = _parse_str(text) if type(text) is str else _parse_object(text)
    if isinstance(result, ParsedValue):
        return result
    raise ValueParseError(*result)


def try_parse_value(text: object) -> ParsedValue | ValueParseError:
    """Like parse_value, but returns the ValueParseError instead of raising; never raises."""
    try:
        result = _parse_str(text) if type(text) is str else _parse_object(text)
    except Exception as exc:  # an exotic object whose __str__ fails
        return ValueParseError(type(text).__name__, f"无法读取的单元格：{exc}")
    if isinstance(result, ParsedValue):
        return result
    return ValueParseError(*result)

"""What the extractor looks for: amounts and their units, budget-line and flow words, generic indicator phrases,
part-year periods, and the 一级/二级 names of a library category.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Final

import yaml

from scoring.core.tolerance import MONEY_PLACES
from scoring.core.values import ValueParseError, try_parse_value
from scoring.rules.indicators import Library

MAX_FIGURE_DIGITS: Final = 20
"""A run of more digits than this is not a figure (the largest amount in 元 a report writes has 15 digits with
its decimals); with separators, MAX_FIGURE_CHARS. `mask_long_numbers` hides longer runs from every pattern."""
MAX_FIGURE_CHARS: Final = 32
_LONG_NUMBER: Final = re.compile(rf"\d{{{MAX_FIGURE_DIGITS + 1},}}|[\d.,，]{{{MAX_FIGURE_CHARS + 1},}}")
NOT_A_FIGURE: Final = "#"


def mask_long_numbers(text: str) -> str:
    """The text with every digit run over MAX_FIGURE_DIGITS (or number-like run over MAX_FIGURE_CHARS) replaced by
    as many '#': offsets are unchanged, and no pattern sees those digits. Why: a pattern such as
    `(?P<value>\\d+)个` (indicators/*.yaml) tries every start in a run and reads to its end from each, so one
    megabyte of digits cost hours; with runs capped each start reads at most the cap, and the scan is linear."""
    return _LONG_NUMBER.sub(lambda m: NOT_A_FIGURE * len(m.group()), text)


_NUMBER: Final = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT: Final = re.compile(rf"(?<![\d.,])(?P<num>{_NUMBER})[ \t]*(?P<unit>亿元|万元|元)")


def _money(num: str, unit: str) -> float | None:
    """An amount in 万元 ("3,512,345.60", "元" → 351.23456); None when unreadable."""
    parsed = try_parse_value(num.replace(",", "") + unit)
    if isinstance(parsed, ValueParseError) or parsed.value is None or parsed.unit != "万元":
        return None
    return round(parsed.value, MONEY_PLACES)


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


_FUND_WORDS: Final = ("一般公共预算", "政府性基金预算", "国有资本经营预算", "社会保险基金预算")
# Flow words, the last one before an amount wins: which column of 预算收支 the amount is.
PHRASINGS: Final = Path(__file__).with_name("phrasings.yaml")


@cache
def _flow_rx(path: Path = PHRASINGS) -> re.Pattern[str]:
    """Flow words of a 科目 sentence (phrasings.yaml `section_flow`), one named group per column, in file order."""
    flow = yaml.safe_load(path.read_text(encoding="utf-8"))["section_flow"]
    return re.compile("|".join(f"(?P<{col}>{'|'.join(map(re.escape, words))})" for col, words in flow.items()))


_NUMBERING: Final = re.compile(
    r"^\s*(?:\d{1,2}\s*[.、．]|[（(]\d{1,2}[）)]|[（(][一二三四五六七八九十]{1,3}[）)]|"
    r"[一二三四五六七八九十]{1,3}、|[①-⑳])\s*"
)
_SUB_LINES: Final = ("basic", "personnel", "public", "project")
_FLOW_COLUMN: Final = {"final": "budget_final", "initial": "budget_initial", "income": "income", "spent": "spent"}
_IN_FUND: Final = {"basic": "fund_basic", "project": "fund_project"}
_PROJECT_LIST_HEADING: Final = re.compile(r"项目支出|项目(?:明细|情况)")
_BUDGET_HEADING: Final = re.compile(r"预算|收支|收入|支出|经费")


def _alias_table(library: Library) -> list[tuple[str, str]]:
    pairs = [(alias, key) for key, aliases in library.budget_lines.items() for alias in (*aliases,)]
    return sorted(pairs, key=lambda p: -len(p[0]))


def _find_aliases(label: str, aliases: Sequence[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, key) of budget-line names in label, longest first at each position."""
    out, i = [], 0
    while i < len(label):
        for alias, key in aliases:
            if label.startswith(alias, i):
                out.append((i, i + len(alias), key))
                i += len(alias)
                break
        else:
            i += 1
    return out


def _flow(label: str) -> str | None:
    masked = label
    for w in _FUND_WORDS:
        masked = masked.replace(w, "§" * len(w))
    last = None
    for m in _flow_rx().finditer(masked):
        last = m.lastgroup
    return last


def _scope_of(title: str) -> str | None:
    if "政府性基金" in title:
        return "fund"
    if "一般公共预算" in title:
        return "general"
    return None


_COLUMN_NAMES: Final = {
    "budget_initial": "年初预算数",
    "budget_final": "全年预算数",
    "spent": "全年执行数",
    "income": "收入",
    "carryover": "结转结余",
    "adjust": "调增减",
}
_COUNT_UNIT_WORDS: Final = """
    平方米 平方公里 立方米 公里 千米 公顷 人次 台次 件次 场次 户次 车次 架次 亩 米 吨 公斤 千克 个 次 人 名 件 台 户 家 所 座
    处 项 场 期 批 份 篇 本 册 套 辆 艘 条 根 棵 株 头 只 羽 起 例 张 块 盏 组 支 队 间 栋 宗 单 平米
"""  # count units only: no money (元), no time (年/月/日/小时), no 个百分点
_COUNT_UNITS: Final = sorted(_COUNT_UNIT_WORDS.split(), key=lambda u: -len(u))
_FOLLOW: Final = r"(?=[，,。；;、）)\n：:]|$|以上|左右)"
_GENERIC_COUNT: Final = re.compile(
    rf"(?<![\d.])(?P<value>\d+(?:\.\d+)?)(?P<mult>万)?(?:余|多)?(?P<unit>{'|'.join(_COUNT_UNITS)}){_FOLLOW}"
)
_GENERIC_RATE: Final = re.compile(
    r"(?P<name>率|满意度)(?:为|达到|达|提高到|提升至|提升到|保持在|保持|稳定在)?(?P<value>\d+(?:\.\d+)?)%"
)
_PHRASE_STOP: Final = "，,。；;：:！？!?\n（(）)《》"
_LEAD_WORDS: Final = (
    "其中",
    "累计",
    "共计",
    "合计",
    "总计",
    "全年",
    "本年度",
    "年内",
    "同时",
    "此外",
    "另外",
    "并",
    "及",
    "共",
)
_TAIL_WORDS: Final = ("共计", "合计", "总计", "累计", "达到", "超过", "共", "达", "约", "近", "计", "为", "了", "逾")


def _phrase(text: str, end: int, floor: int) -> tuple[int, str]:
    """The words before end back to the last clause break (not before floor)."""
    i = end
    while i > floor and text[i - 1] not in _PHRASE_STOP:
        i -= 1
    phrase = text[i:end]
    if re.search(r"\d", phrase) and "、" in phrase:  # "…9500余平方米、沥青灌缝处理" → "沥青灌缝处理"
        cut = phrase.rindex("、") + 1
        i, phrase = i + cut, phrase[cut:]
    return i, phrase.strip()


def _strip_phrase(phrase: str, *, tail: bool = True) -> str | None:
    """Drop filler words around a generic indicator name ("累计完成…共计" → "完成…"); None if too little is left."""
    changed = True
    while changed and phrase:
        changed = False
        for w in _LEAD_WORDS:
            if phrase.startswith(w) and len(phrase) > len(w):
                phrase, changed = phrase[len(w) :], True
        for w in _TAIL_WORDS if tail else ():
            if phrase.endswith(w):
                phrase, changed = phrase[: -len(w)], True
    phrase = phrase.strip("、 ")
    return phrase if re.search(r"[\u4e00-\u9fff].*[\u4e00-\u9fff]", phrase) else None


def _generic_category(phrase: str, kind: str) -> str:
    if kind == "count":
        return "产出-数量"
    if "满意" in phrase:
        return "效果-满意度"
    if "及时" in phrase:
        return "产出-时效"
    if "完成率" in phrase:
        return "产出-数量"
    return "产出-质量"


def _mask(label: str, found: Iterable[tuple[int, int, str]]) -> str:
    chars = list(label)
    for a, b, _ in found:
        chars[a:b] = "§" * (b - a)
    return "".join(chars)


_PARTIAL: Final = re.compile(
    r"(?<!\d)(?P<a>1)[ \t]*月?[ \t]*(?:—|－|-|–|~|～|至|到)+[ \t]*(?P<b>\d{1,2})[ \t]*月"
    r"|(?:截至|截止|截止到|截至到)(?:(?:19|20)\d{2}年)?(?P<c>\d{1,2})月(?:底|末|份)?"
    r"|(?P<h>上半年|前三季度|前两季度|一季度|第一季度)"
)


def _partial_periods(text: str) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, period as 1—N月, text as written) for each mention of data covering part of the year."""
    for m in _PARTIAL.finditer(text):
        if m.group("h"):
            months = {"上半年": 6, "前三季度": 9, "前两季度": 6, "一季度": 3, "第一季度": 3}[m.group("h")]
        else:
            months = int(m.group("b") or m.group("c"))
        if 1 <= months < 12:
            yield m.start(), m.end(), f"1—{months}月", m.group()


_LEVEL1: Final = {"产出": "产出指标", "效益": "效益指标", "效果": "效益指标", "满意度": "满意度指标"}
_LEVEL2: Final = {
    "数量": "数量指标",
    "质量": "质量指标",
    "时效": "时效指标",
    "成本": "成本指标",
    "经济": "经济效益指标",
    "社会": "社会效益指标",
    "生态": "生态效益指标",
    "可持续": "可持续影响指标",
    "效益": "社会效益指标",
    "满意度": "服务对象满意度指标",
    "服务对象满意度": "服务对象满意度指标",
}


def levels_of(category: str) -> tuple[str, str] | None:
    """一级/二级 indicator names for a library category ("产出-数量" → 产出指标/数量指标); None for 投入/过程."""
    first, _, second = category.partition("-")
    if second == "满意度" or first == "满意度":
        return "满意度指标", "服务对象满意度指标"
    level1 = _LEVEL1.get(first)
    if level1 is None:
        return None
    return level1, _LEVEL2.get(second.removesuffix("效益") or second, second + "指标" if second else "")

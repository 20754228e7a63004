"""Extract facts from a narrative self-evaluation report (txt/docx) into the input workbook a person reviews.

The report is read as one text (UTF-8 or GB18030; a .docx gives its paragraphs and table rows in order,
cells joined by tabs). The extractor is generic: what it looks for comes from the indicator library
(`budget_lines` aliases and each indicator's `patterns:`), from the input schema's column names, and from
a few sentence shapes common to 自评报告 (amount after a 科目 name, "实际支出…万元", "<phrase><number><unit>").

Every fact keeps the sentence it came from, its 0-based character offset in the text and the id of the
pattern that found it. Text checks (other years, part-year data, 元 written for 万元, a rate that disagrees
with its counts under the library formula) and the ruleset's sum checks (run with
`scoring.checks.run_checks` on the workbook as written) are reported as `Issue`s.

Budget columns: "预算（资金）" → 年初预算数; "全年/调整后预算" → 全年预算数; "收入" → 全年预算数 when no
全年预算 is written (a 财政拨款 unit's income is the budget it may spend); "支出" → 全年执行数. A column
the report does not give stays blank. A project's 全年预算数 not written is 实际支出 + 结余结转 and its
年初预算数 is 全年预算数 − 年中调增（减）; both are marked 推算.

Project reconciliation rule (the numbered list in 预算执行情况 vs the sections in 项目支出绩效情况):
pairs whose amounts agree to the cent are matched first (best name similarity breaks ties); the rest are
matched when their names are similar (difflib ratio ≥ 0.6 after dropping 项目/经费/资金 words). A
matched project takes the section's full name; its 全年执行数 comes from the list (the accounting figure)
when both give one and they differ (the difference is reported).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from scoring.core.atomic import save_atomic
from scoring.core.errors import DataError, Source
from scoring.core.escape import xml_value
from scoring.core.values import ValueParseError, parse_value, try_parse_value
from scoring.io.load import read_text
from scoring.model.tables import BUDGET, DEPARTMENTS, DEPT_INDICATORS, INDICATORS, PROJECTS, Table
from scoring.rules.indicators import Library, default_library, normalize_name

if TYPE_CHECKING:  # openpyxl is imported where a workbook is written
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "BudgetLine", "Extraction", "Fact", "IndicatorRow", "Issue", "Project", "extract_path",
    "extract_text", "levels_of", "read_report", "summary", "write_workbook",
]

Confidence = Literal["高", "中", "低", "推算"]
Severity = Literal["high", "medium", "low"]

SOURCE_SHEET: Final = "提取来源"
CHECK_SHEET: Final = "核对"
ROUNDING: Final = 0.05  # 万元：不超过此差额视为四舍五入尾差（与 rulesets/fragments/common-checks.yaml 一致）
LARGE_WAN: Final = 100_000.0  # 万元：单笔金额达到 10 亿元，多半是把“元”写成了“万元”
NAME_SIMILARITY: Final = 0.6


# --- facts -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    """One value read from the report, with where and how it was found."""

    table: str  # the sheet it goes to: 单位信息 / 预算收支 / 项目支出 / 绩效指标 / 整体绩效指标
    subject: str  # 科目, 项目名称 or 指标名称; the department name for 单位信息
    field: str  # schema field (spent, budget_final, dept_name, actual …)
    value: str | float | int
    text: str  # as written in the report: "1,255.11万元", "112252件"
    offset: int  # 0-based character offset of `text` in the report text
    sentence: str
    pattern: str  # id of the pattern that found it: "立案数/1", "budget:amount", "generic:count" …
    confidence: Confidence = "高"
    project: str = ""  # 项目编码 the fact belongs to
    note: str = ""


@dataclass(frozen=True, slots=True)
class Issue:
    """One row of the 核对 sheet: a text check or a sum check that did not pass cleanly."""

    kind: str  # 年度 / 数据期间 / 金额单位 / 勾稽关系 / 项目核对 / 单位信息 / 指标
    severity: Severity
    status: str  # 不符 / 尾差 / 提示
    subject: str
    message: str
    sentence: str = ""
    offset: int | None = None
    check_id: str = ""


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One row of 预算收支 (万元); None where the report does not say."""

    key: str
    line: str
    budget_initial: float | None = None
    budget_final: float | None = None
    spent: float | None = None


@dataclass(frozen=True, slots=True)
class Project:
    """One row of 项目支出 (万元)."""

    code: str
    name: str
    fund_type: str
    budget_initial: float | None
    budget_final: float | None
    spent: float | None
    carryover: float | None
    period: str = ""
    list_name: str = ""  # the name in the 项目支出情况 list when it differs


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One row of 绩效指标 (or 整体绩效指标 when project is ""); the target is left for the reviewer."""

    project: str
    level1: str
    level2: str
    name: str
    actual: str
    confidence: Confidence
    indicator_id: str = ""


@dataclass(frozen=True)
class Extraction:
    """Everything read from one report, ready to be written as an input workbook."""

    source: Path
    text: str
    dept_code: str
    dept_name: str
    year: int | None
    staff_authorized: int | None
    staff_actual: int | None
    budget: tuple[BudgetLine, ...]
    projects: tuple[Project, ...]
    indicators: tuple[IndicatorRow, ...]
    facts: tuple[Fact, ...]
    issues: tuple[Issue, ...]

    def budget_value(self, line: str, column: str = "spent") -> float | None:
        """The amount (万元) of a budget line by key or 科目 name; None when not extracted."""
        for b in self.budget:
            if line in (b.key, b.line):
                value: float | None = getattr(b, column)
                return value
        return None


# --- reading -----------------------------------------------------------------------------------

# Full-width digits and signs, one for one, so offsets stay those of the text as read.
_WIDTH: Final = str.maketrans("０１２３４５６７８９．％", "0123456789.%")


def read_report(path: Path) -> str:
    """The report's text: a .txt decoded as UTF-8/GB18030, or a .docx's paragraphs and table rows in order."""
    if not path.is_file():
        raise DataError("报告文件不存在", source=Source(path))
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _docx_text(path)
    if suffix in (".txt", ".text", ".md", ""):
        return read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    raise DataError("不支持的报告格式", source=Source(path), hint="支持 .txt 或 .docx；.doc/.pdf 请先另存为 .docx")


def _docx_text(path: Path) -> str:
    """Paragraphs one per line; a table row is one line with its cells joined by tabs (merged cells once)."""
    import docx  # local: only .docx reports need it
    from docx.table import Table as DocxTable

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise DataError(f"无法读取 Word 文件：{exc}", source=Source(path), hint="请确认是 .docx 格式") from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, DocxTable):
            for row in block.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell repeats in every grid column it spans
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(cell.text.split()))
                lines.append("\t".join(cells))
        else:
            lines.append(block.text)
    return "\n".join(lines)


# --- the text's layout: lines, sentences, headings ---------------------------------------------

_TOP: Final = re.compile(r"[ \t\u3000]*([一二三四五六七八九十]{1,3})[ \t]*[、.．][ \t]*(\S[^\n]{0,40})$", re.M)
_SECOND: Final = re.compile(r"[ \t\u3000]*[（(]([一二三四五六七八九十]{1,3})[）)][ \t]*(\S[^\n]{0,40})$", re.M)
_THIRD: Final = re.compile(r"[ \t\u3000]*(\d{1,2})[ \t]*[.、．][ \t]*([^\d\s][^\n]{0,40})$", re.M)
_SENTENCE_END: Final = "。！？；;!?\n"
_NOT_A_NAME: Final = ("部门", "单位", "本部门", "本单位", "部门（单位）", "部门(单位)")  # a form's blank title
_TRAILING_NOTE: Final = re.compile(r"[（(][^（）()]*[）)]\s*$")
_CLAUSE_BREAK: Final = "，,：:（(）)、"


@dataclass(frozen=True, slots=True)
class _Heading:
    level: int  # 1 一、 / 2 （一） / 3 1.
    title: str
    start: int  # offset of the heading line
    end: int  # end of the section it opens (next heading of the same or a higher level)


def _headings(text: str) -> tuple[_Heading, ...]:
    found: list[tuple[int, int, str]] = []
    for level, rx in ((1, _TOP), (2, _SECOND), (3, _THIRD)):
        for m in rx.finditer(text):
            title = m.group(2).strip()
            core = _TRAILING_NOTE.sub("", title)  # "1.某某项目（129.44万元）" is still a title
            if "。" in title or "；" in title or _AMOUNT.search(core) or len(title) > 40:
                continue  # a paragraph that starts with a number, not a title
            found.append((m.start(), level, title))
    found.sort()
    out = []
    for i, (start, level, title) in enumerate(found):
        end = next((s for s, lv, _ in found[i + 1:] if lv <= level), len(text))
        out.append(_Heading(level, title, start, end))
    return tuple(out)


def _sentence_span(text: str, start: int, end: int | None = None) -> tuple[int, int]:
    """The sentence around text[start:end], bounded by 。！？； or a line break."""
    end = start if end is None else end
    left = max((text.rfind(ch, 0, start) for ch in _SENTENCE_END), default=-1) + 1
    rights = [i for ch in _SENTENCE_END if (i := text.find(ch, end)) != -1]
    right = min(rights) + 1 if rights else len(text)
    return left, right


def _sentence(text: str, start: int, end: int | None = None, limit: int = 240) -> str:
    """The source sentence for display; a long one is cut around the match."""
    left, right = _sentence_span(text, start, end)
    s = text[left:right].strip()
    if len(s) <= limit:
        return s
    pos = start - left
    lo = max(0, pos - limit // 2)
    return ("…" if lo else "") + text[left + lo:left + lo + limit].strip() + "…"


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence inside text[start:end]."""
    pos = start
    for i in range(start, end):
        if text[i] in _SENTENCE_END:
            if i > pos:
                yield pos, i
            pos = i + 1
    if pos < end:
        yield pos, end


# --- amounts -----------------------------------------------------------------------------------

_NUMBER: Final = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT: Final = re.compile(rf"(?<![\d.,])(?P<num>{_NUMBER})[ \t]*(?P<unit>亿元|万元|元)")


def _money(num: str, unit: str) -> float | None:
    """An amount in 万元 ("3,512,345.60", "元" → 351.23456); None when unreadable."""
    parsed = try_parse_value(num.replace(",", "") + unit)
    if isinstance(parsed, ValueParseError) or parsed.value is None or parsed.unit != "万元":
        return None
    return round(parsed.value, 6)


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


# --- budget lines ------------------------------------------------------------------------------

_FUND_WORDS: Final = ("一般公共预算", "政府性基金预算", "国有资本经营预算", "社会保险基金预算")
# Flow words, the last one before an amount wins: which column of 预算收支 the amount is.
_FLOW: Final = re.compile(r"(?P<final>全年预算|调整后预算|预算调整为)|(?P<initial>年初预算|预算资金|预算安排|安排预算|预算数|预算)"
                          r"|(?P<income>收入|到位资金|到位)|(?P<spent>支出|支付|执行数|执行|使用|开支)")
_NUMBERING: Final = re.compile(r"^\s*(?:\d{1,2}\s*[.、．]|[（(]\d{1,2}[）)]|[（(][一二三四五六七八九十]{1,3}[）)]|"
                               r"[一二三四五六七八九十]{1,3}、|[①-⑳])\s*")
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
    for m in _FLOW.finditer(masked):
        last = m.lastgroup
    return last


def _scope_of(title: str) -> str | None:
    if "政府性基金" in title:
        return "fund"
    if "一般公共预算" in title:
        return "general"
    return None


@dataclass(slots=True)
class _ListItem:
    """A project as named in a budget section's list or table (amounts in 万元)."""

    name: str
    fund: str | None
    spent: float | None
    offset: int  # where the name is written
    budget_initial: float | None = None
    budget_final: float | None = None
    carryover: float | None = None
    adjust: float | None = None


@dataclass(slots=True)
class _Section:
    """A project's own section in 项目支出绩效情况."""

    name: str
    start: int
    end: int
    fields: dict[str, tuple[float, str, int]] = field(default_factory=dict)  # field → (万元, text, offset)


class _Extractor:
    """One pass over one report; collects facts and issues as it goes."""

    def __init__(self, text: str, library: Library, source: Path) -> None:
        self.text = text.translate(_WIDTH)
        self.library = library
        self.source = source
        self.headings = _headings(self.text)
        self.aliases = _alias_table(library)
        self.facts: list[Fact] = []
        self.issues: list[Issue] = []
        self.claimed: list[tuple[int, int]] = []  # spans already read, so the generic pattern skips them
        self.table_spans: list[tuple[int, int]] = []
        self.budget: dict[str, dict[str, tuple[float, Fact]]] = {}
        self.items: list[_ListItem] = []
        self.sections: list[_Section] = []

    # -- helpers --

    def fact(self, table: str, subject: str, fld: str, value: str | float | int, start: int, end: int,
             pattern: str, confidence: Confidence = "高", project: str = "", note: str = "") -> Fact:
        f = Fact(table, subject, fld, value, self.text[start:end], start, _sentence(self.text, start, end),
                 pattern, confidence, project, note)
        self.facts.append(f)
        return f

    def issue(self, kind: str, severity: Severity, status: str, subject: str, message: str,
              offset: int | None = None, check_id: str = "") -> None:
        sentence = _sentence(self.text, offset) if offset is not None else ""
        new = Issue(kind, severity, status, subject, message, sentence, offset, check_id)
        same = (kind, status, subject, message, sentence)
        if sentence and any((i.kind, i.status, i.subject, i.message, i.sentence) == same for i in self.issues):
            return  # the same remark twice in one sentence ("2023年度…收入…，2023年度…支出…") is said once
        self.issues.append(new)

    def innermost(self, pos: int) -> list[_Heading]:
        """Headings whose sections contain pos, outermost first."""
        return [h for h in self.headings if h.start <= pos < h.end]

    def in_table(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.table_spans)

    def overlaps(self, start: int, end: int) -> bool:
        return any(start < b and a < end for a, b in self.claimed)

    def budget_sections(self) -> list[tuple[int, int, str | None]]:
        """(start, end, fund scope) of sections about budgets; the whole text when it has no headings."""
        tops = [h for h in self.headings if h.level == 1]
        if not tops:
            return [(0, len(self.text), None)]
        return [(h.start, h.end, _scope_of(h.title)) for h in tops
                if _BUDGET_HEADING.search(h.title) and "绩效" not in h.title]

    # -- department --

    def department(self, year: int | None) -> tuple[str, int | None]:
        text = self.text
        name = ""
        m = re.search(r"(?:部门（单位）名称|部门\(单位\)名称|单位名称|部门名称|填报单位|编报单位)[ \t]*[:：][ \t]*"
                      r"(?P<name>[^\s（(]{2,40})", text)
        if m:
            name = m.group("name").strip()
            self.fact(DEPARTMENTS.sheet, name, "dept_name", name, m.start("name"), m.end("name"), "dept:name-field")
        head = text[:600]
        if not name:
            flat = re.sub(r"\s+", "", head)
            t = re.search(r"(?:19|20)\d{2}年度?(?P<name>[^\d（(]{2,40}?)(?:部门)?(?:整体支出|项目支出|整体)?绩效自评报告", flat)
            if t and t.group("name") not in _NOT_A_NAME and not t.group("name").startswith(_NOT_A_NAME[-2:]):
                name = t.group("name")
                pos = text.find(name)
                if pos >= 0:
                    self.fact(DEPARTMENTS.sheet, name, "dept_name", name, pos, pos + len(name), "dept:title")
        if not name:  # the first line, when it names a body: "青禾区农业农村局"
            for line in (ln.strip() for ln in head.splitlines()):
                if line:
                    if re.fullmatch(r"[^\d\s，。]{2,30}(?:局|委|委员会|办|办公室|院|中心|所|站|队|馆|会|部|处|厅|室|社|署)",
                                    line):
                        name = line
                        pos = text.find(line)
                        self.fact(DEPARTMENTS.sheet, name, "dept_name", name, pos, pos + len(name), "dept:first-line",
                                  "中")
                    break
        if not name:
            self.issue("单位信息", "high", "提示", "部门名称", "未找到部门（单位）名称，请在“单位信息”表中填写")
        found_year = None
        y = re.search(r"((?:19|20)\d{2})[ \t]*年度", head) or re.search(r"((?:19|20)\d{2})[ \t]*年", head)
        if y:
            found_year = int(y.group(1))
            self.fact(DEPARTMENTS.sheet, name, "year", found_year, y.start(1), y.end(1), "dept:title-year")
        if year is not None and found_year is not None and year != found_year:
            self.issue("年度", "medium", "提示", "年度",
                       f"报告标题为 {found_year} 年度，按 --year 指定的 {year} 年度处理", y.start(1) if y else None)
        if year is None and found_year is None:
            self.issue("单位信息", "high", "提示", "年度", "未找到评价年度，请用 --year 指定或在“单位信息”表中填写")
        return name, year if year is not None else found_year

    def staff(self) -> tuple[int | None, int | None]:
        out: list[int | None] = []
        for fld, rx in (("staff_authorized", r"(?:核定)?编制(?:人数|数)?(?:为|共)?(?P<v>\d+)[ \t]*(?:人|名)"),
                        ("staff_actual", r"(?:在编人数|在职人数|实有人数|实有在职人员|在编人员|在职人员)(?:为|共)?(?P<v>\d+)[ \t]*(?:人|名)")):
            m = re.search(rx, self.text)
            if m:
                self.fact(DEPARTMENTS.sheet, "", fld, int(m.group("v")), m.start(), m.end(), f"dept:{fld}")
                self.claimed.append((m.start(), m.end()))
            out.append(int(m.group("v")) if m else None)
        return out[0], out[1]

    # -- tables (tab-separated rows, as docx tables and pasted spreadsheets give) --

    _COLUMNS: Final = (
        ("seq", re.compile(r"^序号$")),
        ("name", re.compile(r"项目名称|科目|收支项目|^项目$|名称")),
        ("fund", re.compile(r"资金性质|资金来源|预算类型|资金类型")),
        ("budget_initial", re.compile(r"年初预算")),
        ("budget_final", re.compile(r"全年预算|调整后预算|预算数|预算")),
        ("adjust", re.compile(r"调增|调减|调整")),
        ("carryover", re.compile(r"结转|结余")),
        ("spent", re.compile(r"支出|执行数|执行|使用")),
    )

    def tables(self) -> None:
        text = self.text
        rows, pos = [], 0
        for line in text.split("\n"):
            rows.append((pos, line))
            pos += len(line) + 1
        i = 0
        while i < len(rows):
            start, line = rows[i]
            cells = _cells(line)
            header = self._header(cells) if len(cells) >= 3 else None
            if header is None:
                i += 1
                continue
            unit = _unit_of(" ".join(cells)) or _unit_of(text[max(0, start - 120):start]) or "万元"
            j = i + 1
            while j < len(rows) and len(_cells(rows[j][1])) >= max(2, len(cells) - 1):
                self.row(rows[j][0], rows[j][1], header, unit)
                j += 1
            self.table_spans.append((start, rows[j - 1][0] + len(rows[j - 1][1])))
            i = j

    def _header(self, cells: list[str]) -> dict[int, str] | None:
        cols: dict[int, str] = {}
        for k, cell in enumerate(cells):
            for fld, rx in self._COLUMNS:
                if rx.search(cell) and fld not in cols.values():
                    cols[k] = fld
                    break
        fields = set(cols.values())
        return cols if "name" in fields and fields & {"spent", "budget_final", "budget_initial"} else None

    def row(self, start: int, line: str, header: Mapping[int, str], unit: str) -> None:
        cells = _cells(line)
        positions = _cell_offsets(line, cells, start)
        values: dict[str, tuple[str, int]] = {}
        for k, fld in header.items():
            if k < len(cells):
                values[fld] = (cells[k], positions[k])
        name = _NUMBERING.sub("", values.get("name", ("", 0))[0]).strip()
        if not name or re.fullmatch(r"合\s*计|小\s*计|总\s*计|其中[:：]?", name):
            return
        amounts: dict[str, tuple[float, str, int]] = {}
        for fld in ("budget_initial", "budget_final", "adjust", "carryover", "spent"):
            if fld in values:
                cell, pos = values[fld]
                num = cell.replace(",", "").replace("，", "").strip()
                m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*(亿元|万元|元)?", num)
                if m is None:
                    continue
                money = _money(m.group(1).lstrip("-"), m.group(2) or unit)
                if money is not None:
                    amounts[fld] = (-money if m.group(1).startswith("-") else money, cell, pos)
        key = self.library.budget_line_key(name)
        if key is not None:
            for fld, column in (("budget_initial", "budget_initial"), ("budget_final", "budget_final"),
                                ("spent", "spent")):
                if fld in amounts:
                    v, cell, pos = amounts[fld]
                    self.add_budget(key, column, v, pos, pos + len(cell), "budget:table", written_unit=unit)
            return
        fund_cell = values.get("fund", ("", 0))[0]
        fund = "fund" if "基金" in fund_cell else ("general" if fund_cell else self.scope_at(start))
        name_cell, name_pos = values["name"]
        pos = name_pos + max(0, name_cell.find(name))
        item = _ListItem(name, fund, amounts.get("spent", (None,))[0], pos)
        item.budget_initial = amounts.get("budget_initial", (None,))[0]
        item.budget_final = amounts.get("budget_final", (None,))[0]
        item.carryover = amounts.get("carryover", (None,))[0]
        item.adjust = amounts.get("adjust", (None,))[0]
        self.items.append(item)
        self.fact(PROJECTS.sheet, name, "project_name", name, pos, pos + len(name), "project:table")
        for fld, (v, cell, p) in amounts.items():
            self.fact(PROJECTS.sheet, name, fld, v, p, p + len(cell), "project:table",
                      note="按元折算为万元" if unit == "元" else "")

    def scope_at(self, pos: int) -> str | None:
        for h in reversed(self.innermost(pos)):
            scope = _scope_of(h.title)
            if scope:
                return scope
        return None

    # -- budget sentences --

    def add_budget(self, key: str, column: str, value: float, start: int, end: int, pattern: str,
                   written_unit: str = "万元", confidence: Confidence = "高") -> None:
        line = self.library.budget_lines.get(key, (key,))[0]
        note = "按元折算为万元" if written_unit == "元" else ("按亿元折算为万元" if written_unit == "亿元" else "")
        f = self.fact(BUDGET.sheet, line, column, value, start, end, pattern, confidence, note=note)
        self.claimed.append((start, end))
        have = self.budget.setdefault(key, {})
        if column in have:
            old = have[column][0]
            if abs(old - value) > 1e-6:
                self.issue("勾稽关系", "high", "不符", line,
                           f"{line}（{_COLUMN_NAMES[column]}）前后不一致：先为 {_fmt(old)} 万元，后为 {_fmt(value)} 万元；"
                           f"已采用前者", start)
            return
        have[column] = (value, f)
        if written_unit == "元":
            self.issue("金额单位", "low", "提示", line,
                       f"{line}金额以元填写（{f.text}），已折算为 {_fmt(value)} 万元", start)

    def budget_sentences(self) -> None:
        text = self.text
        for sec_start, sec_end, sec_scope in self.budget_sections():
            for s_start, s_end in _sentences(text, sec_start, sec_end):
                if self.in_table(s_start):
                    continue
                self.budget_sentence(s_start, s_end, sec_scope)

    def budget_sentence(self, s_start: int, s_end: int, sec_scope: str | None) -> None:
        text = self.text
        sentence = text[s_start:s_end]
        scope, line, flow, prev = None, None, None, 0
        in_list = any(_PROJECT_LIST_HEADING.search(h.title) and h.level > 1 for h in self.innermost(s_start))
        for m in _AMOUNT.finditer(sentence):
            before = sentence[prev:m.start()]
            breaks = [before.rfind(ch) for ch in _CLAUSE_BREAK]
            label = before[max(breaks) + 1:] if max(breaks) >= 0 else before
            for _a, _b, key in _find_aliases(before, self.aliases):
                if key in ("general", "fund"):
                    scope = key  # the last 一般公共预算/政府性基金 named so far decides 基本/项目支出
            found = _find_aliases(label, self.aliases)
            here_flow = _flow(_mask(label, found))
            if here_flow:
                flow = here_flow
            abs_start, abs_end = s_start + m.start(), s_start + m.end()
            value = _money(m.group("num"), m.group("unit"))
            prev = m.end()
            if value is None:
                continue
            if found:
                line = found[-1][2]
            elif here_flow is None:
                if in_list:
                    self.list_item(before, value, abs_start, abs_end, scope or sec_scope)
                continue
            if line is None:
                continue
            key = line
            if key in _IN_FUND and (scope or sec_scope) == "fund":
                key = _IN_FUND[key]
            # A 支出 line named without a flow word (“其中：项目支出790.82万元”) is spending; other lines
            # take the flow last written in the sentence (“收入1255.11万元，支出1255.11万元”).
            sub_line = line in _SUB_LINES and here_flow is None
            column = "spent" if sub_line else _FLOW_COLUMN.get(here_flow or flow or "", "spent")
            self.add_budget(key, column, value, abs_start, abs_end, f"budget:{column}", m.group("unit"))

    def list_item(self, before: str, value: float, start: int, end: int, scope: str | None) -> None:
        name = _NUMBERING.sub("", re.split(r"[；;。\n]", before)[-1]).strip(" ：:，,")
        name = re.sub(r"(?:共计|合计|共|为|支出|支付)$", "", name).strip()
        if not re.search(r"[\u4e00-\u9fff]{2}", name) or len(name) > 60:
            return
        self.items.append(_ListItem(name, scope, value, start - len(before) + before.rfind(name)))
        self.fact(PROJECTS.sheet, name, "spent", value, start, end, "project:list",
                  note="" if scope else "资金性质未注明，按一般公共预算")
        self.claimed.append((start, end))

    # -- project sections --

    _PROJECT_FIELDS: Final = (
        ("adjust", re.compile(r"(?P<w>调增（减）|调增\(减\)|调增减|调减|调增|追加|调整)(?:了|为|资金)?")),
        ("spent", re.compile(r"(?P<w>实际支出|全年支出|全年执行数|实际执行|累计支出|已支出|完成支出|支出资金|支出)(?:了|为|共计|合计)?")),
        ("carryover", re.compile(r"(?P<w>结余结转|结转结余|结余|结转)(?:资金)?(?:为)?")),
        ("budget_initial", re.compile(r"(?P<w>年初预算数?)(?:为)?")),
        ("budget_final", re.compile(r"(?<!年初)(?P<w>全年预算数|全年预算|调整后预算数?|预算资金|预算数|安排资金|预算)(?:为|共计)?")),
    )
    _NOT_PROJECT: Final = re.compile(r"情况|绩效|总体|概述|整体|基本|问题|措施|结论")

    def project_sections(self) -> None:
        text = self.text
        perf = [h for h in self.headings if h.level == 1 and "绩效" in h.title and not re.search(r"问题|措施|应用|公开", h.title)]
        for top in perf:
            for h in self.headings:
                if h.level > 1 and top.start < h.start < top.end and not self._NOT_PROJECT.search(h.title):
                    if any(s.start <= h.start < s.end for s in self.sections):
                        continue  # a numbered line inside a project's own section
                    name = _NUMBERING.sub("", h.title).strip()
                    if _AMOUNT.search(name):
                        name = _TRAILING_NOTE.sub("", name).strip()
                    body_start = text.find("\n", h.start)
                    sec = _Section(name, h.start, min(h.end, top.end))
                    self.sections.append(sec)
                    title_pos = text.find(name, h.start)
                    self.fact(PROJECTS.sheet, name, "project_name", name, title_pos, title_pos + len(name),
                              "project:section")
                    self.section_fields(sec, body_start if body_start != -1 else h.start)

    def section_fields(self, sec: _Section, body: int) -> None:
        text = self.text
        for fld, rx in self._PROJECT_FIELDS:
            for m in rx.finditer(text, body, sec.end):
                a = _AMOUNT.match(text, m.end())
                if a is None:
                    continue
                if fld == "spent" and re.search(r"(基本|项目|人员|公用)$", text[max(0, m.start() - 2):m.start()]):
                    continue
                if self.overlaps(a.start(), a.end()):
                    continue
                value = _money(a.group("num"), a.group("unit"))
                if value is None:
                    continue
                if fld == "adjust" and m.group("w") == "调减":
                    value = -value
                sec.fields[fld] = (value, a.group(), a.start())
                self.claimed.append((a.start(), a.end()))
                self.fact(PROJECTS.sheet, sec.name, fld, value, a.start(), a.end(), f"project:{fld}",
                          note="按元折算为万元" if a.group("unit") == "元" else "")
                break

    # -- indicators --

    def indicators(self) -> list[tuple[int, int, str, str, str, Confidence, str, str]]:
        """(start, end, indicator id or phrase, category, actual, confidence, pattern, note) in text order."""
        text = self.text
        out: list[tuple[int, int, str, str, str, Confidence, str, str]] = []
        for ind in self.library.indicators.values():
            for n, rx in enumerate(ind.patterns, start=1):
                for m in rx.finditer(text):
                    if "value" not in rx.groupindex:
                        continue
                    v_start, v_end = m.span("value")
                    if self.overlaps(v_start, v_end) or self.in_table(m.start()):
                        continue
                    value = m.group("value").rstrip(",，.")
                    unit = (m.group("unit") if "unit" in rx.groupindex else None) or ind.unit or ""
                    actual = value + unit
                    parsed = try_parse_value(actual)
                    if isinstance(parsed, ValueParseError) or parsed.value is None:
                        self.issue("指标", "low", "提示", ind.id, f"模式 {ind.id}/{n} 匹配到「{m.group()}」，但无法读取数值",
                                   m.start())
                        continue
                    out.append((m.start(), m.end(), ind.id, ind.category, actual, "高", f"{ind.id}/{n}", ""))
                    self.claimed.append((m.start(), m.end()))
        for sec in self.sections:
            out += self.generic(sec.start, sec.end)
        out.sort()
        return out

    def generic(self, start: int, end: int) -> list[tuple[int, int, str, str, str, Confidence, str, str]]:
        """'<phrase><number><unit>' counts and '<phrase>率<number>%' rates inside a project section."""
        text = self.text
        out: list[tuple[int, int, str, str, str, Confidence, str, str]] = []
        for rx, kind in ((_GENERIC_RATE, "rate"), (_GENERIC_COUNT, "count")):
            for m in rx.finditer(text, start, end):
                if self.overlaps(m.start("value"), m.end("value")) or self.in_table(m.start()):
                    continue
                phrase_end = m.end("name") if kind == "rate" else m.start("value")
                phrase_start, written = _phrase(text, phrase_end, start)
                phrase = _strip_phrase(written, tail=kind == "count")
                if phrase is None or not (2 <= len(phrase) <= 20) or re.search(r"\d", phrase):
                    continue
                actual = m.group("value") + (m.group("mult") or "") + m.group("unit") if kind == "count" else (
                    m.group("value") + "%")
                if isinstance(try_parse_value(actual), ValueParseError):
                    continue
                resolved = self.library.resolve(phrase)
                category = resolved.category if resolved else _generic_category(phrase, kind)
                name = resolved.id if resolved else phrase
                note = "" if resolved is None else f"原文指标名「{phrase}」，按指标库归为「{resolved.id}」"
                confidence: Confidence = "中" if kind == "rate" else "低"
                out.append((phrase_start, m.end(), name, category, actual, confidence, f"generic:{kind}", note))
                self.claimed.append((phrase_start, m.end()))
        return out

    # -- text checks --

    def text_checks(self, year: int | None) -> None:
        text = self.text
        if year is not None:
            for m in re.finditer(r"(?<!\d)((?:19|20)\d{2})[ \t]*年", text):
                found = int(m.group(1))
                if found == year:
                    continue
                left, right = _sentence_span(text, m.start())
                money = any(left <= f.offset < right and f.table in (BUDGET.sheet, PROJECTS.sheet)
                            for f in self.facts)
                if money:
                    self.issue("年度", "high", "不符", f"{found}年", f"文中出现 {found} 年，与评价年度 {year} 年不符；"
                               "该句的金额已按本年度提取，请核实", m.start())
                elif re.search(r"(?:较|比|与|同比|相比)$", text[max(0, m.start() - 3):m.start()]):
                    self.issue("年度", "low", "提示", f"{found}年",
                               f"文中出现 {found} 年（评价年度为 {year} 年），为与往年比较，请确认", m.start())
                elif found < year:  # most often last year's report copied forward (芦淞 一、三)
                    self.issue("年度", "medium", "不符", f"{found}年",
                               f"文中出现 {found} 年，与评价年度 {year} 年不符；请核实是否沿用了往年报告的文字", m.start())
                else:  # a later year is usually a plan ("2025年将…"): worth a look, not an error
                    self.issue("年度", "low", "提示", f"{found}年",
                               f"文中出现 {found} 年（评价年度为 {year} 年），如为下年计划可忽略", m.start())
        for start, _end, period, written in _partial_periods(text):
            self.issue("数据期间", "medium", "提示", written,
                       f"数据只覆盖 {period}，不是全年（统计口径不完整）", start)


_COLUMN_NAMES: Final = {"budget_initial": "年初预算数", "budget_final": "全年预算数", "spent": "全年执行数",
                        "income": "收入", "carryover": "结转结余", "adjust": "调增减"}

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
_LEAD_WORDS: Final = ("其中", "累计", "共计", "合计", "总计", "全年", "本年度", "年内", "同时", "此外", "另外", "并", "及", "共")
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
                phrase, changed = phrase[len(w):], True
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


def _cells(line: str) -> list[str]:
    if "\t" in line:
        parts = line.split("\t")
    elif "|" in line or "｜" in line:
        parts = re.split(r"[|｜]", line.strip().strip("|｜"))
    else:
        parts = re.split(r"[ \u3000]{2,}", line.strip())
    return [p.strip() for p in parts] if len([p for p in parts if p.strip()]) >= 2 else []


def _cell_offsets(line: str, cells: Sequence[str], start: int) -> list[int]:
    out, pos = [], 0
    for cell in cells:
        i = line.find(cell, pos) if cell else pos
        out.append(start + (i if i >= 0 else pos))
        pos = (i if i >= 0 else pos) + len(cell)
    return out


def _unit_of(text: str) -> str | None:
    m = re.findall(r"(?:单位[:：]\s*|[（(])(亿元|万元|元)[）)]?", text)
    return m[-1] if m else None


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


# --- reconciling the two project lists --------------------------------------------------------


def _core_name(name: str) -> str:
    return re.sub(r"项目|经费|资金|专项|工作|费用|费", "", normalize_name(name))


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _core_name(a), _core_name(b)).ratio()


def _pairs(items: Sequence[_ListItem], sections: Sequence[_Section]) -> dict[int, int]:
    """section index → list item index (see the module docstring for the rule)."""
    candidates = []
    for i, it in enumerate(items):
        for j, sec in enumerate(sections):
            spent = sec.fields.get("spent")
            same = it.spent is not None and spent is not None and abs(it.spent - spent[0]) < 0.005
            sim = _similarity(it.name, sec.name)
            if same or sim >= NAME_SIMILARITY:
                candidates.append((same, sim, i, j))
    candidates.sort(reverse=True)
    out: dict[int, int] = {}
    used: set[int] = set()
    for _same, _sim, i, j in candidates:
        if i not in used and j not in out:
            out[j] = i
            used.add(i)
    return out


# --- the extraction ----------------------------------------------------------------------------

_LEVEL1: Final = {"产出": "产出指标", "效益": "效益指标", "效果": "效益指标", "满意度": "满意度指标"}
_LEVEL2: Final = {"数量": "数量指标", "质量": "质量指标", "时效": "时效指标", "成本": "成本指标",
                  "经济": "经济效益指标", "社会": "社会效益指标", "生态": "生态效益指标", "可持续": "可持续影响指标",
                  "效益": "社会效益指标", "满意度": "服务对象满意度指标", "服务对象满意度": "服务对象满意度指标"}


def levels_of(category: str) -> tuple[str, str] | None:
    """一级/二级 indicator names for a library category ("产出-数量" → 产出指标/数量指标); None for 投入/过程."""
    first, _, second = category.partition("-")
    if second == "满意度" or first == "满意度":
        return "满意度指标", "服务对象满意度指标"
    level1 = _LEVEL1.get(first)
    if level1 is None:
        return None
    return level1, _LEVEL2.get(second.removesuffix("效益") or second, second + "指标" if second else "")


def extract_text(text: str, *, year: int | None = None, code: str | None = None, library: Library | None = None,
                 source: Path | str = "<报告>", generic: bool = True) -> Extraction:
    """Read facts from report text. `year` overrides the fiscal year in the title; `code` is the 部门编码.

    generic=False keeps the generic pattern's counts and rates in 提取来源 only, out of 绩效指标.
    """
    lib = library or default_library()
    ex = _Extractor(text, lib, Path(source))
    dept_name, fiscal_year = ex.department(year)
    staff_auth, staff_actual = ex.staff()
    ex.tables()
    ex.budget_sentences()
    ex.project_sections()
    projects, section_codes = _projects(ex)
    budget = _budget_lines(ex)
    indicators = _indicator_rows(ex, section_codes, generic)
    _formula_checks(ex, indicators)
    ex.text_checks(fiscal_year)
    _amount_checks(ex, budget)
    if code:
        dept_code = code
    else:
        digest = hashlib.sha1((dept_name or ex.source.name).encode("utf-8")).hexdigest()[:8].upper()
        dept_code = f"EX{digest}"
        ex.issue("单位信息", "low", "提示", "部门编码",
                 f"未指定部门编码，暂用 {dept_code}；请用 --code 指定或在“单位信息”表中改正")
    facts = tuple(sorted(ex.facts, key=lambda f: f.offset))
    return Extraction(Path(source), ex.text, dept_code, dept_name, fiscal_year, staff_auth, staff_actual, budget,
                      projects, indicators, facts, tuple(ex.issues))


def extract_path(path: Path, *, year: int | None = None, code: str | None = None,
                 library: Library | None = None, generic: bool = True) -> Extraction:
    """Read a .txt or .docx report and extract its facts."""
    return extract_text(read_report(path), year=year, code=code, library=library, source=path, generic=generic)




def summary(ex: Extraction, issues: Sequence[Issue]) -> str:
    """A few lines for the terminal: what was found and every 核对 row, most severe first."""
    generic = sum(r.confidence in ("中", "低") for r in ex.indicators)
    lines = [
        f"{ex.dept_name or '（未找到部门名称）'} {ex.year or '（年度未知）'} 年度，部门编码 {ex.dept_code}",
        f"预算科目 {len(ex.budget)} 项，项目 {len(ex.projects)} 个，绩效指标 {len(ex.indicators)} 条"
        f"（其中通用模式 {generic} 条，待复核），提取来源 {len(ex.facts)} 条",
        "年度指标值已留空（黄色），请复核后填写，再运行 perfscore score",
    ]
    if issues:
        lines.append(f"核对 {len(issues)} 条：")
        order = {"high": 0, "medium": 1, "low": 2}
        for i in sorted(issues, key=lambda i: order[i.severity]):
            where = f"（第{ex.text.count(chr(10), 0, i.offset) + 1}行）" if i.offset is not None else ""
            lines.append(f"  [{_SEVERITY[i.severity]}] {i.kind}·{i.status}：{i.message}{where}")
    return "\n".join(lines)


def _budget_lines(ex: _Extractor) -> tuple[BudgetLine, ...]:
    """预算收支 rows in library order. 收入 stands for 全年预算数 when no 全年/调整后预算 is written."""
    out = []
    for key in ex.library.budget_lines:
        have = ex.budget.get(key)
        if not have:
            continue
        initial = have.get("budget_initial", (None,))[0]
        final = have.get("budget_final", have.get("income", (None,)))[0]
        spent = have.get("spent", (None,))[0]
        out.append(BudgetLine(key, ex.library.budget_lines[key][0], initial, final, spent))
    return tuple(out)


def _projects(ex: _Extractor) -> tuple[tuple[Project, ...], dict[int, str]]:
    """Reconcile list items with sections into numbered projects; section index → 项目编码."""
    pairs = _pairs(ex.items, ex.sections)
    order: list[tuple[_Section | None, _ListItem | None]] = [(sec, ex.items[pairs[j]] if j in pairs else None)
                                                              for j, sec in enumerate(ex.sections)]
    order += [(None, it) for i, it in enumerate(ex.items) if i not in pairs.values()]
    projects: list[Project] = []
    codes: dict[int, str] = {}
    periods = list(_partial_periods(ex.text))
    for n, (sec, item) in enumerate(order, start=1):
        code = f"P{n:02d}"
        if sec is not None:
            codes[ex.sections.index(sec)] = code
        name = sec.name if sec is not None else item.name if item is not None else ""
        fields = sec.fields if sec is not None else {}

        def pick(fld: str, listed: float | None, _fields: Mapping[str, tuple[float, str, int]] = fields,
                 _name: str = name) -> float | None:
            written = _fields.get(fld)
            if listed is not None and written is not None and abs(listed - written[0]) >= 0.005:
                ex.issue("项目核对", "high", "不符", _name,
                         f"{_name}：项目支出情况中{_COLUMN_NAMES[fld]} {_fmt(listed)} 万元，绩效情况中为 "
                         f"{written[1]}（{_fmt(written[0])} 万元）；已采用前者", written[2])
            if listed is not None:
                return listed
            return written[0] if written is not None else None

        spent = pick("spent", item.spent if item else None)
        carryover = pick("carryover", item.carryover if item else None)
        adjust = pick("adjust", item.adjust if item else None)
        final = pick("budget_final", item.budget_final if item else None)
        initial = pick("budget_initial", item.budget_initial if item else None)
        anchor = sec.start if sec is not None else item.offset if item is not None else 0
        if final is None and spent is not None and carryover is not None:
            final = round(spent + carryover, 6)
            ex.fact(PROJECTS.sheet, name, "budget_final", final, anchor, anchor, "derived:spent+carryover", "推算",
                    code, "全年预算数 = 实际支出 + 结余结转")
        if initial is None and final is not None and adjust is not None:
            initial = round(final - adjust, 6)
            ex.fact(PROJECTS.sheet, name, "budget_initial", initial, anchor, anchor, "derived:final-adjust", "推算",
                    code, "年初预算数 = 全年预算数 − 年中调增（减）")
        fund_key = item.fund if item is not None else None
        fund_type = "政府性基金" if fund_key == "fund" else "一般公共预算"
        if item is None or fund_key is None:
            ex.issue("项目核对", "low", "提示", name, f"{name}：资金性质未注明，按一般公共预算填写", anchor)
        period = ""
        if sec is not None:
            inside = [p for p in periods if sec.start <= p[0] < sec.end]
            if inside:
                period = inside[0][2]
                ex.fact(PROJECTS.sheet, name, "period", period, inside[0][0], inside[0][1], "project:period",
                        project=code)
        list_name = item.name if item is not None and sec is not None and item.name != sec.name else ""
        if sec is not None and item is None:
            ex.issue("项目核对", "medium", "提示", name, f"{name}：预算执行情况的项目列表中没有对应项目", sec.start)
        if item is not None and sec is None:
            ex.issue("项目核对", "medium", "提示", name, f"{name}：项目支出绩效情况中没有对应的项目段落", item.offset)
        if list_name:
            how = "金额相同" if item is not None and item.spent is not None and sec is not None and \
                "spent" in sec.fields and abs(item.spent - sec.fields["spent"][0]) < 0.005 else "名称相近"
            ex.fact(PROJECTS.sheet, name, "list_name", list_name, item.offset if item else anchor,
                    (item.offset if item else anchor) + len(list_name), "project:reconcile", project=code,
                    note=f"项目列表中的「{list_name}」与绩效情况中的「{name}」按{how}对应")
        projects.append(Project(code, name, fund_type, initial, final, spent, carryover, period, list_name))
    # Tag project facts with their codes now that the codes are known.
    by_name = {p.name: p.code for p in projects} | {p.list_name: p.code for p in projects if p.list_name}
    ex.facts[:] = [replace(f, project=by_name.get(f.subject, f.project)) if f.table == PROJECTS.sheet else f
                   for f in ex.facts]
    return tuple(projects), codes


def _indicator_rows(ex: _Extractor, section_codes: Mapping[int, str], generic: bool = True
                    ) -> tuple[IndicatorRow, ...]:
    rows: list[IndicatorRow] = []
    seen: set[tuple[str, str]] = set()
    for start, end, name, category, actual, confidence, pattern, note in ex.indicators():
        project = next((section_codes[j] for j, s in enumerate(ex.sections) if s.start <= start < s.end), "")
        levels = levels_of(category)
        period = next((p for p in _partial_periods(ex.text)
                       if _sentence_span(ex.text, start)[0] <= p[0] < start), None)
        notes = [n for n in (note, f"数据期间 {period[2]}" if period else "") if n]
        table = INDICATORS.sheet if project else DEPT_INDICATORS.sheet
        skip = True
        if levels is None:
            notes.append("投入/过程类指标由预算数据计算，未写入绩效指标")
        elif (project, name) in seen:
            notes.append("同一项目已有此指标，未重复写入")
        elif not generic and pattern.startswith("generic:"):
            notes.append("通用模式所得，按 --no-generic 未写入绩效指标")
        else:
            skip = False
        ex.fact(table, name, "actual", actual, start, end, pattern, confidence, project, "；".join(notes))
        if skip or levels is None:
            continue
        seen.add((project, name))
        ind = ex.library.resolve(name)
        rows.append(IndicatorRow(project, levels[0], levels[1], name, actual, confidence, ind.id if ind else ""))
    return tuple(rows)


def _formula_checks(ex: _Extractor, rows: Sequence[IndicatorRow]) -> None:
    """A rate written beside its counts must agree with the library formula (结案率 = 结案数 / 立案数 × 100)
    to the precision it is written in (96.39% → ±0.005)."""
    from scoring.rules import expr

    by_project: dict[str, dict[str, IndicatorRow]] = {}
    for r in rows:
        if r.indicator_id:
            by_project.setdefault(r.project, {})[r.indicator_id] = r
    for project_code, found in by_project.items():
        values = {k: parse_value(r.actual).value for k, r in found.items()}
        for ind_id, row in found.items():
            ind = ex.library.indicators[ind_id]
            if not ind.formula:
                continue
            formula = expr.parse(ind.formula)
            if not formula.fields() or not formula.fields() <= values.keys():
                continue  # a formula over budget fields, or a count the report does not give
            computed = expr.evaluate(formula, values)
            written = values[ind_id]
            if not isinstance(computed, float) or written is None:
                continue
            digits = len(row.actual.split(".")[1].rstrip("%")) if "." in row.actual else 0
            if abs(computed - written) > 0.5 * 10 ** -digits + 1e-9:
                parts = "、".join(f"{k} {found[k].actual}" for k in sorted(formula.fields()))
                offset = next((f.offset for f in ex.facts if f.subject == ind_id and f.project == project_code), None)
                ex.issue("指标", "medium", "不符", ind_id,
                         f"{project_code} {ind_id} 写为 {row.actual}，按 {parts} 计算为 {computed:.2f}"
                         f"（公式 {ind.formula}）", offset)


def _amount_checks(ex: _Extractor, budget: Sequence[BudgetLine]) -> None:
    """Amounts written in 万元 that are too large for a department: most likely 元 written as 万元."""
    total = next((b.spent for b in budget if b.key in ("total", "general") and b.spent), None)
    for f in ex.facts:
        if f.table not in (BUDGET.sheet, PROJECTS.sheet) or not isinstance(f.value, float) or "万元" not in f.text:
            continue
        too_big = f.value >= LARGE_WAN or (total is not None and f.subject not in ("合计",) and f.value > 10 * total)
        if too_big:
            ex.issue("金额单位", "high", "不符", f.subject,
                     f"{f.subject}：{f.text} 金额过大，疑似把元写成了万元（按元计为 {_fmt(f.value / 10_000)} 万元）",
                     f.offset)


# --- the workbook ------------------------------------------------------------------------------

_FILL_TODO: Final = "FFF2CC"  # light yellow: cells the reviewer must fill in
_FILL_LOW: Final = "FCE4D6"  # light orange: values read by the generic pattern
_FILL_HEAD: Final = "D9E1F2"


def write_workbook(ex: Extraction, out: Path, issues: Sequence[Issue] | None = None) -> Path:
    """Write the input workbook (单位信息, 预算收支, 项目支出, 绩效指标[, 整体绩效指标], 提取来源, 核对)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor=_FILL_HEAD)
    todo = PatternFill("solid", fgColor=_FILL_TODO)
    low = PatternFill("solid", fgColor=_FILL_LOW)

    def sheet(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]], widths: Mapping[int, int]) -> Worksheet:
        ws = wb.create_sheet(title)
        ws.append(list(headers))
        for cell in ws[1]:
            cell.font, cell.fill = bold, head_fill
        for r in rows:
            ws.append([xml_value(v) for v in r])
        for col, width in widths.items():
            ws.column_dimensions[chr(ord("A") + col)].width = width
        ws.freeze_panes = "A2"
        return ws

    wb.remove(wb.active)
    dept_cols = _headers(DEPARTMENTS)
    sheet(DEPARTMENTS.sheet, dept_cols,
          [[ex.dept_code, ex.dept_name or None, ex.year, ex.staff_authorized, ex.staff_actual]], {1: 36})
    sheet(BUDGET.sheet, _headers(BUDGET),
          [[ex.dept_code, b.line, b.budget_initial, b.budget_final, b.spent, None] for b in ex.budget], {1: 22})
    ws_projects = sheet(PROJECTS.sheet, _headers(PROJECTS),
                        [[ex.dept_code, p.code, p.name, p.fund_type, p.budget_initial, p.budget_final, p.spent,
                          p.carryover, p.period or None] for p in ex.projects], {2: 40})
    derived = {(f.project, f.field): f.note for f in ex.facts if f.confidence == "推算"}
    for row, p in enumerate(ex.projects, start=2):
        for fld in ("budget_initial", "budget_final"):
            note = derived.get((p.code, fld))
            if note:  # not written in the report: computed, so the reviewer should confirm it
                cell = ws_projects.cell(row=row, column=PROJECTS.fields.index(fld) + 1)
                cell.fill = low
                cell.comment = Comment(f"推算：{note}，请核对", "perfscore")
    ind_headers = [*_headers(INDICATORS), "提取置信度"]
    for table, rows in ((INDICATORS, [r for r in ex.indicators if r.project]),
                        (DEPT_INDICATORS, [r for r in ex.indicators if not r.project])):
        if table is DEPT_INDICATORS and not rows:
            continue
        headers = ind_headers if table is INDICATORS else [*_headers(DEPT_INDICATORS), "提取置信度"]
        values = []
        for r in rows:
            rec = {"dept_code": ex.dept_code, "project_code": r.project, "level1": r.level1, "level2": r.level2,
                   "name": r.name, "actual": r.actual}
            values.append([rec.get(f) for f in table.fields] + [r.confidence])
        ws = sheet(table.sheet, headers, values, {table.fields.index("name"): 28})
        t_col = table.fields.index("target") + 1
        for i, r in enumerate(rows, start=2):
            cell = ws.cell(row=i, column=t_col)
            cell.fill = todo
            if i == 2:
                cell.comment = Comment("请填写年度指标值（如 ≥95%、≥100000件）；黄色为待填单元格", "perfscore")
            if r.confidence == "低":
                for c in range(1, len(headers) + 1):
                    if c != t_col:
                        ws.cell(row=i, column=c).fill = low
    sheet(SOURCE_SHEET, ["序号", "表", "对象", "字段", "值", "原文", "项目编码", "来源句", "字符位置", "行号", "模式",
                         "置信度", "说明"],
          [[n, f.table, f.subject, _FIELD_NAMES.get(f.field, f.field), f.value, f.text, f.project or None,
            f.sentence, f.offset, ex.text.count("\n", 0, f.offset) + 1, f.pattern, f.confidence, f.note or None]
           for n, f in enumerate(ex.facts, start=1)],
          {2: 24, 5: 16, 7: 60, 10: 22, 12: 40})
    shown = tuple(issues) if issues is not None else ex.issues
    sheet(CHECK_SHEET, ["类别", "严重程度", "状态", "对象", "说明", "来源句", "字符位置", "检查编号"],
          [[i.kind, _SEVERITY[i.severity], i.status, i.subject, i.message, i.sentence or None, i.offset,
            i.check_id or None] for i in shown],
          {3: 20, 4: 60, 5: 60})
    save_atomic(out, wb.save)
    return out


_SEVERITY: Final = {"high": "高", "medium": "中", "low": "低"}
_FIELD_NAMES: Final = {
    **{c.field: c.header for t in (DEPARTMENTS, BUDGET, PROJECTS, INDICATORS) for c in t.columns},
    "income": "收入", "adjust": "调增减", "list_name": "项目列表中的名称", "actual": "实际完成值",
}


def _headers(table: Table) -> list[str]:
    return [c.header for c in table.columns]



"""One pass over one report: department, staff, tables, budget sentences, project sections, indicators and text
checks, collecting facts and issues as it goes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from scoring.core.severity import Severity
from scoring.core.tolerance import MONEY_TOL
from scoring.core.values import ValueParseError, try_parse_value
from scoring.io.extract.model import Confidence, Fact, Issue
from scoring.io.extract.narrative import nested, report_year, unit_name, year_is_history
from scoring.io.extract.patterns import (
    _AMOUNT,
    _BUDGET_HEADING,
    _COLUMN_NAMES,
    _FLOW_COLUMN,
    _GENERIC_COUNT,
    _GENERIC_RATE,
    _IN_FUND,
    _NUMBERING,
    _PROJECT_LIST_HEADING,
    _SUB_LINES,
    _alias_table,
    _find_aliases,
    _flow,
    _fmt,
    _generic_category,
    _mask,
    _money,
    _partial_periods,
    _phrase,
    _scope_of,
    _strip_phrase,
    mask_long_numbers,
)
from scoring.io.extract.segment import (
    _CLAUSE_BREAK,
    _TRAILING_NOTE,
    _WIDTH,
    Heading,
    _cell_offsets,
    _cells,
    _headings,
    _sentence,
    _sentence_span,
    _sentences,
    _unit_of,
)
from scoring.model.tables import BUDGET, DEPARTMENTS, PROJECTS
from scoring.rules.indicators import Library


@dataclass(slots=True)
class ListItem:
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
class Section:
    """A project's own section in 项目支出绩效情况."""

    name: str
    start: int
    end: int
    fields: dict[str, tuple[float, str, int]] = field(default_factory=dict)  # field → (万元, text, offset)


class Spans:
    """Claimed [start, end) spans of the text, sorted by start. An overlap query looks only at spans starting
    within the longest span's length before it: a scan of every span per query was quadratic in the claims."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._spans: list[tuple[int, int]] = []
        self._longest = 0

    def append(self, span: tuple[int, int]) -> None:
        i = bisect.bisect_right(self._starts, span[0])
        self._starts.insert(i, span[0])
        self._spans.insert(i, span)
        self._longest = max(self._longest, span[1] - span[0])

    def overlaps(self, start: int, end: int) -> bool:
        lo = bisect.bisect_right(self._starts, start - self._longest)  # earlier spans end at or before start
        hi = bisect.bisect_left(self._starts, end)
        return any(start < self._spans[i][1] for i in range(lo, hi))


class Extractor:
    """One pass over one report; collects facts and issues as it goes."""

    def __init__(self, text: str, library: Library, source: Path) -> None:
        self.text = mask_long_numbers(text.translate(_WIDTH))
        self.library = library
        self.source = source
        self.headings = _headings(self.text)
        self.aliases = _alias_table(library)
        self.facts: list[Fact] = []
        self.issues: list[Issue] = []
        self.claimed = Spans()  # spans already read, so the generic pattern skips them
        self.table_spans: list[tuple[int, int]] = []
        self.budget: dict[str, dict[str, tuple[float, Fact]]] = {}
        self.items: list[ListItem] = []
        self.sections: list[Section] = []

    # -- helpers --

    def fact(
        self,
        table: str,
        subject: str,
        fld: str,
        value: str | float | int,
        start: int,
        end: int,
        pattern: str,
        confidence: Confidence = "高",
        project: str = "",
        note: str = "",
    ) -> Fact:
        f = Fact(
            table,
            subject,
            fld,
            value,
            self.text[start:end],
            start,
            _sentence(self.text, start, end),
            pattern,
            confidence,
            project,
            note,
        )
        self.facts.append(f)
        return f

    def issue(
        self,
        kind: str,
        severity: Severity,
        status: str,
        subject: str,
        message: str,
        offset: int | None = None,
        check_id: str = "",
    ) -> None:
        sentence = _sentence(self.text, offset) if offset is not None else ""
        new = Issue(kind, severity, status, subject, message, sentence, offset, check_id)
        same = (kind, status, subject, message, sentence)
        if sentence and any((i.kind, i.status, i.subject, i.message, i.sentence) == same for i in self.issues):
            return  # the same remark twice in one sentence ("2023年度…收入…，2023年度…支出…") is said once
        self.issues.append(new)

    def innermost(self, pos: int) -> list[Heading]:
        """Headings whose sections contain pos, outermost first."""
        return [h for h in self.headings if h.start <= pos < h.end]

    def in_table(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.table_spans)

    def overlaps(self, start: int, end: int) -> bool:
        return self.claimed.overlaps(start, end)

    def budget_sections(self) -> list[tuple[int, int, str | None]]:
        """(start, end, fund scope) of sections about budgets; the whole text when it has no headings."""
        tops = [h for h in self.headings if h.level == 1]
        if not tops:
            return [(0, len(self.text), None)]
        return [
            (h.start, h.end, _scope_of(h.title))
            for h in tops
            if _BUDGET_HEADING.search(h.title) and "绩效" not in h.title
        ]

    # -- department --

    def department(self, year: int | None) -> tuple[str, int | None]:
        text = self.text
        name = ""
        m = re.search(
            r"(?:部门（单位）名称|部门\(单位\)名称|单位名称|部门名称|填报单位|编报单位)[ \t]*[:：][ \t]*"
            r"(?P<name>[^\s（(]{2,40})",
            text,
        )
        if m:
            name = m.group("name").strip()
            self.fact(DEPARTMENTS.sheet, name, "dept_name", name, m.start("name"), m.end("name"), "dept:name-field")
        head = text[:600]
        if not name:  # the title, 以下简称, the signature or a 现将… sentence, by the phrasings file
            found = unit_name(text)
            if found:
                name, pos, pattern = found
                self.fact(DEPARTMENTS.sheet, name, "dept_name", name, pos, pos + len(name), pattern)
        if not name:  # the first line, when it names a body: "青禾区农业农村局"
            for line in (ln.strip() for ln in head.splitlines()):
                if line:
                    if re.fullmatch(
                        r"[^\d\s，。]{2,30}(?:局|委|委员会|办|办公室|院|中心|所|站|队|馆|会|部|处|厅|室|社|署)", line
                    ):
                        name = line
                        pos = text.find(line)
                        self.fact(
                            DEPARTMENTS.sheet, name, "dept_name", name, pos, pos + len(name), "dept:first-line", "中"
                        )
                    break
        if not name:
            self.issue("单位信息", "high", "提示", "部门名称", "未找到部门（单位）名称，请在“单位信息”表中填写")
        found_year = None
        y = re.search(r"((?:19|20)\d{2})[ \t]*年度", head) or re.search(r"((?:19|20)\d{2})[ \t]*年", head)
        if y:
            found_year = int(y.group(1))
            self.fact(DEPARTMENTS.sheet, name, "year", found_year, y.start(1), y.end(1), "dept:title-year")
        elif (most := report_year(text)) is not None:  # no year near the title: the one the text keeps naming
            found_year = most[0]
            self.fact(DEPARTMENTS.sheet, name, "year", found_year, most[1], most[1] + 4, "dept:most-named-year", "中")
        if year is not None and found_year is not None and year != found_year:
            self.issue(
                "年度",
                "medium",
                "提示",
                "年度",
                f"报告标题为 {found_year} 年度，按 --year 指定的 {year} 年度处理",
                y.start(1) if y else None,
            )
        if year is None and found_year is None:
            self.issue("单位信息", "high", "提示", "年度", "未找到评价年度，请用 --year 指定或在“单位信息”表中填写")
        return name, year if year is not None else found_year

    def staff(self) -> tuple[int | None, int | None]:
        out: list[int | None] = []
        for fld, rx in (
            ("staff_authorized", r"(?:核定)?编制(?:人数|数)?(?:为|共)?(?P<v>\d+)[ \t]*(?:人|名)"),
            (
                "staff_actual",
                r"(?:在编人数|在职人数|实有人数|实有在职人员|在编人员|在职人员)(?:为|共)?(?P<v>\d+)[ \t]*(?:人|名)",
            ),
        ):
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
            unit = _unit_of(" ".join(cells)) or _unit_of(text[max(0, start - 120) : start]) or "万元"
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
            for fld, column in (
                ("budget_initial", "budget_initial"),
                ("budget_final", "budget_final"),
                ("spent", "spent"),
            ):
                if fld in amounts:
                    v, cell, pos = amounts[fld]
                    self.add_budget(key, column, v, pos, pos + len(cell), "budget:table", written_unit=unit)
            return
        fund_cell = values.get("fund", ("", 0))[0]
        fund = "fund" if "基金" in fund_cell else ("general" if fund_cell else self.scope_at(start))
        name_cell, name_pos = values["name"]
        pos = name_pos + max(0, name_cell.find(name))
        item = ListItem(name, fund, amounts.get("spent", (None,))[0], pos)
        item.budget_initial = amounts.get("budget_initial", (None,))[0]
        item.budget_final = amounts.get("budget_final", (None,))[0]
        item.carryover = amounts.get("carryover", (None,))[0]
        item.adjust = amounts.get("adjust", (None,))[0]
        self.items.append(item)
        self.fact(PROJECTS.sheet, name, "project_name", name, pos, pos + len(name), "project:table")
        for fld, (v, cell, p) in amounts.items():
            self.fact(
                PROJECTS.sheet,
                name,
                fld,
                v,
                p,
                p + len(cell),
                "project:table",
                note="按元折算为万元" if unit == "元" else "",
            )

    def scope_at(self, pos: int) -> str | None:
        for h in reversed(self.innermost(pos)):
            scope = _scope_of(h.title)
            if scope:
                return scope
        return None

    # -- budget sentences --

    def add_budget(
        self,
        key: str,
        column: str,
        value: float,
        start: int,
        end: int,
        pattern: str,
        written_unit: str = "万元",
        confidence: Confidence = "高",
    ) -> None:
        line = self.library.budget_lines.get(key, (key,))[0]
        note = "按元折算为万元" if written_unit == "元" else ("按亿元折算为万元" if written_unit == "亿元" else "")
        f = self.fact(BUDGET.sheet, line, column, value, start, end, pattern, confidence, note=note)
        self.claimed.append((start, end))
        have = self.budget.setdefault(key, {})
        if column in have:
            old = have[column][0]
            if abs(old - value) > MONEY_TOL:
                self.issue(
                    "勾稽关系",
                    "high",
                    "不符",
                    line,
                    f"{line}（{_COLUMN_NAMES[column]}）前后不一致：先为 {_fmt(old)} 万元，后为 {_fmt(value)} 万元；"
                    f"已采用前者",
                    start,
                )
            return
        have[column] = (value, f)
        if written_unit == "元":
            self.issue(
                "金额单位", "low", "提示", line, f"{line}金额以元填写（{f.text}），已折算为 {_fmt(value)} 万元", start
            )

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
            before = sentence[prev : m.start()]
            breaks = [before.rfind(ch) for ch in _CLAUSE_BREAK]
            label = before[max(breaks) + 1 :] if max(breaks) >= 0 else before
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
                if in_list and not nested(sentence, m.start()):  # "…39.2696万元，其中：中央资金39万元" is one item
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
        self.items.append(ListItem(name, scope, value, start - len(before) + before.rfind(name)))
        self.fact(
            PROJECTS.sheet,
            name,
            "spent",
            value,
            start,
            end,
            "project:list",
            note="" if scope else "资金性质未注明，按一般公共预算",
        )
        self.claimed.append((start, end))

    # -- project sections --

    _PROJECT_FIELDS: Final = (
        ("adjust", re.compile(r"(?P<w>调增（减）|调增\(减\)|调增减|调减|调增|追加|调整)(?:了|为|资金)?")),
        (
            "spent",
            re.compile(
                r"(?P<w>实际支出|全年支出|全年执行数|实际执行|累计支出|已支出|完成支出|支出资金|支出)(?:了|为|共计|合计)?"
            ),
        ),
        ("carryover", re.compile(r"(?P<w>结余结转|结转结余|结余|结转)(?:资金)?(?:为)?")),
        ("budget_initial", re.compile(r"(?P<w>年初预算数?)(?:为)?")),
        (
            "budget_final",
            re.compile(r"(?<!年初)(?P<w>全年预算数|全年预算|调整后预算数?|预算资金|预算数|安排资金|预算)(?:为|共计)?"),
        ),
    )
    _NOT_PROJECT: Final = re.compile(r"情况|绩效|总体|概述|整体|基本|问题|措施|结论")

    def project_sections(self) -> None:
        text = self.text
        perf = [
            h
            for h in self.headings
            if h.level == 1 and "绩效" in h.title and not re.search(r"问题|措施|应用|公开", h.title)
        ]
        for top in perf:
            for h in self.headings:
                if h.level > 1 and top.start < h.start < top.end and not self._NOT_PROJECT.search(h.title):
                    if any(s.start <= h.start < s.end for s in self.sections):
                        continue  # a numbered line inside a project's own section
                    name = _NUMBERING.sub("", h.title).strip()
                    if _AMOUNT.search(name):
                        name = _TRAILING_NOTE.sub("", name).strip()
                    body_start = text.find("\n", h.start)
                    sec = Section(name, h.start, min(h.end, top.end))
                    self.sections.append(sec)
                    title_pos = text.find(name, h.start)
                    self.fact(
                        PROJECTS.sheet, name, "project_name", name, title_pos, title_pos + len(name), "project:section"
                    )
                    self.section_fields(sec, body_start if body_start != -1 else h.start)

    def section_fields(self, sec: Section, body: int) -> None:
        text = self.text
        for fld, rx in self._PROJECT_FIELDS:
            for m in rx.finditer(text, body, sec.end):
                a = _AMOUNT.match(text, m.end())
                if a is None:
                    continue
                if fld == "spent" and re.search(r"(基本|项目|人员|公用)$", text[max(0, m.start() - 2) : m.start()]):
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
                self.fact(
                    PROJECTS.sheet,
                    sec.name,
                    fld,
                    value,
                    a.start(),
                    a.end(),
                    f"project:{fld}",
                    note="按元折算为万元" if a.group("unit") == "元" else "",
                )
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
                        self.issue(
                            "指标",
                            "low",
                            "提示",
                            ind.id,
                            f"模式 {ind.id}/{n} 匹配到「{m.group()}」，但无法读取数值",
                            m.start(),
                        )
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
                actual = (
                    m.group("value") + (m.group("mult") or "") + m.group("unit")
                    if kind == "count"
                    else (m.group("value") + "%")
                )
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
                comparison = re.search(r"(?:较|比|与|同比|相比)$", text[max(0, m.start() - 3) : m.start()])
                if not comparison and year_is_history(text, m.start(1), m.end()):
                    continue  # 上年结转, 〔2018〕, 《…2022年…通知》, 2021年12月29日批复, 成立于1958年: not an error
                left, right = _sentence_span(text, m.start())
                money = any(left <= f.offset < right and f.table in (BUDGET.sheet, PROJECTS.sheet) for f in self.facts)
                if money:
                    self.issue(
                        "年度",
                        "high",
                        "不符",
                        f"{found}年",
                        f"文中出现 {found} 年，与评价年度 {year} 年不符；该句的金额已按本年度提取，请核实",
                        m.start(),
                    )
                elif comparison:
                    self.issue(
                        "年度",
                        "low",
                        "提示",
                        f"{found}年",
                        f"文中出现 {found} 年（评价年度为 {year} 年），为与往年比较，请确认",
                        m.start(),
                    )
                elif found < year:  # most often last year's report copied forward (芦淞 一、三)
                    self.issue(
                        "年度",
                        "medium",
                        "不符",
                        f"{found}年",
                        f"文中出现 {found} 年，与评价年度 {year} 年不符；请核实是否沿用了往年报告的文字",
                        m.start(),
                    )
                else:  # a later year is usually a plan ("2025年将…"): worth a look, not an error
                    self.issue(
                        "年度",
                        "low",
                        "提示",
                        f"{found}年",
                        f"文中出现 {found} 年（评价年度为 {year} 年），如为下年计划可忽略",
                        m.start(),
                    )
        for start, _end, period, written in _partial_periods(text):
            self.issue("数据期间", "medium", "提示", written, f"数据只覆盖 {period}，不是全年（统计口径不完整）", start)

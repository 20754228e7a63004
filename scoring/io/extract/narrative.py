"""The report's own words, read by the phrasings in phrasings.yaml: the unit's name, its headline figures
(年初 / 全年 / 到位 / 执行 / 结转结余) each attached to its nearest governing phrase, the projects it names, and
whether a year other than the report's sits inside a history phrase.

Reports of different provinces word the same facts differently ("年初批复预算" / "年初预算", "调整预算后" /
"全年预算", "实际到位" / "已全部到位", "已使用" / "已完成拨付"); those words live in the YAML file so a new
phrasing is a data change. A figure whose meaning is not clear is not guessed: it is returned as unsure, with its
sentence, for the reviewer (a wrong figure is worse than a missing one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from scoring.core.tolerance import EPS
from scoring.io.extract.model import Figure
from scoring.io.extract.patterns import _NUMBER, PHRASINGS, _money
from scoring.io.extract.segment import _sentence

MEANINGS: Final = ("initial", "final", "received", "spent", "carryover")
# A bare "万" is a money unit only where no count unit follows it ("13.971129万并且全部到位").
_FIGURE: Final = re.compile(
    rf"(?<![\d.,])(?P<num>{_NUMBER})[ \t]*(?P<unit>亿元|万元|元|万(?![\u4e00-\u9fff]*?[人次件户个亩名册]|平方))"
)
_SENTENCE_STOPS: Final = "。；;！？!?\n"
_NAME_CHARS: Final = r"[^，,。；;：:、\s()（）《》〈〉“”\"'【】\[\]]"
_OPEN: Final = "(（[【"
_CLOSE: Final = ")）]】"


@dataclass(frozen=True, slots=True)
class Unsure:
    """An amount whose meaning the phrasings do not settle: shown, not used."""

    text: str
    offset: int
    sentence: str


@dataclass(frozen=True, slots=True)
class Phrasings:
    figures: Mapping[str, tuple[str, ...]]
    after: Mapping[str, tuple[str, ...]]
    zero: Mapping[str, tuple[str, ...]]
    all_received: tuple[str, ...]
    nested: tuple[str, ...]
    not_a_figure: tuple[str, ...]
    project_lists: tuple[str, ...]
    title_words: tuple[str, ...]
    alias_words: tuple[str, ...]
    lead_words: tuple[str, ...]
    suffixes: tuple[str, ...]
    not_a_name: tuple[str, ...]
    project_mentions: tuple[re.Pattern[str], ...]
    drop_prefixes: tuple[str, ...]
    not_in_project: tuple[str, ...]
    history_before: tuple[str, ...]
    history_after: tuple[str, ...]
    document_number: tuple[str, ...]
    thresholds: Mapping[str, float]


def _words(raw: Any) -> tuple[str, ...]:
    return tuple(sorted((str(w) for w in raw or ()), key=len, reverse=True))


@cache
def load_phrasings(path: Path = PHRASINGS) -> Phrasings:
    """The phrasings file, read once."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    unit, projects, history = raw["unit_name"], raw["projects"], raw["history"]
    name = rf"{_NAME_CHARS}{{2,40}}?(?:{'|'.join(map(re.escape, projects['endings']))})"
    mentions = tuple(re.compile(m.replace("{name}", rf"(?P<name>{name})")) for m in projects["mentions"])
    return Phrasings(
        figures={k: _words(v) for k, v in raw["figures"].items()},
        after={k: _words(v) for k, v in raw["after"].items()},
        zero={k: _words(v) for k, v in raw["zero"].items()},
        all_received=_words(raw["all_received"]),
        nested=_words(raw["nested"]),
        not_a_figure=_words(raw["not_a_figure"]),
        project_lists=_words(projects["lists"]),
        title_words=_words(unit["title_report_words"]),
        alias_words=_words(unit["alias_words"]),
        lead_words=_words(unit["lead_words"]),
        suffixes=tuple(str(s) for s in unit["unit_suffixes"]),  # in file order: the longer forms first
        not_a_name=tuple(str(s) for s in unit["not_a_name"]),
        project_mentions=mentions,
        drop_prefixes=_words(projects["drop_prefixes"]),
        not_in_project=tuple(str(w) for w in projects["not_in_name"]),
        history_before=_words(history["before"]),
        history_after=_words(history["after"]),
        document_number=tuple(str(s) for s in history["document_number"]),
        thresholds={str(k): float(v) for k, v in raw["thresholds"].items()},
    )


# -- unit name --


def _unit_at_start(s: str, ph: Phrasings, *, whole: bool = False) -> str | None:
    """The unit's name at the start of s: the shortest run ending in a unit word ("红河州第二人民医院…" → 医院);
    with whole=True, s itself when it is one name ("固始县祖师庙镇人民政府", not 镇)."""
    rx = re.compile(rf"(?P<name>[^\d\s，,。；;：:()（）《》“”]{{2,30}}?(?:{'|'.join(map(re.escape, ph.suffixes))}))")
    m = rx.fullmatch(s) if whole else rx.match(s)
    if m is None:
        return None
    name = m.group("name")
    if name in ph.not_a_name or name.startswith(("我", "本", "该")) or "报告" in name:
        return None
    return name


def unit_name(text: str, ph: Phrasings | None = None) -> tuple[str, int, str] | None:
    """(name, offset, pattern id) of the unit, from the title line, 以下简称, a 现将… sentence or the signature."""
    ph = ph or load_phrasings()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    year = r"(?:19|20)\d{2}[ \t]*年度?"
    for line in lines[:3]:
        flat = re.sub(r"[ \t\u3000]+", "", line)
        if not any(w in flat for w in ph.title_words):
            continue
        before = re.match(rf"(?P<pre>.+?)(?:{year}|关于)", flat)
        after = re.match(rf"{year}(?P<post>.+)", flat)
        for part, pattern in (
            (before and before.group("pre"), "unit:title"),
            (after and after.group("post"), "unit:title-after-year"),
        ):
            name = _unit_at_start(part, ph) if part else None
            if name and (pos := text.find(name)) >= 0:
                return name, pos, pattern
    head = text[:800]
    for word in ph.alias_words:
        for m in re.finditer(rf"(?P<name>[^\d\s，,。；;：:()（）]{{2,30}})[(（]{re.escape(word)}", head):
            name = _unit_at_start(m.group("name"), ph, whole=True)
            if name is not None:
                return name, m.start("name"), "unit:alias"
    signature = _signature(text, ph)
    if signature:
        return signature
    for word in ph.lead_words:
        for m in re.finditer(rf"{re.escape(word)}(?:{year})?", head):
            name = _unit_at_start(re.sub(r"[ \t]+", "", head[m.end() : m.end() + 40]), ph)
            if name and (pos := text.find(name, m.end())) >= 0:
                return name, pos, "unit:lead"
    return None


def _signature(text: str, ph: Phrasings) -> tuple[str, int, str] | None:
    """The unit signing the report: a line that is only a unit's name, above the closing date."""
    lines = text.rstrip().splitlines()
    for i in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
        line = lines[i].strip()
        if re.fullmatch(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日", line) and i > 0:
            name_line = lines[i - 1].strip()
            name = _unit_at_start(name_line, ph, whole=True)
            if name is not None:
                return name, text.rfind(name), "unit:signature"
    return None


def report_year(text: str) -> tuple[int, int] | None:
    """(year, offset) most often written as "YYYY年" outside document numbers and dates, when the title has none."""
    counts: dict[int, list[int]] = {}
    for m in re.finditer(
        r"(?<![\d〔\[［【])((?:19|20)\d{2})[ \t]*年(?![ \t]*\d{1,2}[ \t]*月[ \t]*\d{1,2}[ \t]*日)", text
    ):
        counts.setdefault(int(m.group(1)), []).append(m.start(1))
    if not counts:
        return None
    best = max(counts, key=lambda y: (len(counts[y]), -counts[y][0]))
    return best, counts[best][0]


# -- figures and projects --


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for i, ch in enumerate(text):
        if ch in _SENTENCE_STOPS:
            if i > pos:
                yield pos, i
            pos = i + 1
    if pos < len(text):
        yield pos, len(text)


def nested(sentence: str, at: int, ph: Phrasings | None = None) -> bool:
    """Whether position `at` is inside a 含…/其中… part: an open bracket that starts with one, or 其中 to the end."""
    ph = ph or load_phrasings()
    depth_starts: list[int] = []
    for i, ch in enumerate(sentence[:at]):
        if ch in _OPEN:
            depth_starts.append(i)
        elif ch in _CLOSE and depth_starts:
            depth_starts.pop()
    for start in depth_starts:
        inside = sentence[start + 1 : at]
        if any(inside.startswith(w) or w in inside for w in ph.nested):
            return True
    bare = sentence[:at]
    for w in ph.nested:
        i = bare.rfind(w)
        bracketed = any(bare.rfind(o, 0, i) > bare.rfind(c, 0, i) for o, c in zip(_OPEN, _CLOSE, strict=True))
        # outside brackets: 其中/包括 govern the rest of the sentence; 含 only the clause it opens
        if i >= 0 and not bracketed and (w != "含" or not re.search(r"[，,]", bare[i:])):
            return True
    return False


def _last_phrase(window: str, ph: Phrasings) -> tuple[str, str, int] | None:
    """(meaning or "skip", phrase, end) of the phrase ending nearest the end of window."""
    best: tuple[int, int, str, str] | None = None
    candidates = [(m, w) for m, words in ph.figures.items() for w in words] + [("skip", w) for w in ph.not_a_figure]
    for meaning, word in candidates:
        i = window.rfind(word)
        if i < 0:
            continue
        key = (i + len(word), len(word))
        if best is None or key > (best[0], best[1]):
            best = (key[0], key[1], meaning, word)
    if best is None:
        return None
    return best[2], best[3], best[0] - best[1]


def _project_before(window: str, at: int, ph: Phrasings) -> str:
    """A project name ending just before the phrase at `at` ("一批项目县级批复总投资" → 一批项目)."""
    m = None
    for m in re.finditer(rf"{_NAME_CHARS}{{2,40}}?项目", window[:at]):  # noqa: B007 - the last one is wanted
        pass
    if m is None:
        return ""
    gap = window[m.end() : at]
    if not re.fullmatch(r"[，,]?(?:县级|市级|州级|省级|镇级)?", gap):
        return ""
    return _clean_project(m.group(), ph)


def _clean_project(name: str, ph: Phrasings) -> str:
    changed = True
    while changed:
        changed = False
        for p in ph.drop_prefixes:
            if name.startswith(p) and len(name) > len(p) + 2:
                name, changed = name[len(p) :], True
    return name if len(name) > 3 and name not in ("本项目", "该项目") else ""


@dataclass(frozen=True, slots=True)
class Reading:
    """What the phrasings found in one report."""

    figures: tuple[Figure, ...]
    unsure: tuple[Unsure, ...]
    projects: tuple[str, ...]  # every project named, in order


def read_figures(text: str, ph: Phrasings | None = None) -> Reading:
    """Headline figures, each by the nearest governing phrase before it (or a 到位 phrase right after it)."""
    ph = ph or load_phrasings()
    figures: list[Figure] = []
    unsure: list[Unsure] = []
    names: list[str] = []

    def add_name(name: str) -> None:
        if name and not any(name in n or n in name for n in names):
            names.append(name)

    for s_start, s_end in _sentences(text):
        sentence = text[s_start:s_end]
        for rx in ph.project_mentions:
            for m in rx.finditer(sentence):
                if not any(w in m.group("name") for w in ph.not_in_project):
                    add_name(_clean_project(m.group("name"), ph))
        listed = next((w for w in ph.project_lists if w in sentence), None)
        prev = 0
        last_final: Figure | None = None
        had_received = False
        for m in _FIGURE.finditer(sentence):
            value = _money(m.group("num"), "万元" if m.group("unit") == "万" else m.group("unit"))
            window = sentence[prev : m.start()]
            prev = m.end()
            abs_start = s_start + m.start()
            if value is None:
                continue
            if listed is not None and sentence.find(listed) < m.start():
                item = re.search(rf"({_NAME_CHARS}{{2,40}})$", window.strip("，, "))
                if item:
                    name = _clean_project(item.group(1).removeprefix(listed), ph)
                    if name:
                        add_name(name)
                        figures.append(
                            Figure("final", value, m.group(), abs_start, _sentence(text, abs_start), listed, name, "中")
                        )
                continue
            if nested(sentence, m.start(), ph):
                continue
            found = _last_phrase(window, ph)
            tail = sentence[m.end() : m.end() + 10]
            after = next(
                (
                    meaning
                    for meaning, words in ph.after.items()
                    for w in words
                    if tail.startswith(w) or re.match(rf"[^，,。]{{0,3}}{re.escape(w)}", tail)
                ),
                None,
            )
            if found is None and after is None:
                unsure.append(Unsure(m.group(), abs_start, _sentence(text, abs_start)))
                continue
            if found is not None and found[0] == "skip":
                continue
            meaning, phrase, at = found if found is not None else (after or "", "", len(window))
            project = _project_before(window, at, ph) if found is not None else ""
            add_name(project)
            fig = Figure(meaning, value, m.group(), abs_start, _sentence(text, abs_start), phrase, project)
            figures.append(fig)
            if meaning == "final":
                last_final = fig
            if meaning == "received":
                had_received = True
            if after == "received" and meaning != "received":
                figures.append(Figure("received", value, m.group(), abs_start, fig.sentence, tail, project))
                had_received = True
        if not had_received and any(w in sentence for w in ph.all_received):
            base = last_final or next((f for f in reversed(figures) if f.meaning == "final"), None)
            if base is not None:
                i = s_start + next(sentence.find(w) for w in ph.all_received if w in sentence)
                figures.append(
                    Figure("received", base.value, base.text, i, _sentence(text, i), "全部到位", base.project, "推算")
                )
        for meaning, words in ph.zero.items():
            for w in words:
                i = sentence.find(w)
                if i >= 0 and not any(f.meaning == meaning and s_start <= f.offset < s_end for f in figures):
                    figures.append(Figure(meaning, 0.0, w, s_start + i, _sentence(text, s_start + i), w))
    return Reading(tuple(figures), tuple(unsure), tuple(names))


def settle(reading: Reading) -> tuple[dict[str, Figure], dict[str, dict[str, Figure]]]:
    """The unit's figures and each project's, first written wins; a one-project report's figures are its project's."""
    unit: dict[str, Figure] = {}
    projects: dict[str, dict[str, Figure]] = {n: {} for n in reading.projects}
    for f in reading.figures:
        if f.project:
            key = next((n for n in projects if f.project in n or n in f.project), f.project)
            projects.setdefault(key, {}).setdefault(f.meaning, f)
        else:
            unit.setdefault(f.meaning, f)
    if len(projects) == 1:
        (only,) = projects.values()
        for meaning, f in unit.items():
            only.setdefault(meaning, f)
        for meaning, f in only.items():
            unit.setdefault(meaning, f)
    return unit, projects


# -- years --


def year_is_history(text: str, start: int, end: int, ph: Phrasings | None = None) -> bool:
    """Whether the year written at text[start:end] sits in a history phrase, a document title or number, or a date."""
    ph = ph or load_phrasings()
    before = text[max(0, start - 8) : start]
    after = text[end : end + 16]
    if before.rstrip()[-1:] in ph.document_number:
        return True
    if re.match(r"[ \t]*年?[ \t]*\d{1,2}[ \t]*月[ \t]*\d{1,2}[ \t]*日", after):
        return True  # a full date: when something happened, or the report's signature
    if _inside(text, start, "《", "》") or _inside(text, start, "(（", ")）"):
        return True
    if any(before.rstrip().endswith(w) for w in ph.history_before):
        return True
    clause = re.split(r"[，,。；;]", after, maxsplit=1)[0]
    return any(w in clause for w in ph.history_after)


def _inside(text: str, at: int, opens: str, closes: str) -> bool:
    lo = max(0, at - 120)
    o = max(text.rfind(c, lo, at) for c in opens)
    c = max(text.rfind(c, lo, at) for c in closes)
    return o > c and o >= 0


def rate_flags(unit: Mapping[str, Figure], ph: Phrasings | None = None) -> list[tuple[str, str, Figure]]:
    """(subject, message, figure) for 到位率 and 执行率 below the thresholds and a large 预算调整幅度."""
    ph = ph or load_phrasings()
    t = ph.thresholds
    out: list[tuple[str, str, Figure]] = []
    final, initial = unit.get("final"), unit.get("initial")
    for meaning, name, key in (("received", "到位率", "received_rate_below"), ("spent", "执行率", "spent_rate_below")):
        f = unit.get(meaning)
        if f is None or final is None or final.value <= 0:
            continue
        rate = f.value / final.value
        if rate < t[key] - EPS:
            out.append((name, f"{name} {rate:.2%}（{f.text} ÷ 全年预算 {final.text}）低于 {t[key]:.0%}", f))
    if final is not None and initial is not None and initial.value > 0:
        change = (final.value - initial.value) / initial.value
        if abs(change) > t["adjustment_above"] + EPS:
            out.append(
                (
                    "预算调整幅度",
                    f"预算调整幅度 {change:+.2%}（年初 {initial.text} → 全年 {final.text}），"
                    f"超过 {t['adjustment_above']:.0%}",
                    final,
                )
            )
    return out


# -- indicators --


@dataclass(frozen=True, slots=True)
class ProseIndicator:
    """An output or outcome indicator written in prose or in a pipe table: name, target and/or actual as written."""

    name: str
    target: str
    actual: str
    offset: int
    end: int
    pattern: str
    level2: str = ""  # the 二级 column of a table row, when given


def _list(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return _words(raw.get(key))


@cache
def _indicator_words(path: Path = PHRASINGS) -> Mapping[str, tuple[str, ...]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["indicators"]
    return {k: _list(raw, k) for k in raw}


@cache
def _value_rx(units: tuple[str, ...]) -> re.Pattern[str]:
    """A value as written in an indicator sentence: optional comparator, number, unit."""
    return re.compile(
        r"(?P<cmp>[≥≤><＞＜=])?(?P<num>\d+(?:\.\d+)?)(?P<unit>%|万元|元|" + "|".join(map(re.escape, units)) + ")"
    )


def _zones(text: str, words: Mapping[str, tuple[str, ...]]) -> list[tuple[int, int, str]]:
    """(start, end, "target" or "actual") of the parts that state indicators: 绩效目标设定 gives targets,
    …完成情况 gives actuals."""
    out: list[tuple[int, int, str]] = []
    pos, start, kind = 0, None, ""
    for line in text.split("\n"):
        new = next(
            (
                k
                for k, key in (("actual", "zone_actual"), ("target", "zone_target"))
                if any(w in line for w in words[key])
            ),
            None,
        )
        if start is not None and (new or any(w in line for w in words["zone_end"])):
            out.append((start, pos, kind))
            start = None
        if new:
            start, kind = pos + len(line) + 1, new
        pos += len(line) + 1
    if start is not None:
        out.append((start, len(text), kind))
    return out


def _clean_name(name: str, words: Mapping[str, tuple[str, ...]]) -> str:
    name = re.sub(r"^\s*(?:[(（]?\d{1,2}[)）.、．]|[(（][一二三四五六七八九十]{1,3}[)）])\s*", "", name).strip(
        " :：，,。"
    )
    changed = True
    while changed:
        changed = False
        for w in words["lead_words"]:
            if name.startswith(w) and len(name) > len(w) + 1:
                name, changed = name[len(w) :], True
        for w in words["tail_words"]:
            if name.endswith(w) and len(name) > len(w) + 1:
                name, changed = name[: -len(w)], True
    return name


def _pipe_table(text: str, words: Mapping[str, tuple[str, ...]]) -> list[ProseIndicator]:
    """Rows of a pipe-separated indicator table whose cells may wrap over lines; rows end at an empty cell."""
    if text.count("|") < 6:
        return []
    last = text.rfind("|")
    cells: list[tuple[str, int]] = []
    pos = 0
    for chunk in text[:last].split("|") + [text[last + 1 :].split("\n\n")[0].split("\n3.")[0]]:
        cells.append((re.sub(r"\s+", "", chunk), pos + len(chunk) - len(chunk.lstrip())))
        pos += len(chunk) + 1
    rows: list[list[tuple[str, int]]] = [[]]
    chunks = text[:last].split("|")
    for (content, at), chunk in zip(cells, [*chunks, ""], strict=True):
        if not content:  # "| |": the row ends
            if rows[-1]:
                rows.append([])
            continue
        if "\n" in chunk and not chunk.split("\n")[0].strip() and rows[-1]:
            rows.append([])  # "|\n项目决策": the cell opens a new row
        rows[-1].append((content, at))
    header = next((r for r in rows if any(c[0] in words["table_name"] for c in r)), None)
    if header is None:
        return []
    names = [c[0] for c in header]

    def col(keys: tuple[str, ...]) -> int | None:
        return next((i - len(names) for i, n in enumerate(names) if n in keys), None)

    name_col, target_col, actual_col = col(words["table_name"]), col(words["table_target"]), col(words["table_actual"])
    if name_col is None or (target_col is None and actual_col is None):
        return []
    out = []
    for row in rows[rows.index(header) + 1 :]:
        if len(row) < -name_col:
            continue
        name, offset = row[name_col]
        target = row[target_col][0] if target_col is not None else ""
        actual = row[actual_col][0] if actual_col is not None else ""
        level2 = row[name_col - 1][0] if len(row) >= 1 - name_col else ""
        out.append(ProseIndicator(name, target, actual, offset, offset + len(name), "indicator:table", level2))
    return out


def read_indicators(text: str) -> list[ProseIndicator]:
    """Indicators of a narrative report: a pipe table, or name：value lines, subheadings and phrases in the zones."""
    words = _indicator_words()
    comparators = words["comparators"]
    value_rx = _value_rx(words["units"])
    found = _pipe_table(text, words)
    if found:
        return found
    out: list[ProseIndicator] = []
    for z_start, z_end, kind in _zones(text, words):
        pos, heading = z_start, ""
        for line in text[z_start:z_end].split("\n"):
            start, pos = pos, pos + len(line) + 1
            stripped = line.strip()
            if not stripped:
                continue
            head = re.match(r"\s*[(（]\d{1,2}[)）]\s*(?P<name>[^，,。:：\d]{2,20})[。.]?\s*$", line)
            if head:
                heading = head.group("name")
                continue
            colon = re.match(r"\s*(?P<name>[^，,。:：\d()（）]{2,20})[:：]\s*(?P<body>.+)$", line)
            if colon and "指标" not in colon.group("name"):  # "开展工作督导: 一个季度…一次,共4次"
                values = list(value_rx.finditer(colon.group("body")))
                if values:
                    v = values[-1]
                    written = v.group()
                    is_target = bool(v.group("cmp")) and v.group("cmp") in comparators
                    name = _clean_name(colon.group("name"), words)
                    at = start + colon.start("name")
                    out.append(
                        ProseIndicator(
                            name,
                            written if is_target else "",
                            "" if is_target else written,
                            at,
                            at + len(name),
                            "indicator:colon",
                        )
                    )
                heading = ""
                continue
            for v in value_rx.finditer(line):
                if v.group("unit") in ("万元", "元") and "收入" not in line[: v.start()]:
                    continue  # money in an indicator zone is a budget figure, not an output
                if not re.match(r"[，,。；;、)）(（]|$", line[v.end() :]):
                    continue  # "12个绩效目标指标", "300米深机井": a quantity of what follows, not a result
                phrase = line[max(line.rfind(ch, 0, v.start()) for ch in "，,。；;") + 1 : v.start()]
                if re.search(r"\d", phrase) and "、" in phrase:
                    phrase = phrase[phrase.rindex("、") + 1 :]
                name = _clean_name(phrase, words)
                if len(name) <= 3 and heading:
                    name = heading  # "完成率100%" under "(3)项目实施进度"
                if not (2 <= len(name) <= 24) or re.search(r"(?<![A-Za-z\d])\d|[一二三]级指标", name):
                    continue
                at = start + line.find(name) if name in line else start + v.start()
                target, actual = (v.group(), "") if kind == "target" else ("", v.group())
                out.append(ProseIndicator(name, target, actual, at, start + v.end(), "indicator:phrase"))
                heading = ""
    return out

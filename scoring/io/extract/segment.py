"""The report text's layout: full-width digits made plain, headings (一、/（一）/1.), sentences, and tab- or
space-separated table lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from scoring.io.extract.patterns import _AMOUNT

# Full-width digits and signs, one for one, so offsets stay those of the text as read.
_WIDTH: Final = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_TOP: Final = re.compile(r"[ \t\u3000]*([一二三四五六七八九十]{1,3})[ \t]*[、.．][ \t]*(\S[^\n]{0,40})$", re.M)
_SECOND: Final = re.compile(r"[ \t\u3000]*[（(]([一二三四五六七八九十]{1,3})[）)][ \t]*(\S[^\n]{0,40})$", re.M)
_THIRD: Final = re.compile(r"[ \t\u3000]*(\d{1,2})[ \t]*[.、．][ \t]*([^\d\s][^\n]{0,40})$", re.M)
_SENTENCE_END: Final = "。！？；;!?\n"
_TRAILING_NOTE: Final = re.compile(r"[（(][^（）()]*[）)]\s*$")
_CLAUSE_BREAK: Final = "，,：:（(）)、"


@dataclass(frozen=True, slots=True)
class Heading:
    level: int  # 1 一、 / 2 （一） / 3 1.
    title: str
    start: int  # offset of the heading line
    end: int  # end of the section it opens (next heading of the same or a higher level)


def _headings(text: str) -> tuple[Heading, ...]:
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
        end = next((s for s, lv, _ in found[i + 1 :] if lv <= level), len(text))
        out.append(Heading(level, title, start, end))
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
    return ("…" if lo else "") + text[left + lo : left + lo + limit].strip() + "…"


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

"""Escaping of data-derived text for the formats perfscore writes: CSV cells, Markdown, xlsx and docx text.

Department and project names, reasons and notes come from hundreds of departments' files. Written unescaped, a
name such as ``=HYPERLINK("http://x","点此")`` becomes a live formula when the CSV is opened in Excel, a name
with ``|`` or a newline breaks a Markdown table, and a control character such as ``\\x0b`` makes the xlsx and
docx writers raise. These functions make such text inert while keeping it readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

# Cells Excel and LibreOffice evaluate as formulas (OWASP "CSV injection"); tab and CR also start one in some
# spreadsheet imports.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell that would start a formula, prefixed with ' so spreadsheets show it as text; others as given."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


# Characters XML 1.0 (hence xlsx and docx) cannot hold: openpyxl raises IllegalCharacterError, python-docx a
# ValueError. \x0b and \x0c are Word's manual line and page breaks, so they become newlines; the rest go.
_XML_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
_XML_ILLEGAL = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` with the characters XML cannot hold removed (vertical tab and form feed become newlines)."""
    return _XML_ILLEGAL.sub("", text.translate(_XML_BREAKS))


def xml_value(value: Any) -> Any:
    """A cell value safe for an xlsx or docx writer: text cleaned by `xml_text`, anything else as given."""
    return xml_text(value) if isinstance(value, str) else value


# Markdown: these characters open links and images ([ ]), raw HTML and autolinks (< >), code spans (`),
# emphasis (* _ ~), entities (&name;) and escapes (\); escaped, a name like [点此](javascript:alert(1)) or
# <img onerror=…> shows as typed.
_MD_INLINE = re.compile(r"([\\`\[\]<>*_~]|&(?=#?\w+;))")
# At the start of a line these would make a heading, quote, list, rule or setext underline.
_MD_LEAD = re.compile(r"^[#>+*=_~-]")
_MD_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x85]+\s*")


def md_text(value: Any) -> str:
    """Data text for a Markdown heading, paragraph or list item: one line, inert (no links, HTML or block syntax)."""
    s = xml_text("" if value is None else str(value)).replace("\t", " ")
    s = _MD_INLINE.sub(r"\\\1", _LINE_BREAKS.sub(" ", s))
    return _MD_ORDERED.sub(r"\1\\\2", _MD_LEAD.sub(r"\\\g<0>", s))


def md_cell(value: Any) -> str:
    """Data text for a Markdown table cell: like `md_text` but keeps a leading - (negative numbers) and escapes |."""
    s = xml_text("" if value is None else str(value)).replace("\t", " ")
    return _MD_INLINE.sub(r"\\\1", _LINE_BREAKS.sub(" ", s)).replace("|", "\\|")


def md_rows(rows: Iterable[Sequence[Any]]) -> list[list[str]]:
    """Table rows with every cell through `md_cell`, for tabulate(..., tablefmt="github")."""
    return [[md_cell(c) for c in r] for r in rows]

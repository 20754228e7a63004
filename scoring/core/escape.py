"""Escaping of data-derived text for the formats perfscore writes: CSV cells, Markdown, xlsx and docx text.

Department and project names, reasons and notes come from hundreds of departments' files. Written unescaped, a
name such as ``=HYPERLINK("http://x","点此")`` becomes a live formula when the CSV is opened in Excel, a name
with ``|`` or a newline breaks a Markdown table, and a control character such as ``\\x0b`` makes the xlsx and
docx writers raise. These functions make such text inert while keeping it readable.
"""

from __future__ import annotations

from typing import Any

# Cells Excel and LibreOffice evaluate as formulas (OWASP "CSV injection"); tab and CR also start one in some
# spreadsheet imports.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell that would start a formula, prefixed with ' so spreadsheets show it as text; others as given."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value

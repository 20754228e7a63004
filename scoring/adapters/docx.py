"""The one module that imports python-docx: read a .docx as lines of text, write a simple report document.

Reading: paragraphs one per line, in document order with the tables; a table row is one line with
its cells joined by tabs, a merged cell once (python-docx repeats it in every grid column it spans).
Writing: `Document` holds headings, paragraphs and fixed-width tables, with one font per style set
for both Latin and East Asian text (Word takes Chinese text's face from w:eastAsia, not w:ascii).

python-docx is imported on first use, not with this module: only reports read or written as .docx load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scoring.core.errors import DataError, Source

if TYPE_CHECKING:
    from docx.document import Document as _Document


def read_lines(path: Path) -> tuple[str, ...]:
    """A .docx's paragraphs and table rows in order (cells joined by tabs); DataError if it cannot be read."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise DataError(f"无法读取 Word 文件：{exc}", source=Source(path), hint="请确认是 .docx 格式") from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
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
    return tuple(lines)


class Document:
    """A Word document written top to bottom: headings, paragraphs and tables with fixed column widths."""

    def __init__(self, fonts: Sequence[tuple[str, str, float]] = ()) -> None:
        """`fonts`: (style name, face, size in points), e.g. ("Heading 1", "黑体", 15); text in black."""
        import docx
        from docx.oxml.ns import qn
        from docx.shared import Pt, RGBColor

        self._doc: _Document = docx.Document()
        for name, face, size in fonts:
            style = self._doc.styles[name]
            style.font.name = face
            style.font.size = Pt(size)
            style.font.color.rgb = RGBColor(0, 0, 0)
            style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)

    def heading(self, text: str, level: int, *, center: bool = False) -> None:
        """A heading; level 0 is the document title."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        paragraph = self._doc.add_heading(text, level=level)
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def paragraph(self, text: str) -> None:
        self._doc.add_paragraph(text)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]], widths_cm: Sequence[float], *,
              size_pt: float = 9) -> None:
        """A grid table, header row in bold; every cell `size_pt` points; columns `widths_cm` wide."""
        from docx.shared import Cm, Pt

        table = self._doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.autofit = False
        for column, width in zip(table.columns, widths_cm, strict=True):
            column.width = Cm(width)  # the grid widths, which LibreOffice and WPS read
        for values in [headers, *rows]:
            cells = table.rows[0].cells if values is headers else table.add_row().cells
            for cell, text, width in zip(cells, values, widths_cm, strict=True):
                cell.text = str(text)
                cell.width = Cm(width)  # the cell widths, which Word reads
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(size_pt)
                    run.font.bold = values is headers

    def save(self, path: Path | str) -> None:
        self._doc.save(str(path))

"""The one module that imports python-docx: read a .docx as lines of text, write an official document.

Reading: paragraphs one per line, in document order with the tables; a table row is one line with
its cells joined by tabs, a merged cell once (python-docx repeats it in every grid column it spans).
Writing: `write_official_document` lays out headings, paragraphs and tables as a Chinese official document
(GB/T 9704 as the reference), one font per style set for both Latin and East Asian text (Word takes Chinese
text's face from w:eastAsia, not w:ascii).

python-docx is imported on first use, not with this module: only reports read or written as .docx load it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scoring.core.atomic import save_atomic
from scoring.core.errors import DataError, Source
from scoring.core.escape import xml_text

if TYPE_CHECKING:
    pass


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


# GB/T 9704-2012 (党政机关公文格式) as the reference layout: A4; 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm,
# so 右 26 mm and 下 35 mm; body 3号 (16 pt) 仿宋 with 22 lines a page (fixed 28.95 pt) and a two-character
# first-line indent; 一、 in 黑体, （一） in 楷体, 1. in bold 仿宋; title 2号 (22 pt) 小标宋; page numbers
# "— 1 —" in 4号 (14 pt) 宋体 7 mm under the text block.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_CM = 15.6
BODY_PT, TITLE_PT, TABLE_PT, FOOTER_PT = 16, 22, 10.5, 14
LINE_PT = 28.95  # 225 mm of text block / 22 lines
# Official faces first; each names the face Word and WPS substitute where the official one is not installed
# (written as w:altName in the document's font table).
FONTS = {
    "title": ("方正小标宋简体", "黑体"),
    "body": ("仿宋_GB2312", "仿宋"),
    "h2": ("黑体", "SimHei"),
    "h3": ("楷体_GB2312", "楷体"),
    "footer": ("宋体", "SimSun"),
}
LATIN_FONT = "Times New Roman"
NUMBER = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?$")
# Column widths (cm) for the scored table; 说明 and unnamed columns share what is left of the text width.
_DOCX_WIDTHS = {
    "一级指标": 1.7,
    "二级指标": 1.9,
    "三级指标": 2.3,
    "年度指标值": 2.0,
    "实际完成值": 2.0,
    "分值": 1.3,
    "得分": 1.3,
    "自评得分": 1.3,
    "序号": 1.0,
}
CELL_MARGIN_TWIPS = 57  # 0.1 cm each side, so that 一级指标 (4 characters of 五号) fits 1.7 cm


def _set_fonts(target: Any, face: str, size: float | None, qn: Any, pt: Any, bold: bool | None = None) -> None:
    """East Asian and Latin faces on a style or run; theme fonts removed, since Word prefers them over names."""
    font = target.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = pt(size)
    if bold is not None:
        font.bold = bold
    r_pr = target.element.get_or_add_rPr() if hasattr(target, "element") else target._element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), face)


def _alt_names(doc: Any, oxml: Any) -> None:
    """Font-table entries naming the substitute for each official face (w:altName, charset GB2312)."""
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for rel in doc.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            part = rel.target_part
            table = etree.fromstring(part.blob)
            for face, alt in FONTS.values():
                table.append(
                    oxml(
                        f'<w:font xmlns:w="{w}" w:name="{face}"><w:altName w:val="{alt}"/>'
                        f'<w:charset w:val="86"/><w:family w:val="auto"/></w:font>'
                    )
                )
            part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


class Block(Protocol):
    """What the writer reads of a block: kind h1 (title) / h2 一、 / h3 （一） / h4 1. / p / table."""

    kind: str
    text: str
    headers: list[str]
    rows: list[list[str]]


def write_official_document(blocks: Sequence[Block], path: Path | str) -> None:
    """Blocks as a Word document laid out as a Chinese official document (GB/T 9704 as the reference).

    The package around the body (styles, fonts, page setup, footer) is the same for every report, so it is
    built with python-docx once per process (`_package`); each document's body is written as WordprocessingML
    text, element for element what python-docx writes for the same calls, and zipped with the cached parts.
    A batch of 300 reports so costs one python-docx document, not 300."""
    package = _package()
    body = "".join(_block_xml(b) for b in blocks).encode("utf-8")
    save_atomic(path, lambda tmp: _write_package(tmp, package, package.head + body + package.tail))


@dataclass(frozen=True, slots=True)
class _Package:
    """The parts of an official document without its body: (member name, bytes) in python-docx's order, the
    main part split around where the body goes."""

    members: tuple[tuple[str, bytes], ...]
    head: bytes  # word/document.xml up to and including <w:body>
    tail: bytes  # from the section properties (<w:sectPr) to the end


_MAIN_PART = "word/document.xml"


@cache
def _package() -> _Package:
    import io
    import zipfile

    buffer = io.BytesIO()
    _official_document().save(buffer)
    with zipfile.ZipFile(buffer) as z:
        members = tuple((name, z.read(name)) for name in z.namelist())
    main = dict(members)[_MAIN_PART]
    open_body = main.index(b"<w:body>") + len(b"<w:body>")
    section = main.index(b"<w:sectPr", open_body)
    if main[open_body:section].strip():
        raise AssertionError("the template document's body is not empty")
    return _Package(members, main[:open_body], main[section:])


def _write_package(path: str, package: _Package, main: bytes) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:  # as python-docx writes it
        for name, data in package.members:
            z.writestr(name, main if name == _MAIN_PART else data)


def _official_document() -> Any:
    """The python-docx document every report starts from: page, styles, font table and page-number footer."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)  # number line 7 mm under the block, ~5 mm tall

    styles = {
        "Normal": ("body", BODY_PT, False),
        "Title": ("title", TITLE_PT, False),
        "Heading 1": ("h2", BODY_PT, False),
        "Heading 2": ("h3", BODY_PT, False),
        "Heading 3": ("body", BODY_PT, True),
    }
    for name, (role, size, bold) in styles.items():
        style = doc.styles[name]
        _set_fonts(style, FONTS[role][0], size, qn, Pt, bold)
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PT)
        fmt.first_line_indent = None if name == "Title" else Pt(2 * BODY_PT)
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if name == "Title" else WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt.keep_with_next = name != "Normal"
        if name == "Title":  # the template draws a rule under Title; an official title has none
            p_pr = style.element.get_or_add_pPr()
            for border in p_pr.findall(qn("w:pBdr")):
                p_pr.remove(border)
            fmt.space_after = Pt(LINE_PT)
    _alt_names(doc, parse_xml)
    _page_number_footer(section, qn, parse_xml, Pt)
    return doc


# ------------------------------------------------------------------ the body, as WordprocessingML text

_HEADING_STYLES = {"h1": "Title", "h2": "Heading1", "h3": "Heading2", "h4": "Heading3"}
# 【待单位补充：…】 is highlighted so that a reviewer sees at once what is still to be written.
_PLACEHOLDER = re.compile(r"(【待单位补充：[^】]*】)")
_RUN_BREAKS = re.compile(r"([\t\r\n])")
_HIGHLIGHT = '<w:rPr><w:highlight w:val="yellow"/></w:rPr>'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _run_content(text: str) -> str:
    """A run's text as python-docx writes it: a tab is <w:tab/>, each CR or LF a <w:br/>, and a <w:t> with
    leading or trailing white space keeps it (xml:space="preserve")."""
    out = []
    for part in _RUN_BREAKS.split(text):
        if part == "\t":
            out.append("<w:tab/>")
        elif part in ("\r", "\n"):
            out.append("<w:br/>")
        elif part:
            space = ' xml:space="preserve"' if len(part.strip()) < len(part) else ""
            out.append(f"<w:t{space}>{_escape(part)}</w:t>")
    return "".join(out)


def _block_xml(b: Block) -> str:
    if b.kind in _HEADING_STYLES:
        text = xml_text(b.text)
        run = f"<w:r>{_run_content(text)}</w:r>" if text else ""
        return f'<w:p><w:pPr><w:pStyle w:val="{_HEADING_STYLES[b.kind]}"/></w:pPr>{run}</w:p>'
    if b.kind == "table":
        return _table_xml(b)
    runs = "".join(
        f"<w:r>{_HIGHLIGHT if part.startswith('【待单位补充') else ''}{_run_content(part)}</w:r>"
        for part in _PLACEHOLDER.split(xml_text(b.text))
        if part
    )
    return f"<w:p>{runs}</w:p>" if runs else "<w:p/>"


def _twips(cm: float) -> int:
    return int(round(cm / 2.54 * 1440))  # as docx.shared.Cm(cm).twips: 914400 EMU an inch, 635 a twip


_TABLE_PROPERTIES = (
    '<w:tblPr><w:tblStyle w:val="TableGrid"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
    '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1"'
    ' w:val="04A0"/>'
    f'<w:tblW w:w="{round(TEXT_WIDTH_CM / 2.54 * 1440)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
    f'<w:tblCellMar><w:left w:w="{CELL_MARGIN_TWIPS}" w:type="dxa"/><w:right w:w="{CELL_MARGIN_TWIPS}" w:type="dxa"/>'
    "</w:tblCellMar></w:tblPr>"
)


def _table_xml(block: Block) -> str:
    """A table that fits the text width: header row repeated on every page, rows never split across pages,
    numbers right-aligned, 五号 (10.5 pt) single-spaced text."""
    widths = [_twips(w) for w in table_widths(block.headers)]
    # A column of numbers is right-aligned as a whole (blank and — cells do not make it text).
    numeric = [
        any(NUMBER.match(str(r[i])) for r in block.rows)
        and all(NUMBER.match(str(r[i])) or str(r[i]) in ("", "—") for r in block.rows)
        for i in range(len(block.headers))
    ]
    out = [_TABLE_PROPERTIES, "<w:tblGrid>", *(f'<w:gridCol w:w="{w}"/>' for w in widths), "</w:tblGrid>"]
    size = round(TABLE_PT * 2)
    for row_values in [block.headers, *block.rows]:
        header = row_values is block.headers
        face = FONTS["h2" if header else "body"][0]
        r_pr = (
            f'<w:rPr><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{face}"/>'
            f'<w:b w:val="0"/><w:sz w:val="{size}"/></w:rPr>'
        )
        out.append(
            "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header else "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        )
        for text, width, is_number in zip(row_values, widths, numeric, strict=True):
            align = "center" if header else "right" if is_number else "left"
            keep = "<w:keepNext/>" if header else ""  # a header row never stands alone at the foot of a page
            content = _run_content(xml_text(str(text)))
            run = f"<w:r>{r_pr}{content}</w:r>"
            out.append(
                f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/><w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p><w:pPr>{keep}<w:spacing w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0"/>'
                f'<w:jc w:val="{align}"/></w:pPr>{run}</w:p></w:tc>'
            )
        out.append("</w:tr>")
    return "<w:tbl>" + "".join(out) + "</w:tbl>"


def _page_number_footer(section: Any, qn: Any, oxml: Any, pt: Any) -> None:
    """ "— 1 —": an em dash, the PAGE field, an em dash, centred, 4号 宋体."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = 1  # centre
    paragraph.paragraph_format.first_line_indent = pt(0)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    font = FONTS["footer"][0]
    r_pr = (
        f'<w:rPr><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{font}"/>'
        f'<w:sz w:val="{FOOTER_PT * 2}"/></w:rPr>'
    )
    for xml in (
        f'<w:r {w}>{r_pr}<w:t xml:space="preserve">— </w:t></w:r>',
        f'<w:r {w}>{r_pr}<w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {w}>{r_pr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        f'<w:r {w}>{r_pr}<w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r {w}>{r_pr}<w:t>1</w:t></w:r>",
        f'<w:r {w}>{r_pr}<w:fldChar w:fldCharType="end"/></w:r>',
        f'<w:r {w}>{r_pr}<w:t xml:space="preserve"> —</w:t></w:r>',
    ):
        paragraph._p.append(oxml(xml))
    del qn


_CM_PLACES = 3  # column widths to 0.01 mm: Word stores twentieths of a point, finer is noise


def table_widths(headers: list[str]) -> list[float]:
    """Column widths in cm summing to the text width: named columns keep their share, the rest split evenly."""
    fixed = [_DOCX_WIDTHS.get(h) for h in headers]
    known = sum(w for w in fixed if w)
    free = sum(1 for w in fixed if not w)
    rest = (TEXT_WIDTH_CM - known) / free if free else 0.0
    widths = [w or max(rest, 1.5) for w in fixed]
    scale = TEXT_WIDTH_CM / sum(widths)
    return [round(w * scale, _CM_PLACES) for w in widths]

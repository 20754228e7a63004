"""Read a narrative report as one text: a .txt decoded as UTF-8/GB18030, a .docx through `scoring.adapters.docx`."""

from __future__ import annotations

from pathlib import Path

from scoring.adapters.docx import read_lines as docx_lines
from scoring.core.errors import DataError, Source
from scoring.io.raw import read_text


def read_report(path: Path) -> str:
    """The report's text: a .txt decoded as UTF-8/GB18030, or a .docx's paragraphs and table rows in order."""
    if not path.is_file():
        raise DataError("报告文件不存在", source=Source(path))
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return "\n".join(docx_lines(path))
    if suffix in (".txt", ".text", ".md", ""):
        return read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    raise DataError("不支持的报告格式", source=Source(path), hint="支持 .txt 或 .docx；.doc/.pdf 请先另存为 .docx")

"""Escaping: data text in Markdown stays one inert cell, heading or paragraph; xlsx and docx writers never crash.

Markdown is checked by rendering it with a CommonMark parser (markdown-it-py, raw HTML enabled, GFM tables), so
the test knows independently what a reader would see.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from scoring.cli import app
from scoring.core.errors import IncompleteError
from scoring.core.escape import csv_cell, md_cell, md_rows, md_text, xml_text

DATA = Path(__file__).resolve().parent / "data"

PAYLOADS = [
    "a|b",
    "a\\|b",
    "x\ny",
    "名\r\n称",
    "line\u2028sep",
    "# 标题",
    "## h",
    "tail ##",
    "> 引用",
    "- 列表",
    "+ x",
    "* x",
    "1. 第一",
    "2) 第二",
    "---",
    "***",
    "===",
    "[点此](javascript:alert(1))",
    "![i](http://evil.example/x.png)",
    "<javascript:alert(1)>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`code`",
    "[ref]: /x",
    "a\x0bb",
    "a\x0cb",
    "a\x00b",
    "\x01\x1f控制",
    "tab\there",
    "**粗体** _斜_",
    '=HYPERLINK("http://x")',
    "\\",
    "-5.00",
    "&lt;script&gt;",
    "&#106;avascript:x",
    "城管 & 环卫",
    "~~删~~",
    "X_1_2",
]
IDS = [repr(p)[:24] for p in PAYLOADS]
MD = MarkdownIt("commonmark", {"html": True}).enable("table")
ACTIVE = re.compile(r"<(a|img|script|h[1-6]|blockquote|ul|ol|li|hr|code|pre|em|strong)[\s>]")


def visible(payload: str) -> str:
    """What a reader should see: the payload's text, whitespace runs as one space, XML-illegal characters gone."""
    return " ".join(re.sub("[\x00-\x08\x0e-\x1f]", "", payload).split())


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def sub_html(rendered: str, wrapper: str) -> str:
    """The rendered HTML inside the first <wrapper>…</wrapper>."""
    m = re.search(rf"<{wrapper}[^>]*>(.*?)</{wrapper}>", rendered, re.S)
    assert m, rendered
    return m.group(1)


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_md_cell_is_one_inert_cell(payload: str) -> None:
    table = "| 名称 | 得分 |\n|---|---|\n" + "\n".join("| " + " | ".join(r) + " |" for r in md_rows([[payload, "90"]]))
    rendered = MD.render(table + "\n")
    body = sub_html(rendered, "tbody")
    cells = re.findall(r"<td>(.*?)</td>", body, re.S)
    assert len(re.findall(r"<tr>", body)) == 1 and len(cells) == 2, rendered
    assert not ACTIVE.search(cells[0]), cells[0]
    assert text_of(cells[0]) == visible(payload)
    assert cells[1] == "90"


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
@pytest.mark.parametrize("prefix", ["", "## ", "- "], ids=["paragraph", "heading", "list-item"])
def test_md_text_is_one_inert_block(payload: str, prefix: str) -> None:
    source = prefix + "前缀 " + md_text(payload) if prefix == "- " else prefix + md_text("名" + payload)
    rendered = MD.render(source + "\n")
    wrapper = {"": "p", "## ": "h2", "- ": "li"}[prefix]
    inner = sub_html(rendered, wrapper)
    assert not ACTIVE.search(inner), rendered
    expected = visible(("前缀 " if prefix == "- " else "名") + payload)
    if prefix == "## ":
        expected = re.sub(r"\s+#+$", "", expected)  # a heading's closing #s are syntax even in plain Markdown
    assert text_of(inner) == expected
    # exactly one block: nothing before or after the wrapper
    outer = re.sub(r"\s", "", rendered)
    assert outer.count("<" + wrapper) == 1
    assert outer.startswith("<ul><li>" if prefix == "- " else f"<{wrapper}")


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_md_text_is_a_leading_data_paragraph(payload: str) -> None:
    """Data at the very start of a line (a report paragraph) cannot open a heading, list, quote or rule."""
    rendered = MD.render(md_text(payload) + "\n")
    if not visible(payload):
        assert rendered.strip() == ""
        return
    assert re.sub(r"\s", "", rendered).startswith("<p>"), rendered
    assert text_of(sub_html(rendered, "p")) == visible(payload)


def test_xml_text_and_csv_cell() -> None:
    assert xml_text("a\x0bb\x0cc\x00d\x1fe\ud800") == "a\nb\nc" + "de"
    assert xml_text("正常\t文本\n") == "正常\t文本\n"
    assert [csv_cell(v) for v in ["=1+1", "+1", "-1", "@A", "ok", -1.5, None]] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@A",
        "ok",
        -1.5,
        None,
    ]
    assert md_cell(None) == "" and md_text(None) == ""


HOSTILE_DEPT = "Evil|局\x0b[点此](javascript:alert(1))<script>x</script>"
HOSTILE_PROJECT = "# 道路|维修\n项目\x01"


@pytest.fixture
def hostile_dept(tmp_path: Path) -> Path:
    folder = tmp_path / "dept"
    shutil.copytree(DATA / "overview", folder)
    info = folder / "单位信息.csv"
    info.write_text(f'部门编码,部门名称,年度,编制人数,在职人数\n990001,"{HOSTILE_DEPT}",2024,10,9\n', encoding="utf-8")
    projects = folder / "项目支出.csv"
    text = projects.read_text(encoding="utf-8").replace("道路<维修>项目", f'"{HOSTILE_PROJECT}"')
    projects.write_text(text, encoding="utf-8")
    return folder


def test_hostile_names_through_every_writer(
    hostile_dept: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for argv in (
        ["score", str(hostile_dept), "-f", "md", "-o", "s.md"],
        ["score", str(hostile_dept), "-f", "xlsx", "-o", "s.xlsx"],
        ["report", str(hostile_dept), "-o", "r.md"],
        ["report", str(hostile_dept), "-o", "r.docx"],
    ):
        res = runner.invoke(app, argv)
        assert res.exit_code in (0, IncompleteError.exit_code), (argv, res.output, res.exception)
    for name in ("s.md", "r.md"):
        rendered = MD.render((tmp_path / name).read_text(encoding="utf-8"))
        assert "<script" not in rendered and "<a " not in rendered
        assert text_of(rendered).count(visible(HOSTILE_DEPT)) >= 1
        # Every table row has as many cells as its header: no | from the data split a cell.
        for table in re.findall(r"<table>.*?</table>", rendered, re.S):
            heads = len(re.findall(r"<th[ >]", table))
            assert all(
                len(re.findall(r"<td[ >]", tr)) == heads
                for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)
                if "<td" in tr
            )
    assert "<h1>" not in MD.render("\n".join((tmp_path / "s.md").read_text(encoding="utf-8").splitlines()[1:]))
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert xml_text(HOSTILE_DEPT) in cells
    doc = docx.Document(str(tmp_path / "r.docx"))
    assert any(xml_text(HOSTILE_DEPT) in p.text for p in doc.paragraphs)

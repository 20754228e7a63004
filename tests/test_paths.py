"""Confinement: output names derived from data (部门名称, ruleset name) stay inside the chosen folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.core.atomic import OutputError
from scoring.core.errors import IncompleteError
from scoring.core.paths import MAX_NAME_BYTES, distinct_names, inside, safe_name

DATA = Path(__file__).resolve().parent / "data"

HOSTILE = [
    "../../evil",
    "..",
    ".",
    "...",
    "/etc/passwd",
    "/../../x",
    "C:\\Windows\\system32",
    "\\\\server\\share\\x",
    "a\x00b",
    "CON",
    "con.md",
    "nul.txt",
    "COM1",
    "lpt9.docx",
    "Aux",
    "x" * 300,
    "部" * 200,
    "a\x01\x0b\x1f\x7fb",
    "名称\n# 标题",
    "tab\there",
    " .hidden. ",
    "",
    "   ",
    "a/b\\c",
    'a:b*?"<>|c',
    "~",
    "$HOME",
    "..\\..\\x",
    "\u202egpj.exe",
    "e\u0301",  # right-to-left override; a decomposed é (NFC composes it)
]


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_safe_name_is_one_harmless_component(name: str, tmp_path: Path) -> None:
    s = safe_name(name)
    assert s and s == Path(s).name and s not in (".", "..")
    assert not s.startswith(".") and not s.endswith((".", " "))
    assert not any(ord(ch) < 32 or ord(ch) == 0x7F or ch in '/\\:*?"<>|\u202e' for ch in s)
    assert s.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT9"}
    assert len(s.encode("utf-8")) <= MAX_NAME_BYTES
    out = inside(tmp_path, s + ".md")
    out.write_text("x", encoding="utf-8")  # the file system accepts it, and it landed in the folder
    assert [p.name for p in tmp_path.iterdir()] == [s + ".md"]


def test_safe_name_keeps_ordinary_names() -> None:
    assert safe_name("2024年度株洲市芦淞区城市管理和综合执法局项目支出绩效自评报告") == (
        "2024年度株洲市芦淞区城市管理和综合执法局项目支出绩效自评报告"
    )
    assert safe_name("perfscore-mof-project-2024") == "perfscore-mof-project-2024"
    assert safe_name("../a/b") == "_a_b"
    assert safe_name("e\u0301") == "\u00e9"


@pytest.mark.parametrize("name", ["../x", "/etc/x", "..", ".", "", "a/b"])
def test_inside_refuses_anything_but_a_child(name: str, tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        inside(tmp_path, name)


def test_inside_refuses_a_symlink_out(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "out" / "link.md")
    with pytest.raises(OutputError, match="之外"):
        inside(tmp_path / "out", "link.md")


def test_distinct_names() -> None:
    assert distinct_names(["甲局", "乙局", "甲局", "甲局/"], ["1", "2", "3", "4"], ".md") == [
        "甲局-1.md",
        "乙局.md",
        "甲局-3.md",
        "甲局_.md",
    ]
    # Codes that sanitise alike still give distinct files.
    assert distinct_names(["同", "同"], ["X/1", "X_1"]) == ["同-X_1", "同-X_1-2"]
    assert distinct_names(["Abc", "aBC"], ["1", "2"]) == ["Abc-1", "aBC-2"]  # case-insensitive file systems


DEPT_NAMES = ["../../逃逸局", "/tmp/绝对路径局", "CON", "a|b#局", "同名局", "同名局", "长" * 120, "控制\x0b字符局"]


@pytest.fixture
def hostile_batch(tmp_path: Path) -> Path:
    """One folder per department, each a copy of tests/data/overview with a hostile 部门名称."""
    batch = tmp_path / "batch"
    for i, name in enumerate(DEPT_NAMES):
        folder = batch / f"d{i}"
        shutil.copytree(DATA / "overview", folder)
        info = folder / "单位信息.csv"
        info.write_text(f'部门编码,部门名称,年度,编制人数,在职人数\n99000{i},"{name}",2024,10,9\n', encoding="utf-8")
    return batch


def test_report_folder_stays_confined(hostile_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    res = CliRunner().invoke(app, ["report", str(hostile_batch), "-o", "reports"])
    assert res.exit_code in (0, IncompleteError.exit_code), res.output
    written = sorted(p.name for p in (work / "reports").iterdir())
    assert len(written) == len(DEPT_NAMES)  # the two 同名局 got two files
    assert [p for p in work.iterdir() if p.name != "reports"] == []
    assert not (tmp_path / "逃逸局").exists() and not Path("/tmp/绝对路径局").exists()
    same = [n for n in written if "同名局" in n]
    assert sorted(same) == [
        "2024年度同名局项目支出绩效自评报告-990004.md",
        "2024年度同名局项目支出绩效自评报告-990005.md",
    ]
    assert all(p.read_text(encoding="utf-8").startswith("# ") for p in (work / "reports").iterdir())


def test_ruleset_name_cannot_escape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ruleset named /../../x with -f html and no -o writes into the working folder only."""
    evil = tmp_path / "evil.yaml"
    evil.write_text('format: 1\nextends: mof-project\nname: "/../../x"\nversion: "1"\n', encoding="utf-8")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    res = CliRunner().invoke(app, ["score", str(DATA / "overview"), "-r", str(evil), "-f", "html"])
    assert res.exit_code == IncompleteError.exit_code, res.output  # overview has a rejected row
    assert [p.name for p in work.iterdir()] == ["perfscore-_.._.._x-2024.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "evil.yaml"]


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "-f", "json", "-o", "afile/x.json"],
        ["report", "-o", "afile/r.md"],
        ["report", "-o", "afolder/r.docx/"],
    ],
    ids=["below-a-file", "report-below-a-file", "docx-to-folder"],
)
def test_bad_out_is_a_clear_error(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afolder" / "r.docx").mkdir(parents=True)
    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    res = CliRunner().invoke(app, [argv[0], str(DATA / "overview"), *argv[1:]])
    assert res.exit_code == 1, res.output
    assert isinstance(res.exception, SystemExit)  # a message, not a traceback
    assert "错误：" in res.stderr and ("是一个文件夹" in res.stderr or "无法创建输出文件夹" in res.stderr)
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_a_folder_out_is_a_batch_and_only_for_the_table(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-o an existing folder means the batch run (a fixed set of files per department); another -f is refused
    with a usage error (exit 2) and nothing is written."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afolder").mkdir()
    res = CliRunner().invoke(app, ["score", str(DATA / "overview"), "-f", fmt, "-o", "afolder"])
    assert res.exit_code == 2, res.output
    assert "批量输出" in res.stderr and list((tmp_path / "afolder").iterdir()) == []

"""Atomic outputs: a writer that fails mid-way leaves the previous file intact and no temporary file behind."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx.document
import openpyxl
import pytest
from typer.testing import CliRunner

from scoring.adapters import docx as docx_adapter
from scoring.cli import app
from scoring.core import atomic
from scoring.core.errors import IncompleteError

DATA = Path(__file__).resolve().parent / "data"
DEPT = str(DATA / "overview")
REPORT_TXT = str(DATA / "lusong-chengguan-2024-selfeval.txt")


def half_then_disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text writers: the first half of the bytes reach the file, then the disk is full."""
    real = Path.write_bytes

    def broken(self: Path, data: bytes) -> int:
        real(self, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", broken)
    real_open = Path.open

    def open_broken(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        """Streamed writers (-f json): each write reaches the file half, then the disk is full."""
        fh = real_open(self, mode, *args, **kwargs)
        if "w" in mode:
            write = fh.write

            def short(data: Any) -> int:
                write(data[: len(data) // 2])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            fh.write = short  # type: ignore[method-assign]
        return fh

    monkeypatch.setattr(Path, "open", open_broken)


def zip_cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """xlsx and docx writers: a zip header is written, then the serializer raises."""

    def broken(self: object, filename: str) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 cut short")
        raise RuntimeError("serializer died mid-way")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    monkeypatch.setattr(docx.document.Document, "save", broken)
    # The report's package is zipped by the adapter itself (python-docx builds only the cached template).
    monkeypatch.setattr(docx_adapter, "_write_package", lambda path, package, main: broken(None, path))


# (id, argv writing OUT into the current folder, the file to check, how the writer fails)
CASES: list[tuple[str, list[str], str, Callable[[pytest.MonkeyPatch], None]]] = [
    ("score-json", ["score", DEPT, "-f", "json", "-o", "out.json"], "out.json", half_then_disk_full),
    ("score-md", ["score", DEPT, "-f", "md", "-o", "out.md"], "out.md", half_then_disk_full),
    ("score-table", ["score", DEPT, "-o", "out.txt"], "out.txt", half_then_disk_full),
    ("score-html", ["score", DEPT, "-f", "html", "-o", "out.html"], "out.html", half_then_disk_full),
    ("score-xlsx", ["score", DEPT, "-f", "xlsx", "-o", "out.xlsx"], "out.xlsx", zip_cut_short),
    ("report-md", ["report", DEPT, "-o", "r.md"], "r.md", half_then_disk_full),
    ("report-docx", ["report", DEPT, "-o", "r.docx"], "r.docx", zip_cut_short),
    ("template-xlsx", ["template", "-o", "t.xlsx", "-y", "2024"], "t.xlsx", zip_cut_short),
    ("template-csv", ["template", "-f", "csv", "-o", "tcsv", "-y", "2024"], "tcsv/项目支出.csv", half_then_disk_full),
    ("extract-xlsx", ["extract", REPORT_TXT, "-o", "e.xlsx", "--code", "430203017"], "e.xlsx", zip_cut_short),
]


@pytest.mark.parametrize(("argv", "target", "fail"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_failed_writer_leaves_previous_file(
    argv: list[str],
    target: str,
    fail: Callable[[pytest.MonkeyPatch], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(app, argv)
    # tests/data/overview has one rejected row: its outputs are written and the run exits 4 (未完成评分).
    assert first.exit_code in (0, IncompleteError.exit_code), first.output
    before = (tmp_path / target).read_bytes()
    assert len(before) > 100
    folder_before = sorted(p.name for p in (tmp_path / target).parent.iterdir())

    with monkeypatch.context() as m:
        fail(m)
        second = CliRunner().invoke(app, argv)
    assert second.exit_code != 0
    if fail is half_then_disk_full:  # an OSError is a user-facing condition: a message, exit 1, no traceback
        assert second.exit_code == 1 and "无法写入" in second.stderr and second.exception is not None
        assert isinstance(second.exception, SystemExit)
    assert (tmp_path / target).read_bytes() == before
    assert sorted(p.name for p in (tmp_path / target).parent.iterdir()) == folder_before  # no .tmp left


def test_write_text_replaces_whole_and_keeps_mode(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b.txt"
    atomic.write_text(out, "第一版\n")
    assert out.read_text(encoding="utf-8") == "第一版\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    out.chmod(0o640)
    atomic.write_text(out, "第二版\n")
    assert out.read_text(encoding="utf-8") == "第二版\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert [p.name for p in out.parent.iterdir()] == ["b.txt"]


def test_exception_in_writer_removes_temp(tmp_path: Path) -> None:
    out = tmp_path / "x.bin"
    out.write_bytes(b"old")
    with pytest.raises(ValueError, match="boom"), atomic.atomic_path(out) as tmp:
        tmp.write_bytes(b"new but unfinished")
        raise ValueError("boom")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]


@pytest.mark.parametrize("where", ["folder", "below-a-file"])
def test_unusable_target_is_a_clear_error(tmp_path: Path, where: str) -> None:
    (tmp_path / "f").write_text("keep", encoding="utf-8")
    target = {"folder": tmp_path, "below-a-file": tmp_path / "f" / "out.json"}[where]
    with pytest.raises(
        atomic.OutputError, match={"folder": "是一个文件夹", "below-a-file": "无法创建输出文件夹"}[where]
    ):
        atomic.write_text(target, "x")
    assert (tmp_path / "f").read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize(
    "argv",
    [
        ["template", "-f", "csv", "-o", "afile"],
        ["template", "-o", "afile/t.xlsx"],
        ["extract", REPORT_TXT, "-o", "afile/e.xlsx"],
    ],
    ids=["template-csv-on-a-file", "template-below-a-file", "extract-below-a-file"],
)
def test_cli_output_below_a_file(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    res = CliRunner().invoke(app, argv)
    assert res.exit_code == 1, res.output
    assert isinstance(res.exception, SystemExit)
    assert "无法创建输出文件夹" in res.stderr
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep"

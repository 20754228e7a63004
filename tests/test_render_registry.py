"""The renderer registry: every output format in one table, and a new format is one registration away from the CLI."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.core.errors import UsageError
from scoring.model.run import Run
from scoring.render import registry
from scoring.render.registry import Kind, Options, Renderer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "lusong-chengguan"
runner = CliRunner()


def _csv_rows(name: str) -> list[dict[str, str]]:
    with (EXAMPLE / name).open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the registry for the test, so a toy format never leaks into other tests."""
    monkeypatch.setattr(registry, "RENDERERS", dict(registry.RENDERERS))


def _project_counts(run: Run, options: Options) -> str:
    """A toy format: one `dept_name,n_projects` line per department."""
    return "".join(f"{r.dept_name},{r.n_projects}\n" for r in run.result.departments.itertuples())


def test_builtin_formats_are_registered_with_kind_and_extension() -> None:
    table = {r.name: (r.kind, r.extension, r.scope) for r in registry.RENDERERS.values()}
    assert table == {
        "table": (Kind.TERMINAL, ".txt", "run"),
        "md": (Kind.TERMINAL, ".md", "run"),
        "json": (Kind.TERMINAL, ".json", "run"),
        "xlsx": (Kind.FILE, ".xlsx", "run"),
        "summary": (Kind.FILE, ".xlsx", "run"),  # the 汇总表 of a batch run
        "html": (Kind.FILE, ".html", "run"),
        "report-md": (Kind.TERMINAL, ".md", "department"),
        "report-docx": (Kind.FILE, ".docx", "department"),
    }
    assert registry.names() == ["table", "md", "json", "xlsx", "html", "summary"]


@pytest.mark.usefixtures("own_registry")
def test_a_new_terminal_format_is_one_registration() -> None:
    registry.register(Renderer("counts", Kind.TERMINAL, ".csv", "项目数 / project counts", text=_project_counts))
    res = runner.invoke(app, ["score", str(EXAMPLE), "-y", "2024", "-f", "counts"])
    assert res.exit_code == 0, res.output
    # Known from the input files themselves: the department's name and its project rows.
    name = _csv_rows("单位信息.csv")[0]["部门名称"]
    assert res.stdout == f"{name},{len(_csv_rows('项目支出.csv'))}\n"
    assert "读取 54 行，评分 54 行，拒绝 0 行" in res.stderr  # not the table, so the counts go to stderr


@pytest.mark.usefixtures("own_registry")
def test_a_new_file_format_goes_to_its_default_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def write(run: Run, options: Options, path: Path) -> None:
        path.write_bytes(_project_counts(run, options).encode("gb18030"))

    registry.register(Renderer("counts-gbk", Kind.FILE, ".gbk.csv", "GB18030 项目数", write=write))
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["score", str(EXAMPLE), "-y", "2024", "-f", "counts-gbk"])
    assert res.exit_code == 0, res.output
    written = tmp_path / "perfscore-mof-project-2024.gbk.csv"
    assert f"已写入 {written}" in res.stderr
    assert written.read_bytes().decode("gb18030") == "株洲市芦淞区城市管理和综合执法局,8\n"


def test_unknown_format_is_a_usage_error_before_any_data_is_read(tmp_path: Path) -> None:
    res = runner.invoke(app, ["score", str(tmp_path / "no-such-folder"), "-f", "mdx"])
    assert res.exit_code == UsageError.exit_code == 2
    assert "错误：未知输出格式 'mdx'（unknown format）；是否为 'md'？" in res.stderr


def test_registering_a_taken_name_fails() -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Renderer("md", Kind.TERMINAL, ".md", "again", text=_project_counts))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": Kind.TERMINAL, "write": lambda run, o, p: None}, "must return text"),
        ({"kind": Kind.FILE}, "exactly one of"),
        ({"kind": Kind.FILE, "text": _project_counts, "extension": "csv"}, "must start with '.'"),
    ],
    ids=["terminal-without-text", "neither-function", "extension-without-dot"],
)
def test_a_malformed_renderer_is_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"extension": ".x", **kwargs}
    with pytest.raises(ValueError, match=message):
        Renderer("bad", description="", **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (None, "report-md"),
        (Path("报告.docx"), "report-docx"),
        (Path("报告.DOCX"), "report-docx"),
        (Path("报告.md"), "report-md"),
        (Path("报告.txt"), "report-md"),
    ],
    ids=["stdout", "docx", "docx-upper", "md", "other"],
)
def test_report_format_follows_the_extension(path: Path | None, expected: str) -> None:
    assert registry.for_path(path, "department").name == expected


def test_report_for_an_unknown_department_names_the_ones_there_are() -> None:
    res = runner.invoke(app, ["report", str(EXAMPLE), "-y", "2024", "-d", "999"])
    assert res.exit_code == 3
    assert res.stderr == "错误：没有部门编码 999；可用：430203017\n"


def test_a_terminal_format_with_out_writes_the_same_text(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["score", str(EXAMPLE), "-y", "2024", "-f", "md"])
    target = tmp_path / "sub" / "评分.md"
    written = runner.invoke(app, ["score", str(EXAMPLE), "-y", "2024", "-f", "md", "-o", str(target)])
    assert shown.exit_code == written.exit_code == 0
    assert written.stdout == "" and f"已写入 {target}" in written.stderr
    assert target.read_text(encoding="utf-8") == shown.stdout
    assert shown.stdout.startswith("# 绩效自评评分结果\n")

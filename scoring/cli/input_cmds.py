"""Commands that make inputs: template, extract."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scoring.cli.common import (
    RulesetOpt,
    YearOpt,
    _exit_on_error,
    _fail,
    app,
)
from scoring.core.errors import UsageError
from scoring.core.lazy import lazy_function

if TYPE_CHECKING:
    from scoring.api import extract_report
    from scoring.io.extract import summary
    from scoring.io.template import write_template
else:  # imported when the command runs, so --help starts fast (issue 15)
    extract_report = lazy_function("scoring.api", "extract_report")
    summary = lazy_function("scoring.io.extract", "summary")
    write_template = lazy_function("scoring.io.template", "write_template")


class TemplateFormat(enum.StrEnum):
    xlsx = "xlsx"
    csv = "csv"


@app.command()
def template(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="输出文件（xlsx）或文件夹（csv）/ output file or folder")
    ] = None,
    fmt: Annotated[
        TemplateFormat, typer.Option("--format", "-f", help="xlsx 工作簿或 CSV 文件夹 / workbook or CSV folder")
    ] = TemplateFormat.xlsx,
    ruleset: RulesetOpt = "mof-project",
    year: YearOpt = None,
) -> None:
    """生成填报模板（表头批注、下拉列表、示例行）。Write the input template. Example: perfscore template --out 自评模板.xlsx"""
    if out is None:
        out = Path("自评模板.xlsx" if fmt is TemplateFormat.xlsx else "自评模板")
    if fmt is TemplateFormat.csv and out.suffix.lower() in (".xlsx", ".csv"):
        out = out.with_suffix("")  # CSV: a folder of one file per sheet
    if fmt is TemplateFormat.xlsx and out.is_dir():
        raise _fail(UsageError(f"{out} 是文件夹", hint=f"xlsx 模板请给出文件名，如 {out / '自评模板.xlsx'}"))
    with _exit_on_error():
        written = write_template(out, fmt.value, ruleset, year)
    where = out if fmt is TemplateFormat.xlsx else f"{out}/（{len(written)} 个文件）"
    typer.echo(f"已写入模板 {where}：请覆盖示例行（部门编码以“示例”开头）后运行 perfscore score", err=True)


@app.command()
def extract(
    report: Annotated[Path, typer.Argument(help="叙述性自评报告 .txt 或 .docx / narrative self-evaluation report")],
    out: Annotated[Path, typer.Option("--out", "-o", help="写出的输入工作簿 .xlsx / input workbook to write")],
    year: YearOpt = None,
    code: Annotated[str | None, typer.Option("--code", help="部门编码，如 430203017 / department code")] = None,
    ruleset: RulesetOpt = "mof-project",
    generic: Annotated[
        bool, typer.Option("--generic/--no-generic", help="通用模式所得计数写入绩效指标 / write generic counts")
    ] = True,
) -> None:
    """从叙述性报告提取数据，生成待复核的输入工作簿。Example: perfscore extract 报告.docx --out 城管局.xlsx --code 430203017"""
    with _exit_on_error():
        ex, issues = extract_report(report, out, year=year, code=code, ruleset=ruleset, generic=generic)
    typer.echo(summary(ex, issues))
    typer.echo(f"已写入 {out}（提取来源、核对见同名工作表）", err=True)

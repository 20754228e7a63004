"""Commands over scored runs: score, history, report, explain, compare."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scoring.cli.common import (
    EXIT_REJECTED,
    FILE_FORMATS,
    Format,
    RulesetOpt,
    YearOpt,
    _exit_on_error,
    _run,
    _write,
    _write_file,
    app,
)
from scoring.model.run import Run
from scoring.render import text as render


@app.command()
def score(
    path: Annotated[Path, typer.Argument(help="部门数据：xlsx、CSV 文件夹，或包含多个部门的文件夹 / data file or folder")],
    ruleset: RulesetOpt = "mof-project",
    year: YearOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="输出格式 / output format")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="写入文件而非屏幕 / write to file")] = None,
    detail: Annotated[bool | None, typer.Option("--detail/--no-detail", help="显示逐项指标 / per-indicator rows")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="保留以兼容旧脚本：有被拒绝的行时总是以 4 退出 / kept for old scripts; exit 4 on rejection is the default")] = False,
    store: Annotated[Path | None, typer.Option("--store", help="同时存入结果库目录（按年度）/ also keep results in DIR")] = None,
) -> None:
    """对部门数据评分并排名。Score departments. Example: perfscore score examples/lusong-chengguan --year 2024"""
    run = _run(path, ruleset, year)
    if fmt in FILE_FORMATS:
        _write_file(run, fmt, out)
    else:
        text = {Format.table: lambda: render.render_table(run, detail), Format.md: lambda: render.render_markdown(run),
                Format.json: lambda: render.render_json(run)}[fmt]()
        _write(text, out)
    if store is not None:
        from scoring.store.results import store_run

        with _exit_on_error():
            stored = store_run(run, store)
        typer.echo(f"已存入 {store}：{len(stored)} 个部门（" + "，".join(
            sorted({f"{s.year}/{s.ruleset}" for s in stored})) + "）", err=True)
    if fmt is not Format.table or out is not None:
        typer.echo(render.counts_line(run), err=True)
    _exit_if_incomplete(run)


def _exit_if_incomplete(run: Run) -> None:
    """Exit 4 after writing every output when rows were rejected or files unreadable: the scores of the
    departments concerned are provisional (未完成评分), and a script must not take them as final."""
    ds = run.dataset
    if ds.rejections or ds.problems:
        typer.echo(f"评分未完成：有 {ds.rows_rejected} 行被拒绝，{len(ds.problems)} 个文件（或单元格）无法读取；"
                   "相关部门得分为暂定（退出码 4）", err=True)
        raise typer.Exit(EXIT_REJECTED)


@app.command()
def history(
    dept: Annotated[str, typer.Argument(help="部门编码（或部门全称）/ department code or name")],
    store: Annotated[Path, typer.Option("--store", help="结果库目录 / store directory")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON records")] = False,
) -> None:
    """列出某部门历年得分与等级。A department's stored totals and grades across years and rulesets.
    Example: perfscore history 430203017 --store results"""
    from scoring.store import results as store_mod

    with _exit_on_error():
        code = store_mod.resolve_department(store, dept)
        rows = store_mod.history(store, code)
    if as_json:
        _write(rows.to_json(orient="records", force_ascii=False, indent=2), None)
        return
    from tabulate import tabulate

    from scoring.core.display import fmt2
    from scoring.core.frames import iter_rows

    name = rows["dept_name"].iloc[-1]
    table = [[r.year, r.ruleset, r.ruleset_version, fmt2(r.total), r.grade, r.n_projects, r.stored_at]
             for r in iter_rows(rows)]
    typer.echo(f"{name}（{code}）")
    typer.echo(tabulate(table, ["年度", "规则集", "版本", "得分", "等级", "项目数", "存入时间"], disable_numparse=True))


@app.command()
def report(
    path: Annotated[Path, typer.Argument(help="部门数据（文件或文件夹）/ department data")],
    ruleset: RulesetOpt = "mof-project",
    year: YearOpt = None,
    dept: Annotated[str | None, typer.Option("--dept", "-d", help="只写这个部门编码 / only this department")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=".md 或 .docx 文件；多个部门时为文件夹 / file or folder")] = None,
) -> None:
    """写出自评报告（一…九，含评分表、存在的问题、改进措施）。Write the self-evaluation report.

    Example: perfscore report examples/lusong-chengguan --year 2024 --out 报告.docx
    """
    from scoring.render.report import build_report, render_report_docx, render_report_markdown

    run = _run(path, ruleset, year)
    codes = list(run.result.departments["dept_code"])
    if dept is not None:
        if dept not in codes:
            typer.echo(f"错误：没有部门编码 {dept}；可用：{'、'.join(codes)}", err=True)
            raise typer.Exit(3)
        codes = [dept]
    if not codes:
        typer.echo("错误：没有可写报告的部门（" + render.counts_line(run) + "）", err=True)
        raise typer.Exit(3)
    for code in codes:
        rep = build_report(run, code)
        target = out
        if out is not None and (len(codes) > 1 or out.suffix == ""):
            target = out / f"{rep.title}.md"
        if target is not None and target.suffix.lower() == ".docx":
            target.parent.mkdir(parents=True, exist_ok=True)
            render_report_docx(rep, str(target))
            typer.echo(f"已写入 {target}", err=True)
        else:
            _write(render_report_markdown(rep), target)
    _exit_if_incomplete(run)


@app.command()
def explain(
    path: Annotated[Path, typer.Argument(help="部门数据（文件或文件夹）/ department data")],
    dept: Annotated[str, typer.Option("--dept", "-d", help="部门编码 / department code")],
    ruleset: RulesetOpt = "mof-project",
    year: YearOpt = None,
    indicator: Annotated[str | None, typer.Option("--indicator", "-i", help="只看这个三级指标 / one indicator")] = None,
) -> None:
    """说明哪些问题规则在哪些事实上触发、其余为何未触发。Explain which finding rules fired and why others did not."""
    from scoring.pipeline import findings

    run = _run(path, ruleset, year)
    lines = findings.explain(run.ruleset.findings, list(run.facts), dept, indicator)
    typer.echo("\n".join(str(x) for x in lines) if lines else "没有可说明的规则。")


@app.command()
def compare(
    path: Annotated[Path, typer.Argument(help="部门数据（文件或文件夹）/ department data")],
    ruleset_a: Annotated[str, typer.Option("--a", "-a", help="原规则集 / baseline ruleset")],
    ruleset_b: Annotated[str, typer.Option("--b", "-b", help="新规则集 / candidate ruleset")],
    year: YearOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table 或 json")] = "table",
    top: Annotated[int, typer.Option("--top", help="显示变化最大的前 N 个指标 / rows of indicator changes")] = 20,
) -> None:
    """用两个规则集（或两个版本）评同一批部门，比较得分、等级、排名和问题。Compare two rulesets on the same data.

    Example: perfscore compare examples -a mof-project -b my-province.yaml
    """
    from scoring.compare import compare as run_compare
    from scoring.compare import comparison_json, render_comparison

    with _exit_on_error():
        result = run_compare(path, ruleset_a, ruleset_b, year)
    _write(comparison_json(result) if fmt == "json" else render_comparison(result, top), None)

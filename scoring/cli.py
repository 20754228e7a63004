"""perfscore 命令行：对部门预算绩效自评数据评分。A thin typer layer over scoring.api."""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from scoring import api, render
from scoring.errors import PerfscoreError
from scoring.ruleset import Ruleset, load_ruleset

app = typer.Typer(
    help="perfscore：预算绩效自评评分引擎。Rule-based scoring of budget performance self-evaluations (预算绩效自评).",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
)
ruleset_app = typer.Typer(help="规则集：列出、查看、检查、测试。Rulesets: list, show, check, test.",
                          no_args_is_help=True)
app.add_typer(ruleset_app, name="ruleset")

EXIT_REJECTED = 4
EXIT_TESTS_FAILED = 5


class Format(enum.StrEnum):
    table = "table"
    md = "md"
    json = "json"
    xlsx = "xlsx"
    html = "html"


FILE_FORMATS = (Format.xlsx, Format.html)  # written to a file: --out, or perfscore-<ruleset>-<year>.<ext> here

RulesetOpt = Annotated[str, typer.Option("--ruleset", "-r", help="规则集名称或 YAML 文件 / ruleset name or file")]
YearOpt = Annotated[int | None, typer.Option("--year", "-y", help="所评财政年度，如 2024 / fiscal year")]


def _fail(exc: PerfscoreError) -> typer.Exit:
    typer.echo(f"错误：{exc}", err=True)
    return typer.Exit(exc.exit_code)


@contextmanager
def _exit_on_error() -> Iterator[None]:
    """Any error perfscore raises on purpose: its Chinese message on stderr and its exit code."""
    try:
        yield
    except PerfscoreError as exc:
        raise _fail(exc) from exc


def _load_ruleset(name: str) -> Ruleset:
    """A compiled ruleset, or exit with its error (file, line, rule) on stderr."""
    with _exit_on_error():
        return load_ruleset(name)


def _run(path: Path, ruleset: str, year: int | None) -> api.Run:
    """The whole pipeline, or exit with the error on stderr."""
    with _exit_on_error():
        return api.run_path(path, ruleset, year)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        typer.echo(f"已写入 {out}", err=True)


def _default_out(run: api.Run, fmt: Format) -> Path:
    """perfscore-<ruleset>-<year>.<ext> in the current directory (years joined when a run spans several)."""
    years = sorted({str(int(y)) for y in run.result.departments["year"]}) or ["all"]
    return Path.cwd() / f"perfscore-{run.ruleset.name}-{'-'.join(years)}.{fmt.value}"


def _write_file(run: api.Run, fmt: Format, out: Path | None) -> None:
    from scoring.render_html import render_html
    from scoring.render_xlsx import render_xlsx

    target = out or _default_out(run, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt is Format.xlsx:
        render_xlsx(run, target)
    else:
        target.write_text(render_html(run), encoding="utf-8")
    typer.echo(f"已写入 {target}", err=True)


@app.command()
def score(
    path: Annotated[Path, typer.Argument(help="部门数据：xlsx、CSV 文件夹，或包含多个部门的文件夹 / data file or folder")],
    ruleset: RulesetOpt = "mof-project",
    year: YearOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="输出格式 / output format")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="写入文件而非屏幕 / write to file")] = None,
    detail: Annotated[bool | None, typer.Option("--detail/--no-detail", help="显示逐项指标 / per-indicator rows")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="有被拒绝的行或无法读取的文件时以非零状态退出 / exit 4 on any rejection")] = False,
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
        from scoring.store import store_run

        with _exit_on_error():
            stored = store_run(run, store)
        typer.echo(f"已存入 {store}：{len(stored)} 个部门（" + "，".join(
            sorted({f"{s.year}/{s.ruleset}" for s in stored})) + "）", err=True)
    if fmt is not Format.table or out is not None:
        typer.echo(render.counts_line(run), err=True)
    if strict and (run.dataset.rejections or run.dataset.problems):
        ds = run.dataset
        typer.echo(f"--strict：有 {ds.rows_rejected} 行被拒绝，{len(ds.problems)} 个文件无法读取", err=True)
        raise typer.Exit(EXIT_REJECTED)


@app.command()
def history(
    dept: Annotated[str, typer.Argument(help="部门编码（或部门全称）/ department code or name")],
    store: Annotated[Path, typer.Option("--store", help="结果库目录 / store directory")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON records")] = False,
) -> None:
    """列出某部门历年得分与等级。A department's stored totals and grades across years and rulesets.
    Example: perfscore history 430203017 --store results"""
    from scoring import store as store_mod

    with _exit_on_error():
        code = store_mod.resolve_department(store, dept)
        rows = store_mod.history(store, code)
    if as_json:
        _write(rows.to_json(orient="records", force_ascii=False, indent=2), None)
        return
    from tabulate import tabulate

    from scoring.display import fmt2
    from scoring.frames import iter_rows

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
    from scoring.report import build_report, render_report_docx, render_report_markdown

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


@app.command()
def explain(
    path: Annotated[Path, typer.Argument(help="部门数据（文件或文件夹）/ department data")],
    dept: Annotated[str, typer.Option("--dept", "-d", help="部门编码 / department code")],
    ruleset: RulesetOpt = "mof-project",
    year: YearOpt = None,
    indicator: Annotated[str | None, typer.Option("--indicator", "-i", help="只看这个三级指标 / one indicator")] = None,
) -> None:
    """说明哪些问题规则在哪些事实上触发、其余为何未触发。Explain which finding rules fired and why others did not."""
    from scoring import findings

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


@ruleset_app.command("list")
def ruleset_list() -> None:
    """列出随附的规则集。List shipped rulesets."""
    from tabulate import tabulate

    from scoring import resources
    rows = []
    for p in resources.ruleset_files():
        try:
            rs = load_ruleset(p)
            rows.append([rs.name, rs.version, rs.scope, rs.title])
        except PerfscoreError as exc:
            rows.append([p.stem, "", "", f"错误：{exc}"])
    typer.echo(tabulate(rows, ["名称", "版本", "范围", "标题"], disable_numparse=True))


@ruleset_app.command("show")
def ruleset_show(name: Annotated[str, typer.Argument(help="规则集名称或文件")]) -> None:
    """显示规则集的权重树、计分方法与等级。Show the weight tree, methods and grades."""
    rs = _load_ruleset(name)
    lines = [f"{rs.title}（{rs.name} {rs.version}，{rs.scope}）", f"依据：{rs.source_doc}", f"总分 {rs.total:g}", ""]
    for lv in rs.levels:
        how = "逐项分配" if lv.open else (f"方法 {lv.method.name}" if lv.method else "")
        lines.append(f"{lv.name}  {lv.points:g} 分  {how}")
        for fi in lv.indicators:
            lines.append(f"    {fi.id}  {fi.points:g} 分  来源 {fi.source}  {fi.method.name if fi.method else ''}")
        for c in lv.children:
            lines.append(f"  {c.name}  {c.points:g} 分" if c.points else f"  {c.name}")
            for fi in c.indicators:
                lines.append(f"    {fi.id}  {fi.points:g} 分  来源 {fi.source}  "
                             f"{fi.method.name if fi.method else '按方法规则'}  目标 {fi.target or '（部门填报）'}")
    lines += ["", "计分方法（取第一条匹配）："]
    lines += [f"  {dict(r.when) or '其他'} → {r.method.name}" for r in rs.method_rules]
    lines += ["", "等级：" + "，".join(f"{g.name} [{g.min:g}, {g.max:g})" for g in rs.grades)]
    lines += [f"一致性检查 {len(rs.checks)} 条，问题发现规则 {len(rs.findings)} 条，内嵌测试 {len(rs.tests)} 个"]
    typer.echo("\n".join(lines))


@ruleset_app.command("fields")
def ruleset_fields(
    kind: Annotated[str | None, typer.Argument(help="indicator / project / department / check")] = None,
) -> None:
    """列出问题规则（findings）和模板可用的事实字段。Fields a findings rule may use."""
    from tabulate import tabulate

    from scoring.facts import SCHEMA, field_doc

    kinds = [kind] if kind else list(SCHEMA)
    unknown = [k for k in kinds if k not in SCHEMA]
    if unknown:
        typer.echo(f"错误：未知事实类型 {unknown[0]}；可用：{' / '.join(SCHEMA)}", err=True)
        raise typer.Exit(2)
    names = {float: "数值", str: "文字", bool: "真/假"}
    rows = [[k, f, names[t], field_doc(k, f)] for k in kinds for f, t in SCHEMA[k].items()]
    typer.echo(tabulate(rows, ["事实类型（on）", "字段", "类型", "说明"], disable_numparse=True))


@ruleset_app.command("check")
def ruleset_check(name: Annotated[str, typer.Argument(help="规则集名称或文件")]) -> None:
    """检查规则集（权重、区间、方法、指标、表达式）。Check a ruleset without reading any data."""
    rs = _load_ruleset(name)
    typer.echo(f"规则集 {rs.name} {rs.version} 检查通过：{len(rs.levels)} 个一级指标，"
               f"{len(rs.checks)} 条检查，{len(rs.findings)} 条问题规则，{len(rs.tests)} 个测试。")


@ruleset_app.command("test")
def ruleset_test(name: Annotated[str, typer.Argument(help="规则集名称或文件")]) -> None:
    """运行规则集内嵌的测试用例。Run the ruleset's embedded tests."""
    from scoring.rstest import run_tests
    rs = _load_ruleset(name)
    results = run_tests(rs)
    for r in results:
        typer.echo(f"{'通过' if r.ok else '失败'}  {r.name}" + (f"（第{r.line}行）" if r.line else ""))
        for f in r.failures:
            typer.echo(f"      {f}")
    failed = sum(not r.ok for r in results)
    typer.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed or not results:
        if not results:
            typer.echo("规则集没有 tests: 用例", err=True)
        raise typer.Exit(EXIT_TESTS_FAILED)


class TemplateFormat(enum.StrEnum):
    xlsx = "xlsx"
    csv = "csv"


@app.command()
def template(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出文件（xlsx）或文件夹（csv）/ output file or folder")] = None,
    fmt: Annotated[TemplateFormat, typer.Option("--format", "-f", help="xlsx 工作簿或 CSV 文件夹 / workbook or CSV folder")] = TemplateFormat.xlsx,
    ruleset: RulesetOpt = "mof-project",
    year: YearOpt = None,
) -> None:
    """生成填报模板（表头批注、下拉列表、示例行）。Write the input template. Example: perfscore template --out 自评模板.xlsx"""
    from scoring.template import write_template

    if out is None:
        out = Path("自评模板.xlsx" if fmt is TemplateFormat.xlsx else "自评模板")
    if fmt is TemplateFormat.csv and out.suffix.lower() in (".xlsx", ".csv"):
        out = out.with_suffix("")  # CSV: a folder of one file per sheet
    if fmt is TemplateFormat.xlsx and out.is_dir():
        typer.echo(f"错误：{out} 是文件夹；xlsx 模板请给出文件名，如 {out / '自评模板.xlsx'}", err=True)
        raise typer.Exit(2)
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
    generic: Annotated[bool, typer.Option("--generic/--no-generic",
                                          help="通用模式所得计数写入绩效指标 / write generic counts")] = True,
) -> None:
    """从叙述性报告提取数据，生成待复核的输入工作簿。Example: perfscore extract 报告.docx --out 城管局.xlsx --code 430203017"""
    from scoring.extract import extract_report, summary

    with _exit_on_error():
        ex, issues = extract_report(report, out, year=year, code=code, ruleset=ruleset, generic=generic)
    typer.echo(summary(ex, issues))
    typer.echo(f"已写入 {out}（提取来源、核对见同名工作表）", err=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

"""`perfscore ruleset …`: list, show, fields, check, test, schema, methods."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scoring.cli.common import (
    _exit_on_error,
    _load_ruleset,
    _print,
    _written,
    ruleset_app,
)
from scoring.core.errors import PerfscoreError, RulesetError, TestsFailedError, UsageError
from scoring.core.lazy import lazy_function

if TYPE_CHECKING:
    from scoring.rules.ruleset import load_ruleset
else:  # compiling rulesets needs pydantic: not for --help (issue 15)
    load_ruleset = lazy_function("scoring.rules.ruleset", "load_ruleset")


def _write(text: str, out: Path | None) -> None:
    """A document to stdout, or to `out` (and say where on stderr)."""
    if out is None:
        _print(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    _written(out)


@ruleset_app.command("list")
def ruleset_list() -> None:
    """列出随附的规则集。List shipped rulesets."""
    from tabulate import tabulate

    from scoring.core import resources

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
    """显示规则集的全部内容与参数：权重树、计分方法、等级、检查。Show every part of a ruleset with its parameters."""
    from scoring.rules.describe import describe_ruleset

    typer.echo(describe_ruleset(_load_ruleset(name)), nl=False)


@ruleset_app.command("fields")
def ruleset_fields(
    kind: Annotated[str | None, typer.Argument(help="indicator / project / department / check")] = None,
) -> None:
    """列出问题规则（findings）和模板可用的事实字段。Fields a findings rule may use."""
    from tabulate import tabulate

    from scoring.rules.fact_fields import SCHEMA, field_doc

    kinds = [kind] if kind else list(SCHEMA)
    unknown = [k for k in kinds if k not in SCHEMA]
    if unknown:
        typer.echo(f"错误：未知事实类型 {unknown[0]}；可用：{' / '.join(SCHEMA)}", err=True)
        raise typer.Exit(UsageError.exit_code)
    names = {float: "数值", str: "文字", bool: "真/假"}
    rows = [[k, f, names[t], field_doc(k, f)] for k in kinds for f, t in SCHEMA[k].items()]
    typer.echo(tabulate(rows, ["事实类型（on）", "字段", "类型", "说明"], disable_numparse=True))


@ruleset_app.command("check")
def ruleset_check(name: Annotated[str, typer.Argument(help="规则集名称或文件")]) -> None:
    """检查规则集（格式、权重、区间、方法、指标、表达式），再用按规则集生成的数据试评分。

    Check a ruleset without reading any data, then score a synthetic department built from it.
    """
    from scoring.smoke import smoke_run

    rs = _load_ruleset(name)
    with _exit_on_error():
        report = smoke_run(rs)
    typer.echo(
        f"规则集 {rs.name} {rs.version} 检查通过：{len(rs.levels)} 个一级指标，"
        f"{len(rs.checks)} 条检查，{len(rs.findings)} 条问题规则，{len(rs.tests)} 个测试。"
    )
    typer.echo(report.summary(rs.total))


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
        raise typer.Exit(TestsFailedError.exit_code)


@ruleset_app.command("schema")
def ruleset_schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="写入文件（默认输出到屏幕）")] = None,
) -> None:
    """输出规则集格式的 JSON Schema，供编辑器补全与检查。JSON Schema of the ruleset format, for editors.

    Example: perfscore ruleset schema -o perfscore-ruleset.schema.json
    """
    from scoring.rules.spec import json_schema

    _write(json.dumps(json_schema(), ensure_ascii=False, indent=2), out)


@ruleset_app.command("methods")
def ruleset_methods() -> None:
    """列出全部计分方法、参数与算例。Every scoring method with its parameters and a worked example."""
    from scoring.rules.methods import describe_methods

    typer.echo(describe_methods(), nl=False)


@ruleset_app.command("diff")
def ruleset_diff(
    a: Annotated[str, typer.Argument(help="规则集 A（名称或文件）")],
    b: Annotated[str, typer.Argument(help="规则集 B（名称或文件）")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table 或 md")] = "table",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="写入文件（默认输出到屏幕）")] = None,
) -> None:
    """比较两个规则集：权重、方法、阈值、等级、检查与问题规则的不同之处。What a new ruleset changes.

    Example: perfscore ruleset diff mof-project variant-10-90 -f md -o 差异.md
    """
    from scoring.rules.diff import diff_rulesets, render_diff

    if fmt not in ("table", "md"):
        typer.echo(f"错误：--format 只能是 table 或 md，而不是 '{fmt}'", err=True)
        raise typer.Exit(UsageError.exit_code)
    ra, rb = _load_ruleset(a), _load_ruleset(b)
    _write(render_diff(ra, rb, diff_rulesets(ra, rb), fmt), out)


@ruleset_app.command("export")
def ruleset_export(
    name: Annotated[str, typer.Argument(help="规则集名称或文件")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="工作簿文件，默认 规则集-<名称>.xlsx")] = None,
) -> None:
    """把规则集导出为可审阅、可修改的 Excel 工作簿。Lay a ruleset out as an editable workbook.

    Example: perfscore ruleset export mof-project -o 规则.xlsx
    """
    from scoring.io.ruleset_xlsx import export_ruleset

    rs = _load_ruleset(name)
    target = out or Path.cwd() / f"规则集-{rs.name}.xlsx"
    export_ruleset(rs, target)
    typer.echo(f"已写入 {target}", err=True)


@ruleset_app.command("import")
def ruleset_import(
    book: Annotated[Path, typer.Argument(help="由 ruleset export 导出（并修改过）的工作簿")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="写入的 YAML 文件（默认输出到屏幕）")] = None,
) -> None:
    """把工作簿转回规则集 YAML，并检查它能否编译。Turn a workbook back into ruleset YAML, checked.

    Example: perfscore ruleset import 规则.xlsx -o my-ruleset.yaml
    """
    import tempfile

    from scoring.io.ruleset_xlsx import import_ruleset, ruleset_yaml

    with _exit_on_error():
        if not book.is_file():
            raise RulesetError("工作簿不存在", file=book)
        text = ruleset_yaml(import_ruleset(book), book.name)
        # compile what was read before writing it anywhere: a bad cell fails here, naming the YAML it became
        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / (out.name if out else "imported.yaml")
            probe.write_text(text, encoding="utf-8")
            load_ruleset(probe)
    _write(text, out)

"""Commands over scored runs: score, history, export, advice, report, explain, compare."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scoring.cli.common import (
    FORMATS,
    ChunkOpt,
    EngineOpt,
    JobsOpt,
    RulesetOpt,
    SchedulerOpt,
    YearOpt,
    _exit_on_error,
    _fail,
    _print,
    _run,
    _written,
    app,
)
from scoring.core import atomic
from scoring.core.errors import IncompleteError, StoreError, UsageError
from scoring.core.lazy import lazy_function, lazy_module
from scoring.core.paths import inside, safe_name

if TYPE_CHECKING:
    from scoring.compare import compare as run_compare
    from scoring.compare import comparison_json, render_comparison, render_comparison_xlsx
    from scoring.model.run import Run
    from scoring.pipeline import findings
    from scoring.render import registry
    from scoring.render.common import counts_line
    from scoring.render.json import history_json
    from scoring.render.table import render_history, render_table
    from scoring.store import advice as target_advice
    from scoring.store import results as store_mod
    from scoring.store import results_use, yearly
    from scoring.store.location import open_store
else:  # imported when a command runs, so --help starts fast (issue 15)
    run_compare = lazy_function("scoring.compare", "compare")
    comparison_json = lazy_function("scoring.compare", "comparison_json")
    render_comparison = lazy_function("scoring.compare", "render_comparison")
    render_comparison_xlsx = lazy_function("scoring.compare", "render_comparison_xlsx")
    findings = lazy_module("scoring.pipeline.findings")
    registry = lazy_module("scoring.render.registry")
    counts_line = lazy_function("scoring.render.common", "counts_line")
    history_json = lazy_function("scoring.render.json", "history_json")
    render_history = lazy_function("scoring.render.table", "render_history")
    render_table = lazy_function("scoring.render.table", "render_table")
    target_advice = lazy_module("scoring.store.advice")
    store_mod = lazy_module("scoring.store.results")
    results_use = lazy_module("scoring.store.results_use")
    yearly = lazy_module("scoring.store.yearly")
    open_store = lazy_function("scoring.store.location", "open_store")


@app.command()
def score(
    path: Annotated[
        Path, typer.Argument(help="部门数据：xlsx、CSV 文件夹，或包含多个部门的文件夹 / data file or folder")
    ],
    ruleset: RulesetOpt = "mof-project",
    year: YearOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="输出格式 / output format: " + "|".join(FORMATS))
    ] = "table",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="写入文件而非屏幕；文件夹（或不带扩展名）时为批量输出："
            "每个部门一个文件夹（自评表、报告、评分记录）及汇总表 / file, or a folder "
            "for the batch run",
        ),
    ] = None,
    detail: Annotated[
        bool | None, typer.Option("--detail/--no-detail", help="显示逐项指标 / per-indicator rows")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="保留以兼容旧脚本：有被拒绝的行时总是以 4 退出 / kept for old scripts; exit 4 on rejection is the default",
        ),
    ] = False,
    store: Annotated[
        str | None, typer.Option("--store", help="同时存入结果库目录（按年度）/ also keep results in DIR")
    ] = None,
    chunk: ChunkOpt = None,
    jobs: JobsOpt = 1,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
) -> None:
    """对部门数据评分并排名。Score departments. Example: perfscore score examples/lusong-chengguan --year 2024

    批量 / batch: perfscore score 各部门数据 --year 2024 --out 结果 （每个部门一个文件夹，另有 结果/汇总表.xlsx）
    """
    with _exit_on_error():
        registry.get(fmt)  # an unknown format fails before the data is read
        if store is not None:  # an unusable store fails before the scoring, not after
            open_store(store).check()
    batch = registry.is_batch_folder(out)
    if batch and fmt != "table":
        raise _fail(
            UsageError(
                f"--out {out} 是文件夹（批量输出），批量输出写出固定的一组文件，-f 只能为 table",
                hint="写单个文件请在 --out 中带扩展名，如 -o 结果.json",
            )
        )
    run = _run(path, ruleset, year, chunk=chunk, jobs=jobs, engine=engine, scheduler=scheduler)
    if batch:
        assert out is not None
        with _exit_on_error(), _progress(len(run.result.departments)) as step:
            written = registry.render_batch(run, out, step)
        _print(render_table(run, detail, files=out))
        typer.echo(f"已写入 {written.summary} 及 {len(written.departments)} 个部门文件夹", err=True)
    else:
        with _exit_on_error():
            _written(registry.render(run, fmt, out, registry.Options(detail=detail)))
    if store is not None:
        with _exit_on_error():
            stored = store_mod.store_run(run, store)
        typer.echo(
            f"已存入 {store}：{len(stored)} 个部门（"
            + "，".join(sorted({f"{s.year}/{run.ruleset.name}" for s in stored}))
            + "）",
            err=True,
        )
    if fmt != "table" or out is not None:  # the table on the screen already opens with this line
        typer.echo(counts_line(run), err=True)
    _exit_if_incomplete(run)


def _exit_if_incomplete(run: Run) -> None:
    """Exit 4 after writing every output when rows were rejected or files unreadable: the scores of the
    departments concerned are provisional (未完成评分), and a script must not take them as final."""
    ds = run.dataset
    if ds.rejections or ds.problems:
        raise _fail(
            IncompleteError(
                f"评分未完成：有 {ds.rows_rejected} 行被拒绝，{len(ds.problems)} 个文件（或单元格）"
                "无法读取；相关部门得分为暂定（退出码 4）"
            )
        )


@contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None] | None]:
    """A progress bar over the departments written, on stderr, shown only once the writing has taken more than a
    second and only when stderr is a terminal (a log file or a pipe gets no control characters)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    start = time.monotonic()
    bar: Progress | None = None
    done = 0

    def step(name: str) -> None:
        nonlocal bar, done
        done += 1
        if bar is None and time.monotonic() - start > 1.0:
            bar = Progress(
                TextColumn("写出部门文件"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            bar.add_task("", total=total, completed=done)
        elif bar is not None:
            bar.update(bar.task_ids[0], completed=done, description=name)

    try:
        yield step
    finally:
        if bar is not None:
            bar.stop()


@app.command()
def history(
    dept: Annotated[
        str | None, typer.Argument(help="部门编码（或部门全称）；省略时为全部部门跨年度对比 / department; omit for all")
    ] = None,
    store: Annotated[str, typer.Option("--store", help="结果库目录或 postgresql:// 地址 / store folder or URL")] = "",
    years: Annotated[
        list[int] | None, typer.Option("--year", "-y", help="对比的年度，可重复 / years to compare (repeat)")
    ] = None,
    ruleset: Annotated[
        str | None, typer.Option("--ruleset", "-r", help="规则集 / ruleset (when several are stored)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table|md|json；某部门时另有 html（折线图）")] = "table",
    top: Annotated[int, typer.Option("--top", help="完成率变化最大的前 N 个指标 / indicators that moved most")] = 10,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="写入文件而非屏幕 / write to file")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON（同 -f json）/ print JSON records")] = False,
) -> None:
    """历年得分：某部门的逐年得分，或全部部门跨年度对比。A department's line over years, or all departments side by side.

    Examples: perfscore history 430203017 --store results -f html -o 历年.html ;
    perfscore history --year 2023 --year 2024 --store results
    """
    fmt = "json" if as_json else fmt
    with _exit_on_error():
        if not store:
            raise UsageError("缺少 --store", hint="给出结果库目录或 postgresql:// 地址")
        if dept is None:
            if not years:
                raise UsageError(
                    "请给出部门，或用 --year 2023 --year 2024 对比全部部门",
                    hint="例如 perfscore history --year 2023 --year 2024 --store results",
                )
            db = open_store(store)
            if not db.exists():
                raise StoreError(f"{store} 不是 perfscore 存储（还没有存入过结果）")
            text = yearly.render_years(yearly.compare_years(db, years, ruleset, top), fmt)
        else:
            code = store_mod.resolve_department(store, dept)
            rows = store_mod.history(store, code)
            if years:
                rows = rows[rows["year"].isin(years)]
            if ruleset is not None:
                rows = rows[rows["ruleset"] == ruleset]
            if not len(rows):
                raise StoreError(f"部门 {code} 在所选年度或规则集下没有存储结果")
            if fmt not in ("table", "json", "html"):
                raise UsageError(f"history 部门历年不支持格式「{fmt}」", hint="可用 table、json、html")
            text = (
                history_json(rows)
                if fmt == "json"
                else yearly.history_html(rows, code)
                if fmt == "html"
                else render_history(rows, code)
            )
        if out is not None:
            atomic.write_text(out, text if text.endswith("\n") else text + "\n")
    if out is not None:
        _written(out)
    else:
        _print(text)


@app.command()
def export(
    store: Annotated[str, typer.Option("--store", help="结果库目录或 postgresql:// 地址 / store folder or URL")],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV 文件 / CSV file to write")],
    year: YearOpt = None,
    ruleset: Annotated[str | None, typer.Option("--ruleset", "-r", help="只导出这个规则集 / only this ruleset")] = None,
) -> None:
    """把结果库中的部门得分导出为 CSV（按年度、规则集排名）。Export stored department results as CSV.
    Example: perfscore export --store results -o 得分.csv --year 2024"""
    with _exit_on_error():
        n = store_mod.export_csv(store, out, year=year, ruleset=ruleset)
    typer.echo(f"已写入 {out}：{n} 个部门", err=True)


@app.command()
def report(
    path: Annotated[Path, typer.Argument(help="部门数据（文件或文件夹）/ department data")],
    ruleset: RulesetOpt = "mof-project",
    year: YearOpt = None,
    dept: Annotated[str | None, typer.Option("--dept", "-d", help="只写这个部门编码 / only this department")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help=".md 或 .docx 文件；多个部门时为文件夹 / file or folder")
    ] = None,
) -> None:
    """写出自评报告（一…九，含评分表、存在的问题、改进措施）。Write the self-evaluation report.

    Example: perfscore report examples/lusong-chengguan --year 2024 --out 报告.docx
    """
    run = _run(path, ruleset, year)
    with _exit_on_error():
        for written in registry.render_reports(run, out, dept):
            _written(written)
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
    run = _run(path, ruleset, year)
    lines = findings.explain(run.ruleset.findings, list(run.facts), dept, indicator)
    typer.echo("\n".join(str(x) for x in lines) if lines else "没有可说明的规则。")


@app.command()
def compare(
    path: Annotated[Path, typer.Argument(help="部门数据（文件或文件夹）/ department data")],
    ruleset_a: Annotated[str, typer.Option("--a", "-a", help="原规则集 / baseline ruleset")],
    ruleset_b: Annotated[str, typer.Option("--b", "-b", help="新规则集 / candidate ruleset")],
    year: YearOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table、json 或 xlsx")] = "table",
    top: Annotated[int, typer.Option("--top", help="显示变化最大的前 N 个指标 / rows of indicator changes")] = 20,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="写入文件（-f xlsx 时默认 perfscore-compare-A-B.xlsx） / write to file"),
    ] = None,
) -> None:
    """用两个规则集（或两个版本）评同一批部门，比较得分、等级、排名和问题。Compare two rulesets on the same data.

    Example: perfscore compare examples -a mof-project -b my-province.yaml
    """
    if fmt not in COMPARE_FORMATS:
        raise _fail(UsageError(f"未知输出格式 '{fmt}'（unknown format）", hint="可用：" + "、".join(COMPARE_FORMATS)))
    with _exit_on_error():
        result = run_compare(path, ruleset_a, ruleset_b, year)
        if fmt == "xlsx":
            if out is None:
                names = (Path(r).stem for r in (ruleset_a, ruleset_b))
                out = inside(Path.cwd(), safe_name("perfscore-compare-" + "-".join(names)) + ".xlsx")
            atomic.check_target(out)
            _written(render_comparison_xlsx(result, out))
            return
        text = comparison_json(result) if fmt == "json" else render_comparison(result, top)
        if out is None:
            _print(text)
        else:
            atomic.write_text(out, text if text.endswith("\n") else text + "\n")
            _written(out)


COMPARE_FORMATS = ("table", "json", "xlsx")


@app.command()
def advice(
    store: Annotated[str, typer.Option("--store", help="结果库目录或 postgresql:// 地址 / store folder or URL")],
    year: Annotated[int, typer.Option("--year", "-y", help="所评财政年度 / fiscal year")],
    ruleset: Annotated[
        str | None, typer.Option("--ruleset", "-r", help="规则集 / ruleset (when several are stored)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table|md|json")] = "table",
    over: Annotated[
        float, typer.Option("--over", help="实际超出目标的比例阈值 / actual above target by, e.g. 0.2")
    ] = 0.2,
    peer_gap: Annotated[
        float, typer.Option("--peer-gap", help="目标低于同类中位数的比例 / below peers' median by")
    ] = 0.2,
    min_peers: Annotated[int, typer.Option("--min-peers", help="同类比较至少需要的部门数 / peers needed")] = 3,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="写入文件而非屏幕 / write to file")] = None,
    budget: Annotated[
        bool, typer.Option("--budget", help="改为结果应用建议：等级与执行率 → 下年预算 / results use")
    ] = False,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="结果应用配置 YAML（默认 rulesets/fragments/results-use.yaml）")
    ] = None,
) -> None:
    """目标设置建议：目标偏低的指标及建议的下年目标；--budget 为结果应用建议。均供审核参考，不是决定。
    Targets that look set too low, with a suggested target; --budget: grade/execution → budget treatment.

    Example: perfscore advice --store results --year 2024 -f md -o 目标设置建议.md
    """
    with _exit_on_error():
        if budget:
            text = results_use.render_budget(
                results_use.suggest_budget(store, year, ruleset=ruleset, mapping=results_use.load_results_use(mapping)),
                fmt,
            )
        elif not (0 <= over < 10 and 0 <= peer_gap < 1) or min_peers < 1:
            raise UsageError(
                "--over 应在 0–10 之间、--peer-gap 在 0–1 之间、--min-peers 至少为 1",
                hint="例如 --over 0.2 --peer-gap 0.2 --min-peers 3",
            )
        else:
            found = target_advice.advise_store(
                store,
                year,
                ruleset=ruleset,
                options=target_advice.AdviceOptions(over=over, peer_gap=peer_gap, min_peers=min_peers),
            )
            text = target_advice.render_advice(found, fmt)
        if out is not None:
            atomic.write_text(out, text if text.endswith("\n") else text + "\n")
    if out is not None:
        _written(out)
    else:
        _print(text)

"""What every command shares: the typer apps, common options and the one place errors become exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scoring.core.errors import PerfscoreError, UsageError
from scoring.core.lazy import lazy_function, lazy_module

if TYPE_CHECKING:
    from scoring import api
    from scoring.model.run import Run
    from scoring.rules.ruleset import Ruleset, load_ruleset
else:  # the pipeline (pandas and every heavy library) loads when a command runs, not for --help (issue 15)
    api = lazy_module("scoring.api")
    load_ruleset = lazy_function("scoring.rules.ruleset", "load_ruleset")  # compiling rulesets needs pydantic

app = typer.Typer(
    help="perfscore：预算绩效自评评分引擎。Rule-based scoring of budget performance self-evaluations (预算绩效自评).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
ruleset_app = typer.Typer(
    help="规则集：列出、查看、检查、测试。Rulesets: list, show, check, test.", no_args_is_help=True
)
app.add_typer(ruleset_app, name="ruleset")

RulesetOpt = Annotated[str, typer.Option("--ruleset", "-r", help="规则集名称或 YAML 文件 / ruleset name or file")]
YearOpt = Annotated[int | None, typer.Option("--year", "-y", help="所评财政年度，如 2024 / fiscal year")]

FORMATS = ("table", "md", "json", "xlsx", "html", "summary")
"""`score --format` choices for the help text, written out so that --help need not import the renderers;
tests/test_cli_start.py checks them against scoring.render.registry."""


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


def _run(
    path: Path,
    ruleset: str,
    year: int | None,
    *,
    chunk: int | None = None,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
) -> Run:
    """The whole pipeline (in chunks of departments, see scoring.api), or exit with the error on stderr."""
    with _exit_on_error():
        if engine not in ("local", "dask"):
            raise UsageError(f"未知执行引擎 '{engine}'", hint="可用：local、dask")
        if scheduler is not None and engine != "dask":
            raise UsageError("--scheduler 只用于 --engine dask", hint="加上 --engine dask")
        return api.run_path(
            path,
            ruleset,
            year,
            chunk=api.DEFAULT_CHUNK if chunk is None else chunk,
            jobs=jobs,
            executor="dask" if engine == "dask" else "local",
            scheduler=scheduler,
        )


ChunkOpt = Annotated[
    int | None,
    typer.Option("--chunk", help="每批部门数（内存随之而定，默认 1000）/ departments per chunk: bounds memory"),
]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", help="并行进程数 / chunks run on N processes")]
EngineOpt = Annotated[
    str, typer.Option("--engine", help="local（本机）或 dask（Dask 集群，需 perfscore[scale]）/ where chunks run")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask 调度器地址 tcp://HOST:8786；不给则在本机启动 / Dask scheduler address"),
]


def _print(text: str) -> None:
    """A document on stdout, ending in exactly the newline it has or one added."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _written(path: Path | None) -> None:
    """Tell the user (on stderr, so stdout stays the document) where a file went."""
    if path is not None:
        typer.echo(f"已写入 {path}", err=True)

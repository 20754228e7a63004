"""What every command shares: the typer apps, common options and the one place errors become exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from scoring import api
from scoring.core.errors import PerfscoreError
from scoring.model.run import Run
from scoring.rules.ruleset import Ruleset, load_ruleset

app = typer.Typer(
    help="perfscore：预算绩效自评评分引擎。Rule-based scoring of budget performance self-evaluations (预算绩效自评).",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
)
ruleset_app = typer.Typer(help="规则集：列出、查看、检查、测试。Rulesets: list, show, check, test.",
                          no_args_is_help=True)
app.add_typer(ruleset_app, name="ruleset")

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


def _run(path: Path, ruleset: str, year: int | None) -> Run:
    """The whole pipeline, or exit with the error on stderr."""
    with _exit_on_error():
        return api.run_path(path, ruleset, year)


def _print(text: str) -> None:
    """A document on stdout, ending in exactly the newline it has or one added."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _written(path: Path | None) -> None:
    """Tell the user (on stderr, so stdout stays the document) where a file went."""
    if path is not None:
        typer.echo(f"已写入 {path}", err=True)

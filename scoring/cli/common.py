"""What every command shares: the typer apps, common options, error exits and output helpers."""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from scoring import api
from scoring.core import atomic
from scoring.core.errors import PerfscoreError
from scoring.core.paths import inside, safe_name
from scoring.model.run import Run
from scoring.rules.ruleset import Ruleset, load_ruleset

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


def _run(path: Path, ruleset: str, year: int | None) -> Run:
    """The whole pipeline, or exit with the error on stderr."""
    with _exit_on_error():
        return api.run_path(path, ruleset, year)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        with _exit_on_error():
            atomic.write_text(out, text)
        typer.echo(f"已写入 {out}", err=True)


def _default_out(run: Run, fmt: Format) -> Path:
    """perfscore-<ruleset>-<year>.<ext> in the current directory (years joined when a run spans several)."""
    years = sorted({str(int(y)) for y in run.result.departments["year"]}) or ["all"]
    return inside(Path.cwd(), safe_name(f"perfscore-{run.ruleset.name}-{'-'.join(years)}") + f".{fmt.value}")


def _write_file(run: Run, fmt: Format, out: Path | None) -> None:
    from scoring.render.html import render_html
    from scoring.render.xlsx import render_xlsx

    target = out or _default_out(run, fmt)
    with _exit_on_error():
        if fmt is Format.xlsx:
            render_xlsx(run, target)
        else:
            atomic.write_text(target, render_html(run))
    typer.echo(f"已写入 {target}", err=True)

"""Output formats, each registered once with its kind and default extension; `render` writes a run in any of them.

A new format is one module with a function of the run, plus one `register(Renderer(...))` line in
`_register_builtins` below; the CLI's `score --format` and `report` offer whatever is registered.

- kind TERMINAL: the renderer returns text, printed on the screen or written to `--out`;
- kind FILE: always a file (a workbook, a web page, a Word document), at `--out` or, without it,
  `perfscore-<ruleset>-<year>.<extension>` in the current folder;
- a batch folder (`render_batch`): every department's documents in its own folder plus the 汇总表;
  `score --out DIR` (a folder, or a name without an extension) asks for it;
- scope "run": the whole run (`score --format`); scope "department": one department's report (`report`),
  chosen by the extension of `--out`.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from scoring.core import atomic
from scoring.core.errors import InputError, UsageError, did_you_mean
from scoring.core.lazy import lazy_module
from scoring.core.paths import distinct_names, inside, safe_name
from scoring.model.run import Run
from scoring.render.common import counts_line
from scoring.render.html import render_html
from scoring.render.json import render_json, write_json
from scoring.render.markdown import render_markdown
from scoring.render.report import build_report, render_report_docx, render_report_markdown
from scoring.render.table import render_table
from scoring.render.xlsx import render_xlsx

if TYPE_CHECKING:
    from scoring.render import batch
else:
    batch = lazy_module("scoring.render.batch")  # the batch folder and 汇总表: imported when one is written


class Kind(enum.StrEnum):
    TERMINAL = "terminal"  # text: the screen, or a file when asked
    FILE = "file"  # always a file


Scope = Literal["run", "department"]


@dataclass(frozen=True, slots=True)
class Options:
    """What a caller may ask of a renderer; each renderer reads the options it understands."""

    detail: bool | None = None  # table: per-indicator rows (None: only when there is one department)
    dept_code: str | None = None  # department scope: whose report


TextFn = Callable[[Run, Options], str]
WriteFn = Callable[[Run, Options, Path], None]
StreamFn = Callable[[Run, Options, TextIO], None]


@dataclass(frozen=True, slots=True)
class Renderer:
    """One output format: a text function (returns the document) or a write function (writes the file)."""

    name: str
    kind: Kind
    extension: str  # with the dot: ".md"
    description: str
    text: TextFn | None = None
    write: WriteFn | None = None
    scope: Scope = "run"
    stream: StreamFn | None = None  # a text format that can also be written as it is made (what `render` uses)

    def __post_init__(self) -> None:
        if (self.text is None) == (self.write is None):
            raise ValueError(f"renderer {self.name}: give exactly one of text= or write=")
        if self.kind is Kind.TERMINAL and self.text is None:
            raise ValueError(f"renderer {self.name}: a terminal format must return text")
        if not self.extension.startswith("."):
            raise ValueError(f"renderer {self.name}: extension {self.extension!r} must start with '.'")


RENDERERS: dict[str, Renderer] = {}


def register(renderer: Renderer) -> Renderer:
    """Add an output format; a second format under a taken name is a programming error."""
    if renderer.name in RENDERERS:
        raise ValueError(f"output format {renderer.name!r} is already registered")
    RENDERERS[renderer.name] = renderer
    return renderer


def names(scope: Scope = "run") -> list[str]:
    """Registered format names of one scope, in registration order."""
    return [r.name for r in RENDERERS.values() if r.scope == scope]


def get(name: str, scope: Scope = "run") -> Renderer:
    """The renderer called `name`, or a UsageError that lists the formats there are."""
    found = RENDERERS.get(name)
    if found is None or found.scope != scope:
        choices = names(scope)
        raise UsageError(
            f"未知输出格式 '{name}'（unknown format）",
            hint=did_you_mean(name, choices) or "可用：" + "、".join(choices),
        )
    return found


def for_path(path: Path | None, scope: Scope) -> Renderer:
    """The format a file name asks for by its extension; the scope's first format otherwise (and for None)."""
    candidates = [r for r in RENDERERS.values() if r.scope == scope]
    if path is not None:
        for r in candidates:
            if path.suffix.lower() == r.extension:
                return r
    return candidates[0]


def default_path(run: Run, renderer: Renderer) -> Path:
    """perfscore-<ruleset>-<year>.<ext> in the current directory (years joined when a run spans several)."""
    years = sorted({str(int(y)) for y in run.result.departments["year"]}) or ["all"]
    return inside(Path.cwd(), safe_name(f"perfscore-{run.ruleset.name}-{'-'.join(years)}") + renderer.extension)


def render(
    run: Run, fmt: str, out: Path | None = None, options: Options | None = None, *, scope: Scope = "run"
) -> Path | None:
    """Write `run` in format `fmt`: to `out`, to stdout (terminal formats without `out`), or to the
    default file name (file formats without `out`). Returns the file written, None for stdout."""
    renderer = get(fmt, scope)
    options = options or Options()
    if renderer.kind is Kind.FILE and out is None:
        out = default_path(run, renderer)
    if renderer.write is not None:
        assert out is not None  # a write renderer is a FILE renderer (Renderer.__post_init__)
        atomic.check_target(out)
        write = renderer.write
        # Written beside the target and renamed over it: a killed run leaves the previous file whole.
        atomic.save_atomic(out, lambda tmp: write(run, options, Path(tmp)))
        return out
    if renderer.stream is not None:  # written piece by piece: a province's trace never sits whole in memory
        stream = renderer.stream
        if out is None:
            stream(run, options, sys.stdout)
            return None
        atomic.write_text_stream(out, lambda f: stream(run, options, f))
        return out
    assert renderer.text is not None
    text = renderer.text(run, options)
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return None
    atomic.write_text(out, text)
    return out


def render_reports(run: Run, out: Path | None, dept_code: str | None = None) -> list[Path | None]:
    """One self-evaluation report per department (or only `dept_code`): to stdout, to `out`, or, for
    several departments or an `out` without extension, to `out/<title>.md`. The format follows the
    extension (.docx → Word, else Markdown)."""
    codes = [str(c) for c in run.result.departments["dept_code"]]
    if dept_code is not None:
        if dept_code not in codes:
            raise InputError(f"没有部门编码 {dept_code}；可用：{'、'.join(codes)}")
        codes = [dept_code]
    if not codes:
        raise InputError("没有可写报告的部门（" + counts_line(run) + "）")
    written = []
    reports = [build_report(run, code) for code in codes]
    names = distinct_names([r.title for r in reports], codes, ".md")  # same-named departments: -<code>
    for code, name in zip(codes, names, strict=True):
        target = out
        if out is not None and (len(codes) > 1 or out.suffix == ""):
            target = inside(out, name)
        fmt = for_path(target, "department").name
        written.append(render(run, fmt, target, Options(dept_code=code), scope="department"))
    return written


def is_batch_folder(out: Path | None) -> bool:
    """Whether `--out` names a folder for the batch run: an existing folder, or a name without an extension
    (as `report --out` already reads it); a name with an extension stays one file in the format asked."""
    return out is not None and (out.is_dir() or out.suffix == "")


def render_batch(run: Run, folder: Path, progress: Callable[[str], None] | None = None) -> batch.BatchOutput:
    """The bureau's batch: per department a folder with the 自评表 xlsx, the report docx and md and the JSON
    trace, plus the 汇总表 (`scoring.render.batch`); `progress(name)` after each department."""
    return batch.write_batch(run, folder, progress)


def _summary(run: Run, options: Options, path: Path) -> None:
    batch.render_summary_xlsx(run, path)


def _xlsx(run: Run, options: Options, path: Path) -> None:
    render_xlsx(run, path)


def _report(run: Run, options: Options) -> str:
    assert options.dept_code is not None  # render_reports names the department
    return render_report_markdown(build_report(run, options.dept_code))


def _report_docx(run: Run, options: Options, path: Path) -> None:
    assert options.dept_code is not None
    render_report_docx(build_report(run, options.dept_code), str(path))


def _register_builtins() -> None:
    register(
        Renderer(
            "table",
            Kind.TERMINAL,
            ".txt",
            "终端表格 / terminal tables",
            text=lambda run, o: render_table(run, o.detail),
        )
    )
    register(
        Renderer(
            "md", Kind.TERMINAL, ".md", "Markdown 评分表 / Markdown tables", text=lambda run, o: render_markdown(run)
        )
    )
    register(
        Renderer(
            "json",
            Kind.TERMINAL,
            ".json",
            "JSON 全过程记录 / JSON trace",
            text=lambda run, o: render_json(run),
            stream=lambda run, o, f: write_json(run, f),
        )
    )
    register(Renderer("xlsx", Kind.FILE, ".xlsx", "Excel 自评表 / Excel workbook", write=_xlsx))
    register(Renderer("html", Kind.FILE, ".html", "网页概览 / HTML overview", text=lambda run, o: render_html(run)))
    # After xlsx, so an --out ending in .xlsx still means the 自评表 workbook; `-f summary` asks for this one.
    register(
        Renderer(
            "summary",
            Kind.FILE,
            ".xlsx",
            "汇总表：排名、等级分布、按主管部门/行业、问题 / bureau summary",
            write=_summary,
        )
    )
    # The department report: Markdown first, so it is the default for an --out of any other extension.
    register(
        Renderer("report-md", Kind.TERMINAL, ".md", "自评报告 Markdown / report", text=_report, scope="department")
    )
    register(
        Renderer("report-docx", Kind.FILE, ".docx", "自评报告 Word / report", write=_report_docx, scope="department")
    )


_register_builtins()

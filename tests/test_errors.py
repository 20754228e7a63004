"""Exit codes come from the error classes only, and the README's exit-code table says what they are."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import scoring
from scoring.core.errors import ExitCode, PerfscoreError, UsageError

README = Path(__file__).resolve().parent.parent / "README.md"
CLI = Path(scoring.__file__).parent / "cli"


def _all_error_classes() -> set[type[PerfscoreError]]:
    """Every PerfscoreError subclass in the package (all modules imported, so none is missed)."""
    for mod in pkgutil.walk_packages(scoring.__path__, "scoring."):
        importlib.import_module(mod.name)
    found: set[type[PerfscoreError]] = set()
    todo: list[type[PerfscoreError]] = [PerfscoreError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo += cls.__subclasses__()
    return found


def _readme_table() -> dict[int, set[str]]:
    """code → error classes named in the README's 退出码 table."""
    section = README.read_text(encoding="utf-8").split("## 退出码 · Exit codes")[1].split("\n## ")[0]
    table: dict[int, set[str]] = {}
    for code, classes in re.findall(r"^\| (\d) \| ([^|]*) \|", section, flags=re.M):
        table[int(code)] = set(re.findall(r"`(\w+)`", classes))
    return table


def test_every_error_class_exits_with_a_documented_code() -> None:
    for cls in _all_error_classes():
        assert isinstance(cls.exit_code, ExitCode), f"{cls.__name__}.exit_code 不是 ExitCode"


def test_readme_table_lists_each_code_with_its_classes_from_errors_py() -> None:
    from scoring.core import errors

    declared = {
        code: {
            name
            for name, cls in vars(errors).items()
            if isinstance(cls, type)
            and issubclass(cls, PerfscoreError)
            and cls.__module__ == errors.__name__
            and cls.exit_code == code
        }
        for code in ExitCode
    }
    declared[ExitCode.OK] = set()
    table = _readme_table()
    assert set(table) == {int(c) for c in ExitCode}
    for code in ExitCode:
        assert table[int(code)] == declared[code], f"README 退出码 {int(code)}"


def test_the_cli_writes_no_exit_code_of_its_own() -> None:
    literal = re.compile(r"(typer\.Exit|sys\.exit|SystemExit)\(\s*\d")
    offenders = [
        f"{p.name}:{n}"
        for p in CLI.glob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if literal.search(line)
    ]
    assert offenders == []
    assert not re.search(r"EXIT_\w+ *=", "".join(p.read_text(encoding="utf-8") for p in CLI.glob("*.py")))


def test_usage_error_reads_as_message_then_hint() -> None:
    assert str(UsageError("未知输出格式 'x'", hint="可用：md")) == "未知输出格式 'x'；可用：md"

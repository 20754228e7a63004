"""Errors perfscore raises on purpose: each says what, where and how to fix, and carries its exit code.

Exit codes live here and nowhere else: each class carries one (`ExitCode`), and the CLI exits with
`exc.exit_code`. The README table "退出码 · Exit codes" lists each code with its classes;
tests/test_errors.py keeps that table and these classes equal.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Source:
    """Where a value came from: the cell a user sees in Excel (row is 1-based)."""

    file: Path | str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [str(self.file)]
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"「{self.column}」列")
        return " ".join(parts)


class ExitCode(enum.IntEnum):
    """The exit statuses of the command line. Click's own usage errors (an unknown option) also exit 2."""

    OK = 0
    ERROR = 1
    RULESET_OR_USAGE = 2
    INPUT = 3
    INCOMPLETE = 4
    TESTS_FAILED = 5


class PerfscoreError(Exception):
    """Base for every error perfscore raises on purpose."""

    exit_code: ClassVar[ExitCode] = ExitCode.ERROR


class UsageError(PerfscoreError):
    """A command-line value perfscore cannot use: an unknown output format, a folder where a file is needed."""

    exit_code: ClassVar[ExitCode] = ExitCode.RULESET_OR_USAGE

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.args[0]}；{self.hint}" if self.hint else str(self.args[0])


class InputError(PerfscoreError):
    """Input that cannot be scored as asked, with no one cell to blame: no department data, no such department."""

    exit_code: ClassVar[ExitCode] = ExitCode.INPUT


class DataError(InputError):
    """Input data that cannot be used, with its cell and a hint."""

    def __init__(self, message: str, *, source: Source, hint: str = "") -> None:
        super().__init__(message)
        self.source, self.hint = source, hint

    def __str__(self) -> str:
        hint = f"（{self.hint}）" if self.hint else ""
        return f"{self.source}：{self.args[0]}{hint}"


class RulesetError(PerfscoreError):
    """A ruleset that does not compile: names the YAML file, line and rule."""

    exit_code: ClassVar[ExitCode] = ExitCode.RULESET_OR_USAGE

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        rule: str | None = None,
        line: int | None = None,
        hint: str = "",
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.file, self.rule, self.line, self.hint = file, rule, line, hint
        self.column = column

    def __str__(self) -> str:
        where = []
        if self.file:
            col = f":{self.column}" if self.line and self.column else ""
            where.append(str(self.file) + (f":{self.line}{col}" if self.line else ""))
        if self.rule:
            where.append(f"规则 {self.rule}")
        prefix = " ".join(where)
        hint = f"（{self.hint}）" if self.hint else ""
        return f"{prefix}：{self.args[0]}{hint}" if prefix else f"{self.args[0]}{hint}"


class StoreError(PerfscoreError):
    """The store cannot be used, or holds nothing for what was asked."""


class IncompleteError(PerfscoreError):
    """Not all the input was scored: rows were rejected or files could not be read (reported under --strict)."""

    exit_code: ClassVar[ExitCode] = ExitCode.INCOMPLETE


class TestsFailedError(PerfscoreError):
    """A ruleset's embedded tests failed, or it has none to run."""

    __test__ = False  # a pytest collection hint: this class is not a test case
    exit_code: ClassVar[ExitCode] = ExitCode.TESTS_FAILED


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A Chinese 'did you mean' hint, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    return "是否为 " + " / ".join(f"'{c}'" for c in close) + "？"

"""Errors perfscore raises on purpose: each says what, where and how to fix."""

from __future__ import annotations

import difflib
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


class PerfscoreError(Exception):
    """Base for every error perfscore raises on purpose."""

    exit_code: ClassVar[int] = 1


class DataError(PerfscoreError):
    """Input data that cannot be used, with its cell and a hint."""

    exit_code: ClassVar[int] = 3

    def __init__(self, message: str, *, source: Source, hint: str = "") -> None:
        super().__init__(message)
        self.source, self.hint = source, hint

    def __str__(self) -> str:
        hint = f"（{self.hint}）" if self.hint else ""
        return f"{self.source}：{self.args[0]}{hint}"


class RulesetError(PerfscoreError):
    """A ruleset that does not compile: names the YAML file, line and rule."""

    exit_code: ClassVar[int] = 2

    def __init__(
        self, message: str, *, file: Path | str | None = None, rule: str | None = None,
        line: int | None = None, hint: str = "", column: int | None = None,
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


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A Chinese 'did you mean' hint, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    return "是否为 " + " / ".join(f"'{c}'" for c in close) + "？"

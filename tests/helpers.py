"""Small helpers shared by tests."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def num(value: Any) -> float:
    """A cell of a DataFrame (`.loc[row, col]`) or a worksheet as a float: pandas-stubs and openpyxl type
    such cells as a union of every scalar, which `float()` does not accept as typed."""
    return float(value)


# The smallest valid ruleset: 执行率 10 + an open 产出 90 with one 二级. Tests append sections to it.
BASE = """\
format: 1
name: t
levels:
  - name: 预算执行率
    points: 10
    metric: execution_rate
    method: budget_execution
  - name: 产出指标
    points: 90
    open: true
    children: [{name: 数量指标}]
"""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: a quadratic scan or a symlink loop once took hours (SIGALRM; the main thread)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"超过 {seconds} 秒")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)

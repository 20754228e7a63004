"""Small helpers shared by tests."""

from __future__ import annotations

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

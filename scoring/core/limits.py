"""Limits on the size of what perfscore reads: one place, each overridable by an environment variable.

A hostile or broken file must fail with a clear error, not take the machine's memory: an xlsx is a zip, and a
few kilobytes of zip can unpack to gigabytes of sheet XML (a "zip bomb"); a sheet that names one cell at XFD1048576
would otherwise be padded to 17 billion cells. The defaults fit the largest real workbooks we have seen many times
over (a provincial 绩效指标 sheet of 100,000 rows × 20 columns is 2 million cells and about 60 MB of XML).
A province that truly has larger workbooks raises a limit for its runs, e.g.

    PERFSCORE_MAX_UNZIPPED_MB=2000 PERFSCORE_MAX_CELLS=50000000 perfscore score 省.xlsx

The values are read when used (not at import), so a test or a long-running process can change them.
README "输入上限 · Input limits" lists them; tests/test_limits.py keeps that table and `LIMITS` equal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from scoring.core.errors import UsageError


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit: its environment variable, default, unit (for messages) and what it bounds."""

    env: str
    default: int
    unit: str
    doc: str

    def value(self) -> int:
        """The limit in force: the environment variable when set (a positive whole number), else the default."""
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise UsageError(
                f"环境变量 {self.env}={raw!r} 不是正整数", hint=f"{self.doc}，默认 {self.default}{self.unit}"
            )
        return value


MAX_UNZIPPED_MB = Limit("PERFSCORE_MAX_UNZIPPED_MB", 200, " MB", "一个 xlsx 解压后的总大小上限")
MAX_ZIP_RATIO = Limit(
    "PERFSCORE_MAX_ZIP_RATIO",
    200,
    " 倍",
    "xlsx 中单个成员（解压后 1 MB 以上）的压缩比上限；正常工作表约 5–50 倍，压缩炸弹上千倍",
)
MAX_CELLS = Limit("PERFSCORE_MAX_CELLS", 5_000_000, " 个", "一个 xlsx 读入的单元格总数上限（行数 × 列数，各表合计）")

LIMITS: tuple[Limit, ...] = (MAX_UNZIPPED_MB, MAX_ZIP_RATIO, MAX_CELLS)

RATIO_FLOOR = 1 << 20
"""Members smaller than this (1 MB unpacked) are never refused for their ratio: a small sheet of one repeated value
compresses very well and harms no one."""


def size_text(n: float) -> str:
    """Bytes as people read them: 2254857830 → '2.1 GB', 5000 → '4.9 KB'."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")

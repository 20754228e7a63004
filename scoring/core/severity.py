"""The one severity vocabulary of checks, findings and extract's 核对 sheet: keys, the words users may write, and labels.

Rulesets and data frames carry the English keys (SEVERITIES, most severe first, so `SEVERITIES.index`
orders them). A ruleset may write a finding's severity as 高/中/低 (SEVERITY_ALIASES). Reports and
exports name them 重要/一般/提示 (SEVERITY_ZH); extract's 核对 sheet, which a person reviews beside the
report, uses the same one-character words a ruleset may write (SEVERITY_SHORT_ZH, the aliases read back).
"""

from __future__ import annotations

from typing import Final, Literal

Severity = Literal["high", "medium", "low"]

SEVERITIES: Final[tuple[Severity, ...]] = ("high", "medium", "low")
SEVERITY_ALIASES: Final[dict[str, Severity]] = {"高": "high", "中": "medium", "低": "low"}
SEVERITY_ZH: Final[dict[str, str]] = {"high": "重要", "medium": "一般", "low": "提示"}
SEVERITY_SHORT_ZH: Final[dict[str, str]] = {key: word for word, key in SEVERITY_ALIASES.items()}

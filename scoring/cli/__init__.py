"""perfscore 命令行：对部门预算绩效自评数据评分。A thin typer layer over scoring.api.

One module per command group; each registers its commands on the shared apps in `common`.
"""

from __future__ import annotations

from scoring.cli import input_cmds, ruleset_cmds, run_cmds  # noqa: F401  (registers the commands)
from scoring.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    app()

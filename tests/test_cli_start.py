"""Fast start (issue 15): the CLI imports no heavy library until a command needs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scoring.cli.common import FORMATS
from scoring.core.lazy import lazy_function, lazy_module
from scoring.render import registry

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "pandas",
    "numpy",
    "openpyxl",
    "docx",
    "jinja2",
    "durable",
    "tabulate",
    "rich",
    "scoring.api",
    "scoring.render.registry",
    "scoring.pipeline.score",
)


def _loaded_after(code: str) -> list[str]:
    """The heavy modules in sys.modules after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _loaded_after("import scoring.cli") == []


def test_help_and_ruleset_compilation_load_no_heavy_library() -> None:
    # --help goes through typer's whole command tree; ruleset list compiles every shipped ruleset.
    code = (
        "import contextlib, sys\nfrom scoring.cli import main\nfrom scoring.core import resources\n"
        "from scoring.rules.ruleset import load_ruleset\nsys.argv = ['perfscore', '--help']\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(None): main()\n"
        "[load_ruleset(p) for p in resources.ruleset_files()]"
    )
    assert _loaded_after(code) == []


def test_help_lists_every_registered_format() -> None:
    assert list(FORMATS) == registry.names("run")


def test_lazy_module_imports_on_first_attribute() -> None:
    mod = lazy_module("json")
    assert mod.dumps({"a": 1}) == '{"a": 1}'
    assert lazy_function("json", "loads")("[1, 2]") == [1, 2]

"""The expression package keeps the one-way import order its docstring lists, and the durable split holds:
condition compiling is pure Python, and the adapter is the only module that reaches durable."""

from __future__ import annotations

import ast
from pathlib import Path

import scoring
from scoring.rules import conditions, expr

ROOT = Path(scoring.__file__).resolve().parent
PACKAGE = ROOT / "rules" / "expr"
# Lowest first, as in scoring/rules/expr/__init__.py's docstring.
ORDER = ["errors", "ast", "lexer", "text", "parser", "evaluate", "types", "columns"]
# Expr.__str__ prints through the printer above it, imported at call time (as sqlglot's Expression.sql).
ALLOWED_UPWARD = {("ast", "text")}


def imported_modules(path: Path) -> set[str]:
    """Every module path imported anywhere in the file, function bodies included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_modules_are_the_documented_ones() -> None:
    assert sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__") == sorted(ORDER)
    assert all(f"    {name}" in (expr.__doc__ or "") for name in ORDER)


def test_expr_modules_import_only_lower_ones() -> None:
    for name in ORDER:
        for target in imported_modules(PACKAGE / f"{name}.py"):
            if not target.startswith("scoring.rules.expr."):
                continue
            other = target.split(".")[3]
            if (name, other) in ALLOWED_UPWARD:
                continue
            assert ORDER.index(other) < ORDER.index(name), f"{name} imports {other}, which is not below it"


def test_grammar_does_not_need_pandas() -> None:
    """Only columns works on DataFrames; the rest of the grammar stays plain Python."""
    for name in ORDER:
        heavy = {m for m in imported_modules(PACKAGE / f"{name}.py") if m.split(".")[0] in ("pandas", "numpy")}
        assert bool(heavy) == (name == "columns"), name
    assert "columns" not in {
        t.split(".")[3] for t in imported_modules(PACKAGE / "__init__.py") if t.startswith("scoring.rules.expr.")
    }


def test_conditions_are_pure_and_only_the_adapter_reaches_durable() -> None:
    assert not {m for m in imported_modules(Path(conditions.__file__)) if m.startswith("durable")}
    reaching = sorted(
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if any(m.split(".")[0] in ("durable", "durable_rules_engine") for m in imported_modules(p))
    )
    assert reaching == ["adapters/durable.py"]

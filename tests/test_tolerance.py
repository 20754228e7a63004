"""Float tolerances: one constant per meaning in scoring/core/tolerance.py, and no literal copies elsewhere."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pandas as pd
import pytest

import scoring
from scoring.core import tolerance as tol
from scoring.core.display import half_up

PACKAGE = Path(scoring.__file__).parent
# A float literal in exponent form, or a rounding to a literal number of places (in code with spaces removed).
LITERAL = re.compile(r"\b\d+(\.\d+)?e-\d+\b|\bround\([^()]*(\([^()]*\))?[^()]*,\d+\)|\.round\(\d+\)")


def code_lines(source: str) -> dict[int, str]:
    """Each line's code tokens joined without spaces: strings, docstrings and comments left out."""
    lines: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (
            tokenize.STRING,
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            lines[tok.start[0]] = lines.get(tok.start[0], "") + tok.string
    return lines


def test_no_module_writes_its_own_tolerance() -> None:
    offenders = [
        f"{p.relative_to(PACKAGE)}:{n}: {code}"
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name != "tolerance.py"
        for n, code in code_lines(p.read_text(encoding="utf-8")).items()
        if LITERAL.search(code)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("line", "hit"),
    [
        ("if abs(d) < 1e-9:", True),
        ("x = round(a - b, 6)", True),
        ("s.round(9) == 1", True),
        ("round(float(v), 2)", True),
        ("round(value, PRECISION)", False),
        ("s.round(NOISE_PLACES)", False),
    ],
    ids=["exponent", "round-places", "series-round", "nested-call", "named-places", "named-series"],
)
def test_the_literal_check_sees_what_it_should(line: str, hit: bool) -> None:
    assert bool(LITERAL.search(code_lines(line + "\n")[1])) is hit


def test_the_literal_check_ignores_text() -> None:
    assert code_lines('"""1e-05 reads as 0.00001"""\nx = 1  # round(y, 2)\n') == {2: "x=1"}


def test_noise_is_below_every_meaningful_digit() -> None:
    assert tol.EPS == 10.0**-tol.NOISE_PLACES
    assert round(0.3 * 3, tol.NOISE_PLACES) == 0.9  # noise: counts as 0.9
    assert round(0.899999999, tol.NOISE_PLACES) != 0.9  # a 9th decimal is real
    assert tol.EPS < tol.POINTS_TOL < 0.005 == tol.STATED_SCORE_TOL  # points are shown to 0.01
    assert tol.MONEY_TOL == 10.0**-tol.MONEY_PLACES == 1e-6  # 0.01 元 in 万元


def test_half_up_uses_the_noise_places() -> None:
    # 2.675 is stored as 2.67499999999999982236431605997495353221893310546875
    assert list(half_up(pd.Series([2.675, 1.005, -2.675]))) == [2.68, 1.01, -2.68]

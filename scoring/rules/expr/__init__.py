"""The restricted expression grammar of rulesets: parse, check, type and evaluate — never eval().

One module per concept, in import order (as in the rule-engine library)::

    errors    ExprSyntaxError (with a caret line), ExprTypeError
    ast       the frozen nodes: Literal, Field, Neg, Not, BinOp, Compare, In, BoolOp, Call
    lexer     text → tokens (keywords, names, numbers within the literal-size limits, strings)
    text      AST → canonical text (to_text; parse(to_text(e)) == e)
    parser    tokens → AST (parse; the nesting-depth limit)
    evaluate  the reference evaluator (evaluate, holds, scalar, compare_values)
    types     static checks against a schema (check_fields, infer)
    columns   the same semantics over whole DataFrame columns (evaluate_columns)

Everything but ``columns`` is re-exported here: ``from scoring.rules import expr; expr.parse(...)``.
``columns`` needs numpy and pandas, so it is imported only by those who use it:
``from scoring.rules.expr.columns import evaluate_columns``.

Grammar, lowest precedence first::

    expr       := or_expr
    or_expr    := and_expr (("or" | "或") and_expr)*
    and_expr   := not_expr (("and" | "且") not_expr)*
    not_expr   := ("not" | "非") not_expr | comparison
    comparison := sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum
                      | "in" list | "not" "in" list ]
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER ["%"] | STRING | "true" | "false" | "null"
                | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"
    list       := "[" [literal ("," literal)* [","]] "]"      (literal: [-]NUMBER[%], STRING, true, false, null)

* Comparisons do not chain: ``a < b < c`` is a syntax error (write ``a < b and b < c``).
* ``95%`` is the number 0.95. Numbers are written in plain decimal (no exponent).
* Strings use double or single quotes (also “…” and ‘…’); backslash escapes ``\\ \" \' \n \t \r``.
* NAME is letters (CJK included), ASCII digits and ``_``, not starting with a digit. The Chinese
  keywords 且 / 或 / 非 are keywords only as whole words, so ``非税收入`` stays a field name.
* Full-width ``（）［］，＜＞＝！＋－＊／％`` and ``≥ ≤ ≠`` are read as their ASCII forms (Chinese IME input).
* Functions: ``abs(x)``, ``min(a, b, …)``, ``max(a, b, …)`` — nothing else.

Values are numbers (float; ints are read as floats), strings, booleans and null. A field that is
missing, ``None``, NaN or ±inf is null (NaN is how pandas writes an empty cell).

Semantics (``scoring.rules.conditions`` compiles conditions for durable_rules and must agree exactly;
the differential tests hold it to that):

1. Arithmetic (``+ - * /``, unary ``-``, ``abs``, ``min``, ``max``) on a null or a non-number operand
   gives null; division by zero gives null; a non-finite result gives null.
2. Numbers are compared after rounding both sides to 10 decimal places, so 0.8999999999999999
   (0.3 * 3) counts as ``>= 0.9`` — rounding noise must not decide a finding at a published
   boundary (rule-engine-lessons point 7).
3. ``< <= > >=`` are true only when both operands are numbers.
4. ``==`` / ``!=`` are true only when both operands are non-null values of the same type (number,
   string, boolean) and equal / unequal. The literal ``null`` is the exception: ``x == null`` is
   true when x is null, ``x != null`` when it is not. Any other comparison with a null operand, or
   of a string with a number, is false — at run time; ``infer`` rejects mixed types up front.
5. ``x in [a, b]`` is ``x == a or x == b``; ``x not in [a, b]`` is ``not (x in [a, b])``.
6. Logic is two-valued. A condition holds only when its value is exactly ``true``; ``and`` / ``or``
   combine holds; ``not e`` holds when e does not (so ``not (x < 1)`` holds when x is null, and
   ``not has_reason`` holds when has_reason is null).
"""

from __future__ import annotations

from scoring.rules.expr.ast import (
    NULL_TYPE,
    BinOp,
    BoolOp,
    Call,
    Compare,
    Expr,
    Field,
    In,
    Literal,
    Neg,
    Not,
    Scalar,
)
from scoring.rules.expr.errors import ExprSyntaxError, ExprTypeError
from scoring.rules.expr.evaluate import ORDER_OPS, PRECISION, compare_values, evaluate, holds, scalar
from scoring.rules.expr.lexer import KEYWORDS
from scoring.rules.expr.parser import COMPARE_OPS, FUNCTIONS, parse
from scoring.rules.expr.text import to_text
from scoring.rules.expr.types import check_fields, infer, schema_type, type_name


def _expr_text(self: Expr) -> str:
    return to_text(self)


# str(expr) prints it in the grammar: the printer (text) sits above the nodes (ast), so the package wires it on
# here rather than ast reaching up to text (no import cycle).
Expr.__str__ = _expr_text  # type: ignore[method-assign, assignment]

__all__ = [
    "COMPARE_OPS",
    "FUNCTIONS",
    "KEYWORDS",
    "NULL_TYPE",
    "ORDER_OPS",
    "PRECISION",
    "BinOp",
    "BoolOp",
    "Call",
    "Compare",
    "Expr",
    "ExprSyntaxError",
    "ExprTypeError",
    "Field",
    "In",
    "Literal",
    "Neg",
    "Not",
    "Scalar",
    "check_fields",
    "compare_values",
    "evaluate",
    "holds",
    "infer",
    "parse",
    "scalar",
    "schema_type",
    "to_text",
    "type_name",
]

"""The restricted expression grammar of rulesets: parse, check, type and evaluate — never eval().

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

Semantics (``scoring.rules_adapter`` compiles conditions for durable_rules and must agree exactly;
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

import math
import numbers
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal as TLiteral
from typing import TypeAlias

from scoring.core.errors import did_you_mean

Scalar: TypeAlias = float | str | bool | None
NULL_TYPE: type = type(None)

FUNCTIONS: Mapping[str, tuple[int, int | None]] = {"abs": (1, 1), "min": (2, None), "max": (2, None)}
COMPARE_OPS = ("<", "<=", ">", ">=", "==", "!=")
ORDER_OPS = frozenset({"<", "<=", ">", ">="})
KEYWORDS: Mapping[str, str] = {
    "and": "and", "or": "or", "not": "not", "in": "in", "true": "true", "false": "false", "null": "null",
    "且": "and", "或": "or", "非": "not",
}
PRECISION = 10  # decimal places numbers are compared at (semantics rule 2)


class ExprSyntaxError(ValueError):
    """An expression that does not parse; ``str()`` shows the text with a caret under the error."""

    def __init__(self, message: str, position: int, *, text: str = "") -> None:
        super().__init__(message, position)
        self.message, self.position, self.text = message, position, text

    def snippet(self) -> str:
        """The expression and a caret under the offending character (CJK counts two columns)."""
        return f"  {self.text}\n  {' ' * _width(self.text[:self.position])}^" if self.text else ""

    def __str__(self) -> str:
        if not self.text:
            return f"表达式语法错误（第{self.position + 1}个字符）：{self.message}"
        return f"表达式语法错误：{self.message}\n{self.snippet()}"


class ExprTypeError(TypeError):
    """An expression whose operand types cannot work, found before any data is read."""

    def __init__(self, message: str, position: int = -1, *, hint: str = "") -> None:
        super().__init__(message, position)
        self.message, self.position, self.hint = message, position, hint

    def __str__(self) -> str:
        return self.message + (f"（{self.hint}）" if self.hint else "")


def _width(text: str) -> int:
    """Terminal columns of text: CJK characters take two, so the caret lines up."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---------------------------------------------------------------------------------------------- AST


@dataclass(frozen=True, slots=True)
class Expr:
    """Base of the AST. ``pos`` (offset in the source text) takes no part in equality."""

    pos: int = field(default=-1, compare=False, repr=False, kw_only=True)

    def children(self) -> tuple[Expr, ...]:
        return ()

    def walk(self) -> Iterator[Expr]:
        """This node and every node below it, depth first, left to right."""
        yield self
        for child in self.children():
            yield from child.walk()

    def fields(self) -> frozenset[str]:
        """The field names this expression reads."""
        return frozenset(n.name for n in self.walk() if isinstance(n, Field))

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True, eq=False)
class Literal(Expr):
    value: Scalar

    # Type-aware: Python has True == 1.0 and False == 0.0, but `x == true` and `x == 1` differ
    # (an engine cache keyed on rules once handed back the wrong compiled rule).
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Literal):
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self.value).__name__, self.value))


@dataclass(frozen=True, slots=True)
class Field(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class Neg(Expr):
    operand: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Not(Expr):
    operand: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class BinOp(Expr):
    op: TLiteral["+", "-", "*", "/"]
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    op: TLiteral["<", "<=", ">", ">=", "==", "!="]
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class In(Expr):
    operand: Expr
    items: tuple[Literal, ...]
    negated: bool = False

    def children(self) -> tuple[Expr, ...]:
        return (self.operand, *self.items)


@dataclass(frozen=True, slots=True)
class BoolOp(Expr):
    op: TLiteral["and", "or"]
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Call(Expr):
    func: TLiteral["abs", "min", "max"]
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


# ---------------------------------------------------------------------------------------- tokenizer

_FULLWIDTH = {
    "（": "(", "）": ")", "［": "[", "］": "]", "，": ",", "＜": "<", "＞": ">", "＝": "=", "！": "!",
    "＋": "+", "－": "-", "＊": "*", "／": "/", "％": "%", "≥": ">=", "≤": "<=", "≠": "!=", "\u3000": " ",
}
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "”": "”", "’": "’"}
_SYMBOL_HINTS = {
    "&&": "不支持 '&&'，请使用 and", "||": "不支持 '||'，请使用 or", "!": "不支持 '!'，请使用 not",
    "=": "比较相等请使用 '=='", "&": "不支持 '&'，请使用 and", "|": "不支持 '|'，请使用 or",
}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: TLiteral["num", "str", "name", "kw", "op", "end"]
    value: str | float
    pos: int


def _is_name_start(ch: str) -> bool:
    return ch == "_" or ch.isalpha()


def _is_name_char(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or "0" <= ch <= "9"


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)

    def fail(message: str, at: int) -> ExprSyntaxError:
        return ExprSyntaxError(message, at, text=text)

    while i < n:
        raw = text[i]
        ch = _FULLWIDTH.get(raw, raw)
        if ch.isspace():
            i += 1
        elif ch in ("<=", ">=", "!="):  # ≤ ≥ ≠
            tokens.append(_Token("op", ch, i))
            i += 1
        elif "0" <= ch <= "9":
            start = i
            while i < n and "0" <= text[i] <= "9":
                i += 1
            if i < n and text[i] == "." and i + 1 < n and "0" <= text[i + 1] <= "9":
                i += 1
                while i < n and "0" <= text[i] <= "9":
                    i += 1
            digits = Decimal(text[start:i])
            if i < n and _FULLWIDTH.get(text[i], text[i]) == "%":
                digits /= 100
                i += 1
            if i < n and _is_name_char(text[i]):
                raise fail(f"数字后紧跟 '{text[i]}'，缺少运算符或空格", i)
            tokens.append(_Token("num", float(digits), start))
        elif raw in _QUOTES:
            start, close, i = i, _QUOTES[raw], i + 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise fail("字符串缺少结束引号", start)
                c = text[i]
                if c == close:
                    i += 1
                    break
                if c == "\\":
                    if i + 1 >= n or text[i + 1] not in _ESCAPES:
                        raise fail("无效的转义符（可用 \\\\ \\\" \\' \\n \\t \\r）", i)
                    chars.append(_ESCAPES[text[i + 1]])
                    i += 2
                else:
                    chars.append(c)
                    i += 1
            tokens.append(_Token("str", "".join(chars), start))
        elif _is_name_start(ch):
            start = i
            while i < n and _is_name_char(text[i]):
                i += 1
            word = text[start:i]
            if word in KEYWORDS:
                tokens.append(_Token("kw", KEYWORDS[word], start))
            else:
                tokens.append(_Token("name", word, start))
        else:
            two = ch + _FULLWIDTH.get(text[i + 1], text[i + 1]) if i + 1 < n else ch
            if two in ("<=", ">=", "==", "!="):
                tokens.append(_Token("op", two, i))
                i += 2
            elif two in _SYMBOL_HINTS:
                raise fail(_SYMBOL_HINTS[two], i)
            elif ch in "()[],+-*/<>":
                tokens.append(_Token("op", ch, i))
                i += 1
            elif ch in _SYMBOL_HINTS:
                raise fail(_SYMBOL_HINTS[ch], i)
            elif ch == "%":
                raise fail("'%' 只能紧跟在数字后表示百分数，如 95%", i)
            else:
                raise fail(f"无法识别的字符 '{raw}'", i)
    tokens.append(_Token("end", "", n))
    return tokens


# ------------------------------------------------------------------------------------------- parser


def _describe(tok: _Token) -> str:
    if tok.kind == "end":
        return "结尾"
    if tok.kind == "str":
        return f'字符串 "{tok.value}"'
    if tok.kind == "num":
        return f"数字 {_number_text(float(tok.value))}"
    return f"「{tok.value}」"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def at(self, kind: str, value: str | None = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def advance(self) -> _Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def fail(self, message: str, tok: _Token | None = None) -> ExprSyntaxError:
        t = tok or self.tok
        return ExprSyntaxError(message, t.pos, text=self.text)

    def expect(self, value: str, what: str) -> _Token:
        if not self.at("op", value):
            raise self.fail(f"期望 '{value}'（{what}），但遇到{_describe(self.tok)}")
        return self.advance()

    def parse(self) -> Expr:
        if self.at("end"):
            raise self.fail("表达式为空")
        expr = self.or_expr()
        if not self.at("end"):
            raise self.fail(f"多余的{_describe(self.tok)}，缺少 and / or 或运算符？")
        return expr

    def or_expr(self) -> Expr:
        left = self.and_expr()
        while self.at("kw", "or"):
            pos = self.advance().pos
            left = BoolOp("or", left, self.and_expr(), pos=pos)
        return left

    def and_expr(self) -> Expr:
        left = self.not_expr()
        while self.at("kw", "and"):
            pos = self.advance().pos
            left = BoolOp("and", left, self.not_expr(), pos=pos)
        return left

    def not_expr(self) -> Expr:
        if self.at("kw", "not"):
            pos = self.advance().pos
            return Not(self.not_expr(), pos=pos)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.sum()
        t = self.tok
        if t.kind == "op" and t.value in COMPARE_OPS:
            self.advance()
            result: Expr = Compare(t.value, left, self.sum(), pos=t.pos)  # type: ignore[arg-type]
        elif t.kind == "kw" and t.value == "in":
            self.advance()
            result = In(left, self.list_literal(), pos=t.pos)
        elif t.kind == "kw" and t.value == "not" and self.tokens[self.i + 1].kind == "kw" \
                and self.tokens[self.i + 1].value == "in":
            self.advance()
            self.advance()
            result = In(left, self.list_literal(), negated=True, pos=t.pos)
        else:
            return left
        nxt = self.tok
        if (nxt.kind == "op" and nxt.value in COMPARE_OPS) or (nxt.kind == "kw" and nxt.value == "in"):
            raise self.fail("不支持连续比较，请写成 a < b and b < c")
        return result

    def sum(self) -> Expr:
        left = self.product()
        while self.at("op", "+") or self.at("op", "-"):
            t = self.advance()
            left = BinOp(t.value, left, self.product(), pos=t.pos)  # type: ignore[arg-type]
        return left

    def product(self) -> Expr:
        left = self.unary()
        while self.at("op", "*") or self.at("op", "/"):
            t = self.advance()
            left = BinOp(t.value, left, self.unary(), pos=t.pos)  # type: ignore[arg-type]
        return left

    def unary(self) -> Expr:
        if self.at("op", "-"):
            t = self.advance()
            if self.at("num"):  # "-2" is the literal -2, so negative numbers round-trip as literals
                return Literal(-float(self.advance().value), pos=t.pos)
            return Neg(self.unary(), pos=t.pos)
        return self.primary()

    def primary(self) -> Expr:
        t = self.tok
        if t.kind == "num":
            self.advance()
            return Literal(float(t.value), pos=t.pos)
        if t.kind == "str":
            self.advance()
            return Literal(str(t.value), pos=t.pos)
        if t.kind == "kw" and t.value in ("true", "false", "null"):
            self.advance()
            return Literal({"true": True, "false": False, "null": None}[str(t.value)], pos=t.pos)
        if t.kind == "name":
            self.advance()
            name = str(t.value)
            if not self.at("op", "("):
                return Field(name, pos=t.pos)
            if name not in FUNCTIONS:
                hint = did_you_mean(name, FUNCTIONS)
                raise self.fail(f"未知函数 '{name}'（可用 abs / min / max）{hint}", t)
            self.advance()
            args = [self.or_expr()]
            while self.at("op", ","):
                self.advance()
                args.append(self.or_expr())
            self.expect(")", f"{name}(…) 的结束括号")
            low, high = FUNCTIONS[name]
            if len(args) < low or (high is not None and len(args) > high):
                need = f"{low} 个" if low == high else f"至少 {low} 个"
                raise self.fail(f"函数 {name} 需要{need}参数，给了 {len(args)} 个", t)
            return Call(name, tuple(args), pos=t.pos)  # type: ignore[arg-type]
        if t.kind == "op" and t.value == "(":
            self.advance()
            inner = self.or_expr()
            self.expect(")", "与前面的 '(' 配对")
            return inner
        if t.kind == "op" and t.value == "[":
            raise self.fail("列表只能出现在 in / not in 之后")
        raise self.fail(f"此处需要数值、字段或 '('，但遇到{_describe(t)}")

    def list_literal(self) -> tuple[Literal, ...]:
        self.expect("[", "in 之后的列表")
        items: list[Literal] = []
        while not self.at("op", "]"):
            t = self.tok
            negative = False
            if self.at("op", "-"):
                self.advance()
                negative = True
                if not self.at("num"):
                    raise self.fail("'-' 之后需要数字")
            t2 = self.advance()
            if t2.kind == "num":
                items.append(Literal(-float(t2.value) if negative else float(t2.value), pos=t.pos))
            elif t2.kind == "str":
                items.append(Literal(str(t2.value), pos=t.pos))
            elif t2.kind == "kw" and t2.value in ("true", "false", "null"):
                items.append(Literal({"true": True, "false": False, "null": None}[str(t2.value)], pos=t.pos))
            else:
                raise self.fail(f"列表中只能写常量（数字、字符串、true/false/null），但遇到{_describe(t2)}", t2)
            if self.at("op", ","):
                self.advance()
            elif not self.at("op", "]"):
                raise self.fail(f"列表元素之间需要 ','，但遇到{_describe(self.tok)}")
        self.advance()
        return tuple(items)


def parse(text: str) -> Expr:
    """Parse an expression; raises ExprSyntaxError with the position and a caret line."""
    return _Parser(text).parse()


# ----------------------------------------------------------------------------------------- printing

_PREC_OR, _PREC_AND, _PREC_NOT, _PREC_CMP, _PREC_SUM, _PREC_PRODUCT, _PREC_UNARY, _PREC_ATOM = range(1, 9)


def _number_text(value: float) -> str:
    """Plain decimal (no exponent) that reads back as the same float: 1.0 → "1", 1e-05 → "0.00001"."""
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _string_text(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + '"'


def _literal_text(value: Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string_text(value)
    if not math.isfinite(value):
        raise ValueError(f"无法书写的数值 {value!r}")
    return _number_text(value)


def _prec(e: Expr) -> int:
    match e:
        case BoolOp(op="or"):
            return _PREC_OR
        case BoolOp():
            return _PREC_AND
        case Not():
            return _PREC_NOT
        case Compare() | In():
            return _PREC_CMP
        case BinOp(op="+" | "-"):
            return _PREC_SUM
        case BinOp():
            return _PREC_PRODUCT
        case Neg():
            return _PREC_UNARY
        case Literal(value=float() as v) if v < 0 or str(v).startswith("-"):
            return _PREC_UNARY
    return _PREC_ATOM


def _wrap(e: Expr, minimum: int) -> str:
    text = to_text(e)
    return f"({text})" if _prec(e) < minimum else text


def to_text(expr: Expr) -> str:
    """Canonical text of an expression; ``parse(to_text(e)) == e`` for every well-formed AST."""
    match expr:
        case Literal(value=v):
            return _literal_text(v)
        case Field(name=name):
            if not name or not _is_name_start(name[0]) or not all(map(_is_name_char, name)) or name in KEYWORDS:
                raise ValueError(f"不是合法的字段名：{name!r}")
            return name
        case Neg(operand=x):
            if isinstance(x, Literal | Neg):  # "-2" would read back as the literal -2
                return f"-({to_text(x)})" if isinstance(x, Literal) else "-" + to_text(x)
            return "-" + _wrap(x, _PREC_UNARY)
        case Not(operand=x):
            return "not " + _wrap(x, _PREC_NOT)
        case BinOp(op=op, left=a, right=b):
            p = _prec(expr)
            return f"{_wrap(a, p)} {op} {_wrap(b, p + 1)}"
        case Compare(op=op, left=a, right=b):
            return f"{_wrap(a, _PREC_SUM)} {op} {_wrap(b, _PREC_SUM)}"
        case In(operand=x, items=items, negated=neg):
            listed = ", ".join(_literal_text(i.value) for i in items)
            return f"{_wrap(x, _PREC_SUM)} {'not in' if neg else 'in'} [{listed}]"
        case BoolOp(op=op, left=a, right=b):
            p = _prec(expr)
            return f"{_wrap(a, p)} {op} {_wrap(b, p + 1)}"
        case Call(func=func, args=args):
            return f"{func}({', '.join(to_text(a) for a in args)})"
    raise TypeError(f"不是表达式节点：{expr!r}")


# --------------------------------------------------------------------------------------- evaluation


def scalar(value: object) -> Scalar:
    """A fact value as the grammar sees it: bool, float, str or None (null).

    Ints, Decimals and numpy numbers become floats; NaN, ±inf and pandas NA become null.
    Anything else (dates, lists…) raises TypeError.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, float | int | Decimal | numbers.Real):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if type(value).__name__ == "NAType":  # pandas.NA, without importing pandas here
        return None
    item = getattr(value, "item", None)  # numpy scalars: numpy.bool_, numpy.int64 …
    if callable(item):
        plain = item()
        if plain is not value and isinstance(plain, bool | int | float | str):
            return scalar(plain)
    raise TypeError(f"不支持的字段值类型 {type(value).__name__}：{value!r}")


def _num(value: Scalar) -> float | None:
    return value if isinstance(value, float) else None


def _rounded(value: float) -> float:
    return round(value, PRECISION)


def _arith(op: str, a: Scalar, b: Scalar) -> float | None:
    x, y = _num(a), _num(b)
    if x is None or y is None:
        return None
    if op == "+":
        r = x + y
    elif op == "-":
        r = x - y
    elif op == "*":
        r = x * y
    elif y == 0:
        return None
    else:
        r = x / y
    return r if math.isfinite(r) else None


def compare_values(op: str, a: Scalar, b: Scalar) -> bool:
    """Semantics rules 2–4 for two evaluated operands (neither is the literal null)."""
    if a is None or b is None:
        return False
    if isinstance(a, float) and isinstance(b, float):
        x, y = _rounded(a), _rounded(b)
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x == y, "!=": x != y}[op]
    if op in ORDER_OPS or type(a) is not type(b):
        return False
    return a == b if op == "==" else a != b


def _is_null_literal(e: Expr) -> bool:
    return isinstance(e, Literal) and e.value is None


def holds(expr: Expr, fact: Mapping[str, object]) -> bool:
    """Whether a condition holds for a fact (its value is exactly true)."""
    return evaluate(expr, fact) is True


def evaluate(expr: Expr, fact: Mapping[str, object]) -> Scalar:
    """The reference evaluator: the value of expr for one fact, following the module semantics."""
    match expr:
        case Literal(value=v):
            return v
        case Field(name=name):
            return scalar(fact.get(name))
        case Neg(operand=x):
            v = _num(evaluate(x, fact))
            return None if v is None else -v
        case Not(operand=x):
            return not holds(x, fact)
        case BinOp(op=op, left=a, right=b):
            return _arith(op, evaluate(a, fact), evaluate(b, fact))
        case Compare(op=op, left=a, right=b):
            if op in ("==", "!=") and (_is_null_literal(a) or _is_null_literal(b)):
                other = evaluate(b if _is_null_literal(a) else a, fact)
                return (other is None) == (op == "==")
            return compare_values(op, evaluate(a, fact), evaluate(b, fact))
        case In(operand=x, items=items, negated=neg):
            v = evaluate(x, fact)
            found = any((v is None) if i.value is None else compare_values("==", v, i.value) for i in items)
            return found != neg
        case BoolOp(op="and", left=a, right=b):
            return holds(a, fact) and holds(b, fact)
        case BoolOp(left=a, right=b):
            return holds(a, fact) or holds(b, fact)
        case Call(func=func, args=args):
            values = [_num(evaluate(a, fact)) for a in args]
            if any(v is None for v in values):
                return None
            nums = [v for v in values if v is not None]
            return abs(nums[0]) if func == "abs" else (min(nums) if func == "min" else max(nums))
    raise TypeError(f"不是表达式节点：{expr!r}")


# ----------------------------------------------------------------------------------- static checks


def check_fields(expr: Expr, known: Iterable[str]) -> list[str]:
    """Field names expr reads that are not in known, in order of first appearance."""
    names = set(known)
    unknown: list[str] = []
    for node in expr.walk():
        if isinstance(node, Field) and node.name not in names and node.name not in unknown:
            unknown.append(node.name)
    return unknown


_TYPE_NAMES = {float: "数值", str: "字符串", bool: "布尔值", NULL_TYPE: "null"}


def type_name(t: type) -> str:
    """The Chinese name of a value type, for messages."""
    return _TYPE_NAMES.get(t, t.__name__)


def schema_type(t: type) -> type:
    """A schema type as the grammar sees it: int and float are both float."""
    if t in (str, bool, NULL_TYPE):
        return t
    if t is int or t is float or (isinstance(t, type) and issubclass(t, numbers.Real)):
        return float
    raise ExprTypeError(f"字段类型 {t!r} 不受支持（只支持 float / int / str / bool）")


def infer(expr: Expr, schema: Mapping[str, type]) -> type:
    """The static type of expr (float, str, bool or NoneType) given field types; raises ExprTypeError.

    Rejects what can never be useful at run time: ordering strings or booleans, comparing a string
    with a number, arithmetic on non-numbers, and/or/not on non-booleans, ordering against null.
    """

    def need(node: Expr, t: type, allowed: tuple[type, ...], what: str) -> None:
        if t not in allowed and t is not NULL_TYPE:
            raise ExprTypeError(f"{what}需要{'或'.join(map(type_name, allowed))}，"
                                f"但 '{to_text(node)}' 是{type_name(t)}", node.pos)

    def go(e: Expr) -> type:
        match e:
            case Literal(value=v):
                return NULL_TYPE if v is None else type(v)
            case Field(name=name):
                if name not in schema:
                    raise ExprTypeError(f"未知字段 '{name}'", e.pos, hint=did_you_mean(name, schema))
                return schema_type(schema[name])
            case Neg(operand=x):
                need(x, go(x), (float,), "取负")
                return float
            case Call(func=func, args=args):
                for a in args:
                    need(a, go(a), (float,), f"{func}() ")
                return float
            case Not(operand=x):
                need(x, go(x), (bool,), "not ")
                return bool
            case BoolOp(op=op, left=a, right=b):
                need(a, go(a), (bool,), f"{op} ")
                need(b, go(b), (bool,), f"{op} ")
                return bool
            case BinOp(op=op, left=a, right=b):
                need(a, go(a), (float,), f"'{op}' ")
                need(b, go(b), (float,), f"'{op}' ")
                return float
            case Compare(op=op, left=a, right=b):
                ta, tb = go(a), go(b)
                if op in ORDER_OPS:
                    if NULL_TYPE in (ta, tb):
                        raise ExprTypeError(f"与 null 只能用 == 或 != 比较：'{to_text(e)}'", e.pos)
                    need(a, ta, (float,), f"'{op}' ")
                    need(b, tb, (float,), f"'{op}' ")
                elif NULL_TYPE not in (ta, tb) and ta is not tb:
                    raise ExprTypeError(f"不能比较{type_name(ta)}与{type_name(tb)}：'{to_text(e)}'", e.pos)
                return bool
            case In(operand=x, items=items):
                tx = go(x)
                for item in items:
                    ti = go(item)
                    if NULL_TYPE not in (tx, ti) and tx is not ti:
                        raise ExprTypeError(
                            f"in 列表元素 {to_text(item)} 是{type_name(ti)}，而 '{to_text(x)}' 是{type_name(tx)}",
                            e.pos)
                return bool
        raise TypeError(f"不是表达式节点：{e!r}")

    return go(expr)

"""The parser: tokens to AST by recursive descent, one method per grammar level."""

from __future__ import annotations

from collections.abc import Mapping

from scoring.core.errors import did_you_mean
from scoring.rules.expr.ast import BinOp, BoolOp, Call, Compare, Expr, Field, In, Literal, Neg, Not
from scoring.rules.expr.errors import ExprSyntaxError
from scoring.rules.expr.lexer import Token, tokenize
from scoring.rules.expr.text import number_text

FUNCTIONS: Mapping[str, tuple[int, int | None]] = {"abs": (1, 1), "min": (2, None), "max": (2, None)}
COMPARE_OPS = ("<", "<=", ">", ">=", "==", "!=")

# How deep an expression may nest: parentheses, not, unary minus, function calls and each operator
# over its operands all count, so a chain of 64 `and`s is as deep as 64 nested parentheses. The
# parser, evaluators, printer and condition compiler recurse over the tree; within this depth they
# stay far inside Python's recursion limit (3,000 nested `not`s raised RecursionError, issue 11).
# The shipped rulesets' deepest expression has 6 levels.
MAX_DEPTH = 64


def _describe(tok: Token) -> str:
    if tok.kind == "end":
        return "结尾"
    if tok.kind == "str":
        return f'字符串 "{tok.value}"'
    if tok.kind == "num":
        return f"数字 {number_text(float(tok.value))}"
    return f"「{tok.value}」"


_TOO_DEEP = f"表达式嵌套过深：括号、not、负号、函数与连续运算合计最多 {MAX_DEPTH} 层，请拆分为几条较简单的条件"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0  # open parentheses, nots, minuses and calls around the current token

    def enter(self, tok: Token) -> None:
        """One level deeper; past MAX_DEPTH the parser would only recurse towards a RecursionError."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(_TOO_DEEP, tok)

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def at(self, kind: str, value: str | None = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def fail(self, message: str, tok: Token | None = None) -> ExprSyntaxError:
        t = tok or self.tok
        return ExprSyntaxError(message, t.pos, text=self.text)

    def expect(self, value: str, what: str) -> Token:
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
            t = self.advance()
            self.enter(t)
            node = Not(self.not_expr(), pos=t.pos)
            self.depth -= 1
            return node
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
        elif (
            t.kind == "kw"
            and t.value == "not"
            and self.tokens[self.i + 1].kind == "kw"
            and self.tokens[self.i + 1].value == "in"
        ):
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
            self.enter(t)
            node = Neg(self.unary(), pos=t.pos)
            self.depth -= 1
            return node
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
            self.enter(t)
            args = [self.or_expr()]
            while self.at("op", ","):
                self.advance()
                args.append(self.or_expr())
            self.expect(")", f"{name}(…) 的结束括号")
            self.depth -= 1
            low, high = FUNCTIONS[name]
            if len(args) < low or (high is not None and len(args) > high):
                need = f"{low} 个" if low == high else f"至少 {low} 个"
                raise self.fail(f"函数 {name} 需要{need}参数，给了 {len(args)} 个", t)
            return Call(name, tuple(args), pos=t.pos)  # type: ignore[arg-type]
        if t.kind == "op" and t.value == "(":
            self.enter(self.advance())
            inner = self.or_expr()
            self.expect(")", "与前面的 '(' 配对")
            self.depth -= 1
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
    """Parse an expression; raises ExprSyntaxError with the position and a caret line.

    Also refuses an expression nested deeper than MAX_DEPTH or with a literal beyond the lexer's
    literal-size limits, so what it returns is safe for every recursive consumer.
    """
    expr = _Parser(text).parse()
    too_deep = deepest_node_over(expr, MAX_DEPTH)
    if too_deep is not None:
        raise ExprSyntaxError(_TOO_DEEP, max(too_deep.pos, 0), text=text)
    return expr


def deepest_node_over(expr: Expr, limit: int) -> Expr | None:
    """The first node (in post-order) whose subtree is more than limit levels deep, or None.

    Iterative, so it also answers for trees too deep to recurse over. Chains of binary operators
    never nest in the parser (it loops over them) but do nest in the tree, hence this second check.
    """
    heights: dict[int, int] = {}
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        kids = node.children()
        if not expanded:
            stack.append((node, True))
            stack.extend((k, False) for k in kids)
            continue
        height = 1 + max((heights[id(k)] for k in kids), default=0)
        if height > limit:
            return node
        heights[id(node)] = height
    return None

"""The expression AST: frozen nodes with structural equality (positions take no part in it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal as TLiteral
from typing import TypeAlias

Scalar: TypeAlias = float | str | bool | None
NULL_TYPE: type = type(None)


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

"""Errors of the expression grammar: a syntax error shows a caret under the text, a type error a hint."""

from __future__ import annotations

import unicodedata

SNIPPET_CONTEXT = 40  # characters of the expression shown either side of a syntax error


class ExprSyntaxError(ValueError):
    """An expression that does not parse; ``str()`` shows the text with a caret under the error."""

    def __init__(self, message: str, position: int, *, text: str = "") -> None:
        super().__init__(message, position)
        self.message, self.position, self.text = message, position, text

    def snippet(self) -> str:
        """The expression and a caret under the offending character (CJK counts two columns).

        A long expression is cut to SNIPPET_CONTEXT characters either side of the error, so a
        hostile 3,000-parenthesis line gives a readable message, not a screenful.
        """
        if not self.text:
            return ""
        start = max(0, self.position - SNIPPET_CONTEXT)
        end = self.position + SNIPPET_CONTEXT
        before = ("…" if start else "") + self.text[start : self.position]
        shown = before + self.text[self.position : end] + ("…" if end < len(self.text) else "")
        shown = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in shown)  # printable as UTF-8
        return f"  {shown}\n  {' ' * display_width(before)}^"

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


def display_width(text: str) -> int:
    """Terminal columns of text: CJK characters take two, so the caret lines up."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

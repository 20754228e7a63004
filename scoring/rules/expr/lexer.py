"""The tokenizer: keywords, names, numbers (with the literal-size limits), strings and operators."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal as TLiteral

from scoring.rules.expr.errors import ExprSyntaxError

KEYWORDS: Mapping[str, str] = {
    "and": "and",
    "or": "or",
    "not": "not",
    "in": "in",
    "true": "true",
    "false": "false",
    "null": "null",
    "且": "and",
    "或": "or",
    "非": "not",
}

# Literal-size limits (issue 11: a 400-digit number read as float is inf, which no engine can
# compare and durable rejects with "error code 202"; an unbounded literal is unbounded work).
MAX_INTEGER_DIGITS = 20  # digits before the point: 10^20 元 is far beyond any budget, and stays finite
MAX_NUMBER_DIGITS = 340  # all digits of a number: to_text writes every float below 10^20 in full
#                         (no exponent), and 2.2250738585072014e-308 takes 324 of them
MAX_STRING_LENGTH = 1000  # characters in a string literal; names and categories are far shorter

_FULLWIDTH = {
    "（": "(",
    "）": ")",
    "［": "[",
    "］": "]",
    "，": ",",
    "＜": "<",
    "＞": ">",
    "＝": "=",
    "！": "!",
    "＋": "+",
    "－": "-",
    "＊": "*",
    "／": "/",
    "％": "%",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "\u3000": " ",
}
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "”": "”", "’": "’"}
_SYMBOL_HINTS = {
    "&&": "不支持 '&&'，请使用 and",
    "||": "不支持 '||'，请使用 or",
    "!": "不支持 '!'，请使用 not",
    "=": "比较相等请使用 '=='",
    "&": "不支持 '&'，请使用 and",
    "|": "不支持 '|'，请使用 or",
}


# A lone UTF-16 surrogate (text decoded with surrogateescape) cannot be written as UTF-8, so no
# engine could be given a string holding one.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Token:
    kind: TLiteral["num", "str", "name", "kw", "op", "end"]
    value: str | float
    pos: int


def is_name_start(ch: str) -> bool:
    return ch == "_" or ch.isalpha()


def is_name_char(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or "0" <= ch <= "9"


def number_too_long(integer_digits: int, all_digits: int) -> str:
    """Why a number literal breaks the literal-size limits ("" when it does not)."""
    if integer_digits > MAX_INTEGER_DIGITS:
        return f"数字过大：整数部分有 {integer_digits} 位，最多 {MAX_INTEGER_DIGITS} 位"
    if all_digits > MAX_NUMBER_DIGITS:
        return f"数字过长：共 {all_digits} 位数字，最多 {MAX_NUMBER_DIGITS} 位"
    return ""


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)

    def fail(message: str, at: int) -> ExprSyntaxError:
        return ExprSyntaxError(message, at, text=text)

    surrogate = _SURROGATE.search(text)
    if surrogate:
        raise fail(f"无效字符 U+{ord(surrogate.group()):04X}（孤立的代理字符），请检查文件编码", surrogate.start())
    while i < n:
        raw = text[i]
        ch = _FULLWIDTH.get(raw, raw)
        if ch.isspace():
            i += 1
        elif ch in ("<=", ">=", "!="):  # ≤ ≥ ≠
            tokens.append(Token("op", ch, i))
            i += 1
        elif "0" <= ch <= "9":
            start = i
            while i < n and "0" <= text[i] <= "9":
                i += 1
            point = i  # where the integer part ends
            if i < n and text[i] == "." and i + 1 < n and "0" <= text[i + 1] <= "9":
                i += 1
                while i < n and "0" <= text[i] <= "9":
                    i += 1
            too_long = number_too_long(point - start, i - start - (point < i))
            if too_long:
                raise fail(too_long, start)
            digits = Decimal(text[start:i])
            if i < n and _FULLWIDTH.get(text[i], text[i]) == "%":
                digits /= 100
                i += 1
            if i < n and is_name_char(text[i]):
                raise fail(f"数字后紧跟 '{text[i]}'，缺少运算符或空格", i)
            tokens.append(Token("num", float(digits), start))
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
                if len(chars) >= MAX_STRING_LENGTH:
                    raise fail(f"字符串过长：最多 {MAX_STRING_LENGTH} 个字符", start)
                if c == "\\":
                    if i + 1 >= n or text[i + 1] not in _ESCAPES:
                        raise fail("无效的转义符（可用 \\\\ \\\" \\' \\n \\t \\r）", i)
                    chars.append(_ESCAPES[text[i + 1]])
                    i += 2
                else:
                    chars.append(c)
                    i += 1
            tokens.append(Token("str", "".join(chars), start))
        elif is_name_start(ch):
            start = i
            while i < n and is_name_char(text[i]):
                i += 1
            word = text[start:i]
            if word in KEYWORDS:
                tokens.append(Token("kw", KEYWORDS[word], start))
            else:
                tokens.append(Token("name", word, start))
        else:
            two = ch + _FULLWIDTH.get(text[i + 1], text[i + 1]) if i + 1 < n else ch
            if two in ("<=", ">=", "==", "!="):
                tokens.append(Token("op", two, i))
                i += 2
            elif two in _SYMBOL_HINTS:
                raise fail(_SYMBOL_HINTS[two], i)
            elif ch in "()[],+-*/<>":
                tokens.append(Token("op", ch, i))
                i += 1
            elif ch in _SYMBOL_HINTS:
                raise fail(_SYMBOL_HINTS[ch], i)
            elif ch == "%":
                raise fail("'%' 只能紧跟在数字后表示百分数，如 95%", i)
            else:
                raise fail(f"无法识别的字符 '{raw}'", i)
    tokens.append(Token("end", "", n))
    return tokens

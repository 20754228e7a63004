"""Value types the ruleset schema declares once: finite bounded numbers, shares, years and expression text.

Shared by the ruleset spec (scoring.rules.spec) and the scoring methods' parameter models
(scoring.rules.methods), so a number means the same thing wherever a rule author writes one.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

MAX_ABS = 1e12  # no weight, threshold or amount in a 自评表 comes near this; durable fails far above it
MAX_DIGITS = 15  # digits a number may have (a double keeps 15–17 significant digits)


class Strict(BaseModel):
    """Base of every ruleset model: unknown keys are errors (a misspelt key must never be ignored)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def shown(value: Any) -> str:
    """How an unexpected YAML value is named in an error: 文字 'abc', 列表, 映射, 真假值 true, 空值."""
    if isinstance(value, str):
        return f"文字 '{value[:40]}'"
    if isinstance(value, bool):
        return f"真假值 {str(value).lower()}"
    if isinstance(value, dict):
        return "映射（key: value）"
    if isinstance(value, list):
        return "列表"
    if value is None:
        return "空值"
    return f"{type(value).__name__} {value!r}"[:60]


def _number(value: Any) -> Any:
    """A YAML number, refusing text, booleans, NaN, ±inf and literals too long to be meant."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"应为 数值，而不是 {shown(value)}")
    if isinstance(value, int) and len(str(abs(value))) > MAX_DIGITS:
        raise ValueError(f"数值位数过多（{len(str(abs(value)))} 位，最多 {MAX_DIGITS} 位）")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("不能为 NaN 或无穷大（.nan / .inf）")
    if abs(value) > MAX_ABS:
        raise ValueError(f"数值过大（绝对值不超过 {MAX_ABS:g}）")
    return float(value)


def _text(value: Any) -> Any:
    """Text; a YAML number is read as its text (targets like 100 or version 2020.1), other types refused."""
    if isinstance(value, bool | list | dict) or value is None:
        raise ValueError(f"应为 文字，而不是 {shown(value)}")
    return str(value) if isinstance(value, int | float) else value


def _given(value: Any) -> Any:
    """An optional number may be left out, but `points:` with nothing after it (null) is a mistake."""
    if value is None:
        raise ValueError("不能为空值（删去这一项，或填写数值）")
    return value


Num = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
NonNeg = Annotated[Num, Field(ge=0)]
Positive = Annotated[Num, Field(gt=0)]
Share = Annotated[Num, Field(ge=0, le=1)]
Year = Annotated[int, Field(ge=1900, le=2200, strict=True)]
# A number where text is expected (`version: 2020.1`, `target: 100`) is read as its text, so editors accept both.
Text = Annotated[str, BeforeValidator(_text), Field(max_length=20_000), WithJsonSchema({"type": ["string", "number"]})]
Name = Annotated[Text, Field(min_length=1, max_length=200)]
Given = BeforeValidator(_given)  # on `X | None = None` fields: absent is fine, an explicit null is refused

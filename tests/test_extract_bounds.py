"""The extractor's work grows linearly with the report (scoring/io/extract/): a digit run longer than a figure is
hidden from every pattern (`mask_long_numbers`), and the part-year periods are found once, not once per indicator.

No timed assertions (the machine is shared): the linearity test compares two runs of the same process, ten times
the text against one, with a generous bound (quadratic work makes the ratio about 100)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import deadline

from scoring.io.extract import extract_path, extract_text
from scoring.io.extract.patterns import MAX_FIGURE_CHARS, MAX_FIGURE_DIGITS, mask_long_numbers

MIXED = "项目预算资金1234567890123456789万元，执行率95.5%，完成绿化12345678个微公园。共1,234,567,890,123,456.50元\n"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("1" * MAX_FIGURE_DIGITS, "1" * MAX_FIGURE_DIGITS),
        ("1" * (MAX_FIGURE_DIGITS + 1), "#" * (MAX_FIGURE_DIGITS + 1)),
        ("共1,234,567,890,123.50元", "共1,234,567,890,123.50元"),
        ("共" + "1," * 17 + "元", "共" + "#" * 34 + "元"),
        ("编号" + "9" * 30 + "，资金12万元", "编号" + "#" * 30 + "，资金12万元"),
    ],
    ids=["cap", "over-cap", "thousands", "comma-run", "in-sentence"],
)
def test_mask_long_numbers(text: str, masked: str) -> None:
    assert mask_long_numbers(text) == masked and len(masked) == len(text)
    assert len("1,234,567,890,123.50") < MAX_FIGURE_CHARS


def test_a_number_longer_than_a_figure_is_not_read() -> None:
    ex = extract_text(
        "2024年度项目支出绩效自评报告\n项目预算资金" + "1" * 25 + "万元，完成绿化" + "2" * 30 + "个微公园。\n"
    )
    assert not [f for f in ex.facts if "1" * 21 in f.text or "2" * 21 in f.text]
    assert "1" * 25 not in ex.text  # the text the facts point into is the masked one, offsets unchanged


def cpu_seconds(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


@pytest.mark.parametrize("unit", ["1", MIXED], ids=["digits", "mixed"])
def test_scan_is_linear(unit: str, tmp_path: Path) -> None:
    """20 KB and 200 KB of a digit run, or of sentences with long numbers, 万元, % and a count unit, read as a
    .txt report: ten times the text costs well under thirty times the work."""
    small, big = ((unit * (n // len(unit) + 1))[:n] for n in (20_000, 200_000))
    path = tmp_path / "报告.txt"
    path.write_text(big, encoding="utf-8")
    extract_text(unit)  # load the library and phrasings before measuring
    with deadline(600):
        one = min(cpu_seconds(lambda: extract_text(small)) for _ in range(2))
        ten = cpu_seconds(lambda: extract_path(path))
    assert ten < 30 * max(one, 0.01), f"10 倍文本用时 {ten / one:.1f} 倍"

"""The labelled report corpus: extraction recall per field kind never falls below the recorded figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_extract import RECORDED, measure  # noqa: E402


@pytest.fixture(scope="module")
def tallies():  # type: ignore[no-untyped-def]
    return measure()


def test_corpus_is_labelled_and_sourced() -> None:
    import yaml

    labels = sorted((ROOT / "tests" / "data" / "reports").glob("*.yaml"))
    assert len(labels) >= 14
    for path in labels:
        label = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert str(label["source"]).startswith("http"), path.name
        assert path.with_suffix(".txt").is_file(), path.name
        assert label["kind"] in ("项目支出", "部门整体"), path.name


@pytest.mark.parametrize("kind", ["unit_name", "year", "budget", "projects", "indicators"])
def test_recall_and_precision_hold_the_recorded_floor(tallies, kind: str) -> None:  # type: ignore[no-untyped-def]
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))[kind]
    assert tallies[kind].recall >= recorded["recall"] - 1e-9, tallies[kind].misses
    assert tallies[kind].precision >= recorded["precision"] - 1e-9

"""Chunked runs (issue 15): a province run in chunks of departments — in turn, on processes, or on a Dask
LocalCluster — gives the same scores, ranks, findings and rejections as one run over all departments."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from scoring import api
from scoring.adapters.dask import map_on_cluster
from scoring.core.errors import UsageError
from scoring.io.raw import RawData
from scoring.io.readers import load
from scoring.model.run import Run
from scoring.rules.ruleset import Ruleset, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import build, write  # noqa: E402


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> RawData:
    """23 departments (chunks of 5 leave a short last one) with 5 % bad rows to reject."""
    folder = tmp_path_factory.mktemp("province")
    write(build(23, projects=3, indicators=8, seed=11, bad_share=0.05), folder, "bulk")
    return load(folder)


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset("mof-project")


@pytest.fixture(scope="module")
def whole(province: RawData, ruleset: Ruleset) -> Run:
    return api.run_raw(province, ruleset, 2024, chunk=None)


def _findings(run: Run) -> list[tuple[object, ...]]:
    return sorted(
        (f.rule_id, f.dept_code or "", f.subjects, f.severity, f.problem, f.cause, f.measure, len(f.facts))
        for f in run.findings
    )


def _rejections(run: Run) -> list[tuple[object, ...]]:
    return sorted(
        (r.table, str(r.source.file), r.source.row or 0, r.source.column or "", r.reason)
        for r in run.dataset.rejections
    )


def _items(run: Run) -> pd.DataFrame:
    return run.result.items.sort_values(["dept_code", "project_code", "indicator_id", "_row"]).reset_index(drop=True)


def assert_same_run(got: Run, want: Run) -> None:
    assert got.counts == want.counts
    pd.testing.assert_frame_equal(got.result.departments, want.result.departments)  # ranks over the province
    pd.testing.assert_frame_equal(_items(got), _items(want))
    assert _findings(got) == _findings(want)
    assert _rejections(got) == _rejections(want)
    dept_facts = {f["dept_code"]: f["rank"] for f in got.facts if f["kind"] == "department"}
    assert dept_facts == {f["dept_code"]: f["rank"] for f in want.facts if f["kind"] == "department"}


def test_the_province_splits_into_chunks_of_whole_departments(province: RawData) -> None:
    parts = api.split_departments(province, 5)
    assert [len(p["departments"]) for p in parts] == [5, 5, 5, 5, 3]
    for p in parts:  # every row of a department sits with its department
        codes = set(p["departments"]["dept_code"])
        assert set(p["projects"]["dept_code"]) == codes and set(p["indicators"]["dept_code"]) == codes
    assert sum(len(p["indicators"]) for p in parts) == len(province["indicators"])


def test_codes_written_as_numbers_or_text_and_blank_codes_stay_together() -> None:
    depts = pd.DataFrame({"dept_code": ["431", "432", "433"], "_row": [2, 3, 4]})
    inds = pd.DataFrame({"dept_code": [433.0, " 431 ", None, 432.0], "_row": [2, 3, 4, 5]})
    raw = RawData(
        {
            "departments": depts,
            "indicators": inds,
            "projects": inds.iloc[0:0],
            "budget": inds.iloc[0:0],
            "dept_indicators": inds.iloc[0:0],
            "notes": inds.iloc[0:0],
        },
        problems=(UsageError("x"),),  # type: ignore[arg-type]
    )
    parts = api.split_departments(raw, 1)
    assert [p["indicators"]["_row"].tolist() for p in parts] == [[3, 4], [5], [2]]  # blank code: first chunk
    assert [len(p.problems) for p in parts] == [1, 0, 0]  # a load problem is reported once


@pytest.mark.parametrize("chunk, jobs", [(5, 1), (7, 2)], ids=["chunks-of-5", "on-2-processes"])
def test_chunked_runs_equal_one_run(province: RawData, ruleset: Ruleset, whole: Run, chunk: int, jobs: int) -> None:
    assert len(whole.findings) > 20 and whole.dataset.rejections  # something to compare
    assert_same_run(api.run_raw(province, ruleset, 2024, chunk=chunk, jobs=jobs), whole)


def test_dask_local_cluster_with_two_workers_equals_the_local_engine(
    province: RawData, ruleset: Ruleset, whole: Run
) -> None:
    pytest.importorskip("distributed")
    assert_same_run(api.run_raw(province, ruleset, 2024, chunk=8, jobs=2, executor="dask"), whole)


def test_an_unreachable_scheduler_is_a_usage_error() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(UsageError, match="无法连接 Dask 调度器 tcp://127.0.0.1:9"):
        map_on_cluster(len, [[1]], "tcp://127.0.0.1:9", timeout="1s")


@pytest.mark.parametrize("kw", [{"chunk": 0}, {"jobs": 0}], ids=["chunk-0", "jobs-0"])
def test_chunk_and_jobs_must_be_positive(province: RawData, ruleset: Ruleset, kw: dict[str, int]) -> None:
    with pytest.raises(UsageError, match="应为正整数"):
        api.run_raw(province, ruleset, 2024, **kw)  # type: ignore[arg-type]

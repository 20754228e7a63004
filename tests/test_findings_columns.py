"""The column-wise findings path against the per-row durable path: the same findings, finding for finding.

Facts are generated from a seed (hypothesis draws the seed, the ruleset and the size): many departments per
example, each with projects, indicators and checks whose values sit on the shipped rules' boundaries and whose
names repeat, so that findings merge by key and by text, quote the department's explanation or not, and use
``problem_merged``. Every shipped ruleset and the common-findings fragment are run as written, and with every
rule's merge key removed or set to the department (the grouping paths the shipped rules do not combine).
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import api
from scoring.core.yamlio import load_yaml
from scoring.pipeline.facts import Facts, FactView
from scoring.pipeline.findings import match, run_findings
from scoring.rules import expr as ex
from scoring.rules.fact_fields import SCHEMA
from scoring.rules.finding_rules import FindingRule, compile_findings
from scoring.rules.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("mof-project", "province-dept", "variant-10-90")
FRAGMENT = ROOT / "rulesets" / "fragments" / "common-findings.yaml"


def _rulesets() -> dict[str, tuple[FindingRule, ...]]:
    out = {name: load_ruleset(name).findings for name in SHIPPED}
    raw = load_yaml(FRAGMENT)
    out["fragments/common-findings"] = compile_findings(raw["findings"], file=FRAGMENT, schema=SCHEMA)
    return out


RULESETS = _rulesets()
VARIANTS = ("as-written", "no-merge-key", "merge-by-department")


def _variant(rules: tuple[FindingRule, ...], variant: str) -> tuple[FindingRule, ...]:
    if variant == "no-merge-key":
        return tuple(replace(r, merge_key=None) for r in rules)
    if variant == "merge-by-department":
        return tuple(replace(r, merge_key=r.merge_key or "{dept_code}") for r in rules)
    return rules


def _literals(rules: Sequence[FindingRule]) -> dict[tuple[str, str], list[ex.Scalar]]:
    """(kind, field) → the constants the rules compare it with, each also nudged just past the boundary."""
    out: dict[tuple[str, str], list[ex.Scalar]] = {}
    for rule in rules:
        for node in rule.when.walk():
            if isinstance(node, ex.Compare | ex.In):
                sides = (node.left, node.right) if isinstance(node, ex.Compare) else (node.operand, *node.items)
                for name in (s.name for s in sides if isinstance(s, ex.Field)):
                    for value in (s.value for s in sides if isinstance(s, ex.Literal)):
                        near = [value + d for d in (-1e-12, -0.01, 0.01)] if isinstance(value, float) else []
                        out.setdefault((rule.on, name), []).extend([value, *near])
    return out


NAMES = {  # small pools: the same name in several facts makes texts equal and subjects repeat
    "project_name": ["道路维修", "学生资助", "环境整治", ""],
    "name": ["完成率", "覆盖人数", "满意度", "成本"],
    "dept_name": ["城管局", "教育局", ""],
    "title": ["年度", "金额单位", "合计"],
    "subject": ["项目A", ""],
    "deviation_reason": ["", "  ", "受疫情影响", "资金到位晚"],
    "message": ["2023年数据", "合计不符"],
    "target_text": ["≥95%", "100件", "有效提升"],
    "actual_text": ["90%", "80件", "达成预期指标", ""],
    "rejected_levels": ["产出指标", "项目信息"],
    "grade": ["优", "良", "中", "差"],
}
NUMBERS = [0.0, -0.0, 0.5, 0.8, 0.85, 0.9, 0.95, 1.0, 1.25, 2.675, 12.0, 80.0, 100.5, 1255.115, 3.0, 1e6]


def _value(
    kind: str, name: str, typ: type, literals: Mapping[tuple[str, str], list[ex.Scalar]], rng: random.Random
) -> object:
    if rng.random() < 0.08:
        return None
    if rng.random() < 0.01:  # NaN is null too, wherever it stands (a subject shows it as "nan")
        return float("nan")
    seen = [v for v in literals.get((kind, name), []) if type(v) is ex.schema_type(typ)]
    if seen and rng.random() < 0.5:
        return rng.choice(seen)
    if typ is bool:
        return rng.random() < 0.5
    if typ is str:
        return rng.choice(NAMES.get(name, [f"{name}-{rng.randrange(3)}"]))
    if rng.random() < 0.03:
        return float("nan")
    return rng.choice(NUMBERS) if rng.random() < 0.6 else round(rng.uniform(0, 1.5), rng.choice([2, 4, 12]))


def generate(rules: Sequence[FindingRule], seed: int, departments: int) -> list[dict[str, object]]:
    """Facts of `departments` departments in build_facts' order (departments, projects, indicators, checks); every
    fact holds every field of its kind."""
    rng = random.Random(seed)
    literals = _literals(rules)
    by_kind: dict[str, list[dict[str, object]]] = {k: [] for k in ("department", "project", "indicator", "check")}

    def fact(kind: str, **fixed: object) -> None:
        row = {n: _value(kind, n, t, literals, rng) for n, t in SCHEMA[kind].items()}
        row.update(fixed, kind=kind)
        by_kind[kind].append(row)

    for d in range(departments):
        dept = None if rng.random() < 0.05 else f"D{d % max(1, departments - 1)}"  # a code may repeat
        fact("department", dept_code=dept)
        for p in range(rng.randrange(5)):
            fact("project", dept_code=dept, project_code=f"P{p}")
            for _ in range(rng.randrange(6)):
                fact("indicator", dept_code=dept, project_code=rng.choice([f"P{p}", f"P{p}", None]))
        for _ in range(rng.randrange(3)):
            fact("check", dept_code=dept)
    return [f for kind in by_kind.values() for f in kind]


def as_facts(facts: Sequence[Mapping[str, object]]) -> Facts:
    """The same facts as build_facts holds them: one frame of object columns per kind."""
    frames = []
    for kind in dict.fromkeys(str(f["kind"]) for f in facts):
        rows = [f for f in facts if f["kind"] == kind]
        names = list(rows[0])
        frames.append(
            pd.DataFrame(
                {n: pd.Series(np.array([r[n] for r in rows] + [None], dtype=object)[:-1], dtype=object) for n in names}
            )
        )
    return Facts(frames)


def _sparse(facts: Sequence[Mapping[str, object]], rng: random.Random) -> list[dict[str, object]]:
    """The facts with some null fields left out (a missing field is null, as in durable)."""
    return [{k: v for k, v in f.items() if v is not None or rng.random() < 0.5} for f in facts]


@given(
    seed=st.integers(0, 2**32 - 1),
    ruleset=st.sampled_from(sorted(RULESETS)),
    variant=st.sampled_from(VARIANTS),
    departments=st.integers(1, 25),
)
def test_columns_find_what_durable_finds(seed: int, ruleset: str, variant: str, departments: int) -> None:
    rules = _variant(RULESETS[ruleset], variant)
    facts = generate(rules, seed, departments)
    expected = run_findings(rules, facts, engine="durable")
    assert run_findings(rules, facts) == expected
    assert run_findings(rules, as_facts(facts)) == expected
    sparse = _sparse(facts, random.Random(seed))
    assert run_findings(rules, sparse) == run_findings(rules, sparse, engine="durable")
    assert match(rules, sparse) == match(rules, sparse, engine="durable")


def test_generated_facts_exercise_every_grouping() -> None:
    """The generator is strong enough: across a few seeds the shipped rules merge by key, by text, with
    problem_merged and with the department's own explanation, and some departments have no code."""
    rules = _variant(RULESETS["mof-project"], "no-merge-key") + RULESETS["mof-project"]
    rules = tuple(replace(r, id=f"{r.id}-{n}") for n, r in enumerate(rules))
    found = [f for seed in range(5) for f in run_findings(rules, generate(rules, seed, 20))]
    by_id = {r.id: r for r in rules}
    assert any(len(f.facts) > 1 and by_id[f.rule_id].merge_key for f in found)
    assert any(len(f.facts) > 1 and not by_id[f.rule_id].merge_key for f in found)
    assert any(len(f.facts) > 1 and by_id[f.rule_id].problem_merged for f in found)
    assert any(f.cause.startswith("单位说明") for f in found) and any(f.dept_code is None for f in found)


@pytest.mark.parametrize("ruleset", SHIPPED)
def test_pipeline_findings_equal_per_row_durable(ruleset: str) -> None:
    """The whole pipeline on synthetic departments (build_facts' frames, not dicts): both engines agree."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic import build

    raw = build(6, 4, 8, seed=11)
    columns = api.run_raw(raw, load_ruleset(ruleset), 2024, engine="columns", chunk=None)
    durable = api.run_raw(raw, load_ruleset(ruleset), 2024, engine="durable", chunk=None)
    assert columns.findings and columns.findings == durable.findings


def test_facts_are_built_once_and_only_when_read() -> None:
    """Findings keep views of their facts: no dict is built until one is read, and then it is the dict Facts gives."""
    plain = generate(RULESETS["mof-project"], 1, 5)
    facts = as_facts(plain)
    found = run_findings(RULESETS["mof-project"], facts)
    views = [v for f in found for v in f.facts if isinstance(v, FactView)]
    before = {i for i, d in enumerate(facts._dicts) if d is not None}  # only where problem_merged read a fact
    assert views and len(before) < len(views) and len(views) == sum(len(f.facts) for f in found)
    view = next(v for v in views if v._index not in before)
    assert view == plain[view._index]
    after = {i for i, d in enumerate(facts._dicts) if d is not None}
    assert after - before == {view._index} and view._dict() is facts[view._index]
    again = pickle.loads(pickle.dumps(found))  # to worker processes and back: plain dicts
    assert [f.to_dict() for f in again] == [f.to_dict() for f in found]
    assert type(again[0].facts[0]) is dict and type(pickle.loads(pickle.dumps(view))) is dict
    found_back, facts_back = pickle.loads(pickle.dumps((found, facts)))  # a run sent back by a worker process
    assert any(found_back[0].facts[0] is f for f in facts_back)  # one dict, as before (merge_runs sets ranks on it)
    assert {**view} == dict(view) == facts[view._index] and len(view) == len(plain[view._index])
    assert list(facts) == plain and facts[-1] is facts[len(facts) - 1] and facts[1:3] == plain[1:3]
    assert facts.take([2, 0, 2]) == [plain[2], plain[0], plain[2]]
    with pytest.raises(ValueError, match="one kind per frame"):
        Facts([facts.frames[0], facts.frames[0]])


def test_unknown_kind_value_and_schema_errors_match_durable() -> None:
    from scoring.adapters.durable import FactError

    rules = RULESETS["mof-project"]
    for bad in ({"execution_rate": "50%"}, {"execution_rate": [1]}):
        facts: list[dict[str, Any]] = [{"kind": "project", "dept_code": "D1", "project_name": "x", **bad}]
        if isinstance(bad["execution_rate"], str):
            assert run_findings(rules, facts) == run_findings(rules, facts, engine="durable")
            with pytest.raises(FactError) as columns_error:
                run_findings(rules, facts, schema=SCHEMA)
        else:
            with pytest.raises(FactError) as columns_error:
                run_findings(rules, facts)
        assert columns_error.value.index == 0 and columns_error.value.field == "execution_rate"
    with pytest.raises(FactError):
        run_findings(rules, [{"kind": None}])

"""Time the shipped finding conditions column-wise against the per-row reference evaluator, in one run.

Not a test: machines here are shared and noisy, so read the ratios, not the absolute seconds.
    python benchmarks/bench_conditions.py [--facts 100000] [--ruleset mof-project] [--durable]

Facts are generated per kind from the fact schema (scoring/rules/fact_fields.py) in the mix of a
synthetic province (mostly indicators), with 5 % nulls, numbers spread around the published
boundaries (rates 0.5–1.5) and strings drawn from the literals the rules compare against, so that
every condition matches some facts. Both evaluators' answers are compared before times are printed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's scoring, not an installed one

from scoring.rules import expr as ex  # noqa: E402
from scoring.rules.expr.columns import Columns, evaluate_columns  # noqa: E402
from scoring.rules.fact_fields import SCHEMA  # noqa: E402
from scoring.rules.finding_rules import FindingRule  # noqa: E402
from scoring.rules.ruleset import load_ruleset  # noqa: E402

MIX = {"indicator": 0.80, "project": 0.15, "check": 0.04, "department": 0.01}
T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def literals(rules: tuple[FindingRule, ...]) -> dict[tuple[str, str], list[ex.Scalar]]:
    """(kind, field) → the constants rules compare that field with."""
    out: dict[tuple[str, str], list[ex.Scalar]] = {}
    for rule in rules:
        for node in rule.when.walk():
            if isinstance(node, ex.Compare | ex.In):
                sides = (node.left, node.right) if isinstance(node, ex.Compare) else (node.operand, *node.items)
                names = [s.name for s in sides if isinstance(s, ex.Field)]
                consts = [s.value for s in sides if isinstance(s, ex.Literal)]
                for name in names:
                    out.setdefault((rule.on, name), []).extend(consts)
    return out


def generate(
    kind: str, count: int, fields: Mapping[str, type], seen: dict[tuple[str, str], list[ex.Scalar]], rng: random.Random
) -> list[dict[str, object]]:
    facts: list[dict[str, object]] = []
    for i in range(count):
        fact: dict[str, object] = {"kind": kind}
        for name, t in fields.items():
            if name == "kind":
                continue
            if rng.random() < 0.05:
                fact[name] = None
            elif t is bool:
                fact[name] = rng.random() < 0.5
            elif t is str:
                choices = [v for v in seen.get((kind, name), []) if isinstance(v, str)]
                fact[name] = rng.choice([*choices, f"{name}-{i % 50}"])
            else:
                numbers = [v for v in seen.get((kind, name), []) if isinstance(v, float)]
                fact[name] = rng.choice(numbers) if numbers and rng.random() < 0.2 else round(rng.uniform(0.5, 1.5), 4)
        facts.append(fact)
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--ruleset", default="mof-project")
    parser.add_argument("--durable", action="store_true", help="also time the per-row durable_rules path")
    args = parser.parse_args()

    rules = load_ruleset(args.ruleset).findings
    seen = literals(rules)
    rng = random.Random(2024)
    by_kind = {kind: generate(kind, round(args.facts * share), SCHEMA[kind], seen, rng) for kind, share in MIX.items()}
    total = sum(map(len, by_kind.values()))

    frames, t_frames = timed(lambda: {kind: pd.DataFrame.from_records(facts) for kind, facts in by_kind.items()})

    def reference() -> dict[str, list[bool]]:
        return {r.id: [ex.holds(r.when, f) for f in by_kind[r.on]] for r in rules}

    def one_by_one() -> dict[str, list[bool]]:
        return {r.id: evaluate_columns(r.when, frames[r.on]).tolist() for r in rules}

    def shared() -> dict[str, list[bool]]:  # each kind's columns read once for all its rules
        prepared = {kind: Columns(frame) for kind, frame in frames.items()}
        return {r.id: prepared[r.on].holds(r.when).tolist() for r in rules}

    expected, t_reference = timed(reference)
    got_single, t_single = timed(one_by_one)
    got, t_columns = timed(shared)
    if got_single != got:
        raise SystemExit("evaluate_columns and Columns.holds disagree")
    if got != expected:
        bad = [rid for rid in expected if got[rid] != expected[rid]]
        raise SystemExit(f"column-wise results differ from the reference evaluator for {bad}")
    matched = sum(sum(v) for v in expected.values())

    print(
        f"{len(rules)} conditions of {args.ruleset} over {total:,} facts "
        f"({', '.join(f'{len(v):,} {k}' for k, v in by_kind.items())}); {matched:,} (rule, fact) matches"
    )
    print(f"  reference evaluator, per row   {t_reference:8.3f} s")
    print(f"  column-wise, evaluate_columns  {t_single:8.3f} s   ratio {t_reference / t_single:6.1f}×")
    print(f"  column-wise, Columns per kind  {t_columns:8.3f} s   ratio {t_reference / t_columns:6.1f}×")
    print(
        f"  building the DataFrames        {t_frames:8.3f} s   ratio incl. frames "
        f"{t_reference / (t_columns + t_frames):6.1f}×"
    )
    if args.durable:
        from scoring.adapters.durable import RuleEngine
        from scoring.rules.conditions import CompiledRuleSpec

        facts = [f for kind in MIX for f in by_kind[kind]]
        engine = RuleEngine([CompiledRuleSpec(r.id, r.on, r.when) for r in rules])
        matches, t_durable = timed(lambda: engine.run(facts))
        assert len(matches) == matched, (len(matches), matched)
        print(f"  durable_rules, per row         {t_durable:8.3f} s   ratio {t_durable / t_columns:6.1f}×")


if __name__ == "__main__":
    main()

"""Time findings column-wise (the default) against the per-row durable_rules path, in one run (issue 15).

Not a test: machines here are shared and noisy, so read the ratios, not the absolute seconds.
    python benchmarks/bench_findings.py [--departments 1000] [--projects 10] [--indicators 10] [--ruleset mof-project]

Departments come from benchmarks/synthetic.py (bench_pipeline's generator), validated, checked and scored
once. Then, on the same facts:

* per-row: ``run_findings(engine="durable")`` over the facts' dicts, built beforehand (as the facts stage
  built them before issue 15);
* column-wise: ``run_findings`` over ``build_facts``' frames, with no dict built yet (a finding keeps views of
  its facts, whose dicts are built when read); run ``--repeat`` times, each on fresh Facts, and the median taken.

Both give the same findings (checked before times are printed). Also printed: facts + findings, old against
new — the facts stage used to build every fact's dict (``DataFrame.to_dict``), and now builds none.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # synthetic.py
sys.path.insert(0, str(HERE.parent))  # this checkout's scoring, not an installed one

from synthetic import build  # noqa: E402

from scoring.pipeline import checks, facts, findings  # noqa: E402
from scoring.pipeline.score import score  # noqa: E402
from scoring.pipeline.validate import validate  # noqa: E402
from scoring.rules.ruleset import load_ruleset  # noqa: E402

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def timed_cpu(fn: Callable[[], T]) -> tuple[T, float, float]:
    """(result, wall seconds, CPU seconds of this process): on a shared machine the CPU time varies less."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--departments", type=int, default=1000)
    ap.add_argument("--projects", type=int, default=10)
    ap.add_argument("--indicators", type=int, default=10)
    ap.add_argument("--ruleset", default="mof-project")
    ap.add_argument("--repeat", type=int, default=5, help="column-wise runs (median); the per-row path runs once")
    args = ap.parse_args()

    rs = load_ruleset(args.ruleset)
    raw = build(args.departments, args.projects, args.indicators)
    ds = validate(raw, rs)
    chk = checks.run_checks(ds, rs.checks, rs.library)
    result = score(ds, rs)
    fx, t_frames = timed(lambda: facts.build_facts(result, chk))
    rules = rs.findings

    def old_dicts() -> list[dict[str, object]]:  # what the facts stage returned before: every fact's dict
        return [row for frame in fx.frames for row in frame.to_dict("records")]

    dicts, t_dicts = timed(old_dicts)
    findings.run_findings(rules, facts.Facts(fx.frames[:1]))  # compile the rules' durable rulesets outside the timings
    findings.run_findings(rules, dicts[:1], engine="durable")

    new_times, new_cpu = [], []
    new = ()
    for _ in range(args.repeat):
        fresh = facts.Facts(fx.frames)
        new, t, cpu = timed_cpu(lambda fresh=fresh: findings.run_findings(rules, fresh))  # type: ignore[misc]
        new_times.append(t)
        new_cpu.append(cpu)
    old, t_old, cpu_old = timed_cpu(lambda: findings.run_findings(rules, dicts, engine="durable"))
    if new != old:
        raise SystemExit("column-wise findings differ from the per-row durable path")
    t_new, c_new = statistics.median(new_times), statistics.median(new_cpu)
    reported = len({id(f) for x in old for f in x.facts})  # the per-row path's facts are the given dicts

    print(
        f"{args.ruleset}: {args.departments:,} departments × {args.projects} projects × {args.indicators} indicators; "
        f"{len(dicts):,} facts, {reported:,} reported in {len(new):,} findings (the same on both paths)"
    )
    print(f"  findings, per-row durable_rules (dicts given)   {t_old:8.3f} s   CPU {cpu_old:8.3f} s")
    print(
        f"  findings, column-wise (no dict built yet)       {t_new:8.3f} s   CPU {c_new:8.3f} s   (median of "
        f"{args.repeat}: {', '.join(f'{t:.3f}' for t in new_times)})"
    )
    print(f"  ratio old/new findings time                     {t_old / t_new:8.1f}×   CPU {cpu_old / c_new:6.1f}×")
    print(
        f"  facts + findings: old {t_frames + t_dicts + t_old:.3f} s (frames {t_frames:.3f} + every dict "
        f"{t_dicts:.3f} + findings), new {t_frames + t_new:.3f} s; ratio {(t_frames + t_dicts + t_old) / (t_frames + t_new):.1f}×"
    )


if __name__ == "__main__":
    main()

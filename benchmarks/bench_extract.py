"""Recall and precision of `perfscore extract` over the labelled report corpus (tests/data/reports/), per field kind.

Each report NN-slug.txt has a hand-labelled NN-slug.yaml (schema in tests/data/reports/README.md). Field kinds:
- unit name and year: right or not (recall = share of reports where the label is found exactly; a report whose
  label has no unit name, because the text never writes it in full, is right when nothing is extracted);
- budget figures (年初 / 全年 / 到位 / 执行 / 结转结余, in 万元): a labelled figure is found when the extraction holds the
  same amount (±0.005 万元) with the same meaning, for the unit or any project; precision counts every extracted
  budget figure and asks whether some label of that meaning (unit or project) has its amount — a wrong figure is
  worse than a missing one;
- projects: a labelled project is found when an extracted project's name matches (normalised, either contains
  the other);
- indicators: a labelled indicator is found when an extracted indicator row's name matches and its actual
  value, when labelled, agrees.

    python benchmarks/bench_extract.py              # print the table
    python benchmarks/bench_extract.py --record     # also write tests/data/reports/recorded.json (the floor a test
                                                    # holds recall to) and the section of benchmarks/RESULTS-extract.md
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "reports"
RECORDED = CORPUS / "recorded.json"
RESULTS = Path(__file__).resolve().parent / "RESULTS-extract.md"
sys.path.insert(0, str(ROOT))

from scoring.core.values import try_parse_value  # noqa: E402
from scoring.io.extract import Extraction, extract_text  # noqa: E402

MEANINGS = {
    "initial": "budget_initial",
    "final": "budget_final",
    "received": "received",
    "spent": "spent",
    "carryover": "carryover",
}
TOL = 0.005


def norm(text: object) -> str:
    """Names compared without spaces, punctuation and the words 项目/资金/经费."""
    s = re.sub(r"[\s\u3000“”\"'‘’（）()《》、，,。：:；;·\-—]", "", str(text or ""))
    return re.sub(r"项目|资金|经费", "", s)


def same_name(a: object, b: object) -> bool:
    x, y = norm(a), norm(b)
    return bool(x) and bool(y) and (x in y or y in x)


def number(text: object) -> float | None:
    v = try_parse_value(str(text))
    return None if isinstance(v, ValueError) or v.value is None else float(v.value)


@dataclass
class Tally:
    found: int = 0
    labelled: int = 0
    extracted: int = 0
    right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.extracted if self.extracted else 1.0


def extracted_figures(ex: Extraction) -> list[tuple[str, float]]:
    """(meaning, 万元) for every budget figure the extraction holds: budget lines, projects, headline figures."""
    out: list[tuple[str, float]] = [(f.meaning, f.value) for f in getattr(ex, "figures", ())]
    for line in ex.budget:
        for meaning, attr in MEANINGS.items():
            v = getattr(line, attr, None)
            if v is not None:
                out.append((meaning, float(v)))
    for p in ex.projects:
        for meaning, attr in MEANINGS.items():
            v = getattr(p, attr, None)
            if v is not None:
                out.append((meaning, float(v)))
    return out


def labelled_figures(label: dict[str, Any]) -> list[tuple[str, float]]:
    out = [(k, float(v)) for k, v in (label.get("budget") or {}).items() if k in MEANINGS and v is not None]
    for p in label.get("projects") or ():
        if p.get("budget") is not None:
            out.append(("final", float(p["budget"])))
        if p.get("spent") is not None:
            out.append(("spent", float(p["spent"])))
    return out


def has(figures: Iterable[tuple[str, float]], meaning: str, value: float) -> bool:
    return any(m == meaning and abs(v - value) <= TOL for m, v in figures)


def measure(corpus: Path = CORPUS) -> dict[str, Tally]:
    tallies = {k: Tally() for k in ("unit_name", "year", "budget", "projects", "indicators")}
    for label_path in sorted(corpus.glob("*.yaml")):
        label = yaml.safe_load(label_path.read_text(encoding="utf-8"))
        text = label_path.with_suffix(".txt").read_text(encoding="utf-8")
        ex = extract_text(text, source=label_path.with_suffix(".txt"))
        name = label_path.stem
        t = tallies["unit_name"]
        t.labelled += 1
        t.extracted += bool(ex.dept_name)
        if norm(ex.dept_name) == norm(label.get("unit_name")):  # both empty: the text never names the unit
            t.found += 1
            t.right += bool(ex.dept_name)
        else:
            t.misses.append(f"{name}: {ex.dept_name!r} ≠ {label.get('unit_name')!r}")
        t = tallies["year"]
        t.labelled += 1
        t.extracted += ex.year is not None
        if ex.year == label.get("year"):
            t.found += 1
            t.right += 1
        else:
            t.misses.append(f"{name}: {ex.year} ≠ {label.get('year')}")
        got, want = extracted_figures(ex), labelled_figures(label)
        t = tallies["budget"]
        for meaning, value in want:
            t.labelled += 1
            if has(got, meaning, value):
                t.found += 1
            else:
                t.misses.append(f"{name}: {meaning} {value:g}")
        for meaning, value in got:
            t.extracted += 1
            t.right += has(want, meaning, value)
        t = tallies["projects"]
        for p in label.get("projects") or ():
            t.labelled += 1
            if any(same_name(q.name, p["name"]) for q in ex.projects):
                t.found += 1
            else:
                t.misses.append(f"{name}: {p['name']}")
        t.extracted += len(ex.projects)
        t.right += sum(any(same_name(q.name, p["name"]) for p in label.get("projects") or ()) for q in ex.projects)
        t = tallies["indicators"]
        for i in label.get("indicators") or ():
            t.labelled += 1
            want_actual = number(i["actual"]) if i.get("actual") is not None else None
            ok = any(
                same_name(r.name, i["name"]) and (want_actual is None or number(r.actual) == want_actual)
                for r in ex.indicators
            )
            t.found += ok
            if not ok:
                t.misses.append(f"{name}: {i['name']}")
        t.extracted += len(ex.indicators)
        t.right += sum(any(same_name(r.name, i["name"]) for i in label.get("indicators") or ()) for r in ex.indicators)
    return tallies


def table(tallies: dict[str, Tally]) -> str:
    names = {
        "unit_name": "单位名称 unit name",
        "year": "年度 year",
        "budget": "预算数字 budget figures",
        "projects": "项目 projects",
        "indicators": "绩效指标 indicators",
    }
    rows = ["| field | labelled | found | recall | extracted | right | precision |", "|---|---|---|---|---|---|---|"]
    for k, t in tallies.items():
        rows.append(
            f"| {names[k]} | {t.labelled} | {t.found} | {t.recall:.0%} | {t.extracted} | {t.right} "
            f"| {t.precision:.0%} |"
        )
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--record", action="store_true", help="write the recall floor and RESULTS-extract.md")
    ap.add_argument("--misses", action="store_true", help="list what was not found")
    args = ap.parse_args()
    tallies = measure()
    print(table(tallies))
    if args.misses:
        for k, t in tallies.items():
            for m in t.misses:
                print(f"  miss {k}: {m}")
    if args.record:
        RECORDED.write_text(
            json.dumps({k: {"recall": t.recall, "precision": t.precision} for k, t in tallies.items()}, indent=2)
            + "\n",
            encoding="utf-8",
        )
        n = len(list(CORPUS.glob("*.yaml")))
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.is_file() else ""
        before = old[old.index("## Before") :].split("\n## Now", 1)[0].rstrip() + "\n\n" if "## Before" in old else ""
        RESULTS.write_text(
            f"# Extraction over the labelled corpus\n\n{n} reports in tests/data/reports/ "
            f"(`python benchmarks/bench_extract.py --record`).\n\n{before}## Now\n\n"
            f"{table(tallies)}\n",
            encoding="utf-8",
        )
        print(f"wrote {RECORDED} and {RESULTS}")


if __name__ == "__main__":
    main()

"""Target advice (目标设置) on generated departments whose answers are worked by hand below, on both backends.

培训人次 (人, counts: never compared across departments), project P1, target → actual:
    A  2023 100 → 130 (+30 %)   2024 100 → 125 (+25 %)   both ≥ +20 % → over_two_years, suggest min(130, 125) = 125;
                                                          target 100 < last actual 130 → below_last_actual, max = 130
    B  2023 100 → 110 (+10 %)   2024 120 → 150 (+25 %)   one year only; 120 ≥ 110 → nothing
    C  2023 100 → 120 (+20 %)   2024 100 → 120 (+20 %)   exactly +20 % counts (≥) → 120 and 120
结案率 (%, a rate: compared across departments), 2024 only, target → actual:
    A 90 → 95, B 92 → 96, C 95 → 97, D 60 → 98, E 85 → 90
    D: peers' actuals 95, 96, 97, 90 → median 95.5; 60 < 95.5 × 0.8 = 76.4 → below_peers, suggest 95.5
    E: peers 95, 96, 97, 98 → median 96.5; 85 ≥ 77.2 → nothing; A, B, C likewise
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from runs import scored
from typer.testing import CliRunner
from yeardata import put_year

from scoring import api
from scoring.cli import app
from scoring.store.advice import AdviceOptions, advise_store, render_advice
from scoring.store.results import store_run

DATA = Path(__file__).resolve().parent / "data"


def generated(location: str) -> None:
    put_year(
        location,
        2023,
        [
            ("A", "甲局", 90, "优", [("培训人次", "人", 100, 130)]),
            ("B", "乙局", 90, "优", [("培训人次", "人", 100, 110)]),
            ("C", "丙局", 90, "优", [("培训人次", "人", 100, 120)]),
        ],
    )
    put_year(
        location,
        2024,
        [
            ("A", "甲局", 90, "优", [("培训人次", "人", 100, 125), ("结案率", "%", 90, 95)]),
            ("B", "乙局", 90, "优", [("培训人次", "人", 120, 150), ("结案率", "%", 92, 96)]),
            ("C", "丙局", 90, "优", [("培训人次", "人", 100, 120), ("结案率", "%", 95, 97)]),
            ("D", "丁局", 90, "优", [("结案率", "%", 60, 98)]),
            ("E", "戊局", 90, "优", [("结案率", "%", 85, 90)]),
        ],
    )


def test_known_answers(store_location: str) -> None:
    generated(store_location)
    got = [(a.dept_code, a.indicator_id, a.rule, a.suggested) for a in advise_store(store_location, 2024)]
    assert got == [
        ("A", "培训人次", "over_two_years", 125),
        ("A", "培训人次", "below_last_actual", 130),
        ("C", "培训人次", "over_two_years", 120),
        ("C", "培训人次", "below_last_actual", 120),
        ("D", "结案率", "below_peers", 95.5),
    ]
    first = advise_store(store_location, 2024)[0]
    assert first.basis == (
        "建议 2025 年目标不低于 125人（近两年实际值分别为 130人、125人，目标分别为 100人、100人，"
        "均超出当年目标 20% 以上）"
    )
    peers = advise_store(store_location, 2024)[-1]
    assert peers.basis == (
        "建议 2025 年目标不低于 95.5%（同一指标在其他 4 个部门 2024 年实际值的中位数为 95.5%，"
        "本部门目标 60% 低于它 20% 以上）"
    )


def test_thresholds_are_configurable(tmp_path: Path) -> None:
    generated(str(tmp_path))
    # over 30 %: only A 2023 (+30 %) qualifies, A 2024 (+25 %) does not → no over_two_years at all.
    # peer_gap 40 %: D's 60 ≥ 95.5 × 0.6 = 57.3 → no below_peers. min_peers 5: E has only 4 peers anyway.
    got = advise_store(tmp_path, 2024, options=AdviceOptions(over=0.30, peer_gap=0.40))
    assert [(a.dept_code, a.rule) for a in got] == [("A", "below_last_actual"), ("C", "below_last_actual")]
    assert [a.rule for a in advise_store(tmp_path, 2024, options=AdviceOptions(min_peers=5))].count("below_peers") == 0
    # 2023 has no year before it: only a peer rule could fire, and 培训人次 is a count (no peers).
    assert advise_store(tmp_path, 2023) == []


def test_current_run_laid_over_the_store(tmp_path: Path) -> None:
    """Only 2023 stored (维修面积 1300 of 1000); the unstored 2024 run sets 1000 again and reaches 800.

    Both years also set 群众满意度 (canonical 服务对象满意度) ≥90% reaching 92%, and 验收合格率 ≥95% reaching 100%:
    each year's target is below the year before's actual, so those are advised too (suggest 92 and 100).
    """
    folder = tmp_path / "overview"
    shutil.copytree(DATA / "overview", folder)
    info = folder / "单位信息.csv"
    info.write_text(info.read_text(encoding="utf-8").replace(",2024,", ",2023,"), encoding="utf-8")
    ind = folder / "绩效指标.csv"
    ind.write_text(
        ind.read_text(encoding="utf-8").replace("≥1000平方米,800平方米", "≥1000平方米,1300平方米"), encoding="utf-8"
    )
    store_run(api.run_path(folder, "mof-project", 2023), tmp_path / "st")
    run = scored(DATA / "overview", "mof-project")
    got = advise_store(tmp_path / "st", 2024, run=run)
    assert [(a.project_code, a.indicator_id, a.rule, a.target, a.actual, a.suggested) for a in got] == [
        ("T01", "服务对象满意度", "below_last_actual", 90, 92, 92),
        ("T01", "维修面积", "below_last_actual", 1000, 800, 1300),
        ("T01", "验收合格率", "below_last_actual", 95, 100, 100),
    ]
    assert (
        got[1].basis
        == "建议 2025 年目标不低于 1300平方米（2024 年目标 1000平方米 低于 2023 年实际值 1300平方米；2024 年实际值 800平方米）"
    )


def test_renderings_and_cli(tmp_path: Path) -> None:
    generated(str(tmp_path / "st"))
    found = advise_store(tmp_path / "st", 2024)
    assert render_advice(found).startswith("目标设置建议：5 条，涉及 3 个部门（供审核参考，不是结论）")
    assert "| 丁局（D） | P1 | 结案率 | 目标低于同类部门 | 60% | 98% | ≥95.5% |" in render_advice(found, "md")
    runner = CliRunner()
    res = runner.invoke(app, ["advice", "--store", str(tmp_path / "st"), "--year", "2024", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert [r["suggested"] for r in json.loads(res.stdout)] == [125, 130, 120, 120, 95.5]
    res = runner.invoke(
        app,
        [
            "advice",
            "--store",
            str(tmp_path / "st"),
            "--year",
            "2024",
            "--over",
            "0.3",
            "-o",
            str(tmp_path / "a.md"),
            "-f",
            "md",
        ],
    )
    assert res.exit_code == 0 and "over_two_years" not in (tmp_path / "a.md").read_text(encoding="utf-8")
    assert "连续两年超额完成" not in (tmp_path / "a.md").read_text(encoding="utf-8")
    res = runner.invoke(app, ["advice", "--store", str(tmp_path / "st"), "--year", "2030"])
    assert res.exit_code == 1 and "没有 2030 年" in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, ["advice", "--store", str(tmp_path / "nowhere"), "--year", "2024"])
    assert res.exit_code == 1 and "不是 perfscore 存储" in res.stderr
    res = runner.invoke(app, ["advice", "--store", str(tmp_path / "st"), "--year", "2024", "--peer-gap", "2"])
    assert res.exit_code == 2 and "--peer-gap" in res.stderr

"""Province-scale benchmark: perfscore end to end against `pandas.read_csv` of the same files, in one run.

For each department count it generates the bulk layout (benchmarks/generate.py), then times, each in a fresh
process, (a) the yardstick — `python -c` that imports pandas and read_csv's every file — and (b) `perfscore score
DIR --year 2024` with its default output (the one-screen overview; `-f json` with --json), and prints every figure as a ratio to the yardstick
of the same run, with peak RSS. Machines here are shared and noisy: read the ratios, not the seconds.

    python benchmarks/bench_scale.py --departments 1000 5000 --write-results
    python benchmarks/bench_scale.py --departments 2000 --chunk 250 1000 0      # chunk size vs time and RSS (0: one)
    python benchmarks/bench_scale.py --departments 1000 --parquet              # also Parquet against read_parquet
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import build, write  # noqa: E402


def measure(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one child process, which must succeed (exit 0 or 4: rows rejected)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    secs = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 4):
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd[:4])}… exited {code}:\n{err[-2000:]}")
    return secs, usage.ru_maxrss / 1024


def yardstick(files: list[Path]) -> list[str]:
    reads = "; ".join(f"pd.read_csv({str(f)!r})" for f in files)
    return [sys.executable, "-c", f"import pandas as pd; {reads}"]


def yardstick_parquet(files: list[Path]) -> list[str]:
    reads = "; ".join(f"pd.read_parquet({str(f)!r})" for f in files)
    return [sys.executable, "-c", f"import pandas as pd; {reads}"]


def perfscore(folder: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from scoring.cli import main; main()",
        "score",
        str(folder),
        "--year",
        "2024",
        *extra,
    ]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0"
    )
    return f"{os.cpu_count()} cores ({cpu}), {int(mem) / 1024 / 1024:.0f} GiB, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--departments", type=int, nargs="+", default=[1000])
    ap.add_argument("--json", action="store_true", help="also time -f json to a file")
    ap.add_argument("--write-results", action="store_true", help="write benchmarks/RESULTS.md")
    ap.add_argument("--chunk", type=int, nargs="*", default=[], help="also time these --chunk sizes (0: no chunks)")
    ap.add_argument("--jobs", type=int, default=1, help="--jobs for the perfscore runs")
    ap.add_argument("--parquet", action="store_true", help="also time Parquet input against read_parquet")
    ap.add_argument(
        "--folders",
        type=int,
        default=0,
        help="also time N departments in per-department folders, end to end with start-up (target: 300 in < 3 s)",
    )
    args = ap.parse_args()
    jobs = ["--jobs", str(args.jobs)] if args.jobs > 1 else []
    rows = []
    for n in args.departments:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "bulk"
            files = write(build(n), folder, "bulk")
            base, base_rss = measure(yardstick(files))
            run, rss = measure(perfscore(folder, *jobs))
            row = {"n": n, "rows": n * 100, "base": base, "run": run, "rss": rss, "base_rss": base_rss}
            for c in args.chunk:
                secs, c_rss = measure(perfscore(folder, "--chunk", str(c or 10**9), *jobs))
                print(f"  --chunk {c or 'all'}: {secs / base:.1f}× read_csv, peak RSS {c_rss:.0f} MiB", flush=True)
            if args.parquet:
                pq_files = write(build(n), Path(tmp) / "pq", "bulk", "parquet")
                pq_base, _ = measure(yardstick_parquet(pq_files))
                row["pq"], row["pq_rss"] = measure(perfscore(Path(tmp) / "pq", *jobs))
                row["pq_ratio"] = row["pq"] / pq_base
                print(
                    f"  parquet: read_parquet {pq_base:.1f} s; perfscore {row['pq'] / pq_base:.1f}× read_parquet, "
                    f"peak RSS {row['pq_rss']:.0f} MiB",
                    flush=True,
                )
            if args.json:
                row["json"], row["json_rss"] = measure(perfscore(folder, "-f", "json", "-o", str(Path(tmp) / "o.json")))
            rows.append(row)
            extra = f"; -f json {row['json'] / base:.1f}× ({row['json_rss']:.0f} MiB)" if args.json else ""
            print(
                f"{n:>7,} departments ({n * 100:,} indicator rows): read_csv {base:.1f} s; perfscore "
                f"{run:.1f} s = {run / base:.1f}× read_csv, peak RSS {rss:.0f} MiB{extra}",
                flush=True,
            )
    slope = ""
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        per = [r["run"] / r["n"] * 1000 for r in rows]
        slope = (
            f"Slope {(b['run'] - a['run']) / (b['n'] - a['n']) * 1000:.2f} ms a department from {a['n']:,} to "
            f"{b['n']:,}; per department " + ", ".join(f"{p:.2f}" for p in per) + " ms (flat when linear)."
        )
        print(slope)
    folders = ""
    if args.folders:
        with tempfile.TemporaryDirectory() as tmp:
            write(build(args.folders), Path(tmp) / "f", "folders")
            secs, f_rss = measure(perfscore(Path(tmp) / "f", *jobs))
            bare, _ = measure([sys.executable, "-c", "pass"])
        folders = (
            f"{args.folders:,} departments in per-department folders, end to end with interpreter start-up: "
            f"{secs:.2f} s (target < 3 s), peak RSS {f_rss:.0f} MiB; bare `python -c pass` {bare:.2f} s."
        )
        print(folders)
    if args.write_results:
        lines = [
            "# Benchmark results",
            "",
            f"Machine: {machine()}.",
            "",
            "Bulk CSV layout (benchmarks/generate.py: 10 projects × 10 indicators per department, 2 % bad rows). "
            "Each figure is a ratio to a fresh `python -c` that imports pandas and read_csv's the same files, "
            "timed in the same run (`python benchmarks/bench_scale.py --departments … --json --write-results`).",
            "",
            "| departments | indicator rows | read_csv (s) | perfscore score (s) | ratio | peak RSS (MiB) |"
            + (" -f json ratio | -f json RSS (MiB) |" if args.json else ""),
            "|---|---|---|---|---|---|" + ("---|---|" if args.json else ""),
        ]
        for r in rows:
            lines.append(
                f"| {r['n']:,} | {r['rows']:,} | {r['base']:.1f} | {r['run']:.1f} | {r['run'] / r['base']:.1f}× "
                f"| {r['rss']:.0f} |" + (f" {r['json'] / r['base']:.1f}× | {r['json_rss']:.0f} |" if args.json else "")
            )
        if args.parquet:
            lines += [
                "",
                "Parquet bulk input, as a ratio to a fresh `python -c` that read_parquet's the same files:",
                "",
            ]
            lines += [
                f"- {r['n']:,} departments: {r['pq_ratio']:.1f}× read_parquet, peak RSS {r['pq_rss']:.0f} MiB"
                for r in rows
            ]
        lines += [""] + [x for x in (slope, folders) if x]
        lines += [
            "",
            f"Load average at the end: {os.getloadavg()[0]:.1f} (2 cores shared with other work).",
            f"perfscore options: default --chunk (scoring.api.DEFAULT_CHUNK){' --jobs ' + str(args.jobs) if jobs else ''}.",
        ]
        (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()

"""Start-up time of `perfscore --help` and `perfscore ruleset list` as a ratio to a bare `python -c pass`.

Issue 15's target: under 5×. Each command runs in a fresh interpreter, alternating with the baseline so
that load on a shared machine hits both alike; the figure is the ratio of medians from one run. Bytecode is
cached (in a temporary PYTHONPYCACHEPREFIX, warmed by one untimed round) as it is for an installed package,
whatever PYTHONDONTWRITEBYTECODE says here: compiling every module's source is not start-up work users pay.

    python benchmarks/bench_start.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = "import sys; from scoring.cli import main; sys.argv[0] = 'perfscore'; main()"
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "perfscore --help": ["-c", CLI, "--help"],
    "perfscore ruleset list": ["-c", CLI, "ruleset", "list"],
}


def _once(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    n = ap.parse_args().repeat
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": cache}
        for args in COMMANDS.values():
            _once(args, env)  # writes the bytecode cache
        for _ in range(n):  # interleaved: a burst of load elsewhere slows every command of the round
            for name, args in COMMANDS.items():
                times[name].append(_once(args, env))
    base = statistics.median(times["python -c pass"])
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {n} runs")
    for name, ts in times.items():
        print(f"{name:<26} {statistics.median(ts) * 1000:7.1f} ms  {statistics.median(ts) / base:5.2f}× bare python")


if __name__ == "__main__":
    main()

"""Grade a batch of 40 hand-ins with ``--handin-dir`` and measure the runner.

    python scripts/bench_grader_batch.py [--jobs 1 2 4] [--sections ...]

The batch: 14 copies of MyTorch itself, 8 with one kernel's gradient of the wrong sign (each
of ``mul``, ``sub``, ``matmul``, ``div``, ``log``, ``exp`` backward, ...), 8 hostile hand-ins
(``tests/hostile_handins.py``: a forger, a patcher, a survivor, a snooper, an environment leak,
an output flood, a forker, an import that never returns) and 10 malformed archives. For each
``--jobs`` value it runs ``autograder/runner.py --handin-dir`` once and prints the wall time,
the runner's peak resident memory (its ``VmHWM``, sampled), and checks that there are 40
reports and a complete ``scores.csv`` with the expected totals.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hostile_handins import (  # noqa: E402
    ENVLEAK,
    FLOOD,
    FORKER,
    HANG,
    PATCHER,
    forger,
    handin,
    malformed,
    snooper,
    survivor,
    tar_of,
)  # fmt: skip

from autograder.mutants import WRONG_SIGN, broken_copy  # noqa: E402

WRONG_KERNELS = ["mul_backward", "sub_backward", "matmul_backward", "div_backward", "log_backward",
                 "exp_backward", "mul_backward", "sub_backward"]  # fmt: skip


def build(inbox: Path, work: Path) -> None:
    """The 40 archives of the batch, in ``inbox``."""
    for i in range(14):
        handin(work, inbox, f"good-{i:02d}.tar")
    for i, kernel in enumerate(WRONG_KERNELS):
        tar_of(broken_copy(ROOT, work / f"wrong-{i}", kernel, WRONG_SIGN), inbox / f"wrong-{i:02d}-{kernel}.tar")
    targets = [str(inbox / "scores.csv")]
    hostile = {"forger": (forger(targets), True), "patcher": (PATCHER, False), "survivor": (survivor(targets), False),
               "snooper": (snooper(work / "decoy-grader", inbox, 9), False), "envleak": (ENVLEAK, True),
               "flood": (FLOOD, True), "forker": (FORKER, False), "hang": (HANG, True)}  # fmt: skip
    for name, (code, bare) in hostile.items():
        handin(work, inbox, f"hostile-{name}.tar", code=code, bare=bare)
    malformed(inbox)


def peak_rss_mb(pid: int) -> float | None:
    """The process's resident-memory high-water mark, in MB (None once it has exited)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children and their descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(inbox: Path, out: Path, jobs: int, sections: list[str]) -> dict:
    """One graded batch: wall seconds, the runner's peak RSS, reports and score rows."""
    command = [sys.executable, str(ROOT / "autograder" / "runner.py"), "--handin-dir", str(inbox), "--out-dir",
               str(out), "--jobs", str(jobs), "--startup-timeout", "5", "--handin-timeout", "60",
               "--memory", "1024", *sections]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    start, cpu = time.monotonic(), _children_cpu()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, peak_rss_mb(process.pid) or 0.0)
        time.sleep(0.2)
    stdout, stderr = process.communicate()
    seconds, cpu = time.monotonic() - start, _children_cpu() - cpu
    rows = list(csv.DictReader(io.StringIO((out / "scores.csv").read_text())))
    return {"jobs": jobs, "seconds": seconds, "cpu": cpu, "peak_mb": peak, "reports": len(list(out.glob("*.txt"))),
            "rows": rows, "status": process.returncode, "stderr": stderr}  # fmt: skip


def main() -> None:
    """Build the batch once, grade it once per ``--jobs`` value, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sections", nargs="*", default=["--course"], help="runner arguments choosing the tests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as scratch:
        inbox = Path(scratch) / "inbox"
        inbox.mkdir()
        build(inbox, Path(scratch) / "work")
        print(f"{len(list(inbox.iterdir()))} archives; runner options: {' '.join(args.sections)}")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("| --jobs | wall time (s) | CPU time (s) | runner peak RSS (MB) | reports | scores.csv rows | totals |")
        print("|---|---|---|---|---|---|---|")
        for jobs in args.jobs:
            result = run(inbox, Path(scratch) / f"out-{jobs}", jobs, args.sections)
            totals = sorted({row["total"] for row in result["rows"]}, key=float)
            cells = [jobs, f"{result['seconds']:.0f}", f"{result['cpu']:.0f}", f"{result['peak_mb']:.0f}",
                     result["reports"], len(result["rows"]), ", ".join(totals)]  # fmt: skip
            print("| " + " | ".join(map(str, cells)) + " |", flush=True)
            if result["status"] != 0:
                print(result["stderr"][-2000:])


if __name__ == "__main__":
    main()

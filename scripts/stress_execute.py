"""Execute chapters again and again, with a core kept busy, and count the stalls.

    .venv/bin/python scripts/stress_execute.py --runs 20 --busy 1 book/ch4_deflation.ipynb

Each run is `jupyter nbconvert --execute` with the flags of `make notebooks`, writing to a
temporary folder (the chapter itself is never touched). A run *stalls* when it has not
finished yet neither the client nor its kernel has used any CPU for --idle seconds: the
client waits on a kernel that has nothing left to do (issue 18: chapter 4's `interact`
cell sat idle for 300 s, until the cell timeout). A stalled run is left to finish (or
killed after --kill seconds); with --py-spy PATH both processes' stacks are dumped first.
--busy N starts N busy-looping processes for the whole session (the same conditions as a
shared or loaded CI machine) and stops them at the end.

Prints one JSON line per run, then per notebook: runs, stalls, failures, median and max
seconds. Exit status 1 if any run stalled or failed.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUSY = "while True:\n    pass\n"


def _tree(pid):
    kids = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                          text=True).stdout.split()
    return [pid] + [p for k in kids for p in _tree(int(k))]


def _cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError):
            pass  # the process has just ended
    return total


def run_once(nb, out_dir, args, env, tag):
    cmd = [str(ROOT / ".venv/bin/jupyter"), "nbconvert", "--to", "notebook", "--execute",
           "--output-dir", out_dir, "--ExecutePreprocessor.kernel_name=python3",
           "--ExecutePreprocessor.timeout=300", "--ExecutePreprocessor.record_timing=False",
           f"--ExecutePreprocessor.store_widget_state={args.store_widget_state}",
           *(["--allow-errors"] if args.allow_errors else []), str(nb)]
    log = open(Path(args.log_dir) / f"{tag}.log", "w")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    ticks, progress, stalled_at = -1, t0, None
    while True:
        try:
            rc = proc.wait(timeout=1)
            break
        except subprocess.TimeoutExpired:
            now = time.monotonic()
            pids = _tree(proc.pid)
            t = _cpu_ticks(pids)
            if t != ticks:
                ticks, progress = t, now
            elif stalled_at is None and now - progress > args.idle:
                stalled_at = progress - t0
                for pid in pids if args.py_spy else []:
                    dump = subprocess.run([args.py_spy, "dump", "--pid", str(pid)],
                                          capture_output=True, text=True)
                    (Path(args.log_dir) / f"{tag}.stack.{pid}.txt").write_text(
                        dump.stdout + dump.stderr)
            if now - t0 > args.kill:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                rc = "killed"
                break
    log.close()
    return {"notebook": nb.name, "seconds": round(time.monotonic() - t0, 1), "rc": rc,
            "stalled_after_s": None if stalled_at is None else round(stalled_at, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--runs", type=int, default=20, help="executions of each notebook")
    ap.add_argument("--busy", type=int, default=1, help="busy-looping processes to start")
    ap.add_argument("--idle", type=float, default=15.0,
                    help="seconds without CPU use by client and kernel that count as a stall")
    ap.add_argument("--kill", type=float, default=420.0, help="kill a run after this many s")
    ap.add_argument("--py-spy", default=None, help="py-spy executable: dump stalled stacks")
    ap.add_argument("--log-dir", default=None, help="nbconvert logs (default: a temp dir)")
    ap.add_argument("--allow-errors", action="store_true",
                    help="run every cell even after an error (stalls are still counted)")
    ap.add_argument("--store-widget-state", action="store_true",
                    help="as jupyter-book does (make notebooks does not); needed for "
                         "chapters that use ipywidgets.interact (KeyError otherwise)")
    args = ap.parse_args()
    if args.runs < 1 or args.busy < 0:
        ap.error(f"--runs must be >= 1 and --busy >= 0, got {args.runs} and {args.busy}")
    args.log_dir = args.log_dir or tempfile.mkdtemp(prefix="stress_logs_")
    Path(args.log_dir).mkdir(parents=True, exist_ok=True)
    # the environment of `make notebooks` (Makefile exports)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONHASHSEED="0",
               PYDEVD_DISABLE_FILE_VALIDATION="1", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy)]
    results = []
    try:
        for i in range(args.runs):
            for nb in args.notebooks:
                with tempfile.TemporaryDirectory(prefix="stress_out_") as out:
                    r = run_once(nb, out, args, env, f"{nb.stem}_{i:02d}")
                results.append(r)
                print(json.dumps(r), flush=True)
    finally:
        for p in busy:
            p.kill()
            p.wait()
    bad = 0
    for nb in args.notebooks:
        rs = [r for r in results if r["notebook"] == nb.name]
        secs = [r["seconds"] for r in rs]
        stalls = sum(r["stalled_after_s"] is not None for r in rs)
        failures = sum(r["rc"] != 0 for r in rs)
        bad += stalls + failures
        print(f"{nb.name}: {len(rs)} runs, {stalls} stalled, {failures} failed; "
              f"median {statistics.median(secs):.1f} s, max {max(secs):.1f} s")
    print(f"logs: {args.log_dir}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

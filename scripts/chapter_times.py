"""Measure what executing each chapter costs, for the course page.

Each chapter notebook is executed from top to bottom in a fresh kernel (as ``make book``
and nbval do, one BLAS thread, the Makefile's environment), one chapter at a time. For
each it records the wall-clock time and the kernel's CPU time (user + system, the kernel
process and any worker processes it waited for, read by a cell appended to a copy of the
notebook; the stored chapter is not changed). The wall-clock time depends on what else the
machine is doing; the CPU time much less, so the load average is recorded beside them.

Writes ``book/_generated/chapter_times.md`` (the table that the course page includes) and
``book/_generated/chapter_times.json`` (the raw figures). Run it with
``make chapter-times`` after a chapter's computation changes.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from slides import BookIndex  # noqa: E402

OUT = ROOT / "book" / "_generated"

_CPU_CELL = """\
import resource as _r
_s, _c = _r.getrusage(_r.RUSAGE_SELF), _r.getrusage(_r.RUSAGE_CHILDREN)
print("KERNEL_CPU", _s.ru_utime + _s.ru_stime + _c.ru_utime + _c.ru_stime)
"""


def chapters() -> list[Path]:
    """The numbered chapters, in the table of contents' order (as the slides read it)."""
    stems = BookIndex.numbered_chapters(ROOT)
    if not stems:
        raise SystemExit("no numbered chapters in _toc.yml")
    return [ROOT / "book" / f"{stem}.ipynb" for stem in stems]


def title(nb: nbformat.NotebookNode) -> str:
    """The chapter's title: its first level-1 heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if m:
                return m.group(1).strip()
    return "?"


def measure(path: Path, timeout: int) -> dict:
    """Execute one chapter in a fresh kernel; return its title and times."""
    nb = nbformat.read(path, as_version=4)
    name = title(nb)
    nb.cells.append(nbformat.v4.new_code_cell(_CPU_CELL))
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - t0
    text = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []))
    m = re.search(r"KERNEL_CPU ([0-9.]+)", text)
    if m is None:
        raise RuntimeError(f"{path.name}: the CPU-time cell printed nothing")
    return {"chapter": path.stem, "title": name, "wall_s": round(wall, 1),
            "cpu_s": round(float(m.group(1)), 1),
            "load_before": round(load, 1), "load_after": round(os.getloadavg()[0], 1)}


def table(rows: list[dict], meta: dict) -> str:
    """The Markdown table the course page includes."""
    lines = [
        "| Chapter | Kernel CPU time | Wall-clock time | Load average (start, end) |",
        "|---|---|---|---|",
    ]
    for i, r in enumerate(rows, 1):
        lines.append(
            f"| {i} {r['title']} | {r['cpu_s']:.0f} s | {r['wall_s']:.0f} s "
            f"| {r['load_before']:.1f}, {r['load_after']:.1f} |")
    total_cpu = sum(r["cpu_s"] for r in rows)
    total_wall = sum(r["wall_s"] for r in rows)
    lines.append(f"| All chapters | {total_cpu:.0f} s | {total_wall:.0f} s | |")
    lines.append("")
    lines.append(
        f"Measured on {meta['date']} by `make chapter-times` "
        f"(`scripts/chapter_times.py`): each chapter executed once from top to bottom in a "
        f"fresh kernel, one BLAS thread, on a {meta['cores']}-core {meta['machine']} "
        f"machine ({meta['cpu']}), Python {meta['python']}. The kernel's CPU time "
        "includes starting the kernel and importing the libraries; the wall-clock time "
        "also depends on what else the machine was doing (its load average is given "
        "beside it).")
    return "\n".join(lines) + "\n"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=int, default=900,
                        help="per-cell timeout in seconds (default 900)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="chapter stems to measure (default: all; others keep "
                             "their previous figures)")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    previous = {}
    raw = OUT / "chapter_times.json"
    if raw.exists():
        previous = {r["chapter"]: r for r in json.loads(raw.read_text())["chapters"]}
    rows = []
    for path in chapters():
        if args.only and path.stem not in args.only and path.stem in previous:
            rows.append(previous[path.stem])
            continue
        print(f"{path.name} ...", end=" ", flush=True, file=sys.stderr)
        r = measure(path, args.timeout)
        print(f"CPU {r['cpu_s']} s, wall {r['wall_s']} s", file=sys.stderr)
        rows.append(r)
    meta = {"date": _dt.date.today().isoformat(), "cores": os.cpu_count(),
            "machine": platform.machine(), "cpu": cpu_name(),
            "python": platform.python_version()}
    raw.write_text(json.dumps({"meta": meta, "chapters": rows}, indent=1) + "\n")
    (OUT / "chapter_times.md").write_text(table(rows, meta))
    print((OUT / "chapter_times.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

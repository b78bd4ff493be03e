"""The course page's compute table (book/_generated, written by `make chapter-times`)
covers every chapter of the table of contents and is what its figures say."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEN = ROOT / "book" / "_generated"


def _script():
    spec = importlib.util.spec_from_file_location(
        "chapter_times", ROOT / "scripts" / "chapter_times.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_chapter_is_measured_in_toc_order():
    mod = _script()
    raw = json.loads((GEN / "chapter_times.json").read_text())
    assert [r["chapter"] for r in raw["chapters"]] == [p.stem for p in mod.chapters()]
    for r, path in zip(raw["chapters"], mod.chapters(), strict=True):
        assert r["cpu_s"] > 0 and r["wall_s"] > 0, r
        nb = mod.nbformat.read(path, as_version=4)
        assert r["title"] == mod.title(nb), f"{path.name} was renamed: make chapter-times"


def test_table_is_written_from_the_figures():
    mod = _script()
    raw = json.loads((GEN / "chapter_times.json").read_text())
    assert (GEN / "chapter_times.md").read_text() == mod.table(raw["chapters"], raw["meta"])


def test_course_page_includes_the_table():
    assert "{include} _generated/chapter_times.md" in (ROOT / "book" / "course.md").read_text()

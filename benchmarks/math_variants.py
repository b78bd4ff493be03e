"""How fast the formulas appear with other MathJax set-ups, timed back to back (prints only).

    .venv/bin/python benchmarks/math_variants.py [--html _build/test/_build/html]
        [--variants base lazy svg svg-lazy] [--pages ch1 ch3] [--repeat 3]

Each variant is a copy of the built book (hard links; only the pages are rewritten) whose
pages load MathJax differently. A variant is a set of flags joined by "+":

``base``          the page as built (whatever ``_config.yml`` says now);
``eager``         every formula typeset at load (no ``ui/lazy``), CHTML output;
``lazy``          MathJax 3's lazy typesetting (``ui/lazy``, shipped in
                  sphinx-mathjax-offline's bundle): only formulas near the screen are
                  typeset, the rest as the reader scrolls to them;
``svg``           SVG output (``tex-svg.js``, no web fonts) instead of CHTML;
``margin800``     ``lazyMargin`` 800 px instead of 200 px (more typeset ahead);
``async``         MathJax loaded ``async`` instead of ``defer``;
``fa-noobserve``  Font Awesome without its MutationObserver;
``fa-late``       Font Awesome's 1.5 MB script loaded after MathJax's first typeset;
``no-search``     no search index scripts on pages other than search.html;
``cv``            ``content-visibility: auto`` on the sections (off-screen ones are not
                  laid out or painted until the reader nears them);
``static``        the formulas typeset when the book is built (``book/_ext/static_math.py``
                  on a copy of the build), no MathJax script in the page.

Rounds run every variant of a page one after the other (a shared, noisy machine slows
them alike) and print medians over the rounds of the time until the formulas of the
first screen appear (``scripts/page_metrics.py`` defines it): on the phone profile
(390 px, CPU slowed 4x; median and minimum), the renderer main thread's CPU time until
then in an unslowed load at 390 px (``cpu``; hardly affected by other processes, so
the figure to compare variants by on a shared machine; ``4x cpu`` is the phone
estimate), the time for the formulas to appear after jumping to 25/50/75% of the page
(phone), and at 1280 px.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import page_metrics as pm  # noqa: E402

CONFIG = re.compile(r"<script>window\.MathJax = (\{.*?\})</script>", re.S)
SRC = re.compile(r'<script defer="defer" (src="[^"]*_static/mathjax/)(tex-[a-z]+\.js)([^"]*")')
FA = re.compile(r'\s*<script defer src="([^"]*_static/scripts/fontawesome\.js[^"]*)"></script>')
SEARCH = re.compile(r'\s*<script src="[^"]*(searchtools|language_data)\.js"></script>'
                    r'|\s*<script src="[^"]*searchindex\.js"></script>')
FLAGS = {
    "base": "the page as built",
    "eager": "every formula typeset at load (no ui/lazy), CHTML",
    "lazy": "MathJax's lazy typesetting (ui/lazy)",
    "svg": "SVG output (tex-svg.js) instead of CHTML",
    "margin800": "lazyMargin 800px instead of 200px",
    "async": "MathJax loaded async (compiled while the page parses) instead of defer",
    "fa-noobserve": "Font Awesome without its MutationObserver (FontAwesomeConfig)",
    "fa-late": "Font Awesome's 1.5 MB script loaded after MathJax's first typeset",
    "no-search": "no searchtools.js/searchindex.js on pages other than search.html",
    "cv": "content-visibility: auto on the chapter's sections (off-screen ones not laid out)",
    "static": "formulas typeset at build time (book/_ext/static_math.py), no MathJax script",
}


def _flags(name: str) -> set[str]:
    flags = set(name.split("+"))
    if flags - set(FLAGS):
        raise ValueError(f"unknown variant flags {sorted(flags - set(FLAGS))}; "
                         f"known: {sorted(FLAGS)}")
    return flags


def _rewrite(text: str, flags: set[str]) -> str:
    """A page's HTML loading MathJax (and the theme's scripts) as ``flags`` say."""
    m = CONFIG.search(text)
    if not m or "base" in flags:
        return text
    config = json.loads(m.group(1))
    load = [x for x in config.get("loader", {}).get("load", []) if x != "ui/lazy"]
    if "lazy" in flags:
        load.append("ui/lazy")
    config.setdefault("loader", {})["load"] = load
    if "margin800" in flags:
        config.setdefault("options", {})["lazyMargin"] = "800px"
    head = ""
    if "fa-noobserve" in flags:
        head = "<script>window.FontAwesomeConfig = {observeMutations: false};</script>"
    fa = FA.search(text)
    if "fa-late" in flags and fa:
        # Font Awesome after the first typeset (or at once if there is no MathJax).
        config.setdefault("startup", {})
        text = text[:fa.start()] + text[fa.end():]
        head += ("<script>document.addEventListener('DOMContentLoaded', () => {"
                 "const go = () => { const s = document.createElement('script');"
                 f"s.src = {json.dumps(fa.group(1))}; document.head.append(s); }};"
                 "const p = window.MathJax && MathJax.startup && MathJax.startup.promise;"
                 "p ? p.then(go) : go(); });</script>")
    m = CONFIG.search(text)
    text = text[:m.start()] + head + "<script>window.MathJax = " + json.dumps(config) + \
        "</script>" + text[m.end():]
    component = "tex-svg.js" if "svg" in flags else "tex-chtml.js"
    method = 'async="async"' if "async" in flags else 'defer="defer"'
    text = SRC.sub(lambda s: f"<script {method} " + s.group(1) + component + s.group(3), text)
    if "no-search" in flags:
        text = SEARCH.sub("", text)
    if "cv" in flags:
        text = text.replace("</head>", "<style>.bd-article > section > section "
                            "{content-visibility: auto; contain-intrinsic-size: auto 1500px;}"
                            "</style></head>", 1)
    return text


def make_variant(html: Path, out: Path, name: str) -> Path:
    """A copy of the book whose pages load MathJax as variant ``name`` says."""
    flags = _flags(name)
    dest = out / name
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(html, dest, copy_function=os.link)
    for page in dest.rglob("*.html"):
        if page.name == "search.html":
            continue
        text = page.read_text()
        new = _rewrite(text, flags)
        if new != text or "static" in flags:
            page.unlink()  # a hard link: never write through it into the original build
            page.write_text(new)
    if "static" in flags:
        sys.path.insert(0, str(ROOT / "book" / "_ext"))
        import static_math

        print(f"{name}: {static_math.prerender(dest)}")
    return dest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--html", type=Path, default=pm.HTML)
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "math_variants")
    ap.add_argument("--variants", nargs="+", default=["eager", "lazy", "svg", "lazy+svg"],
                    help="flags joined by '+', e.g. lazy+fa-late")
    ap.add_argument("--pages", nargs="+", default=["ch1", "ch2", "ch3", "ch4", "ch5", "ch6"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-desktop", action="store_true")
    ap.add_argument("--cpu-only", action="store_true",
                    help="only the main-thread CPU time (no slowed or desktop loads)")
    a = ap.parse_args(argv)
    for v in a.variants:
        try:
            _flags(v)
        except ValueError as e:
            ap.error(str(e))
    if a.repeat < 1:
        ap.error(f"--repeat must be >= 1, got {a.repeat}")
    trees = {v: make_variant(a.html.resolve(), a.out, v) for v in a.variants}
    names = [p.relative_to(a.html.resolve()) for p in pm.pages(a.html.resolve())
             if any(p.stem.startswith(n) for n in a.pages)]
    from playwright.sync_api import sync_playwright

    res = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=pm.CHROMIUM, args=pm.ARGS)
        for r in range(a.repeat):
            for name in names:
                for v in a.variants:
                    url = (trees[v] / name).as_uri()
                    traced = pm.typeset_time(browser, url, pm.PHONE, cpu=True)
                    phone = traced if a.cpu_only else pm.typeset_time(
                        browser, url, pm.PHONE, pm.PHONE_CPU_SLOWDOWN, scroll=True)
                    phone["cpu"] = traced["cpu"]
                    desk = None if a.no_desktop or a.cpu_only else pm.typeset_time(
                        browser, url, pm.DESKTOP)
                    res.setdefault((str(name), v), []).append((phone, desk))
                    print(f"round {r + 1} {name} {v}: phone {pm._fmt(phone['view'])} s "
                          f"(DOM ready {pm._fmt(phone['dcl'])}, all {pm._fmt(phone['all'])}, "
                          f"scroll {pm._fmt(phone.get('scroll'))}, n {phone['n_view']}, "
                          f"main-thread CPU {pm._fmt(phone['cpu'])}), "
                          f"desktop {pm._fmt(desk and desk['view'])} s", flush=True)
        browser.close()

    def med(xs):
        xs = [x for x in xs if x is not None]
        return statistics.median(xs) if xs else None

    print(f"\nmedians over {a.repeat} rounds (s); formulas on the first phone screen"
          + ("; --cpu-only: 'phone' and 'min' are unslowed loads at 390 px" if a.cpu_only
             else ""))
    print(f"{'page':<30} {'variant':<28} {'phone':>6} {'min':>6} {'cpu':>6} {'4x cpu':>6} "
          f"{'scroll':>7} {'desktop':>8} {'n':>4}")
    for name in names:
        for v in a.variants:
            runs = res[(str(name), v)]
            cpu = med([p["cpu"] for p, _ in runs])
            lo = [p["view"] for p, _ in runs if p["view"] is not None]
            print(f"{str(name):<30} {v:<28} {pm._fmt(med([p['view'] for p, _ in runs])):>6} "
                  f"{pm._fmt(min(lo) if lo else None):>6} {pm._fmt(cpu):>6} "
                  f"{pm._fmt(cpu and 4 * cpu):>6} "
                  f"{pm._fmt(med([p.get('scroll') for p, _ in runs])):>7} "
                  f"{pm._fmt(med([d and d['view'] for _, d in runs])):>8} "
                  f"{runs[0][0]['n_view'] or 0:>4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

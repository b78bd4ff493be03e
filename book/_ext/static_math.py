"""Sphinx extension: the book's formulas typeset when the book is built, not in the reader's
browser.

Why: typesetting a chapter's 300-500 formulas in the browser kept a phone (390 px, CPU
slowed 4x) 5-9 s from showing the first screen's formulas; with MathJax's lazy
typesetting (only what is on screen) still 4-5 s, because MathJax's 1.1 MB script and
the page's other scripts run first (``benchmarks/math_variants.py``). Typeset at build
time, the formulas are part of the HTML and appear with the first paint of the text,
and no MathJax script runs in the reader's browser at all.

How: after the HTML build (``build-finished``), every page with formulas is opened in
headless Chromium (the browser the test suite drives; ``CHROMIUM``, default
``/usr/bin/chromium``) with every request outside the build folder blocked. The page's
own MathJax (sphinx-mathjax-offline's MathJax 3, the book's macros from ``_config.yml``)
typesets it in full with CommonHTML output and MathJax's assistive MathML (screen
readers read the formulas as MathML); the context menu is off. Each ``.math`` element's
TeX is then replaced in the page's file by MathJax's output, the page gets MathJax's
stylesheet (web fonts from ``_static/mathjax``) and its MathJax scripts are removed. The
TeX source stays in each formula's ``data-tex`` attribute; a display formula takes the
keyboard focus (it may scroll sideways on a phone). A page whose formulas cannot all be
matched fails the build.

Without Chromium the pages keep MathJax in the browser (lazy typesetting: formulas are
typeset as they come on screen); the build says so. ``DFL_STATIC_MATH=0`` does the same
on purpose.
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sphinx.util import logging

logger = logging.getLogger(__name__)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]

# A formula as Sphinx, MyST and myst-nb write it: an element whose class list holds
# "math" (inline <span>, display <div>, a sympy output <div class="output text_latex
# math ...">), its TeX between \( \), \[ \] or $$ $$ (HTML-escaped, no tags inside).
MATH = re.compile(r'<(span|div) class="((?:[\w-]+ )*math(?: [\w-]+)*)"([^>]*)>(.*?)</\1>', re.S)
TEX = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]|\$\$(.*?)\$\$", re.S)
MATHJAX_SCRIPTS = re.compile(
    r'\s*<script>window\.MathJax = \{.*?\}</script>'
    r'|\s*<script (?:defer="defer"|async="async") src="[^"]*_static/mathjax/[^"]+"></script>',
    re.S)

# In the browser: force full (not lazy) typesetting without the context menu, before
# the page's own configuration is read.
JS_CONFIG = r"""(() => {
  let store, first = true;
  Object.defineProperty(window, 'MathJax', {configurable: true, get() { return store; },
    set(v) {
      if (first && v && !v.version) {
        first = false;
        const load = ((v.loader || {}).load || []).filter(x => x !== 'ui/lazy');
        v.loader = Object.assign(v.loader || {}, {load});
        v.options = Object.assign(v.options || {}, {enableMenu: false});
      }
      store = v;
    }});
})();"""

JS_COLLECT = r"""async () => {
  await MathJax.startup.promise;
  await MathJax.typesetPromise();
  const items = [...document.querySelectorAll('.math')].map(
      el => [...el.querySelectorAll(':scope > mjx-container')].map(c => c.outerHTML));
  const stray = [...document.querySelectorAll('mjx-container')].filter(
      c => !c.parentElement.classList.contains('math')).length;
  const errors = [...document.querySelectorAll('mjx-merror, [data-mjx-error]')].map(
      e => e.getAttribute('data-mjx-error') || e.textContent);
  const style = document.getElementById('MJX-CHTML-styles');
  return {items, stray, errors, css: style ? style.textContent : ''};
}"""

FONT_URL = re.compile(r'url\("([^"]+/_static/mathjax/[^"]+)"\)')


def _relative(url: str, page: Path, outdir: Path) -> str:
    """A file:// URL inside ``outdir`` as a path relative to ``page``."""
    target = Path(unquote(urlsplit(url).path))
    return os.path.relpath(target, page.parent).replace(os.sep, "/")


def _rewrite(text: str, result: dict, page: Path, outdir: Path) -> str:
    """The page with its formulas replaced by MathJax's output and no MathJax script."""
    items = result["items"]
    matches = list(MATH.finditer(text))
    if len(matches) != len(items):
        raise ValueError(f"{page}: {len(matches)} math elements in the file, "
                         f"{len(items)} in the browser")
    out, pos = [], 0
    for m, containers in zip(matches, items):
        body = m.group(4)
        tex = list(TEX.finditer(body))
        if len(tex) != len(containers):
            raise ValueError(f"{page}: {len(tex)} formulas in {m.group(0)[:120]!r}, "
                             f"{len(containers)} typeset")
        new, p = [], 0
        for t, c in zip(tex, containers):
            source = html_lib.unescape(t.group(0))
            # A display formula wider than a phone scrolls sideways inside its box: it
            # must take the keyboard focus to be scrolled without a mouse (MathJax's
            # menu, now off, made every formula focusable).
            focus = 'tabindex="0" ' if 'display="true"' in c.split(">", 1)[0] else ""
            c = c.replace("<mjx-container ", f'<mjx-container {focus}data-tex="'
                          f'{html_lib.escape(source, quote=True)}" ', 1)
            new += [body[p:t.start()], c]
            p = t.end()
        new.append(body[p:])
        out += [text[pos:m.start(4)], "".join(new)]
        pos = m.end(4)
    out.append(text[pos:])
    text = "".join(out)
    css = FONT_URL.sub(lambda u: f'url("{_relative(u.group(1), page, outdir)}")', result["css"])
    text = MATHJAX_SCRIPTS.sub("", text)
    style = f'<style id="MJX-CHTML-styles">{css}</style>'
    return text.replace("</head>", style + "\n</head>", 1)


def prerender(outdir: Path, chromium: str = CHROMIUM) -> dict:
    """Typeset every page of the HTML build in ``outdir`` in place; returns statistics."""
    from playwright.sync_api import sync_playwright

    outdir = Path(outdir).resolve()
    pages = [p for p in sorted(outdir.rglob("*.html"))
             if "_static" not in p.relative_to(outdir).parts
             and "_static/mathjax/" in p.read_text(errors="replace")]
    stats = {"pages": 0, "formulas": 0, "seconds": 0.0}
    t0 = time.monotonic()

    def route(r):
        # Only files of the build, and of scripts only MathJax's: the theme's scripts
        # change the page (dfl.js moves a proof's lead into its title), and the formulas
        # must be matched to the page as written.
        url = r.request.url
        path = Path(unquote(urlsplit(url).path)).resolve()
        inside = url.startswith("file://") and outdir in path.parents
        script = path.suffix == ".js" and "mathjax" not in path.parts
        r.continue_() if (inside and not script) or url.startswith("data:") else r.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", route)
            context.add_init_script(JS_CONFIG)
            tab = context.new_page()
            rewritten = {}
            for page in pages:
                tab.goto(page.as_uri(), wait_until="load")
                result = tab.evaluate(JS_COLLECT)
                if result["errors"] or result["stray"]:
                    raise ValueError(f"{page}: MathJax errors {result['errors'][:5]}, "
                                     f"{result['stray']} formulas outside .math elements")
                rewritten[page] = _rewrite(page.read_text(), result, page, outdir)
                stats["pages"] += 1
                stats["formulas"] += sum(len(i) for i in result["items"])
        finally:
            browser.close()
    for page, text in rewritten.items():  # all or nothing
        page.write_text(text)
    stats["seconds"] = time.monotonic() - t0
    return stats


def _chromium() -> str | None:
    if os.environ.get("DFL_STATIC_MATH", "1") == "0":
        return None
    return CHROMIUM if (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)) else None


def _lazy_fallback(app, config):
    """Formulas typeset in the browser only when needed: MathJax's lazy typesetting."""
    mj = dict(config.mathjax3_config or {})
    loader = dict(mj.get("loader") or {})
    loader["load"] = list(dict.fromkeys(list(loader.get("load") or []) + ["ui/lazy"]))
    mj["loader"] = loader
    config.mathjax3_config = mj


def _build_finished(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    chromium = _chromium()
    if chromium is None:
        logger.info("static_math: no Chromium (or DFL_STATIC_MATH=0): formulas are typeset "
                    "in the reader's browser (MathJax, lazily)")
        return
    stats = prerender(Path(app.outdir), chromium)
    logger.info(f"static_math: {stats['formulas']} formulas on {stats['pages']} pages "
                f"typeset at build time ({stats['seconds']:.1f} s)")


def setup(app):
    app.connect("config-inited", _lazy_fallback)
    # After sphinx-mathjax-offline has copied MathJax into _static (it also listens to
    # build-finished, with the default priority 500).
    app.connect("build-finished", _build_finished, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

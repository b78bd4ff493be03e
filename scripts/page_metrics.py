"""Reader-facing measures of the built book, per page, at 1280 px and on a phone (390 px).

Usage (after ``make book-check``; the browser is Debian's chromium, axe-core the pinned npm
tarball fetched once into ``_build/vendor``)::

    .venv/bin/python scripts/page_metrics.py [--html _build/test/_build/html]
        [--pages ch1 ch3 ...] [--json out.json] [--no-axe] [--no-typeset] [--repeat 3]
    .venv/bin/python scripts/page_metrics.py --shots DIR        # screenshots only
    .venv/bin/python scripts/page_metrics.py --compare BEFORE_HTML --repeat 3
                                           # typeset times of two builds, alternately

Prints one row per page and width:

``fig top``
    top of the first figure (``<figure>`` or content image at least 50 px tall, visible
    on the page as first shown), in CSS px from the top of the document;
``code``
    lines of code in code-cell inputs that are shown unfolded (visible as the page opens,
    not inside a collapsed ``hide-input`` fold or a closed dropdown);
``checks``
    unfolded *check cells*: code cells shown unfolded that contain an ``assert``
    statement and whose output holds no figure and no table (they verify, and at most
    print a line or show an equation): the assert-only cells the issue asks to fold;
``height``
    height of the page in CSS px;
``fig px``
    at 390 px, the smallest text of the page's figures in CSS px, from the font size
    and resolution ``deflation.plotting`` records in each PNG (``?``: a figure made
    without ``dfl.plotting.subplots``, so its text size is not recorded);
``axe``
    axe-core violations (WCAG 2.0/2.1 A and AA rules), counted per element, by rule, after
    every formula is typeset;
``typeset``
    seconds from navigation start until *the formulas of the first screen appear*: every
    math element (``.math``) that intersects the first viewport holds a finished MathJax
    rendering (an ``mjx-container`` without a lazy placeholder), no raw TeX delimiter is
    left in it and no web font is still loading. At 390 px the CPU is slowed 4x with the
    Chrome DevTools protocol (``Emulation.setCPUThrottlingRate``), a mobile phone profile;
    each page opens in a fresh browser context (cold cache). With ``--repeat N`` the median
    of N loads is printed. ``all`` is the time until every formula of the page is
    typeset (``-`` with lazy typesetting, which typesets a formula when it nears the
    screen), ``scroll`` the median time for the formulas to appear after jumping to 25%,
    50% and 75% of the page.

``tests/test_browser.py`` imports this module for the same measures.
"""

from __future__ import annotations

import argparse
import ast
import base64
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from vendor import AXE, axe_script  # noqa: E402

HTML = ROOT / "_build" / "test" / "_build" / "html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# A phone: 390 x 844 CSS px (iPhone 12-15), device pixel ratio 3, touch; CPU slowed 4x.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}
PHONE_CPU_SLOWDOWN = 4
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Targets of issue 16 for every chapter.
FIRST_FIGURE_MAX_PX = 1800
UNFOLDED_CODE_MAX_LINES = 60
TYPESET_TARGET_S = 2.5
MIN_FIGURE_TEXT_PX = 9


def launch(pw):
    """The book's headless Chromium (``CHROMIUM``, ``ARGS``) from a Playwright instance."""
    return pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


def pages(html: Path = HTML) -> list[Path]:
    """The book's HTML pages (not the redirect index.html, search, genindex)."""
    skip = {"_static", "_sources", "_images", "_downloads"}
    out = []
    for p in sorted(Path(html).rglob("*.html")):
        rel = p.relative_to(html)
        if set(rel.parts[:-1]) & skip or rel.name in {"search.html", "genindex.html"}:
            continue
        if re.search(r'http-equiv="refresh"', p.read_text(errors="replace"), re.I):
            continue
        out.append(p)
    return out


def chapters(html: Path = HTML) -> list[Path]:
    """The numbered chapters (``book/ch*.html``)."""
    return [p for p in pages(html) if re.match(r"ch\d", p.name)]


def inside(url: str, html: Path = HTML) -> bool:
    """True for a ``file://`` URL inside the build folder (the only requests allowed)."""
    if url.startswith("data:"):
        return True
    if not url.startswith("file://"):
        return False
    path = Path(unquote(urlsplit(url).path)).resolve()
    html = Path(html).resolve()
    return path == html or html in path.parents


def offline(context, html: Path = HTML, blocked: list | None = None):
    """Abort every request of ``context`` that leaves the build folder."""
    def route(r):
        if inside(r.request.url, html):
            r.continue_()
        else:
            if blocked is not None:
                blocked.append(r.request.url)
            r.abort()
    context.route("**/*", route)


# ------------------------------------------------------------------------------------
# Layout: first figure, unfolded code, check cells, page height

# The book's CSS lets the browser skip the layout of sections far from the screen
# (content-visibility: auto; their height is an estimate until they are near). Measures
# of the whole page first lay out everything, as a reader who scrolled through it saw.
JS_RENDER_ALL = r"""() => {
  if (!document.getElementById('dfl-render-all')) {
    const s = document.createElement('style');
    s.id = 'dfl-render-all';
    s.textContent = '.bd-article section { content-visibility: visible !important; }';
    document.head.append(s);
  }
  return document.scrollingElement.scrollHeight;
}"""

JS_LAYOUT = r"""() => {
  const visible = el => !!el && el.checkVisibility({visibilityProperty: true}) &&
                        el.getBoundingClientRect().height > 0;
  const art = document.querySelector('.bd-article') || document.body;
  let fig = null;
  for (const el of art.querySelectorAll('figure, img, svg')) {
    if (el.closest('mjx-container') || el.matches('img.toggler')) continue;
    const box = el.closest('figure') || el;
    if (visible(box) && box.getBoundingClientRect().height >= 50) { fig = box; break; }
  }
  const cells = [...art.querySelectorAll('div.cell')].filter(c => !c.parentElement.closest('div.cell'));
  const shown = [];
  for (const cell of cells) {
    const input = cell.querySelector(':scope > div.cell_input, :scope > details > div.cell_input');
    if (!input || !visible(input)) continue;
    const out = cell.querySelector(':scope > div.cell_output');
    const pre = input.querySelector('pre');
    const shows = sel => !!out && [...out.querySelectorAll(sel)].some(
        e => !e.closest('mjx-container') && visible(e));
    shown.push({code: pre ? pre.innerText.replace(/\n+$/, '') : '',
                evidence: shows('img, svg, table, figure'),
                id: (cell.closest('section[id]') || {id: ''}).id});
  }
  return {
    figureTop: fig ? Math.round(fig.getBoundingClientRect().top + window.scrollY) : null,
    figureId: fig ? (fig.id || (fig.closest('[id]') || {id: ''}).id) : null,
    height: document.scrollingElement.scrollHeight,
    cells: shown,
  };
}"""


def has_assert(code: str) -> bool:
    """True if the code holds an ``assert`` statement (not the word in a string)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython syntax (magics, ``!cmd``): fall back to lines
        return bool(re.search(r"^\s*assert\b", code, re.M))
    return any(isinstance(node, ast.Assert) for node in ast.walk(tree))


def layout(page) -> dict:
    """First-figure top, unfolded code lines, unfolded check cells, page height."""
    page.evaluate(JS_RENDER_ALL)
    info = page.evaluate(JS_LAYOUT)
    cells = info.pop("cells")
    info["code_cells"] = len(cells)
    info["code_lines"] = sum(len(c["code"].split("\n")) for c in cells if c["code"])
    info["check_cells"] = [c["id"] for c in cells if has_assert(c["code"]) and not c["evidence"]]
    return info


# ------------------------------------------------------------------------------------
# Figures: how large their text is where the page shows them

JS_FIGURES = r"""() => {
  const imgs = [...document.querySelectorAll('.bd-article img')].filter(
      i => !i.matches('img.toggler') && !i.closest('mjx-container') && i.closest('figure'));
  const shown = imgs.map(i => i.getBoundingClientRect().width).filter(w => w > 0);
  const column = shown.length ? Math.max(...shown) : null;  // a figure as wide as it gets
  return {column, figures: imgs.map(i => {
    const fig = i.closest('figure');
    const w = i.getBoundingClientRect().width;
    return {id: fig.id || (fig.closest('[id]') || {id: ''}).id, src: i.currentSrc || i.src,
            natural: i.naturalWidth, shown: w > 0 ? w : null};
  })};
}"""


def _png_bytes(src: str) -> bytes | None:
    if src.startswith("data:image/png;base64,"):
        return base64.b64decode(src.split(",", 1)[1])
    if src.startswith("file://") and src.lower().endswith(".png"):
        return Path(unquote(urlsplit(src).path)).read_bytes()
    return None


def figure_text(page, fallback_px: float = 342) -> list[dict]:
    """Each figure image of the open page: its smallest text in CSS px as shown.

    The smallest font size and resolution come from the PNG's metadata, written by
    ``deflation.plotting`` (``dfl:min-font-pt``, ``dfl:dpi``); the width at which the
    image is shown is measured (an image in a closed fold or a hidden slider frame is
    taken at the widest figure of the page, or ``fallback_px``).

    Returns
    -------
    list of dict
        ``id`` (the figure's), ``src`` (shortened), ``font_pt``, ``dpi``, ``width``
        (PNG pixels), ``shown`` (CSS px), ``text_px`` (None without the metadata).
    """
    from deflation.plotting import phone_text_px, read_png_text

    page.evaluate(JS_RENDER_ALL)
    info = page.evaluate(JS_FIGURES)
    out = []
    for f in info["figures"]:
        data = _png_bytes(f["src"])
        row = {"id": f["id"], "src": f["src"][-60:] if not f["src"].startswith("data:")
               else "data:image/png", "font_pt": None, "dpi": None, "width": None,
               "shown": f["shown"] or min(f["natural"] or 1e9, info["column"] or fallback_px),
               "text_px": None}
        if data is not None:
            meta = read_png_text(data)
            row["width"] = meta.get("width")
            if meta.get("dfl:min-font-pt") and meta.get("dfl:dpi"):
                row["font_pt"] = float(meta["dfl:min-font-pt"])
                row["dpi"] = float(meta["dfl:dpi"])
                row["text_px"] = phone_text_px(row["font_pt"], row["dpi"], row["width"],
                                               shown_px=row["shown"])
        out.append(row)
    return out


# ------------------------------------------------------------------------------------
# Navigation: the menu and page-contents buttons, the search box

JS_SEARCH_BOXES = r"""() => [...document.querySelectorAll(
    'button.search-button__button, form.bd-search input, input[name=q]')]
  .filter(e => !e.closest('dialog:not([open])') && e.checkVisibility({visibilityProperty: true})
               && e.getBoundingClientRect().width > 0)
  .map(e => e.className || e.tagName)"""

JS_PANEL = r"""(sel) => {
  const el = document.querySelector(sel);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  const links = [...el.querySelectorAll('a[href]')].filter(
      a => a.checkVisibility({visibilityProperty: true}) && a.getBoundingClientRect().width > 0);
  return {open: el.tagName === 'DIALOG' ? el.open : null,
          shown: el.checkVisibility({visibilityProperty: true, opacityProperty: true}) &&
                 r.width > 50 && r.right > 0 && r.left < innerWidth,
          links: links.length};
}"""


def _visible_button(page, selector):
    buttons = [b for b in page.query_selector_all(selector) if b.is_visible()]
    return buttons


def navigation(page, width: int) -> dict:
    """What the menu and page-contents buttons do on the open page at ``width`` px.

    Returns
    -------
    dict
        ``search``: the visible search boxes; ``menu_buttons``/``contents_buttons``: how
        many visible buttons; at a phone width (< 992 px) ``menu``/``contents``: the
        drawer (``<dialog>``) state after a click, with the number of visible links in
        it; at a desktop width ``sidebar_before``/``sidebar_after_click``/
        ``sidebar_after_second_click``: whether the primary sidebar shows.
    """
    out = {"search": page.evaluate(JS_SEARCH_BOXES)}
    menu = _visible_button(page, ".primary-toggle")
    contents = _visible_button(page, ".secondary-toggle")
    out["menu_buttons"], out["contents_buttons"] = len(menu), len(contents)
    if width < 992:
        for key, buttons, dialog in (("menu", menu, "#pst-primary-sidebar-modal"),
                                     ("contents", contents, "#pst-secondary-sidebar-modal")):
            if len(buttons) != 1:
                out[key] = None
                continue
            buttons[0].click()
            page.wait_for_timeout(400)
            out[key] = page.evaluate(JS_PANEL, dialog)
            page.keyboard.press("Escape")
            page.wait_for_timeout(400)
            out[key + "_closed"] = not (page.evaluate(JS_PANEL, dialog) or {}).get("open")
    else:
        out["sidebar_before"] = page.evaluate(JS_PANEL, "#pst-primary-sidebar")["shown"]
        if len(menu) == 1:
            menu[0].click()
            page.wait_for_timeout(600)
            out["sidebar_after_click"] = page.evaluate(JS_PANEL, "#pst-primary-sidebar")["shown"]
            out["dialog_opened"] = bool(page.evaluate(
                JS_PANEL, "#pst-primary-sidebar-modal")["open"])
            menu[0].click()
            page.wait_for_timeout(600)
            out["sidebar_after_second_click"] = page.evaluate(
                JS_PANEL, "#pst-primary-sidebar")["shown"]
    return out


# ------------------------------------------------------------------------------------
# MathJax: wait, force (lazy typesetting), time

JS_TYPESET_ALL = """async () => {
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return false;
  await MathJax.startup.promise;
  const doc = MathJax.startup.document;
  if (doc && doc.lazyTypesetAll) { await doc.lazyTypesetAll(); }
  else if (MathJax.typesetPromise) { await MathJax.typesetPromise(); }
  if (document.fonts) { await document.fonts.ready; }
  return true;
}"""

# Installed before any page script: watches for the moment the first screen's formulas
# appear. Checked once per animation frame, just before the frame is painted (the layout
# a check needs is the one the frame does anyway), also while the page is still being
# parsed: formulas typeset at build time appear with the first paint of the text.
JS_TYPESET_PROBE = r"""(() => {
  const RAW = /\\\(|\\\[|\$\$|\\begin\{/;
  const math = document.getElementsByClassName('math');   // live: grows as the page parses
  const all = document.getElementsByTagName('*');
  const done = el => {
    const c = el.querySelector('mjx-container');
    return !!c && !c.querySelector('mjx-lazy') && !RAW.test(el.textContent);
  };
  const visible = el => el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
  // on the first screen (a lazy placeholder has no size yet: placed by its position)
  const onScreen = el => { if (!visible(el)) return false;
                           const r = el.getBoundingClientRect();
                           return r.bottom >= 0 && r.top <= innerHeight; };
  const fontsBusy = () => document.fonts && [...document.fonts].some(f => f.status === 'loading');
  // The first screen is complete once the parser is past it: the page is parsed, or the
  // last element parsed so far starts below the first screen.
  const parsedPastScreen = () => {
    if (document.readyState !== 'loading') return true;
    let last = all[all.length - 1];
    // inside a section the browser skips (content-visibility), place it by the section
    while (last && !visible(last) && last.parentElement) last = last.parentElement;
    return !!last && last !== document.documentElement && visible(last) &&
           last.getBoundingClientRect().top > innerHeight;
  };
  const probe = window.__dflTypeset = {view: null, all: null, nView: null, nMath: null,
                                       dcl: null, load: null};
  document.addEventListener('DOMContentLoaded', () => probe.dcl = performance.now());
  window.addEventListener('load', () => probe.load = performance.now());
  probe.check = () => {
    if (!document.body) return null;
    const list = [...math];
    const view = list.filter(onScreen);   // lays the page out: its web fonts start loading
    const past = parsedPastScreen();
    if (fontsBusy()) return null;
    return {view: past && view.every(done), nView: view.length,
            all: document.readyState !== 'loading' && list.every(done), nMath: list.length};
  };
  const tick = () => {
    const s = probe.check();
    if (s) {
      const now = performance.now();
      if (s.view && probe.view === null) { probe.view = now; probe.nView = s.nView; }
      if (s.all && probe.all === null) { probe.all = now; probe.nMath = s.nMath; }
    }
    if (probe.all === null && performance.now() < 30000) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""

JS_SCROLL_TYPESET = r"""async (fraction) => {
  window.scrollTo(0, fraction * (document.scrollingElement.scrollHeight - innerHeight));
  const t0 = performance.now();
  while (performance.now() - t0 < 20000) {
    await new Promise(r => setTimeout(r, 20));
    const s = window.__dflTypeset.check();
    if (s && s.view) return (performance.now() - t0) / 1000;
  }
  return null;
}"""


def _main_thread_cpu(trace: bytes, page_name: str, until_ms: float) -> float | None:
    """CPU seconds of the page's renderer main thread from navigation start to ``until_ms``.

    From a Chrome trace (``devtools.timeline``): the thread time (``tdur``) of the tasks
    that start within the window, on the thread that logged the page's navigationStart.
    """
    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    nav = [e for e in events if e.get("name") == "navigationStart"
           and page_name in json.dumps(e.get("args", {}))]
    if not nav:
        return None
    key, t0 = (nav[-1]["pid"], nav[-1]["tid"]), nav[-1]["ts"]
    t1 = t0 + until_ms * 1000
    return sum(e.get("tdur", 0) for e in events
               if (e.get("pid"), e.get("tid")) == key and e.get("ph") == "X"
               and e.get("name") in ("RunTask", "ThreadControllerImpl::RunTask")
               and t0 <= e["ts"] <= t1) / 1e6


def typeset_time(browser, url: str, profile: dict, slowdown: float = 1,
                 timeout_s: float = 60, scroll: bool = False, cpu: bool = False) -> dict:
    """Seconds until the first screen's formulas appear, in a fresh context (cold cache).

    Parameters
    ----------
    browser : playwright Browser
    url : str
        ``file://`` URL of the page.
    profile : dict
        ``browser.new_context`` arguments (``PHONE`` or ``DESKTOP``).
    slowdown : float
        CPU slowdown through ``Emulation.setCPUThrottlingRate`` (1: none).
    timeout_s : float
        Give up after this many seconds.
    scroll : bool
        Also time the formulas after jumping to 25%, 50% and 75% of the page.
    cpu : bool
        Also trace the load and return the main thread's CPU time until the formulas
        appeared (``cpu``, s): unlike wall time it hardly changes when other processes
        load the machine, so variants can be compared on a shared machine. Use it
        without ``slowdown`` (throttling pauses the thread; the CPU time is that of an
        unslowed run) and multiply by the slowdown for a phone estimate.

    Returns
    -------
    dict
        ``view`` (s), ``all`` (s, or None if not every formula was typeset by then),
        ``n_view`` formulas on the first screen, ``n_math`` on the page, ``load`` (s),
        ``scroll`` (median s, if asked), ``cpu`` (s, if asked).
    """
    if slowdown < 1:
        raise ValueError(f"slowdown must be >= 1, got {slowdown!r}")
    # No request interception here (it would delay every file the page loads); the
    # network is switched off instead, so the page can only read the build folder.
    context = browser.new_context(**profile, service_workers="block", offline=True)
    try:
        context.add_init_script(JS_TYPESET_PROBE)
        page = context.new_page()
        if slowdown > 1:
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        if cpu:
            browser.start_tracing(page=page, categories=[
                "devtools.timeline", "disabled-by-default-devtools.timeline",
                "blink.user_timing", "loading"])
        page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        try:
            page.wait_for_function("() => window.__dflTypeset.view !== null",
                                   timeout=timeout_s * 1000, polling=100)
        except Exception:
            pass
        if cpu:
            trace = browser.stop_tracing()
            view_ms = page.evaluate("() => window.__dflTypeset.view")
        page.wait_for_timeout(500)  # let an eager typesetter finish the rest
        probe = page.evaluate("() => { const p = window.__dflTypeset; return {view: p.view, "
                              "all: p.all, nView: p.nView, nMath: p.nMath, load: p.load, "
                              "dcl: p.dcl}; }")
        out = {"view": None if probe["view"] is None else probe["view"] / 1000,
               "all": None if probe["all"] is None else probe["all"] / 1000,
               "n_view": probe["nView"], "n_math": probe["nMath"],
               "load": None if probe["load"] is None else probe["load"] / 1000,
               "dcl": None if probe["dcl"] is None else probe["dcl"] / 1000}
        if cpu:
            out["cpu"] = None if view_ms is None else _main_thread_cpu(
                trace, unquote(urlsplit(url).path).rsplit("/", 1)[-1], view_ms)
        if scroll:
            times = [page.evaluate(JS_SCROLL_TYPESET, f) for f in (0.25, 0.5, 0.75)]
            times = [t for t in times if t is not None]
            out["scroll"] = statistics.median(times) if times else None
        return out
    finally:
        context.close()


# ------------------------------------------------------------------------------------
# axe-core

JS_UNFOLD = r"""async () => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden button.toggle-button, button.toggle-button-hidden')
    .forEach(b => b.click());
  await new Promise(r => setTimeout(r, 300));
  return document.querySelectorAll('.toggle-hidden').length;
}"""


# No finite CSS animation or transition still running (infinite ones never end).
JS_SETTLED = """() => document.getAnimations().every(a => a.playState !== 'running'
    || a.effect === null || a.effect.getTiming().iterations === Infinity)"""


def axe(page, tags: list[str] = AXE_TAGS, unfold: bool = False) -> list[dict]:
    """axe-core violations of the open page: [{rule, impact, help, nodes: [target, ...]}].

    With ``unfold``, every fold (``<details>``, sphinx-togglebutton dropdowns: folded
    code, proofs, solutions) is opened first, so their contents are checked too (axe
    skips hidden content). Rules that only make sense on the page as served
    (``label-content-name-mismatch`` of a summary whose visible text changes when
    opened) are checked on the page as served as well, by the caller.
    """
    page.evaluate(JS_RENDER_ALL)
    if unfold:
        page.evaluate(JS_UNFOLD)
        page.evaluate(JS_TYPESET_ALL)
    # Let the page settle first: opening folds and switching to dark mode start CSS
    # transitions (the theme's links have `transition: all`), and axe sampling a link
    # mid-transition once measured a colour that is never shown at rest (4.35:1 on a
    # dark proof box, against 4.52:1 for the settled colour).
    page.wait_for_function(JS_SETTLED, timeout=10_000)
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(axe_script()))
    result = page.evaluate(
        """async (tags) => {
          const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                             resultTypes: ['violations']});
          return r.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' +
                                      (n.failureSummary || '').split('\\n').slice(1, 2).join('')
                                      + ' :: ' + n.html.slice(0, 160))}));
        }""", tags)
    return result


def vendor_version(name: str) -> str:
    """The pinned version of a vendored npm package."""
    return AXE[name][0]


def axe_counts(violations: list[dict]) -> Counter:
    """Violations counted per element, by rule."""
    return Counter({v["rule"]: len(v["nodes"]) for v in violations})


# ------------------------------------------------------------------------------------

def measure(html: Path, names: list[str] | None, do_axe: bool, do_typeset: bool,
            repeat: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    blocked: list[str] = []
    todo = [p for p in pages(html) if not names or any(n in p.stem for n in names)]
    with sync_playwright() as pw:
        browser = launch(pw)
        for path in todo:
            name = str(path.relative_to(html))
            for label, profile, slowdown in (("1280", DESKTOP, 1), ("390", PHONE,
                                                                    PHONE_CPU_SLOWDOWN)):
                row = {"page": name, "width": int(label)}
                context = browser.new_context(**profile, service_workers="block")
                offline(context, html, blocked)
                page = context.new_page()
                page.goto(path.as_uri(), wait_until="load")
                page.evaluate(JS_TYPESET_ALL)
                page.wait_for_timeout(200)
                row.update(layout(page))
                if label == "390":
                    figs = figure_text(page)
                    known = [f["text_px"] for f in figs if f["text_px"] is not None]
                    row["figures"] = len(figs)
                    row["fig_text_px"] = min(known) if known else None
                    row["fig_unrecorded"] = sum(f["text_px"] is None for f in figs)
                if do_axe:
                    v = axe(page)
                    row["axe"] = dict(axe_counts(v))
                    row["axe_detail"] = v
                context.close()
                if do_typeset:
                    runs = [typeset_time(browser, path.as_uri(), profile, slowdown,
                                         scroll=(k == 0)) for k in range(repeat)]
                    views = [r["view"] for r in runs if r["view"] is not None]
                    alls = [r["all"] for r in runs if r["all"] is not None]
                    row["typeset"] = statistics.median(views) if views else None
                    row["typeset_all"] = statistics.median(alls) if len(alls) == len(runs) \
                        else None
                    row["typeset_scroll"] = runs[0].get("scroll")
                    row["n_view"], row["n_math"] = runs[0]["n_view"], runs[0]["n_math"]
                rows.append(row)
                print(_line(row), flush=True)
        browser.close()
    if blocked:
        print(f"blocked requests (outside the book): {sorted(set(blocked))[:10]}")
    return rows


SHOT_PAGES = ("intro", "ch1_", "ch3_", "ch5_")


def screenshots(html: Path, out: Path, names=SHOT_PAGES) -> list[Path]:
    """First-screen PNGs of some pages at 1280 and 390 px, and with the menus opened.

    For each page: ``<page>-1280.png``, ``<page>-390.png``, ``<page>-390-menu.png`` (after
    a click on the visible menu button), ``<page>-390-contents.png`` (the page-contents
    button) and ``<page>-1280-menu.png`` (the menu button at 1280 px, which should hide
    the sidebar).
    """
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    todo = [p for p in pages(html) if any(p.stem.startswith(n.rstrip("_")) and
                                          (n.endswith("_") or p.stem == n) for n in names)]
    with sync_playwright() as pw:
        browser = launch(pw)
        for path in todo:
            for label, profile in (("1280", DESKTOP), ("390", PHONE)):
                context = browser.new_context(**profile, service_workers="block")
                offline(context, html)
                page = context.new_page()
                page.goto(path.as_uri(), wait_until="load")
                page.evaluate(JS_TYPESET_ALL)
                page.wait_for_timeout(300)
                shots = [("", None)] + ([("-menu", ".primary-toggle"),
                                         ("-contents", ".secondary-toggle")]
                                        if label == "390" else [("-menu", ".primary-toggle")])
                for suffix, button in shots:
                    if button:
                        page.goto(path.as_uri(), wait_until="load")
                        page.evaluate(JS_TYPESET_ALL)
                        visible = [b for b in page.query_selector_all(button) if b.is_visible()]
                        if not visible:
                            continue
                        visible[0].click()
                        page.wait_for_timeout(600)
                    f = out / f"{path.stem}-{label}{suffix}.png"
                    page.screenshot(path=str(f))
                    written.append(f)
                context.close()
        browser.close()
    return written


def compare_typeset(before: Path, after: Path, names, repeat: int) -> list[dict]:
    """Typeset times of the same chapters in two builds, loaded alternately (a shared
    machine slows both alike): phone (slowed), desktop and main-thread CPU, medians."""
    from playwright.sync_api import sync_playwright

    rows = {}
    chapters_after = [p for p in chapters(after) if not names or any(n in p.stem for n in names)]
    with sync_playwright() as pw:
        browser = launch(pw)
        for _ in range(repeat):
            for path in chapters_after:
                for label, html in (("before", before), ("after", after)):
                    url = (html / path.relative_to(after)).as_uri()
                    r = rows.setdefault((path.stem, label), {"phone": [], "desktop": [],
                                                              "cpu": []})
                    r["phone"].append(typeset_time(browser, url, PHONE,
                                                   PHONE_CPU_SLOWDOWN)["view"])
                    r["desktop"].append(typeset_time(browser, url, DESKTOP)["view"])
                    r["cpu"].append(typeset_time(browser, url, PHONE, cpu=True)["cpu"])
        browser.close()
    out = []
    for (stem, label), r in rows.items():
        med = {k: statistics.median([x for x in v if x is not None] or [float("nan")])
               for k, v in r.items()}
        out.append({"page": stem, "build": label, **med})
    return out


def _fmt(x, spec="{:.2f}"):
    return "-" if x is None else spec.format(x)


HEADER = (f"{'page':<30} {'width':>5} {'fig top':>8} {'code':>5} {'cells':>5} {'checks':>6} "
          f"{'height':>7} {'fig px':>6} {'axe':>4} {'typeset':>8} {'all':>6} {'scroll':>6}"
          f"  axe by rule")


def _fig_px(r: dict) -> str:
    """Smallest figure text at 390 px ("?" if a figure has no recorded font size)."""
    if not r.get("figures"):
        return "-"
    px = _fmt(r["fig_text_px"], "{:.1f}")
    return px + ("?" if r["fig_unrecorded"] else "") if px != "-" else "?"


def _line(r: dict) -> str:
    axe_rules = ", ".join(f"{k} {v}" for k, v in sorted(r.get("axe", {}).items()))
    return (f"{r['page']:<30} {r['width']:>5} {_fmt(r['figureTop'], '{:d}'):>8} "
            f"{r['code_lines']:>5} {r['code_cells']:>5} {len(r['check_cells']):>6} "
            f"{r['height']:>7} {_fig_px(r):>6} "
            f"{_fmt(sum(r['axe'].values()) if 'axe' in r else None, '{:d}'):>4} "
            f"{_fmt(r.get('typeset')):>8} {_fmt(r.get('typeset_all')):>6} "
            f"{_fmt(r.get('typeset_scroll')):>6}  {axe_rules}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--html", type=Path, default=HTML, help="built book folder")
    ap.add_argument("--pages", nargs="*", help="only pages whose name contains one of these")
    ap.add_argument("--json", type=Path, help="also write the rows (with axe details) here")
    ap.add_argument("--no-axe", action="store_true")
    ap.add_argument("--no-typeset", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="loads per typeset time (median)")
    ap.add_argument("--shots", type=Path, help="only write screenshots into this folder")
    ap.add_argument("--compare", type=Path, metavar="BEFORE_HTML",
                    help="only the typeset times of the chapters in BEFORE_HTML and --html, "
                         "loaded alternately, medians over --repeat rounds")
    a = ap.parse_args(argv)
    if a.repeat < 1:
        ap.error(f"--repeat must be >= 1, got {a.repeat}")
    if not (a.html / "index.html").exists():
        ap.error(f"no built book in {a.html}: run `make book-check` first")
    if a.compare:
        rows = compare_typeset(a.compare.resolve(), a.html.resolve(), a.pages, a.repeat)
        print(f"typeset time of the first screen's formulas, medians of {a.repeat} (s): "
              f"phone = 390 px with the CPU slowed {PHONE_CPU_SLOWDOWN}x, desktop = 1280 px, "
              f"cpu = main-thread CPU time of an unslowed 390 px load")
        print(f"{'chapter':<24} {'build':<7} {'phone':>6} {'desktop':>8} {'cpu':>6} {'4x cpu':>7}")
        for r in rows:
            print(f"{r['page']:<24} {r['build']:<7} {_fmt(r['phone']):>6} "
                  f"{_fmt(r['desktop']):>8} {_fmt(r['cpu']):>6} {_fmt(4 * r['cpu']):>7}")
        return 0
    if a.shots:
        for f in screenshots(a.html.resolve(), a.shots):
            print(f)
        return 0
    t0 = time.monotonic()
    print(f"{a.html}\n{HEADER}")
    rows = measure(a.html.resolve(), a.pages, not a.no_axe, not a.no_typeset, a.repeat)
    total = Counter()
    for r in rows:
        total.update(r.get("axe", {}))
    print(f"axe violations, all pages and widths: {sum(total.values())} "
          f"({', '.join(f'{k} {v}' for k, v in total.most_common())}); "
          f"{time.monotonic() - t0:.0f} s")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

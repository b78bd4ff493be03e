"""The built book and one chapter in JupyterLab, read in a real browser (headless Chromium).

Run by ``make browser`` (the last step of ``make test``, after ``book-check`` has built
``_build/test/_build/html``). Drives the system's Chromium (Debian: ``apt-get install
chromium``; or set ``CHROMIUM=/path/to/chrome``) with the Python ``playwright`` package;
no browser download. Set ``BOOK_HTML`` to test another build folder.

The book, every page, with all network blocked except ``file://`` inside the build folder:

* no request leaves the book's folder (every other request is aborted and recorded),
  no missing local file, no console error, no uncaught script error;
* every formula typeset: MathJax containers present, no MathJax error, no raw TeX
  (``$...$``, ``\\(``, ``\\[``, ``\\begin{``, ``\\frac{`` ...) in the visible text;
* every image loaded (``naturalWidth > 0``), inside a ``<figure>`` with a non-empty
  caption, with alt text that describes it (not a file path);
* every kernel-free interactive figure (``<figure class="dfl-frames">`` from
  ``dfl.plotting.frame_slider``) shows another frame when its slider moves;
* no horizontal overflow of the page at 1280 px and at a 390 px phone width; at 1280 px
  also no code, output, table or formula box that scrolls sideways (at 390 px such a box
  may scroll inside itself, as long as the page does not);
* the offline search page finds "blow-up time";
* every internal link resolves: a local file that exists, and its ``#anchor`` exists.

JupyterLab: a server on 127.0.0.1 (free port, no token) serves a scratch copy of
``book/`` (the chapter is copied, everything else linked, autosave off, so the
repository's notebook is never written); the test opens ``ch1_problem.ipynb``, checks that
jupyterlab-myst rendered the MyST (no raw directive text), runs all cells from the Run
menu, and moves an ipywidgets slider until the figure changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "test" / "_build" / "html")).resolve()
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "_build" / "browser"  # screenshots of the JupyterLab run, for a human look
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]
WIDTHS = (1280, 390)
SEARCH_PHRASE = "blow-up time"
LAB_CHAPTER = "ch1_problem.ipynb"
RAW_MYST = (":::{prf:", "```{prf:", "```{exercise", ":label:", "{prf:ref}", "{cite:t}",
            "{cite:p}", "{numref}", "{term}")
# Raw TeX that MathJax should have turned into a formula.
RAW_TEX = re.compile(
    r"(\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\end\{|\\(frac|sum|mathbb|mathrm|lVert|langle|"
    r"Tstar|wbar|otimes|alpha|beta|gamma|delta|lambda|theta|sigma|tau)\b"
    r"|(?<![\w$])\$[^$\s][^$\n]{0,80}?\$(?![\w$]))")
FILE_PATH_ALT = re.compile(r"(^|/)[\w.-]+\.(png|jpe?g|svg|gif|webp)$|^\.\.?/|^[0-9a-f]{20,}",
                           re.I)


# ------------------------------------------------------------------------------------
# Browser

def _require_chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"no Chromium at {CHROMIUM}: sudo apt-get install -y chromium "
                    "(or set CHROMIUM=/path/to/chrome)")


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _inside_build(url: str) -> bool:
    if not url.startswith("file://"):
        return False
    path = Path(unquote(urlsplit(url).path)).resolve()
    return path == HTML or HTML in path.parents


def _pages() -> list[Path]:
    skip = {"_static", "_sources", "_images", "_downloads"}
    return sorted(p for p in HTML.rglob("*.html")
                  if not (set(p.relative_to(HTML).parts[:-1]) & skip))


# JavaScript run on every page after it has loaded and MathJax has finished.
JS_WAIT_MATHJAX = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    if (MathJax.typesetPromise) { await MathJax.typesetPromise(); }
  }
  return true;
}"""

JS_INSPECT = r"""() => {
  const visible = el => !!el && (el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null);
  const skipTags = new Set(['PRE', 'CODE', 'SCRIPT', 'STYLE', 'TEXTAREA', 'MJX-CONTAINER',
                            'MJX-ASSISTIVE-MML', 'NOSCRIPT', 'TITLE']);
  // Visible text outside code, scripts and typeset formulas.
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    let el = n.parentElement, skip = false;
    for (let a = el; a; a = a.parentElement) {
      if (skipTags.has(a.tagName) || a.classList.contains('highlight')) { skip = true; break; }
    }
    if (!skip && n.textContent.trim() && visible(el)) parts.push(n.textContent);
  }
  // Images of the content (the theme's launch-button logos in the header are not figures).
  // (querySelector with a selector list returns the first match in document order, so ask
  // for the article first.) Index pages' expand/collapse icons (img.toggler) are controls.
  const scope = document.querySelector('.bd-article') || document.querySelector('article') ||
                document.body;
  const images = [...scope.querySelectorAll('img:not(.toggler)')].map(img => {
    const fig = img.closest('figure');
    const cap = fig ? fig.querySelector('figcaption') : null;
    const frames = img.closest('figure.dfl-frames');
    return {src: img.getAttribute('src').slice(0, 120), alt: img.getAttribute('alt'),
            loaded: img.complete && img.naturalWidth > 0, inFigure: !!fig,
            caption: cap ? cap.innerText.trim() : '', frame: !!frames,
            shown: visible(img)};
  });
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id)
      .concat([...document.querySelectorAll('a[name]')].map(e => e.getAttribute('name')));
  return {
    text: parts.join(' '),
    formulas: document.querySelectorAll('mjx-container').length,
    mathErrors: [...document.querySelectorAll('mjx-merror, [data-mjx-error]')]
        .map(e => e.getAttribute('data-mjx-error') || e.textContent).slice(0, 5),
    unprocessedMath: [...document.querySelectorAll('.math, span.math, div.math')]
        .filter(e => !e.querySelector('mjx-container') && visible(e))
        .map(e => e.textContent.slice(0, 80)).slice(0, 5),
    images, links, ids,
    sliders: document.querySelectorAll('figure.dfl-frames').length,
    figures: document.querySelectorAll('figure').length,
    captions: [...document.querySelectorAll('figure figcaption')]
        .filter(c => c.innerText.trim()).length,
  };
}"""

JS_OVERFLOW = r"""(strict) => {
  const se = document.scrollingElement;
  const out = {page: se.scrollWidth - se.clientWidth, boxes: []};
  if (!strict) return out;
  const visible = el => el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null;
  const sel = 'pre, .highlight, .output, .cell_output, .output_area, table, .table-wrapper, ' +
              '.math, mjx-container[display="true"], .MathJax_Display, .pst-scrollable-table-container';
  for (const el of document.querySelectorAll('.bd-article ' + sel.split(', ').join(', .bd-article '))) {
    if (!visible(el) || el.clientWidth === 0) continue;
    const over = el.scrollWidth - el.clientWidth;
    const ox = getComputedStyle(el).overflowX;
    // Only boxes the reader has to scroll sideways (a clipped inline formula's 1-20 px of
    // italic overhang is not content the reader misses).
    if (over > 2 && (ox === 'auto' || ox === 'scroll')) {
      const where = el.closest('[id]');
      const longest = Math.max(...el.innerText.split('\n').map(l => l.length));
      out.boxes.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ` +
                     `(${ox}, ${over}px too wide, longest line ${longest} characters, ` +
                     `near #${where ? where.id : '?'}): ` +
                     el.innerText.slice(0, 60).replace(/\s+/g, ' '));
    }
  }
  return out;
}"""

JS_SLIDERS = r"""async () => {
  const results = [];
  for (const fig of document.querySelectorAll('figure.dfl-frames')) {
    const r = fig.querySelector('input[type=range]');
    const shown = () => [...fig.querySelectorAll('img')].findIndex(
        i => getComputedStyle(i).display !== 'none');
    const srcOf = () => { const i = [...fig.querySelectorAll('img')].find(
        i => getComputedStyle(i).display !== 'none'); return i ? i.src : null; };
    if (!r) { results.push({id: fig.id, ok: false, why: 'no input[type=range]'}); continue; }
    const n = fig.querySelectorAll('img').length;
    const before = shown(), srcBefore = srcOf();
    const target = (+r.value === +r.max) ? +r.min : +r.max;
    r.value = String(target);
    r.dispatchEvent(new Event('input', {bubbles: true}));
    r.dispatchEvent(new Event('change', {bubbles: true}));
    await new Promise(res => setTimeout(res, 50));
    const after = shown(), srcAfter = srcOf();
    results.push({id: fig.id, frames: n, before, after,
                  ok: n > 1 && after !== before && srcAfter !== srcBefore && srcAfter !== null,
                  caption: (fig.querySelector('figcaption') || {innerText: ''}).innerText.trim()});
  }
  return results;
}"""


@pytest.fixture(scope="module")
def crawl(browser):
    """Open every page once per width; collect everything the checks below assert."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book in {HTML}: run `make book-check` first")
    t0 = time.monotonic()
    res = {"blocked": [], "missing": [], "console": [], "pages": {}, "overflow": [],
           "boxes": [], "sliders": []}
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900},
                                  service_workers="block")

    def route(r):
        url = r.request.url
        if url.startswith("data:") or _inside_build(url):
            r.continue_()
        else:
            res["blocked"].append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    current = {"page": ""}
    page.on("console", lambda m: m.type == "error" and res["console"].append(
        f"{current['page']}: {m.text[:300]}"))
    page.on("pageerror", lambda e: res["console"].append(f"{current['page']}: {e}"))
    page.on("requestfailed", lambda r: _inside_build(r.url) and res["missing"].append(
        f"{current['page']}: {r.url}"))
    for path in _pages():
        name = str(path.relative_to(HTML))
        current["page"] = name
        refresh = re.search(r'http-equiv="refresh"[^>]*url=([^"]+)"', path.read_text(), re.I)
        if refresh:  # a redirect page (index.html): check where it points, do not open it
            res["pages"][name] = {"text": "", "formulas": 0, "mathErrors": [],
                                  "unprocessedMath": [], "images": [], "ids": [],
                                  "links": [(path.parent / refresh.group(1)).as_uri()],
                                  "sliders": 0, "figures": 0, "captions": 0}
            continue
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        page.goto(path.as_uri(), wait_until="load")
        page.evaluate(JS_WAIT_MATHJAX)
        info = page.evaluate(JS_INSPECT)
        res["pages"][name] = info
        res["sliders"] += [dict(s, page=name) for s in page.evaluate(JS_SLIDERS)]
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(150)
            ov = page.evaluate(JS_OVERFLOW, width == WIDTHS[0])
            if ov["page"] > 1:
                res["overflow"].append(f"{name} at {width} px: page {ov['page']} px too wide")
            res["boxes"] += [f"{name} at {width} px: {b}" for b in ov["boxes"]]
    # The offline search.
    current["page"] = "search.html"
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto((HTML / "search.html").as_uri() + "?q=" + SEARCH_PHRASE.replace(" ", "+"))
    try:
        page.wait_for_selector("#search-results li, ul.search li", timeout=20000)
    except playwright_sync.TimeoutError:
        pass
    res["search_hits"] = page.eval_on_selector_all(
        "#search-results li, ul.search li", "els => els.map(e => e.innerText.split('\\n')[0])")
    context.close()
    res["seconds"] = time.monotonic() - t0
    _report(res)
    return res


def _report(res):
    pages = res["pages"].values()
    imgs = [i for p in pages for i in p["images"]]
    links = [u for p in pages for u in p["links"]]
    print(f"\nbrowser test of {HTML}")
    print(f"  pages {len(res['pages'])}, formulas {sum(p['formulas'] for p in pages)}, "
          f"images {len(imgs)} (frames of sliders {sum(i['frame'] for i in imgs)}), "
          f"figures {sum(p['figures'] for p in pages)}, "
          f"captions {sum(p['captions'] for p in pages)}, links {len(links)} "
          f"(internal {sum(u.startswith('file:') for u in links)}), "
          f"frame sliders {len(res['sliders'])}, search hits for {SEARCH_PHRASE!r} "
          f"{len(res['search_hits'])}, blocked requests {len(res['blocked'])}; "
          f"{res['seconds']:.1f} s")


def _fail(problems, what):
    if problems:
        shown = "\n  ".join(problems[:40])
        more = f"\n  ... and {len(problems) - 40} more" if len(problems) > 40 else ""
        pytest.fail(f"{len(problems)} {what}:\n  {shown}{more}", pytrace=False)


# ------------------------------------------------------------------------------------
# The book

def test_no_request_leaves_the_book_folder(crawl):
    _fail(sorted(set(crawl["blocked"])), "requests outside the book's folder (blocked)")
    _fail(crawl["missing"], "local files missing")


def test_no_console_errors(crawl):
    _fail(crawl["console"], "console errors")


def test_every_formula_typeset(crawl):
    problems = []
    for name, p in crawl["pages"].items():
        for err in p["mathErrors"]:
            problems.append(f"{name}: MathJax error {err!r}")
        for raw in p["unprocessedMath"]:
            problems.append(f"{name}: math not typeset: {raw!r}")
        for m in RAW_TEX.finditer(p["text"]):
            ctx = p["text"][max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
            problems.append(f"{name}: raw TeX {m.group(0)!r} in '...{ctx}...'")
    assert sum(p["formulas"] for p in crawl["pages"].values()) > 0, "no formula at all"
    _fail(problems, "formulas not typeset")


def test_every_image_loaded_captioned_with_alt_text(crawl):
    problems = []
    for name, p in crawl["pages"].items():
        for img in p["images"]:
            where = f"{name}: {img['src'][:70]}"
            if not img["loaded"]:
                problems.append(f"{where}: not loaded")
            if not img["inFigure"] or not img["caption"]:
                problems.append(f"{where}: no <figure> with a caption")
            alt = (img["alt"] or "").strip()
            if not alt or FILE_PATH_ALT.search(alt) or len(alt) < 10:
                problems.append(f"{where}: alt text {alt!r} does not describe the figure")
    _fail(problems, "image problems")


def test_frame_sliders_change_the_frame(crawl):
    _fail([f"{s['page']}#{s['id']}: {s}" for s in crawl["sliders"] if not s["ok"]],
          "kernel-free figures whose slider does not change the frame")


def test_no_horizontal_overflow(crawl):
    _fail(crawl["overflow"], "pages wider than the window")


def test_no_sideways_scrolling_box_at_desktop_width(crawl):
    _fail(crawl["boxes"], "boxes that scroll sideways at 1280 px")


def test_offline_search_finds_blow_up_time(crawl):
    assert crawl["search_hits"], f"the offline search found nothing for {SEARCH_PHRASE!r}"


def test_internal_links_resolve(crawl):
    ids_of = {}
    for name, p in crawl["pages"].items():
        ids_of[(HTML / name).resolve()] = set(p["ids"])
    problems = []
    for name, p in crawl["pages"].items():
        for url in set(p["links"]):
            if not url.startswith("file:"):
                continue
            parts = urlsplit(url)
            target = Path(unquote(parts.path))
            if not (target == HTML or HTML in target.resolve().parents):
                problems.append(f"{name}: link outside the book: {url}")
                continue
            if not target.exists():
                problems.append(f"{name}: missing file {target.relative_to(HTML)}")
                continue
            frag = unquote(parts.fragment)
            if frag and target.suffix == ".html":
                ids = ids_of.get(target.resolve())
                if ids is None:  # a page the crawl did not open (should not happen)
                    ids = set(re.findall(r'id="([^"]+)"', target.read_text(errors="replace")))
                if frag not in ids:
                    problems.append(f"{name}: no #{frag} in {target.relative_to(HTML)}")
    _fail(sorted(problems), "broken internal links")


# ------------------------------------------------------------------------------------
# JupyterLab

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab():
    """A JupyterLab server on a scratch copy of book/ (the chapter copied, the rest linked)."""
    jupyter = Path(sys.executable).parent / "jupyter"
    tmp = Path(tempfile.mkdtemp(prefix="dfl-lab-"))
    book = tmp / "book"
    book.mkdir()
    for entry in (ROOT / "book").iterdir():
        if entry.name == LAB_CHAPTER:
            # LAB_NOTEBOOK=path: try another version of the chapter (e.g. a rewritten copy).
            shutil.copy2(os.environ.get("LAB_NOTEBOOK", entry), book / entry.name)
        elif not entry.name.startswith("."):
            (book / entry.name).symlink_to(entry)
    settings = tmp / "settings"
    for plugin, values in {
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
        # Render every cell, so the whole chapter can be read and checked at once.
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                         "checkForUpdates": False},
    }.items():
        f = settings / (plugin + ".jupyterlab-settings")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values))
    port = _free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={tmp}", "--LabApp.news_url=", "--LabApp.expose_app_in_browser=True", "--allow-root"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {(tmp / 'lab.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(url + "/api/status", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("jupyter lab did not start in 120 s")
        yield {"url": url, "dir": tmp}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


JS_RAW_MYST = r"""(needles) => {
  const out = [];
  for (const el of document.querySelectorAll('.jp-MarkdownCell')) {
    const t = el.innerText;
    for (const n of needles) if (t.includes(n)) out.push(n + ' in: ' +
        t.slice(Math.max(0, t.indexOf(n) - 60), t.indexOf(n) + 60).replace(/\s+/g, ' '));
  }
  return out;
}"""

JS_LAB_STATE = r"""() => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!nb || !nb.content || !nb.content.model) return null;
  const cells = [...nb.content.model.cells];
  const code = cells.filter(c => c.type === 'code');
  return {
    kernel: nb.sessionContext.session && nb.sessionContext.session.kernel
        ? nb.sessionContext.session.kernel.status : 'none',
    pending: code.filter(c => c.executionCount === null).length,
    running: [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .filter(p => p.innerText.includes('*')).length,
    errors: code.flatMap(c => c.outputs.toJSON().filter(o => o.output_type === 'error')
        .map(o => o.ename + ': ' + o.evalue)),
    markdown: cells.filter(c => c.type === 'markdown').length,
  };
}"""


def test_jupyterlab_renders_runs_and_redraws(browser, lab):
    t0 = time.monotonic()
    blocked = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})

    def route(r):
        if r.request.url.startswith((lab["url"], "data:", "blob:", "ws://127.0.0.1")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{lab['url']}/lab/tree/book/{LAB_CHAPTER}")
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=180_000, state="attached")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session",
                           timeout=180_000)
    page.wait_for_timeout(3000)  # jupyterlab-myst renders the markdown cells
    raw = page.evaluate(JS_RAW_MYST, list(RAW_MYST))
    math_errors = page.eval_on_selector_all(
        ".jp-MarkdownCell .katex-error, .jp-MarkdownCell [class*='error'], "
        ".jp-MarkdownCell [title*='rror'], .jp-MarkdownCell mjx-merror",
        "els => els.map(e => (e.getAttribute('title') || e.innerText).slice(0, 120))")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lab-rendered.png"))

    # Run > Run All Cells.
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.locator(".lm-Menu .lm-Menu-item").filter(
        has_text=re.compile(r"^\s*Run All Cells\s*$")).first.click()
    page.wait_for_timeout(2000)
    page.wait_for_function(
        f"() => {{ const s = ({JS_LAB_STATE})(); "
        "return s && s.kernel === 'idle' && s.pending === 0 && s.running === 0; }",
        timeout=900_000, polling=1000)
    state = page.evaluate(JS_LAB_STATE)
    # Move the first ipywidgets slider and wait for its figure to change.
    slider = page.locator(".jp-CodeCell .widget-slider").first
    slider.wait_for(timeout=60_000)
    slider.scroll_into_view_if_needed()
    cell = page.locator(".jp-CodeCell", has=page.locator(".widget-slider")).first
    src_js = ("el => [...el.querySelectorAll('.jp-OutputArea-output img')]"
              ".map(i => i.src.slice(-200)).join('|')")
    before = cell.evaluate(src_js)
    handle = cell.locator(".noUi-handle, .ui-slider-handle").first
    handle.focus()
    t_move = time.monotonic()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    try:
        page.wait_for_function(
            "([el, before]) => [...el.querySelectorAll('.jp-OutputArea-output img')]"
            ".map(i => i.src.slice(-200)).join('|') !== before && "
            "el.querySelectorAll('.jp-OutputArea-output img').length > 0",
            arg=[cell.element_handle(), before], timeout=60_000, polling=100)
        redraw = time.monotonic() - t_move
    except playwright_sync.TimeoutError:
        redraw = None
    page.screenshot(path=str(SHOTS / "lab-after-slider.png"))
    context.close()
    print(f"\nJupyterLab: {LAB_CHAPTER}: {state['markdown']} markdown cells rendered, "
          f"run all: {len(state['errors'])} errors, slider redraw "
          f"{'none' if redraw is None else f'{redraw:.2f} s'}, blocked requests {len(blocked)}; "
          f"{time.monotonic() - t0:.1f} s")
    assert not raw, f"raw MyST visible in JupyterLab: {raw[:10]}"
    assert not math_errors, f"math errors in JupyterLab: {math_errors[:10]}"
    assert not state["errors"], f"errors when running all cells: {state['errors']}"
    assert redraw is not None, "moving the slider did not change the figure"

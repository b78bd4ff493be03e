"""Set the book's repository address everywhere it is written.

One setting holds the address: ``repository: url:`` in ``_config.yml``. The launch
buttons (Binder, Colab) and the repository button of the HTML book are generated from it
by Jupyter Book. This script writes the address to that setting and to every other place
that has to spell it out:

* ``_config.yml``: ``repository: url:``;
* every chapter ``book/*.ipynb``: the ``REPO_URL = "..."`` line of the Colab cell;
* ``README.md``, ``CITATION.cff`` (``repository-code``), ``pyproject.toml``
  (``[project.urls]``), ``binder/*`` and ``book/*.md``: every occurrence of the old address,
  and of the old GitHub Pages address (``https://OWNER.github.io/REPO/``).

Usage::

    make repo-url URL=https://github.com/OWNER/REPO
    python scripts/repo_url.py https://github.com/OWNER/REPO   # the same
    python scripts/repo_url.py --check                          # list the places, change nothing

``tests/test_site.py`` checks that all these places agree with ``_config.yml``.
Chapters are edited as JSON text (one line replaced), so cell ids, metadata and outputs
are untouched.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"

# `repository:` block, its `url:` line (the one source of the address).
CONFIG_URL = re.compile(r"(?m)^(repository:\s*\n(?:[ \t]+.*\n)*?[ \t]+url:[ \t]*)(\S+)(.*)$")
# The Colab cell's line inside a notebook's JSON: "    REPO_URL = \"...\"\n",
NB_URL = re.compile(r'(REPO_URL = \\")([^"\\]*)(\\")')
CFF_URL = re.compile(r"(?m)^(repository-code:[ \t]*)(['\"]?)([^'\"\s]+)(['\"]?)[ \t]*$")
URL_OK = re.compile(r"^https://[A-Za-z0-9.-]+/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$")


def pages_url(url: str) -> str | None:
    """The GitHub Pages address of a GitHub repository (where pages.yml publishes)."""
    m = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", url)
    return f"https://{m.group(1).lower()}.github.io/{m.group(2)}/" if m else None


def current_url(text: str | None = None) -> str:
    """The address in ``_config.yml`` (``repository: url:``)."""
    text = CONFIG.read_text() if text is None else text
    m = CONFIG_URL.search(text)
    if not m:
        raise SystemExit("_config.yml has no `repository: url:` line")
    return m.group(2)


def chapters() -> list[Path]:
    return sorted((ROOT / "book").glob("*.ipynb"))


def text_files() -> list[Path]:
    """Files in which the old address is replaced wherever it occurs."""
    names = [ROOT / "README.md", ROOT / "CITATION.cff", ROOT / "pyproject.toml"]
    names += sorted((ROOT / "binder").glob("*")) + sorted((ROOT / "book").glob("*.md"))
    return [p for p in names if p.is_file()]


def notebook_urls(path: Path) -> list[str]:
    return [m.group(2) for m in NB_URL.finditer(path.read_text())]


def set_url(new: str) -> list[str]:
    """Write ``new`` everywhere; return the files changed."""
    changed = []
    config_text = CONFIG.read_text()
    old = current_url(config_text)
    # The placeholder comment, if any, goes: the address is now real.
    text = CONFIG_URL.sub(lambda m: m.group(1) + new, config_text, count=1)
    if text != config_text:
        CONFIG.write_text(text)
        changed.append(CONFIG)
    for path in chapters():
        src = path.read_text()
        text = NB_URL.sub(lambda m: m.group(1) + new + m.group(3), src)
        if text != src:
            path.write_text(text)
            changed.append(path)
    old_pages, new_pages = pages_url(old), pages_url(new)
    for path in text_files():
        src = path.read_text()
        text = src.replace(old, new) if old != new else src
        if old_pages and new_pages and old_pages != new_pages:
            text = text.replace(old_pages, new_pages)
        if path.name == "CITATION.cff":
            text = CFF_URL.sub(lambda m: m.group(1) + m.group(2) + new + m.group(4), text)
        if text != src:
            path.write_text(text)
            changed.append(path)
    return [str(p.relative_to(ROOT)) for p in changed]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="https://github.com/OWNER/REPO")
    parser.add_argument("--check", action="store_true", help="only list where it is written")
    args = parser.parse_args(argv)
    if args.check or not args.url:
        url = current_url()
        print(f"_config.yml repository: url: {url}")
        for path in chapters():
            print(f"{path.relative_to(ROOT)}: REPO_URL = {notebook_urls(path) or 'missing'}")
        for path in text_files():
            n = path.read_text().count(url)
            print(f"{path.relative_to(ROOT)}: {n} occurrence(s)")
        return 0 if args.check else 2
    url = args.url.strip().rstrip("/")
    if url.endswith(".git"):
        url = url[:-4]
    if not URL_OK.match(url):
        print(f"not a repository address (https://HOST/OWNER/REPO): {args.url!r}",
              file=sys.stderr)
        return 2
    changed = set_url(url)
    print(f"repository address set to {url}")
    for name in changed:
        print(f"  updated {name}")
    if not changed:
        print("  (nothing to change)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""npm packages the build serves or injects itself, pinned by version and sha512 integrity.

``fetch_vendor`` fetches each tarball once with ``npm pack`` into ``_build/vendor`` and
refuses a tarball whose sha512 differs from the pin; ``extract`` copies files out of it.
Used by ``scripts/slides.py`` (reveal.js, require.js), ``scripts/page_metrics.py`` and
``tests/test_browser.py`` (axe-core). Nothing downloads at build or test time once the
tarballs are in ``_build/vendor``.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR_DIR = ROOT / "_build" / "vendor"

#: The accessibility checker of the browser test: (version, sha512 integrity of the tarball).
AXE = {"axe-core": ("4.14.1", ("sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5"
                              "qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="))}


def integrity(path: Path) -> str:
    """The npm ``dist.integrity`` string (``sha512-<base64>``) of a file."""
    digest = hashlib.sha512(Path(path).read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def fetch_vendor(packages: dict[str, tuple[str, str]],
                 vendor_dir: Path = VENDOR_DIR) -> dict[str, Path]:
    """The pinned npm tarballs, fetched once with ``npm pack`` and checksum-verified.

    Parameters
    ----------
    packages : dict
        Package name -> (version, sha512 integrity of the tarball).
    vendor_dir : Path
        Where the tarballs are kept (default ``_build/vendor``).

    Returns
    -------
    dict
        Package name -> tarball path.

    Raises
    ------
    ValueError
        If a tarball's sha512 differs from the pinned one.
    """
    vendor_dir = Path(vendor_dir)
    vendor_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (version, pinned) in packages.items():
        path = vendor_dir / f"{name}-{version}.tgz"
        if not path.exists():
            subprocess.run(["npm", "pack", "--loglevel=warn", f"{name}@{version}",
                            "--pack-destination", str(vendor_dir)],
                           check=True, stdout=subprocess.DEVNULL)
        if integrity(path) != pinned:
            raise ValueError(f"tarball {path} has sha512 {integrity(path)}, pinned {pinned}")
        paths[name] = path
    return paths


def extract(tgz: Path, members: list[str], dest: Path) -> None:
    """Extract the files of ``tgz`` under ``package/<member>`` into ``dest/<member>``."""
    with tarfile.open(tgz) as tar:
        for info in tar.getmembers():
            rel = info.name.removeprefix("package/")
            if info.isfile() and any(rel == m or rel.startswith(m + "/") for m in members):
                target = Path(dest) / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(info) as src:
                    target.write_bytes(src.read())


def axe_script(vendor_dir: Path = VENDOR_DIR) -> Path:
    """Path of ``axe.min.js`` (the pinned axe-core), extracted into ``vendor_dir/axe-core``."""
    (name, (version, _)), = AXE.items()
    dest = Path(vendor_dir) / f"{name}-{version}"
    script = dest / "axe.min.js"
    if not script.exists():
        extract(fetch_vendor(AXE, vendor_dir)[name], ["axe.min.js"], dest)
    return script

#!/usr/bin/env bash
# Build a fresh environment exactly as binder/ describes it and run every chapter in it.
#
#   binder/runtime.txt      python-3.11
#   binder/requirements.txt -r ../requirements.txt -c ../constraints.txt
#   binder/postBuild        pip install --no-deps .   (+ JupyterLab settings)
#
# repo2docker runs `pip install -r binder/requirements.txt` from binder/ and then
# binder/postBuild from the repository root; this does the same in a new venv
# (_build/binder-venv, removed first) and runs strict nbval on book/*.ipynb with it.
# Usage: scripts/binder_check.sh   (or make binder-check)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=$root/_build/binder-venv
want=$(sed -n 's/^python-\([0-9.]*\).*/\1/p' binder/runtime.txt)
python=${BINDER_PYTHON:-python$want}
command -v "$python" >/dev/null || python=python3
have=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$have" = "$want" ] || echo "binder-check: note: Binder uses Python $want, this check uses $have"
start=$(date +%s)
rm -rf "$venv"
"$python" -m venv "$venv"
export PATH="$venv/bin:$PATH"
unset PYTHONPATH
(cd binder && python -m pip install --disable-pip-version-check -q -r requirements.txt)
had_build=$([ -e build ] && echo yes || true)
bash binder/postBuild
# `pip install .` leaves setuptools' build/ folder in the tree (Binder's image does not care).
[ -n "$had_build" ] || rm -rf build
# The kernel a chapter runs in is this environment's interpreter (as in the Binder image).
python -m ipykernel install --sys-prefix --name python3 >/dev/null
# The package must come from site-packages, not from the source tree.
(cd /tmp && python -c 'import deflation, sys; p = deflation.__file__; \
    sys.exit(0 if "site-packages" in p else "deflation imported from " + p)')
built=$(date +%s)
echo "binder-check: environment built in $((built - start)) s"
cd "$root"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 PYTHONHASHSEED=0 PYDEVD_DISABLE_FILE_VALIDATION=1 \
python -m pytest -p no:cacheprovider -q --nbval --nbval-current-env \
    --nbval-sanitize-with tests/sanitize.cfg --nbval-cell-timeout=300 book/*.ipynb
echo "binder-check: all chapters pass in the Binder environment;" \
     "total $(( $(date +%s) - start )) s"

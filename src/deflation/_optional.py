"""Optional dependencies, imported when a feature needs them (a private module).

``import deflation`` needs only numpy, scipy, joblib and threadpoolctl. The plotting
functions, the exercise checker, the sweeps' progress bar and Dask runs need more; each
is declared as an extra in ``pyproject.toml``, and :func:`require` imports it at the
point of use with an error that says which extra to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["EXTRAS", "require"]

#: The extra of ``pyproject.toml`` that provides each optional top-level package.
EXTRAS = {
    "matplotlib": "plot",
    "IPython": "plot",
    "ipywidgets": "plot",
    "sympy": "exercises",
    "tqdm": "progress",
    "distributed": "dask",
}


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` (for example ``"matplotlib.pyplot"``) or explain how to get it.

    Raises
    ------
    ImportError
        If it is not installed, naming the extra that provides it, e.g.
        ``pip install 'deflation[plot]'``.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.partition(".")[0]
        if exc.name is not None and exc.name.partition(".")[0] != top:
            raise  # the package is there, but one of its own dependencies is missing
        extra = EXTRAS.get(top)
        hint = f"pip install 'deflation[{extra}]'" if extra else f"pip install {top}"
        raise ImportError(
            f"{feature} needs the optional package {top!r}, which is not installed: "
            f"{hint}"
        ) from exc

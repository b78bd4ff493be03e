"""How many BLAS threads the package's own loops use (one by default).

The package multiplies many small matrices (m x d with m up to a few thousand): there
OpenBLAS's threads mostly wait for each other, and on a shared machine they wait for the
other processes too. Measured on the book's 2-core machine (``benchmarks/bench.py``),
one busy process on the other core makes a gradient at d = 20, m = 200 several times
slower with the default thread count than with one thread. So every integration
(:func:`deflation.integrate.dopri5`, hence :func:`deflation.gradient_flow`,
:func:`deflation.modified_gradient_flow`, the sweeps' run functions) and the deflation
process run inside :func:`limit_blas_threads`, whatever the caller's environment
(a Jupyter kernel does not inherit ``OPENBLAS_NUM_THREADS=1`` from the Makefile).

Override with the environment variable ``DEFLATION_BLAS_THREADS``: a positive integer,
or ``default`` to leave BLAS as it is. It is read at each call, so
``os.environ["DEFLATION_BLAS_THREADS"] = "2"`` in a notebook takes effect at once.
"""

from __future__ import annotations

import contextlib
import functools
import os

ENV = "DEFLATION_BLAS_THREADS"

__all__ = ["ENV", "blas_thread_limit", "blas_threads", "limit_blas_threads", "with_blas_limit"]

_controller = None


def blas_thread_limit() -> int | None:
    """The configured limit: ``int(DEFLATION_BLAS_THREADS)``, default 1; None = no limit.

    Raises
    ------
    ValueError
        If the variable is neither a positive integer nor ``default``.
    """
    raw = os.environ.get(ENV, "1").strip()
    if raw.lower() == "default":
        return None
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{ENV} must be a positive integer or 'default', got {raw!r}")
    return n


def _get_controller():
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()  # inspects the loaded libraries once
    return _controller


def limit_blas_threads():
    """A context manager running its body with at most :func:`blas_thread_limit` BLAS threads.

    Nested uses are cheap: when every BLAS library already runs at or below the limit
    (for example under ``OPENBLAS_NUM_THREADS=1``, or inside an outer limit), nothing is
    changed.
    """
    n = blas_thread_limit()
    if n is None:
        return contextlib.nullcontext()
    ctl = _get_controller()
    blas = ctl.select(user_api="blas")
    if all(lib.num_threads <= n for lib in blas.lib_controllers):
        return contextlib.nullcontext()
    return blas.limit(limits=n)


def with_blas_limit(func):
    """Decorator: run ``func`` inside :func:`limit_blas_threads`."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with limit_blas_threads():
            return func(*args, **kwargs)

    return wrapper


def blas_threads(n: int | None = 1) -> contextlib.AbstractContextManager:
    """A context manager: at most ``n`` BLAS threads in its body (None: leave BLAS alone).

    The package's integrations and public model functions (:func:`deflation.gradient`,
    :func:`deflation.loss`, ...) already run with ``DEFLATION_BLAS_THREADS`` threads (one
    by default). Use this for your own numpy code around them, or to choose a count for
    one block without touching the environment::

        with dfl.blas_threads(1):
            for W in samples:
                g = W @ W.T  # your own products, one BLAS thread

    Parameters
    ----------
    n : int or None, default 1
        The thread limit, >= 1; None runs the body unchanged.

    Returns
    -------
    context manager
        threadpoolctl's limiter (or a null context when nothing needs to change).
    """
    if n is None:
        return contextlib.nullcontext()
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be a positive integer or None, got {n!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    blas = _get_controller().select(user_api="blas")
    if all(lib.num_threads <= n for lib in blas.lib_controllers):
        return contextlib.nullcontext()
    return blas.limit(limits=n)

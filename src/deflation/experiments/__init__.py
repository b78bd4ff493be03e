"""The chapters' experiments: sweep plans and run functions (chapters 5 and 6).

Every run function is a module-level ``func(config, seed) -> dict`` with a stable
``cache_name`` attribute, so that :func:`deflation.sweep` can ship it to joblib or Dask
workers and cache its results under a name that survives a move. ``scripts/ch5_sweep.py``
and ``scripts/ch6_sweep.py`` are thin command-line wrappers around these modules.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .._optional import require
from . import ch5, ch6

__all__ = ["RUN_FUNCTIONS", "run_function", "add_runner_arguments", "runner_options"]
# and the modules ch5, ch6

#: Every run function of the book, by its ``cache_name``.
RUN_FUNCTIONS: dict[str, Callable[[dict[str, Any], int], dict[str, Any]]] = {
    f.cache_name: f  # type: ignore[union-attr]
    for f in (ch5.run_modified, ch5.run_plain, ch6.run_fit_times, ch6.run_correlated,
              ch6.run_correlated_deflation, ch6.run_noisy, ch6.run_loss_curve)
}


def run_function(name: str) -> Callable[[dict[str, Any], int], dict[str, Any]]:
    """The run function whose ``cache_name`` is ``name`` (for recomputing a cached record).

    Raises
    ------
    ValueError
        If no run function has that name.
    """
    try:
        return RUN_FUNCTIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"name must be one of {sorted(RUN_FUNCTIONS)}, got {name!r}"
        ) from None


def add_runner_arguments(parser: argparse.ArgumentParser, *, default_jobs: int = 1) -> None:
    """Add the options every sweep script shares to an ``argparse`` parser.

    ``--jobs`` (also spelled ``--n-jobs``): joblib workers; ``--dask ADDRESS``: run on a
    Dask scheduler instead; ``--no-progress``: no progress bar.

    Parameters
    ----------
    parser : an ``argparse`` parser
    default_jobs : int, default 1
    """
    parser.add_argument("--jobs", "--n-jobs", dest="jobs", type=int, default=default_jobs,
                        help=f"joblib workers (default {default_jobs})")
    parser.add_argument("--dask", metavar="ADDRESS", help="run on this Dask scheduler")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def runner_options(args: argparse.Namespace) -> tuple[int, Any, bool | None]:
    """``(n_jobs, client, progress)`` for :func:`deflation.sweep` from parsed options.

    Connects to the Dask scheduler given by ``--dask`` (``client`` is None otherwise);
    ``progress`` is False with ``--no-progress`` and None (a bar on a terminal) otherwise.
    """
    client = None
    if args.dask:
        Client = require("distributed", "--dask").Client
        client = Client(args.dask)
    return args.jobs, client, (False if args.no_progress else None)

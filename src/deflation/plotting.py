"""One plotting style for the whole book, and the figures chapters share.

Chapters call :func:`use_style` once in their setup cell; every function here draws on
an ``ax`` it is given (or a new one) and returns it, so a widget is a thin layer that
calls the same function as the static figure beside it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["use_style", "component_colors", "staircase", "loss_curve", "mark_times"]

STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "savefig.bbox": "tight",
}


def use_style():
    """Apply the book's matplotlib style (call once per chapter)."""
    import matplotlib as mpl

    mpl.rcParams.update(STYLE)


def component_colors(r: int):
    """``r`` distinguishable colors, the same for component k in every figure."""
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("viridis")
    return [cmap(x) for x in np.linspace(0.0, 0.85, max(r, 1))][:r]


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def staircase(traj, ax=None, *, relative=True, label_weights=True, legend=True):
    """Residual of every ground-truth component against time: the deflation staircase.

    Parameters
    ----------
    traj : Trajectory
    ax : matplotlib Axes, optional
    relative : bool, default True
        Plot the fitted fraction :math:`1 - \\text{residual}_k / a_k` (all curves go from
        0 to 1) instead of the raw fitted weight.
    label_weights : bool, default True
    legend : bool, default True

    Returns
    -------
    Axes
    """
    ax = _ax(ax)
    a = traj.target.weights
    fitted = traj.weights_by_component
    y = fitted / a if relative else fitted
    for k, col in enumerate(component_colors(a.size)):
        lab = f"$a_{{{k + 1}}}={a[k]:.3g}$" if label_weights else None
        ax.plot(traj.t, y[:, k], color=col, label=lab)
    ax.set_xlabel("time $t$")
    ax.set_ylabel("fitted fraction of $a_k$" if relative else "fitted weight")
    if legend and label_weights:
        ax.legend(loc="lower right")
    return ax


def loss_curve(traj, ax=None, *, color="k", label=None):
    """The loss on a log scale against time (its plateaus are the staircase's steps)."""
    ax = _ax(ax)
    ax.semilogy(traj.t, np.maximum(traj.loss, 1e-300), color=color, label=label)
    ax.set_xlabel("time $t$")
    ax.set_ylabel("loss $L(W)$")
    return ax


def mark_times(ax, times, *, colors=None, style=":", label=None):
    """Vertical lines at ``times`` (NaN entries are skipped), e.g. fit times or epochs."""
    times = np.asarray(times, dtype=float)
    colors = colors or ["0.4"] * times.size
    for i, (t, c) in enumerate(zip(times, colors)):
        if np.isfinite(t):
            ax.axvline(t, color=c, ls=style, lw=1.0, label=label if i == 0 else None)
    return ax

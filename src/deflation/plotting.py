"""One plotting style for the whole book, and the figures chapters share.

Chapters call :func:`use_style` once in their setup cell; every function here draws on
an ``ax`` it is given (or a new one) and returns it, so a widget is a thin layer that
calls the same function as the static figure beside it.
Figures on a phone. The book shows a figure's PNG at its own size on a desktop and
shrinks it to the text column on a phone: :data:`PHONE_FIGURE_PX` (342) CSS px at a
390 px screen. A text of ``f`` points in a PNG of ``dpi`` dots per inch and ``w`` pixels
is then ``f / 72 * dpi * min(1, 342 / w)`` CSS px tall (:func:`phone_text_px`); the book
asks for at least :data:`MIN_TEXT_PX` (9). The style's smallest text is
:data:`MIN_FONT_PT` (10 pt), so a figure may be at most :data:`MAX_WIDTH_IN` (5.3 in)
wide as saved; :func:`subplots` makes figures that fit (two panels side by side at most,
more panels stacked in rows). With :func:`use_style`, every figure made by
:func:`subplots` records its smallest font size and resolution in the PNG a notebook
shows (:func:`png_text_metadata`), so the browser test can check every figure.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from . import _checks
from ._optional import require
from ._typing import ArrayLike
from .early import locked_direction
from .flow import Trajectory
from .measures import assign_groups, recovery_path
from .modified import ModifiedResult

__all__ = [
    "use_style",
    "component_colors",
    "staircase",
    "loss_curve",
    "mark_times",
    "leading_components",
    "norm_correlation_scatter",
    "early_phase",
    "group_staircase",
    "predicted_vs_measured",
    "fit_time_scaling",
    "epoch_staircase",
    "frame_slider",
    "live_figure",
    "subplots",
    "smallest_font_pt",
    "phone_text_px",
    "png_text_metadata",
    "read_png_text",
    "book_figure_class",
    "MIN_FONT_PT",
    "MIN_TEXT_PX",
    "PHONE_FIGURE_PX",
    "MAX_WIDTH_IN",
]

#: Width of a figure in CSS px on a 390 px phone screen (the text column, measured in
#: the built book at 390 px).
PHONE_FIGURE_PX = 342
#: Smallest text height in CSS px a figure may show on that phone.
MIN_TEXT_PX = 9
#: Smallest font size of the style (tick labels, legends), in points.
MIN_FONT_PT = 10
#: Widest figure (as saved, in inches) whose MIN_FONT_PT text stays MIN_TEXT_PX tall at
#: PHONE_FIGURE_PX: MIN_FONT_PT / 72 * PHONE_FIGURE_PX / MIN_TEXT_PX = 5.28 in.
MAX_WIDTH_IN = MIN_FONT_PT / 72 * PHONE_FIGURE_PX / MIN_TEXT_PX
#: PNG metadata keys written by the book's figure formatter (see use_style).
PNG_KEYS = ("dfl:min-font-pt", "dfl:dpi")

# Smallest distance between two re-draw labels of :func:`epoch_staircase`, as a fraction
# of the time axis (a two-digit label at MIN_FONT_PT is about 4% of a figure's axes).
_EPOCH_LABEL_GAP = 0.06

#: The width :func:`subplots` gives a figure: MAX_WIDTH_IN minus the tight bounding box's
#: margin.
FIGURE_WIDTH_IN = 5.0

STYLE: dict[str, Any] = {
    # one panel, as wide as a phone allows; fonts no smaller than MIN_FONT_PT
    "figure.figsize": (FIGURE_WIDTH_IN, 3.2),
    "figure.dpi": 100,
    "font.size": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "figure.titlesize": 11,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "savefig.bbox": "tight",
}


def use_style() -> None:
    """Apply the book's matplotlib style (call once per chapter, after importing pyplot).

    In IPython (Jupyter, the book's build) it also makes every figure made by
    :func:`subplots` (class :func:`book_figure_class`) show as a PNG that records its
    smallest font size and resolution (:func:`png_text_metadata`), so the book's tests
    can tell how large its text is on a phone.
    """
    require("matplotlib", "deflation.plotting").rcParams.update(STYLE)
    _register_png_formatter()


_BOOK_FIGURE: list[type] = []


def book_figure_class() -> type:
    """The figure class of :func:`subplots`: a matplotlib Figure that the notebook shows
    as a PNG recording its smallest font size and resolution (:func:`png_text_metadata`).

    (The inline backend re-registers its own PNG formatter for ``Figure`` when a first
    figure is made, so the book's formatter is registered for this subclass.)
    """
    if not _BOOK_FIGURE:
        Figure = require("matplotlib.figure", "deflation.plotting").Figure

        class BookFigure(Figure):  # type: ignore[misc, valid-type]
            """A figure of the book (see :func:`deflation.plotting.subplots`)."""

        _BOOK_FIGURE.append(BookFigure)
    return _BOOK_FIGURE[0]


def _register_png_formatter() -> None:
    """Show the book's figures as PNG with the book's metadata (in IPython only)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the book
        return
    ip = get_ipython()
    if ip is None or not hasattr(ip, "display_formatter"):
        return
    ip.display_formatter.formatters["image/png"].for_type(book_figure_class(), _figure_png)


def _figure_png(fig: Any) -> bytes | None:
    """PNG bytes of ``fig`` as the inline backend makes them, with the book's metadata."""
    import io

    if not fig.axes and not fig.lines and not fig.texts and not fig.images:
        return None  # like the inline backend: an empty figure shows nothing
    buf = io.BytesIO()
    fig.canvas.print_figure(buf, format="png", bbox_inches="tight",
                            facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor(),
                            metadata=png_text_metadata(fig))
    return buf.getvalue()


def smallest_font_pt(fig: Any) -> float | None:
    """The smallest font size (points) among the texts a figure draws, or None.

    Tick labels, axis labels, titles, legends, annotations: every visible, non-empty
    :class:`matplotlib.text.Text` after a draw without rendering.
    """
    from matplotlib.text import Text

    fig.draw_without_rendering()

    def shown(t):
        return (t.get_visible() and bool(t.get_text().strip())
                and (t.axes is None or t.axes.get_visible()))

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if shown(t)]
    return float(min(sizes)) if sizes else None


def png_text_metadata(fig: Any, dpi: float | None = None) -> dict[str, str]:
    """PNG metadata recording a figure's smallest font size and resolution.

    Parameters
    ----------
    fig : matplotlib Figure
    dpi : float, optional
        The resolution the PNG is saved at (default: the figure's).

    Returns
    -------
    dict
        ``{"dfl:min-font-pt": "10", "dfl:dpi": "100"}`` (strings, as PNG text chunks
        hold them), for ``savefig(..., metadata=...)``.
    """
    pt = smallest_font_pt(fig)
    return {"dfl:min-font-pt": "" if pt is None else f"{pt:g}",
            "dfl:dpi": f"{float(dpi or fig.dpi):g}"}


def read_png_text(data: bytes) -> dict[str, str]:
    """The text chunks (``tEXt``) and pixel size of a PNG: ``{"width": ..., key: value}``.

    Raises
    ------
    ValueError
        If ``data`` is not a PNG.
    """
    import struct

    if not isinstance(data, (bytes, bytearray)) or data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"data must be the bytes of a PNG, got {bytes(data[:8])!r}")
    out, pos = {}, 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            out["width"], out["height"] = struct.unpack(">II", body[:8])
        elif kind == b"tEXt" and b"\x00" in body:
            key, value = body.split(b"\x00", 1)
            out[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"IEND":
            break
        pos += 12 + length
    return out


def phone_text_px(font_pt: float, dpi: float, width_px: float,
                  shown_px: float = PHONE_FIGURE_PX) -> float:
    """Height in CSS px of ``font_pt`` text in a ``width_px`` PNG at ``dpi``, shown on a phone.

    The image is shown at its own width if that fits, else shrunk to ``shown_px``:
    ``font_pt / 72 * dpi * min(1, shown_px / width_px)``.
    """
    for name, v in (("font_pt", font_pt), ("dpi", dpi), ("width_px", width_px),
                    ("shown_px", shown_px)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a positive number, got {v!r}")
    return font_pt / 72 * dpi * min(1.0, shown_px / width_px)


def subplots(nrows: int = 1, ncols: int = 1, *, height: float | None = None,
             **kwargs: Any) -> tuple[Any, Any]:
    """``plt.subplots`` for the book: as wide as a phone allows, at most two columns.

    Parameters
    ----------
    nrows, ncols : int, default 1
        Panels. ``ncols`` must be 1 or 2: on a phone, three panels side by side leave
        no room for readable text; stack them (``nrows``) instead.
    height : float, optional
        Height of the figure in inches (default 3.2 per row, 2.6 per row from the second).
    **kwargs
        Passed to ``plt.subplots`` (not ``figsize``).

    Returns
    -------
    (Figure, Axes or array of Axes)
    """
    plt = _plt()
    if ncols not in (1, 2):
        raise ValueError(f"ncols must be 1 or 2 (stack more panels in rows), got {ncols!r}")
    if not (isinstance(nrows, (int, np.integer)) and nrows >= 1):
        raise ValueError(f"nrows must be a positive integer, got {nrows!r}")
    if "figsize" in kwargs:
        raise ValueError("figsize is set by subplots (width MAX_WIDTH_IN); give height")
    if height is None:
        height = 3.2 + 2.6 * (nrows - 1)
    kwargs.setdefault("layout", "constrained")
    kwargs.setdefault("FigureClass", book_figure_class())
    width = FIGURE_WIDTH_IN
    return plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)


def component_colors(r: int) -> list[Any]:
    """``r`` distinguishable colors, the same for component k in every figure."""
    cmap = _plt().get_cmap("viridis")
    return [cmap(x) for x in np.linspace(0.0, 0.85, max(r, 1))][:r]


def _plt():
    """``matplotlib.pyplot``, or an ImportError naming the ``[plot]`` extra."""
    return require("matplotlib.pyplot", "deflation.plotting")


def _ax(ax: Any) -> Any:
    if ax is None:
        _, ax = subplots()
    return ax


def staircase(
    traj: Trajectory, ax: Any=None, *, relative: bool=True, label_weights: bool=True, legend:
    bool=True,
) -> Any:
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


def loss_curve(traj: Trajectory, ax: Any=None, *, color: Any="k", label: str | None=None) -> Any:
    """The loss on a log scale against time (its plateaus are the staircase's steps)."""
    ax = _ax(ax)
    ax.semilogy(traj.t, np.maximum(traj.loss, 1e-300), color=color, label=label)
    ax.set_xlabel("time $t$")
    ax.set_ylabel("loss $L(W)$")
    return ax


def mark_times(
    ax: Any, times: ArrayLike, *, colors: Sequence[Any] | None=None, style: str=":", label: str
    | None=None,
) -> Any:
    """Vertical lines at ``times`` (NaN entries are skipped), e.g. fit times or epochs."""
    times = np.asarray(times, dtype=float)
    colors = colors or ["0.4"] * times.size
    for i, (t, c) in enumerate(zip(times, colors)):
        if np.isfinite(t):
            ax.axvline(t, color=c, ls=style, lw=1.0, label=label if i == 0 else None)
    return ax


# --- chapters 3-4 (first-component phase, deflation) ----------------------------------


def leading_components(
    traj: Trajectory, axes: Any=None, *, n: int=3, title: str | None=None,
) -> Any:
    """Norms and alignments of the ``n`` largest components (chapter 3's widget figure).

    Parameters
    ----------
    traj : Trajectory
    axes : pair of matplotlib Axes, optional
        Left: :math:`\\|w_j(t)\\|` on a log scale; right:
        :math:`\\max_k |\\langle \\bar w_j(t), u_k\\rangle|`. New axes if None.
    n : int, default 3
        How many components: the largest (by final norm) on each ground-truth direction
        first, in the order of the directions (:math:`u_1` first), then the next largest
        overall.
    title : str, optional
        Title of the left axes.

    Notes
    -----
    The colour *and* the line style of a curve name its direction :math:`u_k` (solid,
    dashed, dotted, dash-dot for :math:`u_1, u_2, \\dots`; grey dash-dot for a component
    in no group), so a direction looks the same in every figure, whatever the order of
    the norms (a slider's frames change the parameters, not the styles).

    Returns
    -------
    pair of Axes
    """
    if axes is None:
        _, axes = subplots(1, 2)
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    ax1, ax2 = axes
    best = assign_groups(traj.norms[-1], traj.correlations[-1], order=traj.target.order)
    by_norm = np.argsort(-traj.norms[-1], kind="stable")
    heads = [j for i, j in enumerate(by_norm) if best[j] not in best[by_norm[:i]]]
    heads.sort(key=lambda j: (best[j] < 0, best[j]))  # u_1, u_2, ..., then no group
    order = (heads + [j for j in by_norm if j not in heads])[:n]
    colors = list(component_colors(traj.target.rank)) + ["0.6"]  # index -1: no group
    styles = ["-", "--", ":", "-."]
    for j in order:
        k = best[j]
        col, ls = colors[k], (styles[k % len(styles)] if k >= 0 else "-.")
        on = f"on $u_{{{best[j] + 1}}}$" if best[j] >= 0 else "in no group"
        lab = f"$w_{{{j + 1}}}$ ({on})"
        ax1.semilogy(traj.t, traj.norms[:, j], color=col, ls=ls, label=lab)
        ax2.plot(traj.t, np.max(np.abs(traj.correlations[:, j]), axis=1), color=col, ls=ls)
    ax1.set_xlabel("time $t$")
    ax1.set_ylabel(r"norm $\|w_j\|$")
    ax2.set_xlabel("time $t$")
    ax2.set_ylabel(r"$\max_k |\langle \bar w_j, u_k\rangle|$")
    ax2.set_ylim(0, 1.05)
    ticker = require("matplotlib.ticker", "deflation.plotting")
    LogLocator, NullFormatter = ticker.LogLocator, ticker.NullFormatter
    ax1.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
    ax1.yaxis.set_minor_formatter(NullFormatter())  # no colliding "3x10^0 4x10^0" labels
    # the key goes in the empty lower right of the correlation panel (the curves reach 1
    # early), never over the norm curves
    handles, labels = ax1.get_legend_handles_labels()
    ax2.legend(handles, labels, loc="lower right")
    if title:
        ax1.set_title(title)
    return axes


def norm_correlation_scatter(
    weights: ArrayLike, max_corr: ArrayLike, ax: Any=None, *, bound: Callable[[np.ndarray],
    ArrayLike] | None=None, color: Any="C0", label: str | None=None, growing: ArrayLike |
    None=None,
) -> Any:
    """Scatter of (weight :math:`\\|w_j\\|^2`, max correlation) samples (chapter 3).

    Parameters
    ----------
    weights, max_corr : array_like
        From :func:`deflation.phases.norm_correlation_samples`.
    ax : matplotlib Axes, optional
    bound : callable, optional
        ``bound(c)`` drawn as a black line (e.g. the norm/correlation bound).
    color : color, default "C0"
    label : str, optional
    growing : array_like of bool, optional
        Whether each sample's norm was growing (third output of
        :func:`~deflation.phases.norm_correlation_samples`). If given, growing samples
        are drawn as ``color`` dots and shrinking ones as grey crosses, each with a
        legend entry (the bound covers growing components only).

    Returns
    -------
    Axes
    """
    ax = _ax(ax)
    w = np.asarray(weights, dtype=float)
    mc = np.asarray(max_corr, dtype=float)
    if w.shape != mc.shape:
        raise ValueError(f"max_corr must have the shape of weights {w.shape}, got {mc.shape}")
    keep = w > 0
    if growing is None:
        ax.scatter(w[keep], mc[keep], s=3, alpha=0.3, color=color, label=label,
                   rasterized=True)
    else:
        g = np.asarray(growing, dtype=bool)
        if g.shape != w.shape:
            raise ValueError(f"growing must have the shape of weights {w.shape}, "
                             f"got {g.shape}")
        sh = keep & ~g
        ax.scatter(w[sh], mc[sh], s=6, marker="x", lw=0.5, alpha=0.35, color="0.55",
                   label="norm shrinking", rasterized=True)
        ax.scatter(w[keep & g], mc[keep & g], s=3, alpha=0.35, color=color,
                   label="norm growing" if label is None else label, rasterized=True)
    ax.set_xscale("log")
    if bound is not None:
        grid = np.geomspace(max(w[keep].min(), 1e-12), w.max(), 200)
        ax.plot(grid, bound(grid), color="k", lw=1.2, label="bound")
    ax.set_xlabel(r"weight $\|w_j\|^2$")
    ax.set_ylabel(r"$\max_k |\langle \bar w_j, u_k\rangle|$")
    ax.set_ylim(0, 1.05)
    return ax


def early_phase(
    traj: Trajectory, axes: Any=None, *, threshold: float=0.95, legend: bool=False,
) -> tuple[Any, Any]:
    """Directions and norms of every component in the early phase (chapter 2).

    Left: for each model component j, the squared correlation
    :math:`\\langle \\bar w_j, u_k\\rangle^2` with the ground-truth direction :math:`u_k`
    it ends up closest to, colored by k (grey if it locks onto none under the group rule
    of :func:`deflation.early.locked_direction`: its aligned correlation at the
    end does not exceed ``threshold``). Right: the norms
    :math:`\\|w_j(t)\\|/\\|w_j(0)\\|` on a log scale, same colors.

    Parameters
    ----------
    traj : Trajectory
        A run of :func:`deflation.gradient_flow`.
    axes : pair of matplotlib Axes, or one Axes, optional
        Where to draw; two new side-by-side axes by default. A single Axes gets the
        directions panel only (the norms are not drawn; the second returned item is
        None).
    threshold : float, default 0.95
        Correlation at the last record above which a component counts as locked (as in
        :func:`deflation.early.locked_direction`), in [0, 1).
    legend : bool, default False
        Add a key to the left panel: one entry per ground-truth direction that some
        component locks onto (titled "locks onto"), and "none" for the grey curves.

    Returns
    -------
    pair of Axes
    """
    _checks.instance("traj", traj, Trajectory)
    threshold = _checks.threshold(threshold)
    if axes is None:
        _, axes = _plt().subplots(1, 2, figsize=(9, 3.4))
    ax1, ax2 = (axes, None) if hasattr(axes, "plot") else axes
    v = traj.correlations**2  # (n, m, r)
    label = locked_direction(traj.correlations, threshold=threshold, order=traj.target.order)
    locked = label >= 0
    # a component that locks onto nothing is drawn against its closest direction
    k_end = np.where(locked, label, np.argmax(v[-1], axis=1))
    cols = component_colors(traj.target.rank)
    n0 = np.where(traj.norms[0] > 0, traj.norms[0], 1.0)
    for j in range(v.shape[1]):
        col = cols[k_end[j]] if locked[j] else "0.6"
        ax1.plot(traj.t, v[:, j, k_end[j]], color=col, lw=1.0)
        if ax2 is not None:
            ax2.semilogy(traj.t, traj.norms[:, j] / n0[j], color=col, lw=1.0)
    if legend:
        Line2D = require("matplotlib.lines", "deflation.plotting").Line2D
        keys = [k for k in range(traj.target.rank) if np.any(locked & (k_end == k))]
        handles = [Line2D([], [], color=cols[k], lw=2) for k in keys]
        labels = [f"$u_{{{k + 1}}}$" for k in keys]
        if np.any(~locked):
            handles.append(Line2D([], [], color="0.6", lw=2))
            labels.append("none")
        ax1.legend(handles, labels, loc="lower right", ncols=2, title="locks onto")
    ax1.set_ylim(0, 1.02)
    ax1.set_xlabel("time $t$")
    ax1.set_ylabel(r"$\langle \bar w_j, u_k\rangle^2$ (final $k$)")
    if ax2 is not None:
        ax2.set_xlabel("time $t$")
        ax2.set_ylabel(r"$\|w_j(t)\| / \|w_j(0)\|$")
    return ax1, ax2


# --- chapter 6: beyond the theorem ------------------------------------------------------


def group_staircase(
    traj: Trajectory, ax: Any=None, *, threshold: float=0.9, legend: bool=True,
) -> Any:
    """The staircase for any target: group weight :math:`b_k(t)/a_k` against time.

    For a non-orthogonal target the residual-based :func:`staircase` does not reach 1 at
    a perfect fit; the group weight of :func:`deflation.measures.recovery_path` does.

    Parameters
    ----------
    traj : Trajectory
    ax : matplotlib Axes, optional
    threshold : float, default 0.9
        Minimal aligned correlation for a component to join a group.
    legend : bool, default True

    Returns
    -------
    Axes
    """
    ax = _ax(ax)
    b, _ = recovery_path(traj, threshold=threshold)
    a = traj.target.weights
    for k, col in enumerate(component_colors(a.size)):
        ax.plot(traj.t, b[:, k] / a[k], color=col, label=f"$a_{{{k + 1}}}={a[k]:.3g}$")
    ax.set_xlabel("time $t$")
    ax.set_ylabel("group weight $b_k / a_k$")
    if legend:
        ax.legend(loc="lower right")
    return ax


def predicted_vs_measured(
    measured: ArrayLike, predicted: ArrayLike, ax: Any=None, *, colors: Sequence[Any] |
    None=None, labels: Sequence[str] | None=None, marker: str="o",
) -> Any:
    """Scatter of predicted against measured times on log axes, with the diagonal.

    Parameters
    ----------
    measured, predicted : array_like (n, r)
        One column per ground-truth component (NaN entries are skipped).
    ax : matplotlib Axes, optional
    colors : list of colors, optional
        One per column (default :func:`component_colors`).
    labels : list of str, optional
        One legend label per column.
    marker : str, default "o"

    Returns
    -------
    Axes
    """
    ax = _ax(ax)
    x = np.atleast_2d(np.asarray(measured, dtype=float))
    y = np.atleast_2d(np.asarray(predicted, dtype=float))
    if x.shape != y.shape:
        raise ValueError(
            f"measured and predicted must have the same shape, got {x.shape} and {y.shape}"
        )
    r = x.shape[1]
    colors = colors or component_colors(r)
    for k in range(r):
        ok = np.isfinite(x[:, k]) & np.isfinite(y[:, k])
        lab = labels[k] if labels else None
        ax.loglog(x[ok, k], y[ok, k], marker, ms=3, alpha=0.6, color=colors[k], label=lab,
                  ls="none")
    both = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)]])
    if both.size:
        lo, hi = both.min() / 1.2, both.max() * 1.2
        ax.plot([lo, hi], [lo, hi], color="k", lw=1.0, ls="--")
    ax.set_xlabel("measured fit time")
    ax.set_ylabel("predicted fit time")
    if labels:
        ax.legend(loc="upper left")
    return ax


def fit_time_scaling(
    init_scales: ArrayLike, weights: ArrayLike, times: ArrayLike, ax: Any=None, *, slope:
    float=0.5,
) -> Any:
    """Rescaled fit times :math:`a_k t_k` against :math:`\\log(1/\\delta_0)`.

    Parameters
    ----------
    init_scales : array_like (n,)
        :math:`\\delta_0` of each run.
    weights : array_like (r,)
        :math:`a_k`.
    times : array_like (n, r)
        Measured fit times (NaN entries are skipped).
    ax : matplotlib Axes, optional
    slope : float, default 0.5
        Slope of the reference line, drawn through the mean of each component's points.

    Returns
    -------
    Axes
    """
    ax = _ax(ax)
    s = np.asarray(init_scales, dtype=float)
    a = np.asarray(weights, dtype=float)
    t = np.atleast_2d(np.asarray(times, dtype=float))
    if t.shape != (s.size, a.size):
        raise ValueError(f"times must have shape ({s.size}, {a.size}), got {t.shape}")
    x = np.log(1.0 / s)
    for k, col in enumerate(component_colors(a.size)):
        y = a[k] * t[:, k]
        ok = np.isfinite(y)
        ax.plot(x[ok], y[ok], "o", ms=3, alpha=0.5, color=col, label=f"$a_{{{k + 1}}}={a[k]:.3g}$")
        if np.any(ok):
            xx = np.array([x[ok].min(), x[ok].max()])
            ax.plot(xx, y[ok].mean() + slope * (xx - x[ok].mean()), color=col, lw=1.0)
    ax.set_xlabel(r"$\log(1/\delta_0)$")
    ax.set_ylabel(r"rescaled fit time $a_k t_k$")
    ax.legend(loc="upper left")
    return ax


def epoch_staircase(
    result: ModifiedResult, ax: Any=None, *, legend: bool=True, title: str | None=None,
) -> Any:
    """The staircase of a modified-flow run with its epochs and re-initializations (chapter 5).

    Parameters
    ----------
    result : ModifiedResult
        A run of :func:`deflation.modified_gradient_flow`.
    ax : matplotlib Axes, optional
    legend : bool, default True
    title : str, optional

    Returns
    -------
    Axes
        The fitted fraction of every component against time (:func:`staircase`), a thin
        grey line at every epoch start, and at every later epoch start that re-drew
        components a red triangle labelled with how many. Labels only where they stay
        readable: in runs of at most 20 epochs, at the style's smallest font size
        (``MIN_FONT_PT``), and none closer than 6% of the time axis to the previous label
        (closer labels would overlap).
    """
    if not isinstance(result, ModifiedResult):
        raise TypeError(f"result must be a ModifiedResult, got {type(result).__name__}")
    ax = staircase(result.trajectory, ax, legend=legend)
    span = max(float(result.total_time), np.finfo(float).tiny)
    last = -np.inf
    for s, (t0, n) in enumerate(zip(result.epoch_starts, result.n_reinit)):
        ax.axvline(t0, color="0.6", lw=0.7, ls="-", zorder=0)
        if s > 0 and n > 0:
            ax.plot([t0], [1.08], marker="v", color="tab:red", ms=6, clip_on=False)
            if result.epoch_starts.size <= 20 and (t0 - last) / span >= _EPOCH_LABEL_GAP:
                ax.annotate(str(int(n)), (t0, 1.08), xytext=(3, 2), textcoords="offset points",
                            fontsize=MIN_FONT_PT, color="tab:red", annotation_clip=False)
                last = t0
    ax.set_ylim(-0.03, 1.15)
    ax.set_xlim(0, result.total_time)
    if title is not None:
        ax.set_title(title)
    return ax


def frame_slider(
    draw: Callable[[Any], Any], values: Iterable[Any], *, label: str, caption: str, alt: str,
    fmt: str="{:g}", dpi: int=80, start: int=0,
) -> Any:
    """A kernel-free interactive figure: precomputed frames with a slider.

    The HTML book has no kernel, so a live widget there would be a dead control. This
    draws one frame per value of the widget's main parameter, in advance, and returns a
    small self-contained HTML figure: the frames as embedded PNG images, an
    ``<input type="range">`` that shows one frame at a time, and a caption. It needs no
    network, no kernel and no widget manager, so it works offline and in print previews.
    The figure has no padding of its own, so that it keeps its width (and its text size
    on a phone) inside a numbered figure: a cell with ``mystnb.figure`` metadata, whose
    ``<figure>`` already pads the frames.

    Parameters
    ----------
    draw : callable
        ``draw(value)`` returns a matplotlib Figure for one parameter value; it is
        closed after rendering.
    values : sequence
        The parameter values, one frame each (keep 6-12 frames: each is an image).
    label : str
        The parameter's name shown beside the slider, e.g. ``"log10 δ0"``.
    caption : str
        What to see, shown as the figure's ``<figcaption>`` (plain text).
    alt : str
        Alternative text of every frame; the frame's value is appended.
    fmt : str, default ``"{:g}"``
        Format of the value shown beside the slider.
    dpi : int, default 80
        Resolution of the frames.
    start : int, default 0
        Index of the frame shown first.

    Returns
    -------
    IPython.display.HTML
        Display it (``display(...)``) in a cell tagged ``remove-input``. To make it a
        numbered figure, give that cell ``mystnb`` figure metadata (``caption``,
        ``name``): the frames then sit inside the book's figure, and as they have no
        padding of their own they are shown as wide as every other figure (their text
        stays legible on a phone).
    """
    plt = _plt()
    HTML = require("IPython.display", "frame_slider").HTML

    values = list(values)
    if not values:
        raise ValueError("values must hold at least one parameter value, got none")
    for name, text in (("label", label), ("caption", caption), ("alt", alt)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{name} must be a non-empty string, got {text!r}")
    if not (isinstance(start, (int, np.integer)) and 0 <= start < len(values)):
        raise ValueError(f"start must be an index in [0, {len(values) - 1}], got {start!r}")
    if not (isinstance(dpi, (int, np.integer)) and dpi > 0):
        raise ValueError(f"dpi must be a positive integer, got {dpi!r}")
    shown = [fmt.format(v) for v in values]
    images = []
    for v, s in zip(values, shown):
        fig = draw(v)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata=png_text_metadata(fig, dpi))
        plt.close(fig)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        images.append((data, f"{alt} ({label} = {s})"))
    uid = "dfl-frames-" + hashlib.sha1(f"{label}|{caption}".encode()).hexdigest()[:10]
    esc = html.escape
    imgs = "\n".join(
        f'<img src="data:image/png;base64,{data}" alt="{esc(a)}" data-frame="{i}" '
        f'style="max-width:100%;height:auto;{"" if i == start else "display:none"}">'
        for i, (data, a) in enumerate(images)
    )
    script = (
        "<script>(function(){{var f=document.getElementById({});"
        "var im=f.querySelectorAll('img[data-frame]');var r=f.querySelector('input');"
        "var o=f.querySelector('output');var v={};"
        "function show(i){{for(var j=0;j<im.length;j++){{im[j].style.display=(j==i)?'':'none';}}"
        "o.textContent=v[i];}}"
        "r.addEventListener('input',function(){{show(+r.value);}});show(+r.value);}})();</script>"
    ).format(repr(uid), "[" + ",".join(repr(esc(s)) for s in shown) + "]")
    markup = (
        f'<figure class="dfl-frames" id="{uid}" style="margin:1em 0;padding:0">\n{imgs}\n'
        f'<div class="dfl-frames-control" style="display:flex;gap:0.6em;align-items:center;'
        f'flex-wrap:wrap"><label for="{uid}-range">{esc(label)}</label>'
        f'<input type="range" id="{uid}-range" min="0" max="{len(values) - 1}" step="1" '
        f'value="{start}" style="flex:1;min-width:8em;max-width:24em">'
        f'<output for="{uid}-range">{esc(shown[start])}</output></div>\n'
        f"<figcaption>{esc(caption)}</figcaption>\n</figure>\n{script}"
    )
    return HTML(markup)


def live_figure(draw: Callable[..., Any], controls: dict[str, Any], *, per_row: int = 3) -> Any:
    """A live figure for Jupyter: ipywidgets controls and the figure they redraw.

    Use this instead of ``ipywidgets.interact``, which captures the figure (``with
    output:``). A notebook executor (nbclient, so ``nbconvert --execute`` and
    ``jupyter-book``) answers every captured output with a message to the kernel while it
    waits for the cell's reply, and jupyter_client sends it past pyzmq's asyncio layer: a
    reply arriving at that moment goes unnoticed until the cell timeout, and execution
    stalls. Here the figure is rendered to PNG in the kernel and set as the contents of
    an output widget: nothing is captured, so the executor never sends during the cell.

    Parameters
    ----------
    draw : callable
        ``draw(**values)`` returns a matplotlib Figure, where ``values`` maps every
        name of ``controls`` to its widget's value. The figure is closed once rendered.
    controls : dict
        Name -> ipywidgets control (anything with a ``value``), in display order. Give
        sliders ``continuous_update=False``: every change redraws.
    per_row : int, default 3
        Controls per row above the figure.

    Returns
    -------
    ipywidgets.VBox
        The rows of controls, then an ``ipywidgets.Output`` holding the figure.
        The first figure is drawn now, and an error in it is raised (so executing the
        notebook fails); an error in a later redraw, such as a ``ValueError`` for text
        typed into a control, is shown in place of the figure.
    """
    import base64
    import io

    widgets = require("ipywidgets", "live_figure")
    plt = require("matplotlib.pyplot", "live_figure")

    if not callable(draw):
        raise TypeError(f"draw must be callable, got {type(draw).__name__}")
    if not isinstance(controls, dict):
        raise TypeError(
            f"controls must be a dict of name -> widget, got {type(controls).__name__}"
        )
    if not controls:
        raise ValueError("controls must hold at least one widget, got none")
    for name, w in controls.items():
        if not (isinstance(name, str) and isinstance(w, widgets.Widget) and w.has_trait("value")):
            raise TypeError(f"controls[{name!r}] must be an ipywidgets control with a value, "
                            f"got {type(w).__name__}")
    if not isinstance(per_row, (int, np.integer)) or isinstance(per_row, bool):
        raise TypeError(f"per_row must be an integer, got {type(per_row).__name__}")
    if per_row < 1:
        raise ValueError(f"per_row must be at least 1, got {per_row!r}")
    out = widgets.Output()

    def render():
        fig = draw(**{name: w.value for name, w in controls.items()})
        if not hasattr(fig, "savefig"):
            raise TypeError(f"draw must return a matplotlib Figure, got {type(fig).__name__}")
        try:
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
        finally:
            plt.close(fig)
        png = base64.b64encode(buf.getvalue()).decode("ascii")
        out.outputs = ({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": png, "text/plain": repr(fig)}},)

    def redraw(change):
        try:
            render()
        except Exception as exc:  # shown in the widget: a live session has no cell to fail
            out.outputs = ({"output_type": "stream", "name": "stderr",
                            "text": f"{type(exc).__name__}: {exc}\n"},)

    render()
    for w in controls.values():
        w.observe(redraw, names="value")
    boxes = list(controls.values())
    rows = [widgets.HBox(boxes[i:i + per_row]) for i in range(0, len(boxes), per_row)]
    return widgets.VBox([*rows, out])

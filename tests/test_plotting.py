import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import deflation as dfl
from deflation import plotting


def test_staircase_and_loss_curve_draw_one_line_per_component():
    plotting.use_style()
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 5)
    tr = dfl.gradient_flow(dfl.small_init(10, 5, 1e-3, seed=0), T, 30.0)
    fig, (a1, a2) = plt.subplots(1, 2)
    plotting.staircase(tr, a1)
    assert len(a1.lines) == 3
    ys = a1.lines[0].get_ydata()
    assert ys[0] < 0.01 and ys[-1] > 0.99
    plotting.loss_curve(tr, a2)
    plotting.mark_times(a2, [1.0, np.nan, 3.0])
    assert len(a2.lines) == 3
    plt.close(fig)


# --- figures on a phone ----------------------------------------------------------------

def test_max_width_keeps_the_smallest_text_legible_on_a_phone():
    # the arithmetic of the convention: MIN_FONT_PT text in a MAX_WIDTH_IN figure at any
    # dpi is MIN_TEXT_PX tall when the figure is shrunk to PHONE_FIGURE_PX
    for dpi in (72, 100, 150):
        px = plotting.phone_text_px(plotting.MIN_FONT_PT, dpi, plotting.MAX_WIDTH_IN * dpi)
        assert abs(px - plotting.MIN_TEXT_PX) < 1e-9
    # shown at its own size when it fits: no shrinking
    assert plotting.phone_text_px(10, 100, 300) == 10 / 72 * 100
    assert round(plotting.phone_text_px(8, 100, 690), 2) == 5.51  # a 6.9 in figure today


def test_subplots_fit_a_phone_and_the_style_fonts_are_legible():
    plotting.use_style()
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 5)
    tr = dfl.gradient_flow(dfl.small_init(10, 5, 1e-3, seed=0), T, 30.0)
    for nrows, ncols in ((1, 1), (1, 2), (2, 2)):
        fig, axes = plotting.subplots(nrows, ncols)
        assert isinstance(fig, plotting.book_figure_class())
        for ax in np.atleast_1d(axes).ravel():
            plotting.staircase(tr, ax)
        meta = plotting.read_png_text(plotting._figure_png(fig))
        assert float(meta["dfl:min-font-pt"]) >= plotting.MIN_FONT_PT
        assert meta["width"] <= plotting.MAX_WIDTH_IN * float(meta["dfl:dpi"]) + 1, meta
        px = plotting.phone_text_px(float(meta["dfl:min-font-pt"]), float(meta["dfl:dpi"]),
                                    meta["width"])
        assert px >= plotting.MIN_TEXT_PX, (nrows, ncols, px)
        plt.close(fig)


def test_metadata_records_the_smallest_font_of_a_figure():
    fig, ax = plt.subplots(figsize=(10, 3.5))
    ax.plot([0, 1], [0, 1], label="x")
    ax.legend(fontsize=7)
    ax.annotate("tiny", (0.5, 0.5), fontsize=5)
    meta = plotting.read_png_text(plotting._figure_png(fig))
    assert meta["dfl:min-font-pt"] == "5" and meta["dfl:dpi"] == "100"
    assert meta["width"] > 700  # about as wide as the figure: shrunk 2.4x on a phone
    assert plotting.phone_text_px(5, 100, meta["width"]) < plotting.MIN_TEXT_PX
    # an invisible or empty text does not count
    ax.texts[0].set_visible(False)
    assert plotting.smallest_font_pt(fig) == 7
    plt.close(fig)


def test_frame_slider_frames_carry_the_metadata():
    import base64
    import re

    def draw(v):
        fig, ax = plotting.subplots()
        ax.plot([0, 1], [0, v])
        return fig

    plotting.use_style()
    markup = plotting.frame_slider(draw, [1, 2], label="v", caption="c", alt="a line").data
    for data in re.findall(r'src="data:image/png;base64,([^"]+)"', markup):
        meta = plotting.read_png_text(base64.b64decode(data))
        assert float(meta["dfl:min-font-pt"]) >= plotting.MIN_FONT_PT
        assert meta["dfl:dpi"] == "80"


@pytest.mark.parametrize("call, match", [
    (lambda: plotting.subplots(1, 3), "ncols must be 1 or 2"),
    (lambda: plotting.subplots(0, 1), "nrows must be a positive integer"),
    (lambda: plotting.subplots(figsize=(9, 3)), "figsize is set by subplots"),
    (lambda: plotting.phone_text_px(10, 100, 0), "width_px must be a positive number"),
    (lambda: plotting.phone_text_px(float("nan"), 100, 500), "font_pt must be a positive"),
    (lambda: plotting.read_png_text(b"GIF89a..."), "data must be the bytes of a PNG"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_leading_components_style_names_the_direction_whatever_the_norms():
    # chapter 3's slider frames: at lambda = 0 the u_1 head is the largest component, at
    # lambda = 0.6 the u_3 group shrinks away; the style of u_k must not follow the order
    # of the norms (issue 16: line styles swapped between frames)
    import re

    plotting.use_style()
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 6)
    W0 = dfl.small_init(10, 6, 1e-6, seed=0)
    by_norm_orders, styles = [], {}
    for reg in (0.0, 0.6):
        tr = dfl.gradient_flow(W0, T, 30.0, reg=reg, record=101, rtol=1e-6)
        fig, axes = plotting.subplots(1, 2)
        plotting.leading_components(tr, axes, n=3)
        heads = []
        for line in axes[0].lines:
            k = int(re.search(r"on \$u_\{(\d+)\}\$", line.get_label()).group(1))
            styles.setdefault(k, set()).add(line.get_linestyle())
            heads.append((float(line.get_ydata()[-1]), k))
        by_norm_orders.append([k for _, k in sorted(heads, reverse=True)])
        plt.close(fig)
    assert by_norm_orders[0] != by_norm_orders[1]  # the norms' order did change
    assert styles == {1: {"-"}, 2: {"--"}, 3: {":"}}

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

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

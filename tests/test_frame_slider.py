"""The kernel-free interactive figure of the HTML book."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from deflation import plotting


def _draw(a):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, a])
    return fig


def test_one_frame_per_value_one_shown():
    out = plotting.frame_slider(_draw, [1, 2, 3], label="a", caption="Lines.", alt="A line")
    html = out.data
    frames = re.findall(r"<img [^>]*data-frame=\"(\d)\"[^>]*>", html)
    assert frames == ["0", "1", "2"]
    hidden = re.findall(r"data-frame=\"(\d)\" style=\"[^\"]*display:none", html)
    assert hidden == ["1", "2"]
    assert 'type="range"' in html and 'max="2"' in html
    assert "<figcaption>Lines.</figcaption>" in html
    assert 'alt="A line (a = 2)"' in html
    assert "http" not in html  # self-contained: nothing to fetch
    assert plt.get_fignums() == []  # every frame's figure was closed


def test_same_input_same_markup():
    a = plotting.frame_slider(_draw, [1, 2], label="a", caption="c", alt="x").data
    b = plotting.frame_slider(_draw, [1, 2], label="a", caption="c", alt="x").data
    assert re.search(r'id="(dfl-frames-\w+)"', a).group(1) == re.search(
        r'id="(dfl-frames-\w+)"', b
    ).group(1)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(values=[]), "values"),
        (dict(caption=""), "caption"),
        (dict(alt="  "), "alt"),
        (dict(start=5), "start"),
        (dict(dpi=0), "dpi"),
    ],
)
def test_bad_input(kwargs, name):
    args = dict(values=[1, 2], label="a", caption="c", alt="x")
    args.update(kwargs)
    values = args.pop("values")
    with pytest.raises(ValueError, match=name):
        plotting.frame_slider(_draw, values, **args)

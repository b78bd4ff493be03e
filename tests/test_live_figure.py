"""plotting.live_figure: the chapters' live widgets, drawn without output capture.

``ipywidgets.interact`` captures its figure (``with output:``); nbclient (``nbconvert
--execute``, jupyter-book) then sends a message to the kernel for each captured output
while it waits for the cell's reply, and a reply arriving in that moment was missed until
the cell timeout: chapter 4 stalled (issue 18). These tests pin what the replacement does
instead, and that no chapter goes back to a capturing helper.
"""

import base64
import json
import re
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from deflation import plotting

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = sorted(BOOK.glob("ch*.ipynb"))


def _line(slope=1.0, label="x"):
    if label != label.strip():
        raise ValueError(f"label must not have spaces around it, got {label!r}")
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, slope])
    return fig


def _controls():
    return {"slope": widgets.FloatSlider(value=1.0, min=0.0, max=2.0, continuous_update=False),
            "label": widgets.Text(value="x", continuous_update=False)}


def _png(out):
    (item,) = out.outputs
    assert item["output_type"] == "display_data"
    data = base64.b64decode(item["data"]["image/png"])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return data


def test_first_figure_is_drawn_into_the_output_widget_and_closed():
    before = set(plt.get_fignums())
    box = plotting.live_figure(_line, _controls(), per_row=1)
    rows, out = box.children[:-1], box.children[-1]
    assert isinstance(out, widgets.Output)
    assert [len(r.children) for r in rows] == [1, 1]
    _png(out)
    assert set(plt.get_fignums()) == before  # nothing left for the inline backend to show


def test_a_control_change_redraws_without_capturing():
    controls = _controls()
    calls = []

    def draw(slope, label):
        calls.append((slope, label))
        return _line(slope, label)

    box = plotting.live_figure(draw, controls)
    out = box.children[-1]
    first = _png(out)
    controls["slope"].value = 2.0
    assert calls == [(1.0, "x"), (2.0, "x")]
    assert _png(out) != first
    # The output widget never captured anything: an executor's output-widget hook
    # (nbclient registers one when msg_id is set) is never engaged.
    seen = []
    out.observe(lambda ch: seen.append(ch["new"]), names="msg_id")
    controls["slope"].value = 0.5
    assert seen == [] and out.msg_id == ""


def test_a_bad_value_in_a_redraw_is_shown_in_place_of_the_figure():
    controls = _controls()
    out = plotting.live_figure(_line, controls).children[-1]
    controls["label"].value = " x "
    (item,) = out.outputs
    assert item["output_type"] == "stream"
    assert item["text"].startswith("ValueError: label must not have spaces")
    controls["label"].value = "y"
    _png(out)


def test_an_error_in_the_first_figure_is_raised():
    controls = _controls()
    controls["label"].value = " x "
    with pytest.raises(ValueError, match="label must not"):
        plotting.live_figure(_line, controls)
    with pytest.raises(TypeError, match="must return a matplotlib Figure"):
        plotting.live_figure(lambda **kw: None, _controls())


@pytest.mark.parametrize("args, error, match", [
    ((None, {"a": widgets.IntSlider()}), TypeError, "draw must be callable"),
    ((_line, [widgets.IntSlider()]), TypeError, "controls must be a dict"),
    ((_line, {}), ValueError, "at least one widget"),
    ((_line, {"a": 3}), TypeError, r"controls\['a'\] must be an ipywidgets control"),
    ((_line, {"a": widgets.Button()}), TypeError, r"controls\['a'\]"),
])
def test_bad_arguments_are_refused(args, error, match):
    with pytest.raises(error, match=match):
        plotting.live_figure(*args)


@pytest.mark.parametrize("per_row, error", [(0, ValueError), (1.5, TypeError),
                                            (True, TypeError)])
def test_bad_per_row_is_refused(per_row, error):
    with pytest.raises(error, match="per_row"):
        plotting.live_figure(_line, _controls(), per_row=per_row)


# ipywidgets helpers that capture into an Output widget when the cell runs.
# interact_manual is fine: it draws only when its button is pressed, never during execution.
CAPTURING = re.compile(r"\binteract(?!_manual)\w*\s*[(.]|\binteractive(_output)?\s*\("
                       r"|\.capture\s*\(|^\s*with\s+(out|output)\w*\s*:", re.M)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_chapter_captures_into_an_output_widget(path):
    nb = json.loads(path.read_text())
    hits = [(i, m.group(0).strip()) for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code"
            for m in CAPTURING.finditer("".join(c["source"]))]
    assert not hits, (f"{path.name}: cells {hits} capture output into an ipywidgets Output "
                      "during execution, which can stall nbclient (issue 18); use "
                      "plotting.live_figure")

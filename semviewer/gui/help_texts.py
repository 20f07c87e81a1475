"""Help → How to read this, and Help → About: what the window shows, in the window's words."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from semviewer.core.version import version_text

HOW_TO_READ = """
<h3>How to read this</h3>
<p><b>The semantic map</b> shows the probability the network gives the true class (★ in the
predictions) for renders of the object over two scene parameters, e.g. the camera's azimuth
and elevation; the other parameters stay at the current pose. Yellow: recognised; dark:
not. Maps are computed coarse to fine: a preview of the whole domain comes first, then it
is refined in place. The magenta cross is the current pose: click the map to go there.</p>
<p><b>Robust regions</b> are rectangles grown from start points (Ctrl+click the map, or the
paper's starts) by optimising their bounds so that the network keeps a high score inside:
<i>Naive</i> follows the score at the corners; <i>OIR_B</i> and <i>OIR_W</i> (outer-inner
ratios) compare the region with a margin α around it, OIR_W weighting by β. η is the
learning rate, λ the weight of the naive method's size penalty (λ/2·‖r‖², r the region's
half-widths), T the number of steps.</p>
<p><b>SRVR</b>, the semantic robustness volume ratio, is a region's volume over the domain's,
averaged over the start points (and objects): larger means robust over more of the pose
space. Networks of equal accuracy can differ several-fold here.</p>
<p><b>The inside check</b> renders a lattice of poses inside every region and reports the
mean and minimum probability and the share where the true class is top-1. A region whose
top-1 share is below one half is marked ⚠: its corners scored high, its inside did not.
<i>Verified SRVR</i> weights each region's volume by its top-1 share: the space where the
network is right, not just where the corners were high.</p>
<p><b>Failures</b> (Run → Find failures) are poses where the network's top-1 class is not the
true class, searched on any 2 to 10 axes at once. The failure rate is the share of failures in a
uniform sample of the box, with its 95 % interval; the list holds the distinct failures, worst
first (white crosses on the map where they lie on its axes). <i>Use as start points</i> starts
regions beside them, where the network is right.</p>
<p>Method: Hamdi &amp; Ghanem, <i>Towards Analyzing Semantic Robustness of Deep Neural
Networks</i> (arXiv 1904.04621).</p>
"""


def show_how_to_read(parent: QWidget) -> None:
    box = QMessageBox(QMessageBox.Icon.NoIcon, "How to read this", HOW_TO_READ, QMessageBox.StandardButton.Close,
                      parent)
    box.setObjectName("howToReadBox")
    box.open()


def about_text(engine: str, model: str) -> str:
    return (f"<h3>{version_text()}</h3><p>Where in pose space is an image classifier robust? Semantic maps and "
            f"robust regions, after Hamdi &amp; Ghanem (arXiv 1904.04621).</p>"
            f"<p>Model: {model}<br>Engine: {engine}</p><p>BSD-3-Clause licence.</p>")


def show_about(parent: QWidget, engine: str, model: str) -> None:
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About semviewer", about_text(engine, model),
                      QMessageBox.StandardButton.Close, parent)
    box.setObjectName("aboutBox")
    box.open()

"""How maps and regions look, the same in the window and in exported figures."""

#: Perceptually uniform; the colour scale is fixed to [0, 1] everywhere.
COLORMAP = "viridis"
#: One colour per region method.
METHOD_COLORS = {"naive": "#ff7f0e", "oir_b": "#29b6f6", "oir_w": "#e41a1c"}
#: Failure poses: white crosses edged in this colour on maps, and the frames of their renders.
FAILURE_COLOR = "#d50000"

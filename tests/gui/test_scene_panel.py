"""The Scene panel and the scene axes in the window: backgrounds added by name, file and folder,
chosen in the panel or the pose fields, mapped side by side, removed; the object colour."""

import numpy as np
from PIL import Image

from semviewer.core.scene.backgrounds import resolve_background


def test_backgrounds_are_added_chosen_mapped_and_removed(window, qtbot, tmp_path):
    doc, scene = window.document, window.scene_ctl
    assert [window.scene_panel.backgrounds.item(i).text() for i in range(window.scene_panel.backgrounds.count())] \
        == ["black"]
    scene.add(resolve_background("brick"))
    Image.new("RGB", (64, 48), "red").save(tmp_path / "wall.png")
    scene.open_image(path=str(tmp_path / "wall.png"))
    assert doc.scene.render_settings.background_names == ("black", "brick", "wall")
    assert doc.scene.pose["background"] == 2 and window.scene_panel.backgrounds.currentRow() == 2
    combo = window.scene_panel.axes.choices["background"]
    assert [combo.itemText(i) for i in range(combo.count())] == ["black", "brick", "wall"]
    qtbot.waitUntil(lambda: window.viewport.frame is not None and window.viewport.frame[0, 0].tolist() == [255, 0, 0],
                    timeout=30000)                                         # the viewport draws the red wall
    combo.setCurrentIndex(1)                                               # the pose field chooses brick
    assert doc.scene.pose["background"] == 1 and window.scene_panel.backgrounds.currentRow() == 1
    doc.view.set(["azimuth", "background"], "coarse")
    window.actions["computeMapAction"].trigger()
    qtbot.waitUntil(lambda: doc.maps["primary"] is not None and doc.maps["primary"].complete
                    and not window.jobs.running("map"), timeout=120000)
    assert doc.maps["primary"].axis("background").labels == ("black", "brick", "wall")
    ticks = window.map_view.item.getAxis("left")._tickLevels
    assert [label for _, label in ticks[0]] == ["black", "brick", "wall"]
    values = doc.maps["primary"].values
    assert values.shape == (24, 3) and not np.allclose(values[:, 0], values[:, 2])
    window.scene_panel.backgrounds.setCurrentRow(0)
    window.scene_ctl.remove(2)
    assert doc.scene.render_settings.background_names == ("black", "brick") and doc.maps["primary"] is None


def test_a_folder_a_name_twice_and_the_object_colour(window, tmp_path):
    doc = window.document
    for name, colour in (("a", "red"), ("b", "blue")):
        Image.new("RGB", (40, 30), colour).save(tmp_path / f"{name}.png")
    window.scene_ctl.open_folder(str(tmp_path))
    window.scene_ctl.add(resolve_background(str(tmp_path / "a.png")))          # a second "a"
    assert doc.scene.render_settings.background_names == ("black", "a", "b", "a (2)")
    window.feedback.guarded(window.scene_ctl.remove, -1)
    assert "choose a background" in window.feedback.last_error
    window.scene_ctl.choose_colour((1.0, 0.5, 0.0))
    assert doc.scene.render_settings.object_color == (1.0, 0.5, 0.0)


def test_a_region_along_a_categorical_axis_is_refused_in_one_line(window):
    doc = window.document
    doc.view.set(["background", "elevation"])
    window.feedback.guarded(doc.add_start, (0.0, 30.0))
    assert "background is categorical" in window.feedback.last_error and not doc.solver.starts

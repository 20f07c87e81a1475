"""Model → Open model file…, recent models, the current model checked, download marks, and a
class set chooser on the model's own labels."""

from PySide6.QtCore import Qt

from semviewer.gui.dialogs.class_dialog import ClassSetDialog
from semviewer.gui.dialogs.model_dialog import ModelChoice, ModelFileDialog


def _action(window, name):
    return window.actions[f"model-{name}"]


def test_open_a_model_file_then_back_to_the_registry(window, qtbot, tiny_models):
    assert _action(window, "efficientnet-lite0").isChecked()
    window.objects.open_model_file(ModelChoice(str(tiny_models["onnx"])))
    qtbot.waitUntil(lambda: window.document.model.classifier is not None and window.document.model.classifier.spec.family
                    == "onnx", timeout=60000)
    doc = window.document
    assert doc.model.labels.names == tiny_models["names"] and str(doc.scene.classes) == "teapot" and doc.scene.classes.ids == (0,)
    assert not any(window.actions[i].isChecked() for i in window.actions.ids("model-"))   # a file is no registry model
    assert window.feedback.status_label.text().startswith("tiny.onnx loaded (cpu, onnxruntime)")
    recent = window.model_menu.recent_menu.actions()
    assert [a.text() for a in recent] == ["tiny.onnx"] and window.model_menu.recent_menu.isEnabled()
    qtbot.waitUntil(lambda: window.predictions.true_probability is not None, timeout=30000)
    window.objects.set_model("efficientnet-lite0")
    qtbot.waitUntil(lambda: window.document.model.classifier is not None and window.document.model.labels.imagenet,
                    timeout=60000)
    assert _action(window, "efficientnet-lite0").isChecked() and window.document.scene.classes.ids == (849,)
    recent[0].trigger()                                                  # the recent entry reopens the file
    qtbot.waitUntil(lambda: window.document.model.classifier is not None and window.document.model.classifier.spec.family
                    == "onnx", timeout=60000)


def test_models_that_need_a_download_are_marked(window, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty-hub"))
    window.model_menu.refresh()
    assert _action(window, "resnet50").text() == "resnet50   (downloads its weights)"
    assert _action(window, "efficientnet-lite0").text() == "efficientnet-lite0"


def test_the_model_dialog_checks_before_it_closes(qtbot, tiny_models, tmp_path):
    dialog = ModelFileDialog(names=lambda: ["efficientnet-lite0", "torchvision:resnet50", "timm:vit_base_patch16_224"])
    qtbot.addWidget(dialog)
    (tmp_path / "x.onnx").write_bytes(b"junk")
    dialog.file_edit.setText(str(tmp_path / "x.onnx"))
    dialog.accept()
    assert dialog.result() == 0 and "is not a readable ONNX model" in dialog.problem.text()
    dialog.search.setText("vit")
    visible = [dialog.list.item(i).text() for i in range(3) if not dialog.list.item(i).isHidden()]
    assert visible == ["timm:vit_base_patch16_224"]
    dialog.list.setCurrentItem(dialog.list.findItems("timm:vit_base_patch16_224", Qt.MatchFlag.MatchExactly)[0])
    dialog.weights_edit.setText(str(tmp_path / "missing.pth"))
    dialog.accept()
    assert "does not exist" in dialog.problem.text() and dialog.arch_button.isChecked()
    dialog.file_edit.setText(str(tiny_models["onnx"]))
    assert dialog.file_button.isChecked()
    dialog.accept()
    assert dialog.result() == 1 and dialog.choice() == ModelChoice(str(tiny_models["onnx"]))


def test_a_click_in_the_class_chooser_replaces_the_class_ctrl_click_adds(qtbot, tiny_models):
    from semviewer.core.models.labels import ClassSet, read_labels

    labels = read_labels(tiny_models["labels"])
    dialog = ClassSetDialog(ClassSet((0,), labels), labels=labels)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.list.count() == 10 and dialog.chosen.text() == "Chosen: teapot"
    dialog.search.setText("bag")                                         # teapot is hidden by the filter now
    bagel = dialog.list.findItems("bagel", Qt.MatchFlag.MatchStartsWith)[0]
    assert dialog.list.row(bagel) == 0                                   # the best match first
    qtbot.mouseClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=dialog.list.visualItemRect(bagel).center())
    assert str(dialog.class_set()) == "bagel" and dialog.chosen.text() == "Chosen: bagel"
    dialog.search.setText("")
    cup = dialog.list.findItems("cup", Qt.MatchFlag.MatchStartsWith)[0]
    qtbot.mouseClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     dialog.list.visualItemRect(cup).center())
    assert str(dialog.class_set()) == "cup + bagel"


def test_a_torchscript_file_runs_only_once_the_user_trusts_it(window, qtbot, tiny_models, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    asked = []

    def answer(reply):
        def question(parent, title, text, *args):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    window.objects.set_model(str(tiny_models["torchscript"]))
    assert len(asked) == 1 and str(tiny_models["torchscript"]) in asked[0] and "program" in asked[0]
    assert not window.jobs.running("model") and window.document.model.spec.family != "torchscript"
    assert "was not loaded" in window.feedback.status_label.text()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    window.objects.set_model(str(tiny_models["torchscript"]))
    qtbot.waitUntil(lambda: window.document.model.classifier is not None and window.document.model.classifier.spec.family
                    == "torchscript", timeout=60000)
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    window.objects.set_model(str(tiny_models["torchscript"]))            # the same file: remembered, not asked
    assert len(asked) == 2 and window.jobs.running("model")
    qtbot.waitUntil(lambda: not window.jobs.running("model"), timeout=60000)

"""The object and the networks: opening objects and mesh files, the class set, models and engines.

User input becomes document calls; the slow parts (reading a mesh, decimating it, loading a
model) run as background jobs whose results reach the document only if nothing newer replaced
them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from semviewer.core.scene.axes import Pose
from semviewer.core.files.hashing import file_sha256
from semviewer.core.models import ModelSpec, get_model_spec
from semviewer.core.models.sources import list_all_aside
from semviewer.core.inference.classifier import Classifier
from semviewer.core.errors import SemviewerError
from semviewer.core.models.labels import ClassSet
from semviewer.core.scene.mesh import MeshData, check_up_axis, load_mesh
from semviewer.core.scene.mesh import decimate as decimate_mesh
from semviewer.core.scene.objects import bundled_objects, resolve_object
from semviewer.core.session.document import Document
from semviewer.core.inference.classifier_cache import ClassifierCache
from semviewer.gui.dialogs.class_dialog import ClassSetDialog
from semviewer.gui.dialogs.model_dialog import WEIGHTS_FILTER, ModelChoice, ModelFileDialog, architecture_names
from semviewer.gui.feedback import Feedback
from semviewer.gui.widgets.predictions import PredictionsPanel
from semviewer.gui.workers import JobRunner

MESH_FILTER = "Meshes (*.obj *.glb *.gltf *.ply *.stl *.off);;All files (*)"
DEFAULT_TRIANGLE_BUDGET = 500_000


class ObjectController(QObject):
    """Object, class set, model, weights and engine. ``mesh_opened`` tells which mesh file was
    opened (for the recent files), ``model_opened`` which model (spec, weights, labels) loaded."""

    mesh_opened = Signal(str)
    model_opened = Signal(str, object, object)

    def __init__(self, doc: Document, predictions: PredictionsPanel, jobs: JobRunner, feedback: Feedback,
                 settings: QSettings, classifiers: ClassifierCache, parent: QWidget) -> None:
        super().__init__(parent)
        self.doc, self.predictions, self.jobs, self.feedback = doc, predictions, jobs, feedback
        self.settings, self.classifiers, self.parent_widget = settings, classifiers, parent
        self.architectures: Optional[list[str]] = None    # the Open model file… list, once read aside


    def open_object(self, name_or_path: str, up_axis: str = "y") -> None:
        """Open a bundled object or a mesh file; the current one stays if this fails."""
        if self.jobs.running("mesh") or self.jobs.running("open"):   # a file still being read must not
            self.jobs.cancel("mesh")                                  # replace this object later
            self.jobs.cancel("open")
            self.feedback.not_busy(self.jobs)
        self.doc.open_object(name_or_path, up_axis, resolve_object)
        if self.doc.scene.object_source not in bundled_objects():
            self.feedback.status(f"opened {Path(name_or_path).name}: choose its true class with Object → True class set")

    def open_object_in_background(self, name_or_path: str, fallback: str) -> None:
        """The first object of a window being shown: read in the background (reading a mesh imports
        trimesh, which takes a second or two), ``fallback`` when it cannot be opened."""
        def opened(choice) -> None:
            self.feedback.not_busy(self.jobs)
            self.doc.open_object(name_or_path, "y", lambda name, up: choice)

        def failed(message: str) -> None:
            self.feedback.not_busy(self.jobs)
            self.feedback.show_error(message)
            if name_or_path != fallback:
                self.open_object_in_background(fallback, fallback)

        self.feedback.busy(f"opening {Path(name_or_path).name}…")
        self.jobs.start("mesh", lambda sink: resolve_object(name_or_path, "y"), opened, failed)

    def set_up_axis(self, axis: str) -> None:
        """Object → Up axis: the current object again with ``axis`` up (a mesh file is read again;
        its class set stays); meshes opened next use it too."""
        check_up_axis(axis)
        source = self.doc.scene.object_source
        if source in bundled_objects():
            self.open_object(source, axis)
        else:
            self.open_mesh(source, axis)
        self.feedback.status(f"{Path(source).name}: {axis} is up")

    def triangle_budget(self) -> int:
        """Meshes above this many triangles are offered decimation (Object → Triangle budget)."""
        try:
            return max(1000, int(self.settings.value("mesh/triangle_budget", DEFAULT_TRIANGLE_BUDGET)))
        except (TypeError, ValueError):
            return DEFAULT_TRIANGLE_BUDGET

    def set_triangle_budget(self, budget: Optional[int] = None) -> None:
        if budget is None:
            budget, ok = QInputDialog.getInt(self.parent_widget, "Triangle budget", "Offer to decimate meshes with more "
                                             "triangles than:", self.triangle_budget(), 1000, 50_000_000, 10_000)
            if not ok:
                return
        self.settings.setValue("mesh/triangle_budget", int(budget))
        self.feedback.status(f"meshes above {int(budget):,} triangles will be offered decimation")

    def open_mesh(self, path: Optional[str] = None, up_axis: Optional[str] = None,
                  decimate: Optional[bool] = None) -> None:
        """Open a mesh file (asks for one when ``path`` is None). The file is read in the
        background; until it is ready (or fails, with a message) the current object stays and
        the live view keeps answering. A mesh above the triangle budget is offered decimation
        (``decimate`` answers that question without asking)."""
        if path is None:
            folder = str(self.settings.value("folders/mesh", "") or Path.home())
            path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Open mesh", folder, MESH_FILTER)
            if not path:
                return
            self.settings.setValue("folders/mesh", str(Path(path).parent))
        up = up_axis or self.doc.scene.up_axis
        name = Path(path).name
        self.feedback.busy(f"reading {name}…")

        def show(mesh: MeshData, note: str = "") -> None:
            self.feedback.not_busy(self.jobs)
            self.doc.set_object(mesh, str(path), up, None, Pose())
            self.mesh_opened.emit(str(path))
            self.feedback.status(f"opened {name} ({mesh.face_count:,} faces{note}); "
                                 f"choose its true class with Object → True class set" +
                                 "".join(f" · ⚠ {n}" for n in mesh.notes))

        def read(mesh: MeshData) -> None:
            budget = self.triangle_budget()
            if mesh.face_count <= budget:
                return show(mesh)
            choice = decimate
            if choice is None:
                answer = QMessageBox.question(
                    self.parent_widget, "A large mesh", f"{name} has {mesh.face_count:,} triangles, more than the budget of "
                    f"{budget:,}: every render will be slow. Decimate it to about {budget:,} triangles "
                    f"(quadric decimation; colours and textures are dropped)?")
                choice = answer == QMessageBox.StandardButton.Yes
            if not choice:
                return show(mesh, ", above the triangle budget")
            self.feedback.busy(f"decimating {name} to about {budget:,} triangles…")
            self.jobs.start("mesh", lambda sink: decimate_mesh(mesh, budget),
                              lambda small: show(small, f", decimated from {mesh.face_count:,}"), failed)

        def failed(message: str) -> None:
            self.feedback.not_busy(self.jobs)
            self.feedback.show_error(message)

        self.jobs.cancel("open")                  # a session or map still loading must not replace it later
        self.jobs.start("mesh", lambda sink: load_mesh(path, up_axis=up), read, failed)

    def choose_classes(self, classes: Optional[ClassSet] = None) -> None:
        if classes is None:
            dialog = ClassSetDialog(self.doc.scene.classes, self.parent_widget, self.doc.model.labels)
            if not dialog.exec():
                return
            classes = dialog.class_set()
            if classes is None:
                raise SemviewerError("no class selected; the true class set needs at least one class")
        self.doc.set_classes(classes)

    def trusts(self, spec: ModelSpec) -> bool:
        """Whether a model file that is a program (TorchScript) may run: the user said so for this
        file's content before, or says so now (a question naming the file; remembered by its hash)."""
        if spec.family != "torchscript":
            return False
        digest = file_sha256(spec.file)
        kept = self.settings.value("trust/modelFiles", []) or []
        kept = [kept] if isinstance(kept, str) else list(kept)
        if digest in kept:
            return True
        answer = QMessageBox.question(
            self.parent_widget, "Run a model file that is a program?",
            f"{spec.file} is a TorchScript file: a program that runs with your rights when it is loaded and run, "
            f"and could read or write your files.\n\nRun it only if you trust where it comes from. (semviewer also "
            f"refuses files whose code calls operators that reach files or sockets.) An ONNX export of the model "
            f"needs no trust.\n\nRun this file?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.settings.setValue("trust/modelFiles", kept + [digest])
        return True

    def set_model(self, name: str, weights: Optional[str] = None, keep_results: bool = False,
                  labels: Optional[str] = None) -> None:
        """Load a model spec (a registry name, torchvision:NAME, timm:NAME or a model file) in the
        background; the window keeps working meanwhile. The maps and regions are dropped when it is
        ready, unless ``keep_results`` (they were made with this model). A TorchScript file runs
        only once the user trusts it (``trusts``)."""
        spec = get_model_spec(name, labels)             # an unknown name or a bad card: one line now
        shown = Path(name).name if "/" in name else name
        trust = self.trusts(spec)
        if spec.family == "torchscript" and not trust:
            self.feedback.status(f"{shown} was not loaded: it is a program, and you did not say you trust it")
            return
        self.predictions.set_status(f"loading {shown}…")
        self.feedback.status(f"loading {shown}…")
        engine, notices, cache = self.doc.model.engine, [], self.classifiers

        def done(classifier: Classifier) -> None:
            self.doc.set_model(name, weights, classifier, keep_results, labels)
            self.model_opened.emit(name, weights, labels)
            low = f", {classifier.precision}: max |Δp| {classifier.precision_diff:.3f} against fp32" \
                if classifier.precision_diff is not None else ""
            reset = f" · ⚠ its labels do not name the old true class: it is now {self.doc.scene.classes}; choose it " \
                    f"with Object → True class set" if self.doc.model.classes_reset else ""
            self.feedback.status(f"{shown} loaded ({classifier.device}, {classifier.engine}{low}){reset} · drag the "
                                 f"object to turn it · Compute map to see where the network recognises it · "
                                 f"Ctrl+click the map to add start points, then Start"
                                 + "".join(f" · {'' if _information(n) else '⚠ '}{n}" for n in notices))
            self._warm_architecture_list()

        def failed(message: str) -> None:
            self.predictions.set_status(self.doc.model.name if self.doc.model.classifier else "no model loaded")
            if "give a weights file" in message:
                message += " (Model → Open model file… takes an architecture and its weights file)"
            self.feedback.show_error(message)

        self.jobs.start("model", lambda sink: cache.get(name, weights, engine, notify=notices.append, labels=labels,
                                                        trust_code=trust), done, failed)

    def _warm_architecture_list(self) -> None:
        """Read the list Open model file… shows (torchvision's and timm's architectures) aside, in a
        child process, once a model is ready: importing them here would hold the interpreter (and
        the window) for a second or two, and closing the window would wait for it."""
        if self.architectures is None and not self.jobs.running("architectures"):
            def read(sink) -> list[str]:
                return architecture_names(list_all_aside(sink.cancelled))

            self.jobs.start("architectures", read, lambda names: setattr(self, "architectures", names),
                            lambda message: None)      # a failure here only means reading it when asked

    def open_model_file(self, choice: Optional[ModelChoice] = None) -> None:
        """Model → Open model file…: a model file, or an architecture with a weights file."""
        if choice is None:
            folder = str(self.settings.value("folders/model", "") or "")
            dialog = ModelFileDialog(self.parent_widget, folder, lambda: self.architectures or architecture_names())
            if not dialog.exec():
                return
            choice = dialog.choice()
            self.settings.setValue("folders/model", dialog.folder)
        self.set_model(choice.spec, choice.weights, labels=choice.labels)

    def load_weights(self, path: Optional[str] = None) -> None:
        """Other weights for the current architecture (a state dict or .safetensors)."""
        if self.doc.model.spec.file:
            raise SemviewerError(f"{Path(self.doc.model.name).name} is a model file and carries its own weights; "
                                 f"open another with Model → Open model file…")
        if path is None:
            folder = str(self.settings.value("folders/weights", "") or Path.home())
            path, _ = QFileDialog.getOpenFileName(self.parent_widget, f"Weights for {self.doc.model.name}",
                                                  folder, WEIGHTS_FILTER)
            if not path:
                return
            self.settings.setValue("folders/weights", str(Path(path).parent))
        self.set_model(self.doc.model.name, path, labels=self.doc.model.labels_file)

    def set_engine(self, engine: str) -> None:
        """Run the classifiers on ``engine`` (auto, onnxruntime or torch); reloads the model."""
        model, weights, labels = self.doc.model.name, self.doc.model.weights, self.doc.model.labels_file
        self.doc.model.set_engine(engine)
        self.set_model(model, weights, labels=labels)

    def set_compare_model(self, name: Optional[str]) -> None:
        """Compare with ``name`` (None: no comparison); its map is computed when there is a primary one."""
        self.doc.set_compare_model(name)


def _information(notice: str) -> bool:
    """A loader's notice that informs (which engine was measured fastest, how a fixed-batch graph is
    fed) rather than warns."""
    return "measured the engines" in notice or "it is fed" in notice

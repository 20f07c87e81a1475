"""Live render + classification of the current pose, "latest request wins", off the GUI thread."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import numpy as np
from PySide6.QtCore import QObject, Signal

from semviewer.core.scene.axes import Pose
from semviewer.core.inference.classifier import Classifier
from semviewer.core.scene.mesh import MeshData
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.core.scene.render_thread import RenderThread
from semviewer.render import open_render_thread


class LiveView(QObject):
    """Renders the pose the user is dragging to, and classifies the newest frame.

    Requests made while a render (or classification) is running replace each other: only
    the latest pose is rendered next and only the latest frame is classified next, so no
    queue of stale work builds up and the last pose of a drag is always classified. The GL
    context lives in a RenderThread (never in the GUI thread).
    """

    frame_ready = Signal(object, object)        # image (H, W, 3) uint8, Pose
    prediction_ready = Signal(object, object)   # probabilities (1000,), Pose
    failed = Signal(str)

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._renderer: Optional[RenderThread] = None
        self._classifier: Optional[Classifier] = None
        self._classify_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semviewer-live-classify")
        self._render_busy = False
        self._pending_pose: Optional[Pose] = None
        self._classify_busy = False
        self._pending_frame: Optional[tuple[np.ndarray, Pose]] = None
        self._last_frame: Optional[tuple[np.ndarray, Pose]] = None
        self._last_pose: Optional[Pose] = None
        self._build_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semviewer-mesh-upload")
        self._building = None
        self._mesh_generation = 0
        self._closed = False

    # -- configuration (GUI thread) ---------------------------------------------
    def set_mesh(self, mesh: MeshData, settings: RenderSettings = RenderSettings()) -> None:
        """Use a new mesh: a new render thread with its own GL context, built (and the mesh
        uploaded) in the background, so the window keeps answering with the old one meanwhile.
        The latest pose requested is rendered on the new mesh as soon as it is ready."""
        with self._lock:
            self._mesh_generation += 1
            self._building = self._build_pool.submit(self._build, mesh, settings, self._mesh_generation)

    def _build(self, mesh: MeshData, settings: RenderSettings, generation: int) -> None:   # build thread
        try:
            renderer = open_render_thread(mesh, settings)
        except Exception as exc:  # e.g. no GL: say so, keep the old mesh
            self.failed.emit(f"cannot show the mesh {mesh.name}: {exc}")
            return
        with self._lock:
            stale = generation != self._mesh_generation or self._closed
            old = None
            if not stale:
                old, self._renderer = self._renderer, renderer
            pose = self._last_pose
        if stale:
            renderer.close()
            return
        if old is not None:
            old.close()
        if pose is not None:
            self.request(pose)

    def wait_for_mesh(self, timeout: float = 60.0) -> None:
        """Block until the latest ``set_mesh`` has taken effect (for tests and scripts)."""
        building = self._building
        if building is not None:
            building.result(timeout)

    def set_classifier(self, classifier: Optional[Classifier]) -> None:
        self._classifier = classifier
        if classifier is not None and self._last_frame is not None:
            self._classify_latest(*self._last_frame)

    # -- requests ----------------------------------------------------------------
    def request(self, pose: Pose) -> None:
        """Render (and then classify) ``pose``; newer requests replace pending ones."""
        with self._lock:
            self._last_pose = pose
            if self._closed or self._renderer is None:
                return
            if self._render_busy:
                self._pending_pose = pose
                return
            self._render_busy = True
        self._submit(pose)

    def _submit(self, pose: Pose) -> None:
        renderer = self._renderer
        try:
            future = renderer.submit(pose.as_array()[None])
        except Exception as exc:  # the render thread is gone: say so, and let the next request try again
            with self._lock:
                self._render_busy = False
                self._pending_pose = None
            self.failed.emit(f"rendering failed: {exc}")
            return
        future.add_done_callback(lambda f, p=pose: self._rendered(f, p))

    def _rendered(self, future, pose: Pose) -> None:   # runs in the render thread
        try:
            image = future.result()[0]
        except Exception as exc:  # report, and let the next request try again
            self.failed.emit(f"rendering failed: {exc}")
            image = None
        with self._lock:
            nxt, self._pending_pose = self._pending_pose, None
            render_next = nxt is not None and not self._closed
            self._render_busy = render_next
        if render_next:   # decided under the lock: another thread may start a render right after it
            self._submit(nxt)
        if image is not None and not self._closed:
            self.frame_ready.emit(image, pose)
            self._classify_latest(image, pose)

    def _classify_latest(self, image: np.ndarray, pose: Pose) -> None:
        with self._lock:
            self._last_frame = (image, pose)
            if self._classifier is None or self._closed:
                return
            if self._classify_busy:
                self._pending_frame = (image, pose)
                return
            self._classify_busy = True
        self._classify_pool.submit(self._classify, image, pose)

    def _classify(self, image: np.ndarray, pose: Pose) -> None:   # runs in the classify thread
        while True:
            classifier = self._classifier
            try:
                probs = classifier.probabilities(image[None], urgent=True)[0]
                # a prediction of a model replaced meanwhile is dropped (set_classifier re-classifies)
                if not self._closed and classifier is self._classifier:
                    self.prediction_ready.emit(probs, pose)
            except Exception as exc:
                self.failed.emit(f"classification failed: {exc}")
            with self._lock:
                if self._pending_frame is None or self._closed:
                    self._classify_busy = False
                    return
                (image, pose), self._pending_frame = self._pending_frame, None

    def close(self) -> None:
        """Stop both threads (idempotent)."""
        with self._lock:
            self._closed = True
            self._pending_pose = None
            self._pending_frame = None
        self._classify_pool.shutdown(wait=True)
        self._build_pool.shutdown(wait=True)     # a mesh upload in progress finishes, then is dropped
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

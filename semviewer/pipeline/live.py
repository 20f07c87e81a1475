"""Live predictions: render the pose being dragged to and classify the newest frame, "latest request
wins", off the caller's thread. Qt-free: the window adapts the callbacks to signals.

Requests made while a render (or classification) is running replace each other: only the latest
pose is rendered next and only the latest frame is classified next, so no queue of stale work
builds up and the last pose of a drag is always classified. The GL context lives in a render
thread; the classifications go first through the gate they share with maps and solvers.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

import numpy as np

from semviewer.core.inference.classifier import Classifier
from semviewer.core.inference.scheduling import PriorityGate, Scheduled
from semviewer.core.scene.axes import Pose
from semviewer.core.scene.mesh import MeshData
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.core.scene.render_thread import RenderThread
from semviewer.render import open_render_thread

FrameCallback = Callable[[np.ndarray, Pose], None]


class LivePredictions:
    """Renders the latest pose and classifies the latest frame (see the module docstring).
    ``on_frame(image, pose)``, ``on_prediction(probabilities, pose)`` and ``on_failure(message)``
    are called from worker threads."""

    def __init__(self, on_frame: FrameCallback, on_prediction: FrameCallback, on_failure: Callable[[str], None],
                 gate: Optional[PriorityGate] = None) -> None:
        self.on_frame, self.on_prediction, self.on_failure = on_frame, on_prediction, on_failure
        self.gate = gate or PriorityGate()
        self._lock = threading.Lock()
        self._renderer: Optional[RenderThread] = None
        self._settings: Optional[RenderSettings] = None     # how the renderer in use draws
        self._classifier: Optional[Classifier] = None
        self._classify_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semviewer-live-classify")
        self._build_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semviewer-mesh-upload")
        self._render_busy = False
        self._pending_pose: Optional[Pose] = None
        self._classify_busy = False
        self._pending_frame: Optional[tuple[np.ndarray, Pose]] = None
        self._last_frame: Optional[tuple[np.ndarray, Pose]] = None
        self._last_pose: Optional[Pose] = None
        self._building = None
        self._mesh_generation = 0
        self._shown_generation = 0         # the generation of the render thread in use
        self._closed = False

    # -- configuration ---------------------------------------------------------
    def set_mesh(self, mesh: MeshData, settings: RenderSettings = RenderSettings()) -> None:
        """Use a new mesh: a new render thread with its own GL context, built (and the mesh
        uploaded) in the background, so that requests keep being answered with the old one
        meanwhile. The latest pose requested is rendered on the new mesh as soon as it is ready."""
        with self._lock:
            self._mesh_generation += 1
            self._building = self._build_pool.submit(self._build, mesh, settings, self._mesh_generation)

    def _build(self, mesh: MeshData, settings: RenderSettings, generation: int) -> None:   # build thread
        with self._lock:
            current, same = self._renderer, self._settings == settings
        if current is not None and same and self._switch_mesh(current, mesh, generation):
            return
        try:
            renderer = open_render_thread(mesh, settings)
        except Exception as exc:  # e.g. no GL: say so, keep the old mesh
            self.on_failure(f"cannot show the mesh {mesh.name}: {exc}")
            return
        with self._lock:
            stale = generation != self._mesh_generation or self._closed
            old = None
            if not stale:
                old, self._renderer = self._renderer, renderer
                self._settings = settings
                self._shown_generation = generation
        if stale:
            renderer.close()
            return
        if old is not None:
            old.close()
        self._request_latest()

    def _switch_mesh(self, renderer: RenderThread, mesh: MeshData, generation: int) -> bool:   # build thread
        """Upload ``mesh`` into the render context in use (drawn the same way): a new context would
        compile its shaders again, holding the interpreter lock (the window) for a tenth of a second.
        Whether it was switched (False: make a new context)."""
        try:
            renderer.call(lambda r, m: r.set_mesh(m), mesh)
        except Exception:  # the context is gone or refused the mesh: a new one says why if it fails too
            return False
        with self._lock:
            if generation == self._mesh_generation and not self._closed:
                self._shown_generation = generation
        self._request_latest()
        return True

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
    def _request_latest(self) -> None:
        """Render the latest pose asked for again (a new mesh or scene is ready). It is read when
        the render is asked for, under the lock: a pose read earlier could be older than one the
        window asked for meanwhile, and asking for it would replace the newer one."""
        with self._lock:
            pose = self._last_pose
            if pose is None or self._closed or self._renderer is None:
                return
            if self._render_busy:
                self._pending_pose = pose
                return
            self._render_busy = True
        self._submit(pose)

    def request(self, pose: Pose) -> None:
        """Render (and then classify) ``pose``; newer requests replace pending ones."""
        with self._lock:
            self._last_pose = pose
        self._request_latest()

    def _submit(self, pose: Pose) -> None:
        while True:
            with self._lock:                 # the renderer is read under the lock: a mesh switch replaces it
                renderer = self._renderer
            try:
                future = renderer.submit(pose.as_array()[None])
                break
            except Exception as exc:  # the render thread is gone
                with self._lock:
                    replaced = self._renderer is not renderer and not self._closed
                    if not replaced:
                        self._render_busy = False
                        self._pending_pose = None
                if replaced:          # closed by a mesh switch meanwhile: the new mesh renders it
                    continue
                if not self._closed:
                    self.on_failure(f"rendering failed: {exc}")
                return
        future.add_done_callback(lambda f, p=pose: self._rendered(f, p))

    def _rendered(self, future, pose: Pose) -> None:   # runs in the render thread
        try:
            image = future.result()[0]
        except Exception as exc:  # report, and let the next request try again
            with self._lock:      # a pose for a scene still being built (a background just added) waits for it
                superseded = self._shown_generation != self._mesh_generation
            if not self._closed and not superseded:
                self.on_failure(f"rendering failed: {exc}")
            image = None
        with self._lock:
            nxt, self._pending_pose = self._pending_pose, None
            render_next = nxt is not None and not self._closed
            self._render_busy = render_next
        if render_next:   # decided under the lock: another thread may start a render right after it
            self._submit(nxt)
        if image is not None and not self._closed:
            self.on_frame(image, pose)
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
                probs = Scheduled(classifier, self.gate).urgent(image[None])[0]
                # a prediction of a model replaced meanwhile is dropped (set_classifier re-classifies)
                if not self._closed and classifier is self._classifier:
                    self.on_prediction(probs, pose)
            except Exception as exc:
                self.on_failure(f"classification failed: {exc}")
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
        with self._lock:
            renderer, self._renderer = self._renderer, None
        if renderer is not None:
            renderer.close()

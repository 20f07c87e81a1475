"""The Renderer: one moderngl standalone context rendering batches of poses offscreen."""

from __future__ import annotations

import importlib.util
import threading
from importlib import resources
from functools import lru_cache
from typing import Callable, Optional, Sequence

import numpy as np

from semviewer.core.scene.axes import AXIS_NAMES, Pose
from semviewer.core.scene.corruptions import corrupt
from semviewer.core.scene.materials import Material, materials_of
from semviewer.core.scene.mesh import MeshData
from semviewer.core.scene.render_settings import RenderSettings
from semviewer.render.background import BackgroundPass
from semviewer.render.camera import direction, eye_position, projection_matrix, view_matrix

COLUMNS = {name: i for i, name in enumerate(AXIS_NAMES)}
_POOL_SIZE = 16


class RendererError(RuntimeError):
    """The GL context could not be created or was used wrongly."""


def _shader(name: str) -> str:
    return resources.files("semviewer.render").joinpath("shaders", name).read_text(encoding="utf-8")


def _preload_triton() -> None:
    """Load triton's LLVM before Mesa's llvmpipe loads its own.

    triton (imported lazily by torch._dynamo, e.g. via torchvision.ops) bundles an LLVM
    that segfaults on import once Mesa's LLVM is in the process; the other order is fine.
    """
    if importlib.util.find_spec("triton") is not None:
        try:
            import triton  # noqa: F401
        except Exception:  # a broken triton is torch's problem, not the renderer's
            pass


@lru_cache(maxsize=1)
def _foreign_finish() -> Optional[Callable[[], None]]:
    """``glFinish`` called through ctypes, which releases the interpreter lock for the call (a
    call through moderngl keeps it), or None where no GL library can be loaded that way."""
    import ctypes

    for name in ("libOpenGL.so.0", "libGL.so.1"):
        try:
            return ctypes.CDLL(name).glFinish
        except (OSError, AttributeError):
            continue
    return None


def finish_released(ctx) -> None:
    """Wait until the GPU (Mesa's rasteriser on the CPU) has drawn everything submitted, letting
    other Python threads (the window) run meanwhile: moderngl holds the interpreter lock while
    it waits, so a frame being drawn used to freeze the window for its whole duration."""
    finish = _foreign_finish()
    if finish is not None:
        finish()
    else:
        ctx.finish()


def _create_context():
    import moderngl

    _preload_triton()

    errors = []
    for kwargs in ({"backend": "egl"}, {}):
        try:
            return moderngl.create_standalone_context(require=330, **kwargs)
        except Exception as exc:  # try the next backend
            errors.append(f"{kwargs.get('backend', 'default')}: {exc}")
    raise RendererError("cannot create an OpenGL 3.3 context (" + "; ".join(errors) +
                        "); install Mesa's EGL/GL packages (libegl1 libgl1-mesa-dri libegl-mesa0)")


def pose_matrix(poses: Sequence[Pose] | np.ndarray) -> np.ndarray:
    """Poses as a float array (k, len(AXIS_NAMES)) in AXIS_NAMES order."""
    if isinstance(poses, np.ndarray):
        arr = np.asarray(poses, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr[None]
        if arr.shape[1] != len(AXIS_NAMES):
            raise ValueError(f"pose arrays need {len(AXIS_NAMES)} columns ({', '.join(AXIS_NAMES)}); "
                             f"make rows with Pose(...).as_array()")
        return arr
    if isinstance(poses, Pose):
        poses = [poses]
    return np.stack([p.as_array() for p in poses]) if len(poses) else np.zeros((0, len(AXIS_NAMES)))


class Renderer:
    """Offscreen renderer of one mesh. Create and use it in one thread; call ``release()``.

    ``render(poses)`` returns uint8 images (N, H, W, 3); a batch is drawn into a pool of
    multisampled framebuffers before any is read back, so a batch costs far less than one
    call per pose.
    """

    def __init__(self, mesh: Optional[MeshData] = None, settings: RenderSettings = RenderSettings()) -> None:
        self._thread = threading.get_ident()
        self.ctx = _create_context()
        self.program = self.ctx.program(vertex_shader=_shader("mesh.vert"), fragment_shader=_shader("mesh.frag"))
        self._vbo = None
        self._vao = None
        self._texture = None
        self._fbos: tuple = ()
        self.mesh: Optional[MeshData] = None
        self.materials: tuple[Material, ...] = ()
        self.settings = settings
        self.backgrounds = BackgroundPass(self.ctx, settings.backgrounds)
        if mesh is not None:
            self.set_mesh(mesh)

    # -- life cycle ---------------------------------------------------------
    def _check_thread(self) -> None:
        if self.ctx is None:
            raise RendererError("the renderer was released")
        if threading.get_ident() != self._thread:
            raise RendererError("a Renderer must be used in the thread that created it (GL contexts are thread-bound)")

    def release(self) -> None:
        """Free the GL context and every GL object (idempotent)."""
        if self.ctx is None:
            return
        with self.ctx:  # our context must be current: several renderers may share a thread
            self.backgrounds.release()
            for obj in (self._vao, self._vbo, self._texture, self.program, *(f for pair in self._fbos for f in pair)):
                if obj is not None:
                    obj.release()
        self.ctx.release()
        self.ctx = None

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def set_mesh(self, mesh: MeshData) -> None:
        """Upload a mesh (flat-shaded: vertices are expanded per face with the face normal)."""
        self._check_thread()
        with self.ctx:
            self._upload(mesh)

    def _upload(self, mesh: MeshData) -> None:
        tri = mesh.vertices[mesh.faces].astype(np.float32)                 # (F, 3, 3)
        normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        length = np.linalg.norm(normals, axis=1, keepdims=True)
        normals = np.where(length > 0, normals / np.maximum(length, 1e-30), 0.0).astype(np.float32)
        normals = np.repeat(normals[:, None, :], 3, axis=1)
        use_texture = bool(mesh.texture is not None and mesh.uvs is not None)
        if mesh.colors is not None:
            colors = mesh.colors[mesh.faces].astype(np.float32)
        else:
            colors = np.ones(tri.shape, np.float32)
        uvs = mesh.uvs[mesh.faces] if use_texture else np.zeros(tri.shape[:2] + (2,), np.float32)
        unit = np.ones(tri.shape[:2] + (1,), np.float32)
        data = np.concatenate([tri, normals, colors, uvs.astype(np.float32), unit], axis=2).reshape(-1, 12)
        for obj in (self._vao, self._vbo, self._texture):
            if obj is not None:
                obj.release()
        self._texture = None
        self._vbo = self.ctx.buffer(np.ascontiguousarray(data, dtype=np.float32).tobytes())
        self._vao = self.ctx.vertex_array(
            self.program, [(self._vbo, "3f 3f 3f 2f 1f", "in_position", "in_normal", "in_color", "in_uv", "in_unit")])
        if use_texture:
            tex = np.ascontiguousarray(mesh.texture[::-1])      # image rows top-down → GL bottom-up
            self._texture = self.ctx.texture((tex.shape[1], tex.shape[0]), 3, tex.tobytes(), alignment=1)
            self._texture.build_mipmaps()
            self._texture.use(0)
            self.program["tex"].value = 0
        self.program["use_texture"].value = use_texture
        self.mesh = mesh
        self.materials = materials_of(mesh)

    # -- rendering ----------------------------------------------------------
    def _pool(self, count: int) -> list:
        """``count`` pairs of (multisampled, resolved) framebuffers, all of the image size."""
        w, h = self.settings.width, self.settings.height
        samples = min(self.settings.samples, self.ctx.max_samples) if self.settings.samples > 1 else 0
        while len(self._fbos) < count:
            ms = self.ctx.framebuffer(
                color_attachments=[self.ctx.renderbuffer((w, h), 4, samples=samples)],
                depth_attachment=self.ctx.depth_renderbuffer((w, h), samples=samples))
            resolved = self.ctx.framebuffer(color_attachments=[self.ctx.renderbuffer((w, h), 4)])
            self._fbos = (*self._fbos, (ms, resolved))
        return list(self._fbos[:count])

    def render(self, poses: Sequence[Pose] | np.ndarray) -> np.ndarray:
        """Render the mesh at every pose: uint8 array (N, H, W, 3), rows top-down."""
        self._check_thread()
        if self.mesh is None:
            raise RendererError("no mesh is loaded; call set_mesh first")
        arr = pose_matrix(poses)
        with self.ctx:
            return self._render(arr)

    def _render(self, arr: np.ndarray) -> np.ndarray:
        w, h = self.settings.width, self.settings.height
        out = np.empty((len(arr), h, w, 3), dtype=np.uint8)
        if not len(arr):
            return out
        # Every pose gets its own framebuffer at the same origin (so a pose renders to the
        # same pixels whatever its place in the batch); all are drawn before any is read back.
        pool = self._pool(min(len(arr), _POOL_SIZE))
        ctx = self.ctx
        ctx.enable(ctx.DEPTH_TEST)
        ctx.disable(ctx.CULL_FACE)
        for start in range(0, len(arr), len(pool)):
            chunk = arr[start:start + len(pool)]
            for (ms, _), p in zip(pool, chunk):
                ms.use()
                index = self._category(p, "background", len(self.settings.backgrounds))
                ms.clear(*self.backgrounds.colour(index), 1.0, depth=1.0)
                self.backgrounds.draw(index, p, COLUMNS, w, h)
                self._draw_mesh(p, w / h)
            finish_released(ctx)            # Mesa rasterises here, without the interpreter lock
            for ms, resolved in pool[:len(chunk)]:
                ctx.copy_framebuffer(resolved, ms)
            for i, (ms, resolved) in enumerate(pool[:len(chunk)]):
                raw = resolved.read(components=3, alignment=1)
                out[start + i] = np.frombuffer(raw, dtype=np.uint8).reshape(h, w, 3)[::-1]
        return corrupt(out, arr)

    def _category(self, p: np.ndarray, axis: str, count: int) -> int:
        """The value of a categorical axis at pose ``p``: a position in the scene's list of them."""
        index = int(round(p[COLUMNS[axis]]))
        if not 0 <= index < count:
            raise RendererError(f"{axis} {index} does not exist here: the scene has {count} (0 to {count - 1})")
        return index

    def _draw_mesh(self, p: np.ndarray, aspect: float) -> None:
        """The object at pose ``p``: its place and size, the light's direction and strength, its material."""
        c, program = COLUMNS, self.program
        shift = np.eye(4)
        shift[0, 3], shift[1, 3] = 2.0 * p[c["shift_x"]], 2.0 * p[c["shift_y"]]
        model = np.diag([p[c["scale"]], p[c["scale"]], p[c["scale"]], 1.0])
        mvp = shift @ projection_matrix(p[c["fov"]], aspect) @ view_matrix(p[c["azimuth"]], p[c["elevation"]],
                                                                          p[c["distance"]], p[c["roll"]]) @ model
        program["mvp"].write(mvp.T.astype(np.float32).tobytes())
        program["scale"].value = float(p[c["scale"]])
        program["light_dir"].value = tuple(direction(p[c["light_azimuth"]], p[c["light_elevation"]]))
        program["eye"].value = tuple(eye_position(p[c["azimuth"]], p[c["elevation"]], p[c["distance"]]))
        program["ambient"].value = float(p[c["ambient"]])
        program["intensity"].value = float(p[c["light_intensity"]])
        material = self.materials[self._category(p, "material", len(self.materials))]
        program["material"].value = 1 if material.kind == "own" else 0
        program["flat_color"].value = self.settings.object_color if material.kind == "plain" else material.colour
        if self._texture is not None:
            self._texture.use(0)
        self._vao.render()

    def render_tensor(self, poses: Sequence[Pose] | np.ndarray):
        """Like ``render`` but as a torch uint8 tensor (N, H, W, 3) (zero-copy)."""
        import torch

        return torch.from_numpy(self.render(poses))

"""Drawing a pose's background before the object: a solid colour is the framebuffer's clear
colour; an image fills the frame (its aspect kept by cropping); a panorama is sampled in the
direction each pixel looks, turned by the pose's ``background_rotation``. Each image is uploaded
once per renderer, when a pose first needs it."""

from __future__ import annotations

import math
from importlib import resources
from typing import Sequence

import numpy as np

from semviewer.core.scene.backgrounds import Background
from semviewer.render.camera import direction, view_matrix

#: The texture unit background images are bound to (the mesh's texture uses unit 0).
UNIT = 1


def _shader(name: str) -> str:
    return resources.files("semviewer.render").joinpath("shaders", name).read_text(encoding="utf-8")


class BackgroundPass:
    """The backgrounds of one renderer: its program, the full-frame quad and the uploaded images."""

    def __init__(self, ctx, backgrounds: Sequence[Background]) -> None:
        self.ctx, self.backgrounds = ctx, tuple(backgrounds)
        self.program = None
        self._quad = self._vao = None
        self._textures: dict[int, object] = {}

    def colour(self, index: int) -> tuple[float, float, float]:
        """The clear colour of background ``index`` (black behind an image, which covers it)."""
        background = self._background(index)
        return background.colour if background.kind == "colour" else (0.0, 0.0, 0.0)

    def _background(self, index: int) -> Background:
        if not 0 <= index < len(self.backgrounds):
            raise ValueError(f"background {index} does not exist; the scene has {len(self.backgrounds)}")
        return self.backgrounds[index]

    def _prepare(self) -> None:
        if self.program is not None:
            return
        ctx = self.ctx
        self.program = ctx.program(vertex_shader=_shader("background.vert"), fragment_shader=_shader("background.frag"))
        corners = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype=np.float32)
        self._quad = ctx.buffer(corners.tobytes())
        self._vao = ctx.vertex_array(self.program, [(self._quad, "2f", "in_corner")])
        self.program["image"].value = UNIT

    def _texture(self, index: int):
        if index not in self._textures:
            pixels = np.ascontiguousarray(self._background(index).pixels()[::-1])   # rows top-down → GL bottom-up
            texture = self.ctx.texture((pixels.shape[1], pixels.shape[0]), 3, pixels.tobytes(), alignment=1)
            texture.build_mipmaps()
            if self._background(index).kind == "panorama":
                texture.repeat_x, texture.repeat_y = True, False
            else:
                texture.repeat_x = texture.repeat_y = False
            self._textures[index] = texture
        return self._textures[index]

    def draw(self, index: int, pose: np.ndarray, columns: dict[str, int], width: int, height: int) -> None:
        """Draw background ``index`` for ``pose`` (a full pose row) over the cleared framebuffer
        (nothing for a colour: the clear colour is it)."""
        background = self._background(index)
        if background.kind == "colour":
            return
        self._prepare()
        texture = self._texture(index)
        program, aspect = self.program, width / height
        if background.kind == "image":
            image_aspect = texture.width / texture.height
            program["mode"].value = 1
            program["uv_scale"].value = (min(1.0, aspect / image_aspect), min(1.0, image_aspect / aspect))
        else:
            view = view_matrix(pose[columns["azimuth"]], pose[columns["elevation"]], pose[columns["distance"]],
                               pose[columns["roll"]])
            program["mode"].value = 2
            program["cam_right"].value = tuple(view[0, :3])
            program["cam_up"].value = tuple(view[1, :3])
            program["cam_forward"].value = tuple(-direction(pose[columns["azimuth"]], pose[columns["elevation"]]))
            program["tan_half_fov"].value = math.tan(math.radians(pose[columns["fov"]]) / 2.0)
            program["aspect"].value = aspect
            program["rotation"].value = math.radians(pose[columns["background_rotation"]])
        texture.use(UNIT)
        self.ctx.disable(self.ctx.DEPTH_TEST)
        self._vao.render(self.ctx.TRIANGLE_STRIP)
        self.ctx.enable(self.ctx.DEPTH_TEST)

    def release(self) -> None:
        for obj in (self._vao, self._quad, self.program, *self._textures.values()):
            if obj is not None:
                obj.release()
        self._textures.clear()
        self.program = self._quad = self._vao = None

"""Camera and light geometry for the paper's convention (pure numpy)."""

from __future__ import annotations

import math

import numpy as np

NEAR = 0.05
FAR = 100.0


def direction(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    """Unit vector ``(cos e · sin a, sin e, -cos e · cos a)`` (the paper's camera direction)."""
    a, e = math.radians(azimuth_deg), math.radians(elevation_deg)
    return np.array([math.cos(e) * math.sin(a), math.sin(e), -math.cos(e) * math.cos(a)])


def eye_position(azimuth_deg: float, elevation_deg: float, distance: float) -> np.ndarray:
    """Camera position ``d · (cos e · sin a, sin e, -cos e · cos a)``."""
    return distance * direction(azimuth_deg, elevation_deg)


def view_matrix(azimuth_deg: float, elevation_deg: float, distance: float, roll_deg: float = 0.0) -> np.ndarray:
    """World → camera matrix (4×4, row-major) looking at the origin.

    The camera's up vector is world +y projected onto the image plane (the limit of
    ``up = +y`` that stays defined at elevation ±90°); a positive roll turns the camera
    counter-clockwise about its viewing direction.
    """
    a, e, r = math.radians(azimuth_deg), math.radians(elevation_deg), math.radians(roll_deg)
    eye = eye_position(azimuth_deg, elevation_deg, distance)
    forward = -direction(azimuth_deg, elevation_deg)
    up = np.array([-math.sin(e) * math.sin(a), math.cos(e), math.sin(e) * math.cos(a)])
    right = np.cross(forward, up)
    up, right = math.cos(r) * up - math.sin(r) * right, math.cos(r) * right + math.sin(r) * up
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = right, up, -forward
    m[:3, 3] = -m[:3, :3] @ eye
    return m


def projection_matrix(fov_deg: float, aspect: float, near: float = NEAR, far: float = FAR) -> np.ndarray:
    """OpenGL perspective matrix for a full vertical field of view ``fov_deg``."""
    f = 1.0 / math.tan(math.radians(fov_deg) / 2.0)
    m = np.zeros((4, 4))
    m[0, 0], m[1, 1] = f / aspect, f
    m[2, 2], m[2, 3] = (far + near) / (near - far), 2 * far * near / (near - far)
    m[3, 2] = -1.0
    return m

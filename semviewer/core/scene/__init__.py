"""The scene: semantic axes and poses, meshes, bundled objects, render settings, the render thread."""

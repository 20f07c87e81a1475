"""Qt-free, GL-free core: axes, meshes, classifiers, scores, maps, regions."""

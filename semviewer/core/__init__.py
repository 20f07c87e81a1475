"""Qt-free, GL-free core, by domain: scene, inference, maps, regions, session, files."""

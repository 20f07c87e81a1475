"""Controllers: user input becomes document calls, document events become widget updates."""

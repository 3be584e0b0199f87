"""The shipped detector weights and their model cards (installed as seisviz.weights)."""

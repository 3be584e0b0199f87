"""Errors meant for the user: one line, naming the file, row or column at fault."""


class SeisvizError(Exception):
    """An error whose message is shown to the user as it is (no traceback)."""


class CatalogError(SeisvizError):
    """A catalog file cannot be used."""


class ModelError(SeisvizError):
    """A weights file or model card cannot be used."""

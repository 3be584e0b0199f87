"""Errors meant for the user: one line, naming the file, row or column at fault."""


class SeisvizError(Exception):
    """An error whose message is shown to the user as it is (no traceback)."""


class CatalogError(SeisvizError):
    """A catalog file cannot be used."""


class ModelError(SeisvizError):
    """A weights file or model card cannot be used."""


class Cancelled(SeisvizError):
    """A long run stopped at the caller's request (its `should_stop` said so), between two
    batches or epochs; `done` and `total` say how far it got (maps, or epochs)."""

    def __init__(self, message: str, done: int = 0, total: int = 0):
        super().__init__(message)
        self.done, self.total = done, total

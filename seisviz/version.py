"""seisviz's version, in a module of its own.

Modules that record the version (run.json, the FDSN User-Agent) import it from here, not
from the package, whose __init__ imports nearly everything; pyproject.toml reads it here
too.
"""

__version__ = "0.2.0"

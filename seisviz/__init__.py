"""seisviz: find anomalous seismicity in earthquake catalogs with a ResNet detector.

The library never imports streamlit, and imports torch only where a model runs.
"""

__version__ = "0.1.0"

CANONICAL_COLUMNS = ["time", "latitude", "longitude", "depth", "magnitude"]
OPTIONAL_COLUMNS = ["magnitude_type", "event_id"]

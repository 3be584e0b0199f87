"""The bundled synthetic demo catalogs (installed as seisviz.demo_data)."""

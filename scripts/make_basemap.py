"""Build seisviz/plots/data/basemap_50m.json.gz from Natural Earth GeoJSON files.

Usage:
    python scripts/make_basemap.py NE_DIR [--out seisviz/plots/data/basemap_50m.json.gz]
                                   [--tolerance 0.01]

NE_DIR holds Natural Earth GeoJSON files (``.geojson`` or ``.json``; the names as Natural
Earth publishes them). Each layer is read from the first file found in its list (1:10m
first where given, so a world-wide 1:10m admin-1 file is used when it is there):

    coast      ne_50m_coastline
    borders    ne_50m_admin_0_boundary_lines_land
    admin1     ne_10m_admin_1_states_provinces_lines, ne_50m_admin_1_states_provinces_lines
    rivers     ne_50m_rivers_lake_centerlines_scale_rank, ne_50m_rivers_lake_centerlines
    lakes      ne_50m_lakes

Nothing is clipped (the basemap is world-wide). Every line (and every lake's outer ring)
is simplified with shapely (Douglas-Peucker, `--tolerance` degrees, default 0.01° ≈ 1 km,
about the detail of 1:50m), then rounded to 3 decimals and stored as integers of
1/1000 degree: per layer, one flat list of x, y, x, y ... per line. Rivers keep their
Natural Earth scalerank (0 = the largest) for line widths.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import shapely
from shapely.geometry import shape

LAYERS = {
    "coast": ["ne_50m_coastline"],
    "borders": ["ne_50m_admin_0_boundary_lines_land"],
    "admin1": ["ne_10m_admin_1_states_provinces_lines", "ne_50m_admin_1_states_provinces_lines"],
    "rivers": ["ne_50m_rivers_lake_centerlines_scale_rank", "ne_50m_rivers_lake_centerlines"],
    "lakes": ["ne_50m_lakes"],
}


def _find(folder: Path, names: list[str]) -> Path:
    for name in names:
        for ext in (".geojson", ".json"):
            if (folder / (name + ext)).is_file():
                return folder / (name + ext)
    raise SystemExit(f"none of {names} in {folder}")


def _lines(geom):
    """The coordinate sequences of a geometry: lines as they are, polygons' outer rings."""
    if geom.is_empty:
        return []
    kind = geom.geom_type
    if kind == "LineString":
        return [geom]
    if kind == "Polygon":
        return [geom.exterior]
    if kind.startswith("Multi") or kind == "GeometryCollection":
        return [part for g in geom.geoms for part in _lines(g)]
    return []


def _encode(line, tolerance: float) -> list[int] | None:
    simple = shapely.simplify(line, tolerance, preserve_topology=False)
    coords = shapely.get_coordinates(simple)
    if len(coords) < 2:
        return None
    flat = [int(round(v * 1000)) for v in coords.ravel()]
    # drop repeated vertices that rounding made
    out = flat[:2]
    for i in range(2, len(flat), 2):
        if flat[i] != out[-2] or flat[i + 1] != out[-1]:
            out += flat[i:i + 2]
    return out if len(out) >= 4 else None


def build(folder: Path, tolerance: float) -> dict:
    data = {"scale": 1000, "tolerance_deg": tolerance, "layers": {}, "files": {}}
    for layer, names in LAYERS.items():
        path = _find(folder, names)
        data["files"][layer] = path.name
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        lines, ranks = [], []
        for feat in features:
            props = feat.get("properties") or {}
            if layer == "rivers" and "centerline" in str(props.get("featurecla", "")).lower():
                continue  # lakes are drawn as areas
            if feat.get("geometry") is None:
                continue
            for part in _lines(shape(feat["geometry"])):
                enc = _encode(part, tolerance)
                if enc:
                    lines.append(enc)
                    ranks.append(int(props.get("scalerank", 0) or 0))
        data["layers"][layer] = lines
        if layer == "rivers":
            data["river_rank"] = ranks
        print(f"{layer}: {path.name}, {len(lines)} lines, "
              f"{sum(len(x) for x in lines) // 2} vertices")
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ne_dir", type=Path)
    ap.add_argument("--out", type=Path,
                    default=Path("seisviz/plots/data/basemap_50m.json.gz"))
    ap.add_argument("--tolerance", type=float, default=0.01)
    args = ap.parse_args()
    data = build(args.ne_dir, args.tolerance)
    text = json.dumps(data, separators=(",", ":"))
    with gzip.GzipFile(args.out, "wb", compresslevel=9, mtime=0) as f:
        f.write(text.encode("utf-8"))
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

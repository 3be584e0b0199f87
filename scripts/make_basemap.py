"""Build seisviz/plots/data/basemap_ne.json.gz from Natural Earth GeoJSON files.

Usage:
    python scripts/make_basemap.py NE_DIR [--admin1-polygons ADMIN1_DIR]
                                   [--out seisviz/plots/data/basemap_ne.json.gz]
                                   [--tolerance 0.01]

NE_DIR holds Natural Earth GeoJSON files (``.geojson`` or ``.json``; the names as Natural
Earth publishes them). Each layer is read from the first file found in its list (1:10m
first where given, so a world-wide 1:10m admin-1 file is used when it is there):

    coast      ne_50m_coastline
    borders    ne_50m_admin_0_boundary_lines_land
    admin1     ne_10m_admin_1_states_provinces_lines, ne_50m_admin_1_states_provinces_lines
    rivers     ne_50m_rivers_lake_centerlines_scale_rank, ne_50m_rivers_lake_centerlines
    lakes      ne_50m_lakes

With ``--admin1-polygons ADMIN1_DIR`` the admin1 layer is made instead from Natural Earth
1:10m first-level *polygons* split per country: ADMIN1_DIR holds one GeoJSON
FeatureCollection per country, named by its ISO 3166-1 alpha-3 code in lower case
(``chn.json``, ``jpn.json``, ...; any other file is ignored). The lines are the edges that
two provinces of the same country share: for each pair of touching provinces, the part of
one's boundary that lies on the other (within 1e-7°, since neighbours share their edges
but not always every vertex). Coasts and international borders are therefore not
repeated in admin1, and every shared edge is drawn once.

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
import re
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


SNAP_DEG = 1e-7  # neighbouring provinces' boundaries are taken as shared within this
MIN_SHARED_DEG = 1e-4  # shorter pieces (where three provinces meet) are left out


def _shared_edges(polygons: list) -> list:
    """The lines that two of `polygons` share, each once, in a fixed order."""
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    out = []
    for i, j in sorted((int(a), int(b)) for a, b in zip(left, right) if a < b):
        near = shapely.buffer(polygons[j], SNAP_DEG, quad_segs=1)
        pieces = [g for g in shapely.get_parts(shapely.intersection(polygons[i].boundary, near))
                  if g.geom_type == "LineString"]
        if not pieces:
            continue  # the two touch at points only
        merged = shapely.line_merge(shapely.MultiLineString(pieces))
        out += [g for g in shapely.get_parts(merged) if g.length >= MIN_SHARED_DEG]
    return out


def admin1_from_polygons(folder: Path, tolerance: float) -> tuple[list, int]:
    """admin1 lines (encoded) from per-country admin-1 polygon files; and the file count."""
    files = sorted(p for p in folder.iterdir() if re.fullmatch(r"[a-z]{3}\.json", p.name))
    if not files:
        raise SystemExit(f"no per-country files (xxx.json) in {folder}")
    lines = []
    for path in files:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        polygons = [shape(f["geometry"]) for f in features if f.get("geometry")]
        polygons = [p if p.is_valid else shapely.make_valid(p) for p in polygons]
        for line in _shared_edges(polygons):
            enc = _encode(line, tolerance)
            if enc:
                lines.append(enc)
    return lines, len(files)


def build(folder: Path, tolerance: float, admin1_polygons: Path | None = None) -> dict:
    data = {"scale": 1000, "tolerance_deg": tolerance, "layers": {}, "files": {}}
    for layer, names in LAYERS.items():
        if layer == "admin1" and admin1_polygons is not None:
            lines, n_files = admin1_from_polygons(admin1_polygons, tolerance)
            data["layers"][layer] = lines
            data["files"][layer] = (f"ne_10m_admin_1_states_provinces polygons, {n_files} "
                                    "country files, shared edges")
            print(f"{layer}: shared edges of {n_files} countries' provinces, "
                  f"{len(lines)} lines, {sum(len(x) for x in lines) // 2} vertices")
            continue
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
    ap.add_argument("--admin1-polygons", type=Path, default=None,
                    help="folder of per-country 1:10m admin-1 polygon files (xxx.json)")
    ap.add_argument("--out", type=Path,
                    default=Path("seisviz/plots/data/basemap_ne.json.gz"))
    ap.add_argument("--tolerance", type=float, default=0.01)
    args = ap.parse_args()
    data = build(args.ne_dir, args.tolerance, args.admin1_polygons)
    text = json.dumps(data, separators=(",", ":"))
    with gzip.GzipFile(args.out, "wb", compresslevel=9, mtime=0) as f:
        f.write(text.encode("utf-8"))
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

"""The bundled SYNTHETIC demo catalogs: a Changning-like and a Weiyuan-like region.

Both are made only from the building blocks of `seisviz.training.synthetic`: diffuse
background, background along given fault traces, persistently dense spots (busy all the time), a slow
rate drift, a catalog-completeness change (Changning-like only), migrating hydraulic-
fracturing sequences (injection fronts and swarms at successive nearby places, months
apart), and M5-6 mainshocks with Omori-Utsu aftershocks on the published dates of the real
large events. Nothing here is real data.

`make_demo(name, seed=None)` returns `(catalog, periods)`:

- `catalog`: canonical columns `time` (UTC, ms), `latitude`, `longitude` (4 decimals),
  `depth` (km, 2 decimals), `magnitude` (0.1), `magnitude_type` ("ML"), `event_id`; no
  `episode` column (that would give the truth away).
- `periods`: one row per anomaly episode that the project's label rule
  (`synthetic.window_labels`, 30-day windows every day, 180-day background, 64x64 grid
  over the demo region) marks anomalous in at least one window. Episodes it never marks
  are left out (`build_demo(...).dropped` says which). Columns (the layout
  `seisviz.tables.LABELLED_PERIODS`): `period_id` (1..n by start), `kind`, `start`, `end`
  (first event to 90% of the episode's events), `center_lon`, `center_lat`, `radius_km`,
  `n_events`.

The same seed gives the same catalog, byte for byte once written (`write_demo`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seisviz.errors import SeisvizError
from seisviz.timeutil import DAY_NS
from seisviz.maps import KM_PER_DEGREE, make_grid, rasterize
from seisviz.training.synthetic import (aftershock_sequence, apply_drift, completeness_change,
                                        diffuse_background, episode_table,
                                        fault_trace_background, finish_catalog,
                                        injection_front, persistent_spot, swarm, window_labels)
from seisviz.settings import BACKGROUND_DAYS, GRID_PIXELS, STEP_DAYS, WINDOW_DAYS
from seisviz.tables import LABELLED_PERIODS
from seisviz.timeutil import iso_utc_ms, utc

# The label rule's settings for the demo periods.
N_PIXELS = GRID_PIXELS
MAX_BACKGROUND_MAGNITUDE = 4.5

CATALOG_COLUMNS = ["time", "latitude", "longitude", "depth", "magnitude", "magnitude_type",
                   "event_id"]


@dataclass
class Episode:
    """One anomaly to put in: `kind` is swarm / injection / aftershock; `params` go to the
    building block (`swarm`, `injection_front`, `aftershock_sequence`)."""

    kind: str
    center: tuple  # (lon, lat)
    onset: str     # UTC
    params: dict
    note: str = ""


@dataclass
class DemoSpec:
    name: str
    title: str
    id_prefix: str
    start: str       # first day (UTC)
    end: str         # last day (UTC), inclusive
    bbox: tuple      # (min_lon, max_lon, min_lat, max_lat)
    seed: int
    diffuse_rate: float         # events/day over the whole region
    faults: list                # (start (lon, lat), end (lon, lat), events/day, width km)
    spots: list                 # (center (lon, lat), events/day, radius km, note)
    drift_end_factor: float     # rate at the end relative to the start
    completeness: tuple = None  # (day, extra fraction) or None
    episodes: list = field(default_factory=list)
    real_events: list = field(default_factory=list)  # (date, magnitude, place) mimicked
    anomalies: str = ""         # the anomalies in words, for the README


def _pads(kind, first, azimuth_deg, step_km, onsets, note, **params):
    """A well-pad sequence: the same kind of episode at places `step_km` apart along
    `azimuth_deg` (clockwise from north), one per onset."""
    az = np.radians(azimuth_deg)
    out = []
    for i, onset in enumerate(onsets):
        dx, dy = i * step_km * np.sin(az), i * step_km * np.cos(az)
        lon = first[0] + dx / (KM_PER_DEGREE * np.cos(np.radians(first[1])))
        lat = first[1] + dy / KM_PER_DEGREE
        out.append(Episode(kind, (round(lon, 4), round(lat, 4)), onset, dict(params),
                           f"{note}, stage {i + 1} of {len(onsets)}"))
    return out


CHANGNING = DemoSpec(
    name="changning",
    title="Changning-like (synthetic demo)",
    id_prefix="cn-demo-",
    start="2016-01-01",
    end="2019-12-31",
    bbox=(104.6, 105.3, 28.0, 28.6),
    seed=20190617,
    diffuse_rate=5.0,
    faults=[
        ((104.64, 28.47), (105.02, 28.27), 4.0, 1.0),   # WNW-ESE, along the anticline
        ((104.70, 28.30), (105.02, 28.05), 3.0, 1.0),   # NW-SE, south-west
        ((105.05, 28.48), (105.28, 28.30), 2.0, 0.8),   # NW-SE, east
    ],
    spots=[
        ((104.98, 28.43), 4.0, 1.2, "long-running brine injection (salt mine)"),
        ((105.17, 28.12), 1.5, 1.0, "long-running wastewater disposal well"),
    ],
    drift_end_factor=1.6,
    completeness=("2017-09-01", 1.2),
    episodes=[
        *_pads("injection", (104.70, 28.11), 65, 1.6,
               ["2016-09-05", "2016-12-10", "2017-03-15", "2017-06-20"],
               "well-pad sequence A (moving ENE)",
               duration_days=25.0, rate_per_day=12.0, diffusivity_m2s=0.08),
        Episode("swarm", (105.020, 28.445), "2017-11-08",
                dict(duration_days=10.0, n_events=140, radius_km=0.6),
                "swarm 4 km east of the brine-injection spot"),
        *_pads("injection", (105.10, 28.16), 300, 1.8,
               ["2018-03-10", "2018-05-25", "2018-08-12"],
               "well-pad sequence B (moving WNW)",
               duration_days=20.0, rate_per_day=10.0, diffusivity_m2s=0.1),
        Episode("aftershock", (104.95, 28.23), "2018-12-16T04:46:00",
                dict(m_main=5.7, productivity=0.1), "Xingwen-like M5.7 (2018-12-16)"),
        Episode("aftershock", (104.83, 28.18), "2019-01-03T00:48:00",
                dict(m_main=5.3, productivity=0.1), "Gongxian-like M5.3 (2019-01-03)"),
        Episode("aftershock", (104.90, 28.34), "2019-06-17T14:55:00",
                dict(m_main=6.0, productivity=0.1), "Changning-like M6.0 (2019-06-17)"),
        *_pads("swarm", (104.66, 28.22), 180, 1.5,
               ["2019-08-05", "2019-09-28", "2019-11-20"],
               "well-pad sequence C (moving S)",
               duration_days=12.0, n_events=120, radius_km=0.7),
        Episode("injection", (105.135, 28.145), "2019-04-02",
                dict(duration_days=20.0, rate_per_day=8.0, diffusivity_m2s=0.1),
                "injection 4 km north-west of the disposal-well spot"),
        Episode("swarm", (104.985, 28.425), "2018-10-01",
                dict(duration_days=20.0, n_events=30, radius_km=1.0),
                "weak swarm on the brine-injection spot (not a sudden local increase there)"),
    ],
    real_events=[
        ("2018-12-16", 5.7, "Xingwen"),
        ("2019-01-03", 5.3, "Gongxian"),
        ("2019-06-17", 6.0, "Changning"),
    ],
    anomalies=("well-pad sequence A (4 injection fronts moving ENE 1.6 km a stage, 2016-09 to "
               "2017-06), sequence B (3 injection fronts moving WNW, 2018-03 to 2018-08) and "
               "sequence C (3 swarms moving S, 2019-08 to 2019-11); a swarm 4 km from the "
               "brine-injection spot (2017-11) and an injection front 4 km from the disposal "
               "well (2019-04); the Xingwen-, Gongxian- and Changning-like mainshocks with "
               "aftershocks; and a weak swarm *on* the brine-injection spot (2018-10) that does "
               "not double that busy place's rate, so the label rule does not list it"),
)

WEIYUAN = DemoSpec(
    name="weiyuan",
    title="Weiyuan-like (synthetic demo)",
    id_prefix="wy-demo-",
    start="2018-09-01",
    end="2020-08-31",
    bbox=(104.5, 105.1, 29.3, 29.9),
    seed=20190908,
    diffuse_rate=7.0,
    faults=[
        ((104.55, 29.84), (104.88, 29.64), 5.0, 1.0),   # NW-SE, north
        ((104.86, 29.42), (105.07, 29.62), 4.0, 1.0),   # NE-SW, east
    ],
    spots=[
        ((104.62, 29.68), 6.0, 1.5, "long-running wastewater injection (old gas field)"),
    ],
    drift_end_factor=0.7,
    completeness=None,
    episodes=[
        *_pads("injection", (104.66, 29.40), 45, 1.7,
               ["2019-03-01", "2019-05-05", "2019-07-10"],
               "well-pad sequence A (moving NE)",
               duration_days=25.0, rate_per_day=14.0, diffusivity_m2s=0.1),
        Episode("swarm", (104.655, 29.655), "2019-05-20",
                dict(duration_days=8.0, n_events=130, radius_km=0.6),
                "swarm 4 km south-east of the injection spot"),
        Episode("aftershock", (104.80, 29.58), "2019-09-08T06:42:00",
                dict(m_main=5.4, productivity=0.1), "Weiyuan-like M5.4 (2019-09-08)"),
        Episode("aftershock", (104.73, 29.50), "2019-12-18T00:14:00",
                dict(m_main=5.2, productivity=0.1), "Weiyuan-like M5.2 (2019-12-18)"),
        *_pads("swarm", (104.95, 29.46), 270, 1.6,
               ["2020-02-10", "2020-04-01", "2020-05-25", "2020-07-15"],
               "well-pad sequence B (moving W)",
               duration_days=10.0, n_events=110, radius_km=0.6),
    ],
    real_events=[
        ("2019-09-08", 5.4, "Weiyuan"),
        ("2019-12-18", 5.2, "Weiyuan"),
    ],
    anomalies=("well-pad sequence A (3 injection fronts moving NE 1.7 km a stage, 2019-03 to "
               "2019-07) and sequence B (4 swarms moving W, 2020-02 to 2020-07); a swarm 4 km "
               "from the wastewater-injection spot (2019-05); the two Weiyuan-like mainshocks "
               "with aftershocks"),
)

DEMOS = {spec.name: spec for spec in (CHANGNING, WEIYUAN)}


@dataclass
class DemoBuild:
    """A generated demo with its truth."""

    spec: DemoSpec
    seed: int
    catalog: pd.DataFrame   # canonical columns + `episode` (the truth: never write it)
    episodes: pd.DataFrame  # every episode put in, with `labelled_windows` and `note`
    periods: pd.DataFrame   # the labelled episodes (seisviz.tables.LABELLED_PERIODS)
    grid: object

    @property
    def dropped(self):
        """Episodes the label rule never marks anomalous (left out of `periods`)."""
        return self.episodes[self.episodes["labelled_windows"] == 0]


def demo_spec(name: str) -> DemoSpec:
    """The layout of demo `name`; SeisvizError for an unknown name."""
    try:
        return DEMOS[name]
    except KeyError:
        raise SeisvizError(f"unknown demo {name!r}: choose from "
                           f"{', '.join(sorted(DEMOS))}") from None


def _days(s, epoch):
    return (utc(s) - epoch).value / DAY_NS


def _episode_events(rng, episode, onset, ep):
    if episode.kind == "swarm":
        return swarm(rng, episode.center, onset, episode=ep, **episode.params)
    if episode.kind == "injection":
        return injection_front(rng, episode.center, onset, episode=ep, **episode.params)
    if episode.kind == "aftershock":
        return aftershock_sequence(rng, episode.center, onset, episode=ep, **episode.params)
    raise ValueError(f"unknown anomaly kind {episode.kind!r}")


def build_demo(name: str, seed: int | None = None) -> DemoBuild:
    """Generate demo `name` with `seed` (default: the demo's own); see the module doc."""
    spec = demo_spec(name)
    seed = spec.seed if seed is None else int(seed)
    rng = np.random.default_rng(seed)
    epoch = utc(spec.start)
    stop = utc(spec.end) + pd.Timedelta(days=1)
    span = _days(stop, epoch)

    parts = [diffuse_background(rng, spec.bbox, 0.0, span, spec.diffuse_rate)]
    for a, b, rate, width in spec.faults:
        parts.append(fault_trace_background(rng, a, b, 0.0, span, rate, width_km=width))
    for center, rate, radius, _ in spec.spots:
        parts.append(persistent_spot(rng, center, 0.0, span, rate, radius_km=radius))
    background = apply_drift(rng, pd.concat(parts, ignore_index=True), 0.0, span,
                             spec.drift_end_factor)
    parts = [background]
    if spec.completeness is not None:
        day, extra = spec.completeness
        parts.append(completeness_change(rng, background, _days(day, epoch), span, extra))
    kinds = {}
    for ep, episode in enumerate(spec.episodes):
        kinds[ep] = episode.kind
        parts.append(_episode_events(rng, episode, _days(episode.onset, epoch), ep))

    catalog = finish_catalog(parts, epoch)
    # Gutenberg-Richter draws reach M7.5: keep the background below the mainshocks, so
    # that no M5+ event comes without aftershocks.
    background = catalog["episode"].to_numpy() < 0
    catalog.loc[background, "magnitude"] = catalog.loc[background, "magnitude"].clip(
        upper=MAX_BACKGROUND_MAGNITUDE)
    # What a catalog of the region and period holds, at the precision it is written with.
    catalog["time"] = catalog["time"].dt.round("ms")
    catalog["latitude"] = catalog["latitude"].round(4)
    catalog["longitude"] = catalog["longitude"].round(4)
    min_lon, max_lon, min_lat, max_lat = spec.bbox
    keep = ((catalog["time"] < stop) & catalog["longitude"].between(min_lon, max_lon)
            & catalog["latitude"].between(min_lat, max_lat))
    catalog = catalog[keep.to_numpy()].reset_index(drop=True)
    catalog["magnitude_type"] = "ML"
    catalog["event_id"] = [f"{spec.id_prefix}{i:06d}" for i in range(1, len(catalog) + 1)]

    grid = make_grid(spec.bbox, N_PIXELS)
    dmaps = rasterize(catalog, grid, WINDOW_DAYS, STEP_DAYS, BACKGROUND_DAYS,
                      start=epoch, end=stop)
    episodes = episode_table(catalog, kinds, epoch)
    n_labelled = []
    for ep in episodes["episode"]:
        labels, _ = window_labels(catalog[catalog["episode"] == ep], dmaps)
        n_labelled.append(int(labels.sum()))
    episodes["labelled_windows"] = n_labelled
    episodes["note"] = [spec.episodes[ep].note for ep in episodes["episode"]]

    periods = episodes[episodes["labelled_windows"] > 0].sort_values(
        ["start", "episode"], kind="stable").reset_index(drop=True)
    periods.insert(0, "period_id", np.arange(1, len(periods) + 1))
    periods = LABELLED_PERIODS.select(periods)
    return DemoBuild(spec=spec, seed=seed, catalog=catalog, episodes=episodes,
                     periods=periods, grid=grid)


def make_demo(name: str, seed: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(catalog, periods) of demo `name` ("changning" or "weiyuan"); see the module doc."""
    build = build_demo(name, seed)
    return build.catalog[CATALOG_COLUMNS].copy(), build.periods.copy()


# ---------------------------------------------------------------- writing

def catalog_csv_text(catalog: pd.DataFrame) -> str:
    """The demo catalog's CSV text, times in ISO-8601 UTC to the millisecond."""
    out = catalog[CATALOG_COLUMNS].copy()
    out["time"] = iso_utc_ms(out["time"])
    return out.to_csv(index=False, lineterminator="\n", float_format=None)


def periods_csv_text(periods: pd.DataFrame) -> str:
    """The demo periods' CSV text, start and end in ISO-8601 UTC to the millisecond."""
    out = LABELLED_PERIODS.select(periods).copy()
    for col in LABELLED_PERIODS.time_columns:
        out[col] = iso_utc_ms(out[col])
    return out.to_csv(index=False, lineterminator="\n")


def demo_paths(name: str, out_dir: str) -> tuple[str, str]:
    """(catalog path, periods path) of demo `name` in `out_dir`."""
    return (os.path.join(out_dir, f"{name}_demo.csv"),
            os.path.join(out_dir, f"{name}_demo_periods.csv"))


def write_demo(name: str, out_dir: str, seed: int | None = None) -> DemoBuild:
    """Write `<name>_demo.csv` and `<name>_demo_periods.csv` into `out_dir`; the build."""
    build = build_demo(name, seed)
    catalog_path, periods_path = demo_paths(name, out_dir)
    for path, text in ((catalog_path, catalog_csv_text(build.catalog)),
                       (periods_path, periods_csv_text(build.periods))):
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    return build


def readme_text(out_dir: str) -> str:
    """The data folder's README: what the demos are, and counts of the files found there."""
    lines = [
        "# Bundled demo catalogs — SYNTHETIC",
        "",
        "**These catalogs are synthetic.** They are generated by `seisviz/training/demo.py`",
        "from the building blocks in `seisviz/training/synthetic.py`; they *mimic* the setting",
        "of two Sichuan shale-gas regions but contain no real earthquakes. Do not use them for",
        "science.",
        "",
    ]
    for spec in DEMOS.values():
        lines += [f"## {spec.title}", ""]
        min_lon, max_lon, min_lat, max_lat = spec.bbox
        lines.append(f"- Region {min_lat}–{max_lat}°N, {min_lon}–{max_lon}°E; {spec.start} to "
                     f"{spec.end} (UTC); default seed {spec.seed}.")
        spots = "; ".join(s[3] for s in spec.spots)
        lines.append(f"- Not anomalous: diffuse background, {len(spec.faults)} faults, "
                     f"{len(spec.spots)} persistently dense "
                     f"{'spots' if len(spec.spots) > 1 else 'spot'} ({spots}), a slow rate "
                     f"drift (x{spec.drift_end_factor:g} from start to end)"
                     + (f", a catalog-completeness change on {spec.completeness[0]} (many "
                        "more M0.0-0.4 events everywhere from then on)"
                        if spec.completeness else "") + ".")
        kinds = pd.Series([e.kind for e in spec.episodes]).value_counts()
        lines.append(f"- Anomalies put in: {len(spec.episodes)} episodes ("
                     + ", ".join(f"{n} {k}" for k, n in kinds.items()) + "): "
                     + spec.anomalies + ".")
        lines.append("- Mainshocks on the published (Beijing-time) dates of the real events: "
                     + "; ".join(f"{d} {place} M{m:.1f}" for d, m, place in spec.real_events)
                     + ". Places, times of day and aftershocks are synthetic; the times of day "
                     "are chosen so that the UTC date is the published date.")
        catalog_path, periods_path = demo_paths(spec.name, out_dir)
        if os.path.exists(catalog_path) and os.path.exists(periods_path):
            n_events = sum(1 for _ in open(catalog_path, encoding="utf-8")) - 1
            periods = pd.read_csv(periods_path)
            by_kind = periods["kind"].value_counts()
            lines.append(f"- Files: `{os.path.basename(catalog_path)}` ({n_events:,} events), "
                         f"`{os.path.basename(periods_path)}` ({len(periods)} anomalous "
                         "periods: " + ", ".join(f"{n} {k}" for k, n in by_kind.items())
                         + f"; not listed: {len(spec.episodes) - len(periods)} of the "
                         f"{len(spec.episodes)} episodes, which the label rule never marks).")
        lines.append("")
    lines += [
        "## Columns",
        "",
        "- `<name>_demo.csv`: `time` (ISO-8601 UTC, ms), `latitude`, `longitude`, `depth` (km),",
        "  `magnitude`, `magnitude_type` (ML), `event_id`. Which event belongs to which",
        "  anomaly is *not* in the catalog.",
        "- `<name>_demo_periods.csv`: the true anomalous periods (also the default \"manual",
        "  picks\"): `period_id`, `kind` (swarm / injection / aftershock), `start`, `end`",
        "  (first event to 90% of the episode's events), `center_lon`, `center_lat`,",
        "  `radius_km` (90% of the events within it), `n_events`. An episode is listed only",
        "  if the label rule (`seisviz.training.synthetic.window_labels`;",
        f"  {WINDOW_DAYS:g}-day windows every {STEP_DAYS:g} day,"
        f" {BACKGROUND_DAYS:g}-day background, {N_PIXELS}x{N_PIXELS} grid over the region) "
        "marks it anomalous",
        "  in at least one window.",
        "",
        "## Regenerate",
        "",
        "```",
        "python -m seisviz make-demo --name all --out data",
        "```",
        "",
        "The default seeds reproduce these files exactly; `--seed N` draws another",
        "realisation of the same layout. See `docs/demo-data.md`.",
        "",
    ]
    return "\n".join(lines)


def write_readme(out_dir: str) -> str:
    """Write `readme_text(out_dir)` to `out_dir`/README.md; returns its path."""
    path = os.path.join(out_dir, "README.md")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(readme_text(out_dir))
    return path

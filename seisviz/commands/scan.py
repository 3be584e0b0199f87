"""`python -m seisviz scan`: one pass from a catalog file to windows, periods and run.json."""

import json
import os
import sys

from seisviz import __version__
from seisviz.detect import MIN_PERIOD_DAYS
from seisviz.errors import SeisvizError
from seisviz.models import ARCHITECTURES


def add_arguments(p):
    p.add_argument("catalog", help="catalog file (CSV, ZMAP, hypoDD .reloc, QuakeML, CENC)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--format", default="auto",
                   choices=["auto", "csv", "zmap", "reloc", "quakeml", "cenc"])
    p.add_argument("--bbox", nargs=4, type=float, metavar=("MINLON", "MAXLON", "MINLAT", "MAXLAT"))
    p.add_argument("--grid", type=int, help="pixels per side (default: the model card's)")
    p.add_argument("--window", type=float, help="window length in days (default: the card's)")
    p.add_argument("--step", type=float, default=1.0, help="window step in days")
    p.add_argument("--model", default="resnet18",
                   help=f"{'|'.join(ARCHITECTURES)} or a path to a .pt/.json")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--threshold", type=float, help="probability threshold (default: the card's)")
    p.add_argument("--min-magnitude", type=float, help="drop events below this magnitude")
    p.add_argument("--max-gap", type=float, default=0.0,
                   help="days of unflagged windows that may lie inside one period (default 0: "
                   "only back-to-back flagged windows join)")
    p.add_argument("--min-period", type=float, default=MIN_PERIOD_DAYS,
                   help="days: runs of flagged windows shorter than this are dropped as "
                   f"flicker (default {MIN_PERIOD_DAYS:g})")
    p.add_argument("--batch-size", type=int)


def run(args):
    from seisviz.catalog import load_catalog
    from seisviz.models import pick_device
    from seisviz.scan import iso_utc, scan_catalog

    pick_device(args.device)  # an absent GPU fails before a large catalog is read
    if args.batch_size is not None and args.batch_size < 0:
        raise SeisvizError(f"--batch-size {args.batch_size}: must be positive (0: automatic)")
    if os.path.exists(args.out) and not os.path.isdir(args.out):  # before the scan, not after
        raise SeisvizError(f"--out {args.out}: is a file, not a folder")
    catalog, report = load_catalog(args.catalog, format=args.format)
    print(report.summary(), file=sys.stderr)
    bar = _progress_bar()
    result = scan_catalog(catalog, model=args.model, progress=bar, bbox=args.bbox,
                          grid=args.grid, window_days=args.window, step_days=args.step,
                          threshold=args.threshold, min_magnitude=args.min_magnitude,
                          max_gap_days=args.max_gap, min_period_days=args.min_period,
                          device=args.device, batch_size=args.batch_size)
    if bar:
        bar(None, None)
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as exc:
        raise SeisvizError(f"--out {args.out}: cannot create the folder "
                           f"({exc.strerror or exc})") from None
    windows = result.windows.copy()
    for col in ("window_start", "window_end"):
        windows[col] = iso_utc(windows[col])
    windows.to_csv(os.path.join(args.out, "windows.csv"), index=False)
    periods = result.periods.copy()
    for col in ("start", "end"):
        periods[col] = iso_utc(periods[col])
    periods.to_csv(os.path.join(args.out, "periods.csv"), index=False)
    extra = write_subregion_outputs(catalog, result, args.out)
    run_info = run_record(result, source=os.path.abspath(args.catalog), load_report=report,
                          outputs=["windows.csv", "periods.csv", *extra])
    with open(os.path.join(args.out, "run.json"), "w") as f:
        json.dump(run_info, f, indent=2, default=str)
    info = result.device_info
    print(f"{len(result.windows):,} windows scanned on {info['device']} "
          f"(batch {info['batch_size']}, {info['maps_per_second']:,.0f} maps/s); "
          f"{int(result.windows['flagged'].sum()):,} flagged in {len(result.periods)} periods; "
          f"wrote {args.out}")
    return 0


def write_subregion_outputs(catalog, result, out):
    """subregions.geojson and condensed_catalog.csv, when seisviz.subregions exists."""
    try:
        from seisviz.export import write_scan_subregions
    except ImportError:
        return []
    return write_scan_subregions(catalog, result, out)


def run_record(result, source=None, load_report=None, outputs=()):
    """Everything needed to reproduce a scan."""
    card = result.card
    return {
        "seisviz_version": __version__,
        "command": " ".join(sys.argv) if sys.argv else None,
        "catalog": source,
        "load_report": load_report.summary() if load_report is not None else None,
        "settings": result.settings,
        "model": {"architecture": card["architecture"], "sha256": card["sha256"],
                  "weights_file": card.get("weights_file"),
                  "final_validation_loss": card.get("final_validation_loss")},
        "device": result.device_info,
        "timings_s": result.timings,
        "rasterization": result.dmaps.report(),
        "n_windows": len(result.windows),
        "n_flagged_windows": int(result.windows["flagged"].sum()),
        "n_periods": len(result.periods),
        "outputs": list(outputs),
    }


def _progress_bar():
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=0, desc="detect", unit="map")

    def update(done, total):
        if done is None:
            bar.close()
            return
        bar.total = total
        bar.n = done
        bar.refresh()

    return update

"""How well `seisviz.stats.episode_kind` tells aftershocks, injection and swarms apart, and
how close Omori p and the diffusivity D come, on held-out synthetic episodes.

Episodes come one at a time from `seisviz.training.synthetic.random_episode` (the
generator the detectors train on; the truth is the kind it drew, and for injection its D,
for aftershocks its p = 1.1) with seeds from `seisviz.training.evaluate.HELDOUT_SEED`
+ --offset, which training never used; style "any" (sizes from ~10 events up; "small",
"diffuse" with --style). Episodes under the kind's minimum (5 events) are counted as
undetermined and left out of the accuracy.

Exit status 1 when a kind's accuracy is below --target (0.85).

    python benchmarks/bench_episode_kind.py --n 200
"""

import argparse
import sys

import numpy as np
import pandas as pd

from seisviz.stats import characterise_episode
from seisviz.training import synthetic
from seisviz.training.evaluate import HELDOUT_SEED

KINDS = {"aftershock": "aftershocks", "injection": "injection", "swarm": "swarm"}


def draw(rng, kind, style):
    """One episode of `kind` and its true diffusivity (injection) in m^2/s, else None."""
    truth = {}
    original = synthetic.injection_front

    def spy(*args, **kwargs):
        truth["D"] = args[5] if len(args) > 5 else kwargs["diffusivity_m2s"]
        return original(*args, **kwargs)

    synthetic.injection_front = spy
    try:
        events = synthetic.random_episode(rng, kind, (105.0, 29.0), 10.0, 1,
                                          small=style == "small", diffuse=style == "diffuse")
    finally:
        synthetic.injection_front = original
    return synthetic.finish_catalog([events], synthetic.EPOCH), truth.get("D")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="episodes per kind (default 200)")
    ap.add_argument("--offset", type=int, default=0, help="seed offset (default 0)")
    ap.add_argument("--style", default="any", choices=["any", "small", "diffuse"])
    ap.add_argument("--target", type=float, default=0.85)
    args = ap.parse_args(argv)
    rows = []
    for k, kind in enumerate(KINDS):
        for i in range(args.n):
            rng = np.random.default_rng([HELDOUT_SEED + args.offset, k, i])
            events, d_true = draw(rng, kind, args.style)
            stats = characterise_episode(events)
            rows.append({"truth": KINDS[kind], "n": len(events), "d_true": d_true, **stats})
    table = pd.DataFrame(rows)
    return report(table, args.target)


def report(table, target):
    ok = True
    print(f"{'kind':<12} {'episodes':>8} {'undetermined':>12} {'accuracy':>8}  confused as")
    for kind, part in table.groupby("truth", sort=False):
        known = part[part["kind"].notna()]
        acc = float((known["kind"] == kind).mean()) if len(known) else float("nan")
        wrong = known.loc[known["kind"] != kind, "kind"].value_counts().to_dict()
        print(f"{kind:<12} {len(part):>8} {len(part) - len(known):>12} {acc:>8.3f}  {wrong}")
        ok &= bool(acc >= target)
    p = table.loc[table["truth"] == "aftershocks", "omori_p"].dropna()
    if len(p):
        err = p - 1.1
        print(f"Omori p (true 1.1): {len(p)} fits, median {p.median():.3f}, "
              f"median |error| {err.abs().median():.3f}, within 0.15: {(err.abs() <= 0.15).mean():.3f}")
    inj = table[(table["truth"] == "injection") & table["diffusivity_m2s"].notna()]
    if len(inj):
        rel = inj["diffusivity_m2s"] / inj["d_true"] - 1
        print(f"diffusivity D: {len(inj)} fits, median relative error {rel.median():+.3f}, "
              f"median |relative error| {rel.abs().median():.3f}, within 30 %: "
              f"{(rel.abs() <= 0.3).mean():.3f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

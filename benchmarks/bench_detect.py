"""Detection speed: maps/s per network and batch size, and a 3-year scan end to end.

Everything is timed in this run, on this machine. The networks have random, untrained
weights of the right shape (2 input channels, 64x64 maps, one logit): throughput depends
on the shapes only, not on what the weights learnt, so the benchmark needs no trained model.

1. maps/s of resnet18/34/101 through `seisviz.detect.window_probabilities` (what a scan
   runs: torch normalisation, inference mode, channels-last, batches; on a GPU also fp16
   autocast), for each batch size in --batches, on --maps random maps.
2. The naive way, for resnet18 on the CPU: one map at a time (batch size 1) with autograd
   on (no inference mode, no torch.no_grad), on --naive-maps maps. Printed as a ratio.
3. A scan of a random 3-year catalog with 30-day windows every day (about 1,066 windows)
   with `seisviz.detect.scan_catalog` and a resnet18 saved like a trained one (weights file +
   card): load + rasterize + detect + periods, end to end. Target: under --max-scan-seconds
   (15 s) on the CPU.
4. With CUDA: maps/s in fp16 + channels-last (window_probabilities) and of the network
   alone on maps already on the GPU, batch --gpu-batch. Target for resnet18: more than
   --min-gpu-maps-per-s (20,000) maps/s, end to end, on an H100.
5. The CPU runtimes: torch against ONNX Runtime (seisviz.detect.runtime) through the same
   `window_probabilities`, for resnet18/34/101 and the ensemble of the three, interleaved
   (torch, onnx, torch, onnx, ...: --runtime-rounds each) on --runtime-maps maps, batch
   128; prints the medians, their ratio, the max |probability difference| and the export
   time. No target. --skip-runtime leaves it out, --runtime-only runs only it.

Exit status 1 when a target is missed.

    .venv/bin/python benchmarks/bench_detect.py            # about 2 minutes on 2 CPU cores
    .venv/bin/python benchmarks/bench_detect.py --runtime-only   # part 5 alone
"""

import argparse
import os
import platform
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from seisviz.detect.models import (ARCHITECTURES, build_model, input_statistics, prepare_input, save_model)


def random_maps(n, grid=64, seed=0):
    """Poisson 'count' and smooth 'background' channels, like rasterized maps."""
    rng = np.random.default_rng(seed)
    count = rng.poisson(0.3, (n, 1, grid, grid)).astype(np.float32)
    background = rng.gamma(0.5, 0.6, (n, 1, grid, grid)).astype(np.float32)
    return np.concatenate([count, background], axis=1)


# the same random catalog as the rasterizer benchmark
from bench_raster import random_catalog  # noqa: E402


def card_for(arch, maps):
    """What window_probabilities needs from a model card."""
    from seisviz.detect import ModelCard

    return ModelCard(architecture=arch, in_channels=2, normalization=input_statistics(maps),
                     extra={"note": "random untrained weights (benchmark)"})


def random_net(arch, torch, seed=0):
    torch.manual_seed(seed)
    return build_model(arch, 2).eval()


def maps_per_second(net, maps, card, device, batch_size):
    from seisviz.detect import window_probabilities

    window_probabilities(maps[:batch_size], net, card, device, batch_size)  # warm-up
    _, info = window_probabilities(maps, net, card, device, batch_size)
    return info["maps_per_second"]


def naive_maps_per_second(net, maps, card, torch):
    """One map at a time, autograd on: how a first try would look."""
    x = torch.from_numpy(prepare_input(maps, card.normalization))
    net = net.to("cpu").float()
    torch.sigmoid(net(x[:1]))  # warm-up
    t0 = time.perf_counter()
    out = [torch.sigmoid(net(x[i:i + 1])).detach() for i in range(len(x))]
    seconds = time.perf_counter() - t0
    assert len(out) == len(x)
    return len(x) / seconds


def gpu_model_only(net, maps, card, torch, batch_size, repeat=3):
    """The network alone (fp16 autocast, channels-last) on maps already on the GPU."""
    x = torch.from_numpy(prepare_input(maps, card.normalization)).cuda()
    x = x.contiguous(memory_format=torch.channels_last)
    net = net.cuda().to(memory_format=torch.channels_last).eval()
    best = float("inf")
    with torch.inference_mode(), torch.autocast("cuda", dtype=torch.float16):
        net(x[:batch_size])
        for _ in range(repeat):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            for lo in range(0, len(x), batch_size):
                net(x[lo:lo + batch_size])
            torch.cuda.synchronize()
            best = min(best, time.perf_counter() - t0)
    return len(x) / best


def runtime_comparison(archs, maps, rounds, torch):
    """Part 5: torch against ONNX Runtime, interleaved, through window_probabilities."""
    import statistics

    from seisviz.detect import ModelCard, window_probabilities
    from seisviz.detect.ensemble import mean_probability_net
    from seisviz.detect.runtime import onnx_module

    models = [(a, random_net(a, torch), card_for(a, maps)) for a in archs]
    if len(models) > 1:
        ens = mean_probability_net([m[1] for m in models], [m[2] for m in models]).eval()
        card = ModelCard(architecture="ensemble", in_channels=2,
                         normalization={"transform": "log1p", "mean": [0.0, 0.0],
                                        "std": [1.0, 1.0]})
        models.append(("ensemble of " + "+".join(archs), ens, card))
    print(f"\n-- CPU runtimes, {len(maps)} maps, batch 128, {rounds} rounds interleaved "
          f"(torch, onnx, ...), torch {torch.get_num_threads()} threads = ONNX Runtime "
          "intra-op threads")
    print(f"{'model':>32} {'torch':>9} {'onnx':>9} {'onnx/torch':>10} {'max|dp|':>9} "
          f"{'export':>7}   (maps/s: medians)")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SEISVIZ_CACHE_DIR"] = cache  # a fresh export, timed
        for name, net, card in models:
            onet, info = onnx_module(net, card)
            runs = {"torch": [], "onnx": []}
            probs = {}
            for m in (net, onet):  # warm-up: one small batch each
                window_probabilities(maps[:16], m, card, "cpu", 128)
            for _ in range(rounds):
                for key, m in (("torch", net), ("onnx", onet)):
                    probs[key], out = window_probabilities(maps, m, card, "cpu", 128)
                    runs[key].append(out["maps_per_second"])
            t, o = statistics.median(runs["torch"]), statistics.median(runs["onnx"])
            diff = float(np.abs(probs["torch"] - probs["onnx"]).max())
            print(f"{name:>32} {t:9.1f} {o:9.1f} {o / t:9.2f}x {diff:9.1e} "
                  f"{info['onnx_prepare_s']:6.1f}s   torch {[round(v, 1) for v in runs['torch']]}"
                  f" onnx {[round(v, 1) for v in runs['onnx']]}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--archs", default=",".join(ARCHITECTURES))
    p.add_argument("--batches", default="32,128", help="CPU batch sizes")
    p.add_argument("--maps", type=int, default=256, help="maps per CPU measurement")
    p.add_argument("--naive-maps", type=int, default=64)
    p.add_argument("--events", type=int, default=200_000, help="events of the 3-year catalog")
    p.add_argument("--years", type=float, default=3.0)
    p.add_argument("--gpu-maps", type=int, default=16_384)
    p.add_argument("--gpu-batch", type=int, default=1024)
    p.add_argument("--max-scan-seconds", type=float, default=15.0)
    p.add_argument("--min-gpu-maps-per-s", type=float, default=20_000.0)
    p.add_argument("--runtime-maps", type=int, default=128, help="maps per runtime measurement")
    p.add_argument("--runtime-rounds", type=int, default=3)
    p.add_argument("--skip-runtime", action="store_true", help="leave out part 5")
    p.add_argument("--runtime-only", action="store_true", help="run only part 5")
    args = p.parse_args(argv)

    import torch

    from seisviz.detect.models import hardware_summary
    from seisviz.detect.scan import scan_catalog

    hw = hardware_summary()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores "
          f"(torch uses {hw['cpu_threads']} threads), load average {load:.1f}; CUDA: "
          f"{', '.join(hw['cuda']) or 'none'}; torch {torch.__version__}, "
          f"Python {platform.python_version()}")
    print("weights: random, untrained (throughput depends on the shapes only)")
    archs = [a.strip() for a in args.archs.split(",") if a.strip()]
    batches = [int(b) for b in args.batches.split(",")]
    maps = random_maps(args.maps)
    ok = True
    if args.runtime_only:
        runtime_comparison(archs, random_maps(args.runtime_maps, seed=3), args.runtime_rounds,
                           torch)
        return 0

    # The input normalisation alone (log1p, mean/std): numpy (`prepare_input`) against torch
    # (what window_probabilities does, on the device that runs the network).
    card18 = card_for("resnet18", maps)
    big = random_maps(4096, seed=1)
    t0 = time.perf_counter()
    prepare_input(big, card18.normalization)
    numpy_rate = len(big) / (time.perf_counter() - t0)
    mean = torch.tensor(card18.normalization["mean"]).view(1, -1, 1, 1)
    std = torch.tensor(card18.normalization["std"]).view(1, -1, 1, 1)
    t0 = time.perf_counter()
    (torch.log1p(torch.from_numpy(big).clamp_min(0)) - mean) / std
    torch_rate = len(big) / (time.perf_counter() - t0)
    print(f"normalisation on the CPU: numpy {numpy_rate:,.0f} maps/s, torch {torch_rate:,.0f} "
          "maps/s (on a GPU, window_probabilities normalises on the GPU)")

    print(f"\n-- CPU, window_probabilities (inference mode), {args.maps} maps of 2x64x64")
    cpu = {}
    for arch in archs:
        net = random_net(arch, torch)
        card = card_for(arch, maps)
        for bs in batches:
            cpu[arch, bs] = maps_per_second(net, maps, card, "cpu", bs)
            print(f"{arch:>9}  batch {bs:>4}: {cpu[arch, bs]:8.1f} maps/s")

    if "resnet18" in archs:
        net = random_net("resnet18", torch)
        naive = naive_maps_per_second(net, maps[:args.naive_maps], card18, torch)
        best_bs = max(batches, key=lambda b: cpu["resnet18", b])
        print(f"naive resnet18 (batch 1, autograd on): {naive:.1f} maps/s on "
              f"{args.naive_maps} maps -> batched inference is "
              f"{cpu['resnet18', best_bs] / naive:.1f}x faster (batch {best_bs})")

    print(f"\n-- scan: {args.events:,} random events over {args.years:g} years, 30-day windows "
          "every day, resnet18 (random weights saved with a card), CPU")
    catalog = random_catalog(args.events, args.years)
    with tempfile.TemporaryDirectory() as tmp:
        net = random_net("resnet18", torch)
        save_model(net, card_for("resnet18", maps), tmp)
        result = scan_catalog(catalog, model=os.path.join(tmp, "resnet18.pt"), device="cpu",
                              step_days=1.0)
    t = result.timings
    print(f"{len(result.windows):,} windows: load {t['load_model_s']:.2f} s + rasterize "
          f"{t['rasterize_s']:.2f} s + detect {t['detect_s']:.2f} s "
          f"({result.device_info['maps_per_second']:.0f} maps/s, batch "
          f"{result.device_info['batch_size']}) = total {t['total_s']:.2f} s "
          f"(target < {args.max_scan_seconds:g} s)")
    if t["total_s"] > args.max_scan_seconds:
        print(f"MISSED: the scan took {t['total_s']:.1f} s > {args.max_scan_seconds:g} s")
        ok = False

    if torch.cuda.is_available():
        gmaps = random_maps(args.gpu_maps, seed=2)
        print(f"\n-- CUDA ({torch.cuda.get_device_name(0)}), {args.gpu_maps:,} maps, "
              f"batch {args.gpu_batch}")
        for arch in archs:
            net = random_net(arch, torch)
            card = card_for(arch, gmaps)
            e2e = maps_per_second(net, gmaps, card, "cuda", args.gpu_batch)
            alone = gpu_model_only(random_net(arch, torch), gmaps, card, torch, args.gpu_batch)
            print(f"{arch:>9}: window_probabilities (fp16, channels-last) {e2e:10,.0f} maps/s; "
                  f"network alone {alone:10,.0f} maps/s")
            if arch == "resnet18" and e2e < args.min_gpu_maps_per_s:
                print(f"MISSED: resnet18 {e2e:,.0f} maps/s < {args.min_gpu_maps_per_s:,.0f}")
                ok = False
    else:
        print("\n(no CUDA GPU here: the fp16/channels-last GPU part was not run)")
    if not args.skip_runtime:
        runtime_comparison(archs, random_maps(args.runtime_maps, seed=3), args.runtime_rounds,
                           torch)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

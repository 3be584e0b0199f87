#!/bin/bash
# Detector v3's long CPU runs, one after the other, each resumable (docs/training.md,
# "Long runs in the background"): the paper's sweeps at 1,000 training / 500 validation
# maps and 8 epochs with patience 3, and ResNet-34/101 trained on from the shipped weights
# until the validation loss stops falling.
#
#   nohup scripts/background_training.sh [OUT] &      # OUT defaults to runs/v3
#
# Run it again after a stop (a session's end, a reboot): every sweep goes on from its record
# (OUT/sweep_<arch>/sweep_<arch>_runs.json: finished runs are not trained again) and every
# training from its checkpoint (OUT/full_<arch>/<arch>_checkpoint.pt: the epoch under way
# is lost, the finished ones are kept). Progress: OUT/*.log.
#
# OUT may not outlive the machine (a fresh checkout has no runs/): the sweeps' records of
# finished runs travel with the repository in docs/sweep_runs/. A sweep whose OUT has no
# record starts from the one there;
#
#   scripts/background_training.sh --save [OUT]        # copies OUT's records back there
#
# and commit them. Trainings' checkpoints are too large to commit: they go on only on the
# machine that holds them.
set -u
cd "$(dirname "$0")/.."
KEEP=docs/sweep_runs
if [ "${1:-}" = "--save" ]; then
  OUT=${2:-runs/v3}
  mkdir -p "$KEEP"
  for r in "$OUT"/sweep_*/sweep_*_runs.json; do [ -f "$r" ] && cp -v "$r" "$KEEP/"; done
  exit 0
fi
OUT=${1:-runs/v3}
mkdir -p "$OUT"
PYTHON=${PYTHON:-.venv/bin/python}
# one thread each and a low priority: the machine stays usable for other work
train() { nice -n 15 env PYTHONPATH="$PWD" "$PYTHON" -m seisviz train --threads 1 "$@"; }
sweep() {
  local record="$OUT/sweep_$1/sweep_$1_runs.json"
  if [ ! -f "$record" ] && [ -f "$KEEP/sweep_$1_runs.json" ]; then
    mkdir -p "$OUT/sweep_$1" && cp "$KEEP/sweep_$1_runs.json" "$record"
  fi
  # on training data v2, as the ResNet-18 and -34 sweeps in docs/ (the default of --sweep)
  train --sweep --arch "$1" --n-train 1000 --n-val 500 --epochs 8 --patience 3 --seed 0 \
    --out "$OUT/sweep_$1" >> "$OUT/sweep_$1.log" 2>&1
}
full() {
  train --arch "$1" --init "weights/$1.json" --n-train 6000 --n-val 1500 --epochs 40 \
    --patience 3 --seed 5 --out "$OUT/full_$1" >> "$OUT/full_$1.log" 2>&1
}
# Done and in the repository, so not run again: the three sweeps (docs/sweep_resnet*.json)
# and ResNet-34's and ResNet-101's trainings (weights/resnet34.*, weights/resnet101.*).
# To redo one, add its line here: `sweep resnet18`, `sweep resnet34`, `sweep resnet101`,
# `full resnet34`, `full resnet101` (a `full` step now starts from the trained weights in
# weights/, which it was not before).
echo "background_training.sh: every step is done (docs/training.md); add a step's line at" \
  "the end of this script to run it again" >&2

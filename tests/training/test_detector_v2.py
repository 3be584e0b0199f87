"""Detector v2: the km-aware label rule, resumable training and sweeps, fine-tuning,
the ensemble, and the evaluation's calibration and per-kind/per-size summary."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from seisviz.training.synthetic import DATA_VERSION

from seisviz.errors import ModelError
from seisviz.settings import ASSIST_BETA, ASSIST_OFF, ASSIST_THRESHOLD
from seisviz.maps import box_sum, make_grid, rasterize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_box_sum_is_the_sum_over_the_square():
    a = np.random.default_rng(0).poisson(1.0, (2, 3, 11, 13)).astype(float)
    for half in (0, 1, 2, 4):
        got = box_sum(a, half)
        for i, j in ((0, 0), (5, 6), (10, 12), (3, 11)):
            want = a[..., max(0, i - half):i + half + 1, max(0, j - half):j + half + 1].sum(
                axis=(-1, -2))
            assert np.allclose(got[..., i, j], want)


def test_a_diffuse_swarm_is_labelled_through_the_km_neighbourhood():
    """40 events spread 4 km about a point on a 0.3-degree region (0.5 km pixels): no
    3x3-pixel box holds 10 of them, a 5-km box does."""
    from seisviz.training.synthetic import (EPOCH, finish_catalog, label_neighbourhoods,
                                            swarm, window_labels)

    rng = np.random.default_rng(1)
    bbox = (104.6, 104.9, 28.0, 28.3)
    grid = make_grid(bbox, 64)
    halves = label_neighbourhoods(grid)
    assert halves[0] == 1 and len(halves) == 2 and halves[1] >= 3
    cat = finish_catalog([swarm(rng, (104.75, 28.15), 200, 5, 40, 2.5, episode=0)], EPOCH)
    dmaps = rasterize(cat, grid, 30, 5, 180, start=EPOCH, end=EPOCH + pd.Timedelta(days=300))
    count = dmaps.channel("count")
    assert box_sum(count, 1).max() < 10 <= box_sum(count, halves[1]).max()
    labels, cause = window_labels(cat, dmaps)
    assert labels.any() and set(cause[labels]) == {0}
    # on a 1-degree region a 3x3-pixel box is already about 5 km: one neighbourhood
    assert label_neighbourhoods(make_grid((104.0, 105.0, 28.0, 29.0), 64)) == [1]


def test_episode_styles_draw_what_they_say():
    from seisviz.training.synthetic import random_scenario

    rng = np.random.default_rng(11)
    small = [random_scenario(rng, style="small", n_episodes=3, kinds=("swarm",))
             for _ in range(4)]
    sizes = pd.concat([s.episodes for s in small])["n_events"]
    assert sizes.between(10, 50).all()
    diffuse = [random_scenario(rng, style="diffuse", n_episodes=3, kinds=("swarm",))
               for _ in range(4)]
    assert pd.concat([s.episodes for s in diffuse])["radius_km"].median() > 3.0
    with pytest.raises(ValueError, match="style"):
        random_scenario(rng, style="enormous")


def test_training_data_v3_draws_more_hard_episodes_and_busy_places(monkeypatch):
    """v3: the hard styles get double v2's share and a fifth of the catalogs are new
    sequences on places busy for half a year; v2 (the sweeps' data) draws neither."""
    from seisviz.training import busyplaces, synthetic

    drawn = {"busy": 0, "mixes": set()}
    real_busy, real_random = busyplaces.busy_place_scenario, synthetic.random_scenario

    def busy(rng, **kw):
        drawn["busy"] += 1
        return real_busy(rng, **kw)

    def random(rng, **kw):
        drawn["mixes"].add(tuple(kw["style_mix"]))
        return real_random(rng, **kw)

    monkeypatch.setattr(synthetic, "random_scenario", random)
    x2, y2, _ = synthetic.make_dataset(600, seed=5, data_version=2)
    assert drawn == {"busy": 0, "mixes": {synthetic.STYLE_MIX[2]}}
    x3, y3, _ = synthetic.make_dataset(3000, seed=5, data_version=3, busy_place_draw=busy)
    assert drawn["busy"] > 0 and synthetic.STYLE_MIX[3] in drawn["mixes"]
    mix2, mix3 = synthetic.STYLE_MIX[2], synthetic.STYLE_MIX[3]
    assert all(b > a for a, b in zip(mix2[1:], mix3[1:]))  # small, diffuse, busy: more
    assert y3.any() and not y3.all()
    with pytest.raises(ValueError, match="training data version"):
        synthetic.make_dataset(10, seed=5, data_version=1)
    with pytest.raises(ValueError, match="busy_place_draw"):
        synthetic.make_dataset(10, seed=5, data_version=3)


def _tiny_data(n=48, seed=0):
    from seisviz.training.train import Budget, make_data

    return make_data(Budget(n_train=n, n_val=n // 2), seed)


def test_training_resumes_from_its_checkpoint(tmp_path):
    from seisviz.training.train import Budget, TrainingError, train_model

    data = _tiny_data()
    ckpt = str(tmp_path / "resnet18_checkpoint.pt")
    one = train_model("resnet18", data, budget=Budget(48, 24, epochs=1, patience=5),
                      checkpoint=ckpt, log=None)
    assert os.path.exists(ckpt) and len(one.history) == 1
    two = train_model("resnet18", data, budget=Budget(48, 24, epochs=2, patience=5),
                      checkpoint=ckpt, log=None)
    assert [h["epoch"] for h in two.history] == [1, 2]
    assert two.history[0] == one.history[0]  # epoch 1 was not trained again
    with pytest.raises(TrainingError, match="other settings"):
        train_model("resnet18", data, lr=0.01, budget=Budget(48, 24, epochs=3),
                    checkpoint=ckpt, log=None)


def test_sweep_resumes_from_its_record(tmp_path, monkeypatch):
    from seisviz.training import train as tr

    data = _tiny_data(32)
    budget = tr.Budget(32, 16, epochs=1, patience=1, batch_size=32)
    record = str(tmp_path / "sweep_resnet18_runs.json")
    calls = []
    real = tr.train_model

    def counted(*args, **kw):
        calls.append(args[2:4])
        if len(calls) == 3:
            raise KeyboardInterrupt  # stopped in the middle of the weight-decay grid
        return real(*args, **kw)

    monkeypatch.setattr(tr, "train_model", counted)
    with pytest.raises(KeyboardInterrupt):
        tr.sweep("resnet18", data, budget, record=record, log=None)
    assert len(json.load(open(record))["runs"]) == 2
    calls.clear()
    monkeypatch.setattr(tr, "train_model", lambda *a, **k: (calls.append(a[2:4]), real(*a, **k))[1])
    wd_table, lr_table, best = tr.sweep("resnet18", data, budget, record=record, log=None)
    n_runs = len(tr.WEIGHT_DECAY_GRID) + len(tr.LEARNING_RATE_GRID["resnet18"]) - 1
    assert len(calls) == n_runs - 2  # the two finished runs were not trained again
    assert len(json.load(open(record))["runs"]) == n_runs
    assert [r["weight_decay"] for r in wd_table] == list(tr.WEIGHT_DECAY_GRID)
    assert best["wd"] in tr.WEIGHT_DECAY_GRID
    other = tr.Budget(64, 16, epochs=1, patience=1, batch_size=32)
    with pytest.raises(tr.TrainingError, match="another sweep"):
        tr.sweep("resnet18", data, other, record=record, log=None)
    # a record is of one training data version (one written before v3 data was v2's)
    with pytest.raises(tr.TrainingError, match="another sweep"):
        tr.sweep("resnet18", data, budget, record=record, log=None, data_version=3)
    rec = json.load(open(record))
    del rec["data_version"]
    json.dump(rec, open(record, "w"))
    calls.clear()
    tr.sweep("resnet18", data, budget, record=record, log=None)
    assert calls == []


def _seisviz(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("SEISVIZ_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "seisviz", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


def test_fine_tuning_from_a_trained_model(quick_model_dir, tmp_path):
    from seisviz.detect.models import read_card

    src = os.path.join(quick_model_dir, "resnet18.pt")
    r = _seisviz("train", "--init", src, "--lr", "0.001", "--n-train", "64", "--n-val", "32",
                 "--epochs", "1", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    card = read_card(str(tmp_path / "resnet18.json"))
    parent = read_card(os.path.join(quick_model_dir, "resnet18.json"))
    assert card.get("fine_tuned_from")["sha256"] == parent.sha256
    assert card.normalization == parent.normalization  # kept, not recomputed
    # the newest training data unless asked for another
    assert card.get("training_data")["data_version"] == DATA_VERSION == 3
    r = _seisviz("train", "--arch", "resnet34", "--init", src, "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "is a resnet18, not a resnet34" in r.stderr


def _two_members(quick_model_dir, folder):
    """The quick model twice in one folder, as resnet18 and `other` (same weights)."""
    os.makedirs(folder, exist_ok=True)
    for name in ("resnet18.pt", "resnet18.json"):
        shutil.copy(os.path.join(quick_model_dir, name), os.path.join(folder, name))
    shutil.copy(os.path.join(quick_model_dir, "resnet18.pt"), os.path.join(folder, "other.pt"))
    card = json.load(open(os.path.join(folder, "resnet18.json")))
    card["weights_file"] = "other.pt"
    json.dump(card, open(os.path.join(folder, "other.json"), "w"))
    return [os.path.join(folder, "resnet18.json"), os.path.join(folder, "other.json")]


def test_ensemble_is_the_mean_of_its_members(quick_model_dir, tmp_path):
    from seisviz.detect import ensemble_card, load_model, read_card, window_probabilities
    from seisviz.training.synthetic import make_dataset

    paths = _two_members(quick_model_dir, tmp_path)
    # make the second member differ: its card's normalisation is shifted
    card = json.load(open(paths[1]))
    card["normalization"]["mean"] = [m + 0.3 for m in card["normalization"]["mean"]]
    json.dump(card, open(paths[1], "w"))
    ens = ensemble_card([read_card(p) for p in paths], threshold=0.4)
    ens.write(str(tmp_path / "ensemble.json"))
    net, loaded = load_model(str(tmp_path / "ensemble.json"))
    assert loaded.architecture == "ensemble" and loaded.threshold == 0.4
    maps, _, _ = make_dataset(64, seed=31337, data_version=2)
    got, _ = window_probabilities(maps, net, loaded)
    members = [window_probabilities(maps, *load_model(p))[0] for p in paths]
    assert not np.allclose(members[0], members[1])
    assert np.allclose(got, np.mean(members, axis=0), atol=1e-5)
    # a member replaced after calibration is refused with one line
    shutil.copy(os.path.join(quick_model_dir, "resnet18.pt"), tmp_path / "other.pt")
    with open(tmp_path / "other.pt", "ab") as f:
        f.write(b"0")
    with pytest.raises(ModelError) as info:
        load_model(str(tmp_path / "ensemble.json"))
    assert "\n" not in str(info.value) and "sha256" in str(info.value)
    with pytest.raises(ModelError, match="at least two"):
        ensemble_card([read_card(paths[0])], threshold=0.5)


def _record(set_name, episodes, scores, labels=None, n=40):
    t0 = pd.Timestamp("2020-01-01", tz="UTC")
    starts = t0 + pd.to_timedelta(np.arange(n), unit="D")
    windows = pd.DataFrame({"window_start": starts, "window_end": starts + pd.Timedelta(days=30)})
    eps = pd.DataFrame(episodes, columns=["episode", "kind", "start", "end", "n_events",
                                          "radius_km"])
    return {"set": set_name, "windows": windows, "episodes": eps,
            "labels": np.zeros(n, bool) if labels is None else labels, "window_days": 30.0,
            "scores": {"net": np.asarray(scores, float), "baseline": np.zeros(n)}}


def test_summary_pools_by_kind_and_size_and_calibration_picks_the_best_threshold():
    from seisviz.training.evaluate import NO_ANOMALY, calibrate, summary

    t = pd.Timestamp("2020-01-01", tz="UTC")  # the first window's start
    day = pd.Timedelta(days=1)
    score = np.zeros(40)
    score[10:20] = 0.9   # windows over the big swarm (days 10-15)
    score[30:40] = 0.3   # a weak bump: windows over the small swarm (days 55-57)
    recs = [_record("swarm, no busy spots",
                    [(0, "swarm", t + 10 * day, t + 15 * day, 100, 1.0),
                     (1, "swarm", t + 55 * day, t + 57 * day, 15, 1.0)], score),
            _record(NO_ANOMALY, [], np.r_[np.zeros(20), np.full(20, 0.5)])]
    table = summary(recs, {"net": 0.8, "baseline": 1.0})
    row = {(r["group"], r["method"]): r for r in table.to_dict(orient="records")}
    assert row[("overall", "net")]["n_episodes"] == 2
    assert row[("overall", "net")]["episode_recall"] == 0.5
    assert row[("overall", "net")]["period_precision"] == 1.0
    assert row[("> 50 events", "net")]["episode_recall"] == 1.0
    assert row[("< 20 events", "net")]["episode_recall"] == 0.0
    assert row[("swarm", "net")]["n_episodes"] == 2
    assert row[(NO_ANOMALY, "net")]["false_periods"] == 0
    # at 0.25 both swarms are found but the quiet catalog gets a false period; at 0.45
    # the quiet one is clean again and the small swarm is lost
    low = summary(recs, {"net": 0.25, "baseline": 1.0})
    low_row = {(r["group"], r["method"]): r for r in low.to_dict(orient="records")}
    assert low_row[("overall", "net")]["episode_recall"] == 1.0
    assert low_row[(NO_ANOMALY, "net")]["false_periods"] == 1
    chosen = calibrate(recs[:1])
    assert chosen["net"] <= 0.3  # on the anomalous catalog alone, finding both is best


def test_calibration_for_recall_at_a_precision_floor():
    """`calibrate(min_precision=P)`: the most recall among thresholds whose period
    precision reaches P, where the best F1 would pick another."""
    from seisviz.training.evaluate import NO_ANOMALY, calibrate

    t = pd.Timestamp("2020-01-01", tz="UTC")
    day = pd.Timedelta(days=1)
    score = np.zeros(40)
    score[10:20] = 0.9
    score[30:40] = 0.3
    recs = [_record("swarm, no busy spots",
                    [(0, "swarm", t + 10 * day, t + 15 * day, 100, 1.0),
                     (1, "swarm", t + 55 * day, t + 57 * day, 15, 1.0)], score),
            _record(NO_ANOMALY, [], np.r_[np.zeros(20), np.full(20, 0.5)])]
    # at <= 0.3: both swarms and the quiet catalog's false period (precision 2/3, F1 0.8);
    # from 0.55: the big swarm alone, no false period (precision 1, F1 0.67)
    assert calibrate(recs)["net"] <= 0.3
    assert calibrate(recs, min_precision=0.6)["net"] == pytest.approx(0.3)
    strict = calibrate(recs, min_precision=0.95)["net"]
    assert 0.5 < strict <= 0.9


def test_assistance_is_calibrated_for_recall_where_the_network_is_unsure():
    """`calibrate_assistance`: the floor and beta that find an episode the network alone
    misses (its probability 0.3, a strong regional beta) without the quiet catalog's two
    traps (a strong beta at probability 0.1, a weak one at 0.5); off where it only adds
    false periods."""
    from seisviz.training.evaluate import NO_ANOMALY, add_assisted, calibrate_assistance

    t = pd.Timestamp("2020-01-01", tz="UTC")
    day = pd.Timedelta(days=1)
    score, beta = np.zeros(40), np.zeros(40)
    score[10:20] = 0.9                      # the big swarm: the network finds it
    score[30:40], beta[30:40] = 0.3, 9.0    # the small one: only with assistance
    busy = _record("swarm, with busy spots",
                   [(0, "swarm", t + 10 * day, t + 15 * day, 100, 1.0),
                    (1, "swarm", t + 55 * day, t + 57 * day, 15, 1.0)], score)
    busy["regional_beta"] = beta
    quiet = _record(NO_ANOMALY, [], np.r_[np.full(20, 0.1), np.full(20, 0.5)])
    quiet["regional_beta"] = np.r_[np.full(20, 9.0), np.full(20, 4.0)]
    for floor in (None, 0.95):
        chosen = calibrate_assistance([busy, quiet], {"net": 0.6}, ["net"],
                                      min_precision=floor)
        assert chosen == {"net": (0.3, 8.0)}   # ties: the higher floor and beta
    add_assisted([busy, quiet], {"net": 0.6}, ["net"], assistance=chosen)
    assert (busy["scores"]["net + assist"][30:40] >= 0.6).all()
    assert (quiet["scores"]["net + assist"] < 0.6).all()
    # where it would only add false periods, assistance stays off
    busy["regional_beta"] = np.zeros(40)   # and where it finds nothing more
    quiet["scores"]["net"] = np.full(40, 0.3)
    assert calibrate_assistance([busy, quiet], {"net": 0.6}, ["net"]) == {
        "net": (ASSIST_OFF, ASSIST_BETA)}


def test_a_precision_floor_out_of_range_is_one_line_before_any_scoring(quick_model_dir):
    r = _seisviz("evaluate", "--models", str(quick_model_dir / "resnet18.pt"), "--quick",
                 "--calibrate", "--min-precision", "2")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "--min-precision 2" in r.stderr and "scored set" not in r.stderr


def test_sweep_so_far_reads_a_stopped_sweep(tmp_path):
    from seisviz.training.train import WEIGHT_DECAY_GRID, sweep_so_far

    record = tmp_path / "sweep_resnet34_runs.json"
    runs = [{"lr": 0.003, "wd": wd, "final_validation_loss": 0.5 - i / 100, "epochs": 3}
            for i, wd in enumerate(WEIGHT_DECAY_GRID[:3])]
    record.write_text(json.dumps({"arch": "resnet34", "budget": {"n_train": 8}, "seed": 0,
                                  "runs": runs}))
    part = sweep_so_far(str(record))
    assert [r["weight_decay"] for r in part["weight_decay"]] == list(WEIGHT_DECAY_GRID[:3])
    assert part["learning_rate"] == [] and not part["complete"] and part["best"] == {}
    assert part["runs_done"] == 3 and part["runs_total"] == 11
    runs += [{"lr": 0.003, "wd": wd, "final_validation_loss": 0.9, "epochs": 3}
             for wd in WEIGHT_DECAY_GRID[3:]]
    runs += [{"lr": lr, "wd": 0.003, "final_validation_loss": 0.4, "epochs": 3}
             for lr in (0.001, 0.005)]
    record.write_text(json.dumps({"arch": "resnet34", "budget": {"n_train": 8}, "seed": 0,
                                  "runs": runs}))
    part = sweep_so_far(str(record))
    assert part["best"] == {"wd": 0.003}  # the lowest loss of the weight-decay grid
    lrs = [r["learning_rate"] for r in part["learning_rate"]]
    assert lrs == [0.001, 0.003, 0.005] and not part["complete"]


def test_evaluate_cli_calibrates_scores_and_writes_the_cards(quick_model_dir, tmp_path):
    """`seisviz evaluate --quick --calibrate --update-cards` with two models: thresholds
    in their cards, an ensemble card beside them that loads, tables and episodes out."""
    from seisviz.detect import load_model, read_card

    paths = _two_members(quick_model_dir, tmp_path / "w")
    md, eps = tmp_path / "eval.md", tmp_path / "episodes.csv"
    r = _seisviz("evaluate", "--models", ",".join(paths), "--quick", "--calibrate",
                 "--update-cards", "--markdown", str(md), "--episodes", str(eps))
    assert r.returncode == 0, r.stderr
    text = md.read_text()
    assert "## Summary" in text and "20 or more events" in text and "ensemble" in text
    table = pd.read_csv(eps)
    assert set(table["method"]) >= {"resnet18", "ensemble", "baseline"}
    assert table["found"].isin([True, False]).all()
    card = read_card(paths[0])
    assert card.get("threshold_calibration")["seed"] == 8_000_000
    assert "validation_threshold" in card.extra
    summary = card.get("evaluation")["summary"]
    assert {row["method"] for row in summary} == {"resnet18", "resnet18 + assist", "baseline"}
    # assistance at the settings' floor and beta, not calibrated
    assert card.get("assistance") == {"assist_threshold": ASSIST_THRESHOLD,
                                      "assist_beta": ASSIST_BETA, "calibration": None}
    net, ens = load_model(str(tmp_path / "w" / "ensemble.json"))
    assert ens.architecture == "ensemble" and len(ens.get("members")) == 2
    assert ens.get("evaluation")["thresholds"]["ensemble"] == ens.threshold
    # without --calibrate the thresholds come from the cards, the ensemble's too
    r = _seisviz("evaluate", "--models", ",".join(paths), "--quick")
    assert r.returncode == 0 and "ensemble" in r.stdout
    r = _seisviz("evaluate", "--models", "nothing.pt", "--quick")
    assert r.returncode == 2 and r.stderr.count("\n") == 1


def test_evaluate_calibrates_on_catalogs_drawn_like_every_held_out_set(quick_model_dir,
                                                                       tmp_path):
    """`--calibrate-on every-set` draws the calibration catalogs from each held-out set's
    generator (small, diffuse, busy-place and quiet ones among them) at the calibration
    seed, and the card says so."""
    from seisviz.detect import read_card
    from seisviz.training.evaluate import EVALUATION_SETS, NO_ANOMALY

    folder = tmp_path / "w"
    shutil.copytree(quick_model_dir, folder)
    path = str(folder / "resnet18.json")
    r = _seisviz("evaluate", "--models", path, "--quick", "--calibrate", "--calibrate-on",
                 "every-set", "--set", "mixed", "--calibrate-assist", "--min-precision",
                 "0.9", "--update-cards")
    assert r.returncode == 0, r.stderr
    calibration_log = r.stderr.split("calibrated thresholds")[0]
    assert f"scored set '{NO_ANOMALY}'" in calibration_log
    assert "training-like" not in calibration_log
    card = read_card(path)
    drawn = card.get("threshold_calibration")
    assert drawn["drawn"] == "every-set" and drawn["n_catalogs"] == 2 * len(EVALUATION_SETS)
    # baseline assistance calibrated on the same catalogs, at the calibrated threshold
    assistance = card.get("assistance")
    assert "calibrated assistance" in r.stderr
    assert assistance["calibration"]["drawn"] == "every-set"
    assert "period precision >= 0.9" in assistance["calibration"]["criterion"]
    assert (assistance["assist_threshold"] < card.threshold
            or assistance["assist_threshold"] == ASSIST_OFF)
    r = _seisviz("evaluate", "--models", path, "--quick", "--calibrate-assist", "--assist",
                 "none")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--calibrate-assist" in r.stderr
    r = _seisviz("evaluate", "--models", path, "--quick", "--calibrate", "--calibrate-on",
                 "somewhere")
    assert r.returncode == 2 and "--calibrate-on" in r.stderr


def test_an_unknown_training_data_version_is_one_line(tmp_path):
    r = _seisviz("train", "--data-version", "7", "--quick", "--out", str(tmp_path))
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "--data-version 7" in r.stderr and "2, 3" in r.stderr

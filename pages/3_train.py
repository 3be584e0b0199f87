"""Train page: train a detector on artificial distribution maps, or rerun the paper's sweep."""

import hashlib
import json
import os
import time

import streamlit as st

from pages._common import ROOT, use_model_on_detect
from pages._state import KEYS
from seisviz.detect.devices import DEVICES
from seisviz.detect.models import ARCHITECTURES, PAPER_HYPERPARAMETERS, read_card
from seisviz.resources import weights_dir
from seisviz.plots.training import loss_curve, sweep_bars
from seisviz.training import paper
from seisviz.training.train import QUICK_LR

st.title("Train a detector")
st.write(
    "Detectors learn from *artificial* distribution maps: seeded synthetic catalogs with "
    "known anomalies (swarms, injection fronts, aftershock sequences) over backgrounds that "
    "are diffuse, along faults, persistently busy, drifting, or change completeness. "
    "A window is labelled anomalous when a neighbourhood of 3×3 pixels *or* of about 5 km a "
    "side holds ≥ 10 events of one episode and at least as many as its own earlier rate.")

# ---- what is shipped
with st.expander("Shipped models", expanded=True):
    for arch in ARCHITECTURES:
        card_path = str(weights_dir() / (arch + ".json"))
        if not os.path.exists(card_path):
            st.write(f"**{arch}**: no shipped weights (train below to add them).")
            continue
        card = read_card(card_path)
        st.write(f"**{arch}**: final validation loss {card.final_validation_loss:.3f} "
                 f"(epoch {card.get('best_epoch')}), threshold {card.threshold:.2f}, "
                 f"lr {card.get('hyperparameters')['lr']:g}, "
                 f"wd {card.get('hyperparameters')['wd']:g}, "
                 f"{card.get('training_data')['n_train']:,} training maps.")
        st.plotly_chart(loss_curve(card.get("history"), f"{arch}: loss curve"),
                        key=f"shipped-{arch}")

# ---- the paper's sweeps beside ours
st.subheader("The paper's sweeps (Tables S1–S6) beside ours")
st.write("The paper chose each network's weight decay at a fixed learning rate, then its "
         "learning rate at that weight decay, by final validation loss. Our sweeps run the same "
         "two stages on artificial maps; our learning-rate stage runs at *our* best weight "
         "decay. ★ marks the lowest loss of each column.")
for arch_tab, tab_arch in zip(st.tabs([paper.table_title(a) for a in paper.PAPER_TABLES]),
                              paper.PAPER_TABLES):
    with arch_tab:
        ours = paper.load_sweep(os.path.join(ROOT, "docs"), tab_arch)
        if ours is None:
            st.info(f"No sweep of ours for {tab_arch} yet (docs/sweep_{tab_arch}.json): the "
                    "paper's values alone. To run ours (then copy the JSON into docs/):")
            st.code(paper.sweep_command(tab_arch), language="bash", wrap_lines=True)
        else:
            st.caption(paper.budget_sentence(ours))
        tables = paper.sweep_comparison(tab_arch, ours)
        for col, stage, table in zip(st.columns(2), paper.STAGES, tables):
            col.write(paper.stage_settings(tab_arch, ours, stage))
            col.dataframe(paper.display_table(table, stage), hide_index=True,
                          key=f"paper-{tab_arch}-{stage}")
            col.write(paper.agreement_sentence(tab_arch, ours, stage))
        note = paper.paper_consistency_note(tab_arch)
        if note:
            st.warning(note)
        for stage in paper.STAGES:  # full width: the grids' labels need the room
            st.plotly_chart(sweep_bars((ours or {}).get(stage, []), stage,
                                       f"{paper.ARCH_NAMES[tab_arch]}: "
                                       f"{stage.replace('_', ' ')}",
                                       paper_table=paper.paper_rows(tab_arch, stage)),
                            key=f"paper-fig-{tab_arch}-{stage}")

# ---- settings
st.subheader("New training")
arch = st.selectbox("Architecture", ARCHITECTURES)
mode = st.radio("What to run", ["Train one model", "Sweep (weight decay, then learning rate)"],
                horizontal=True)
quick = st.toggle("Quick (tiny budget: a smoke test, not a useful model)", value=True)
c1, c2, c3 = st.columns(3)
n_train = c1.number_input("Training maps", 64, 200_000, 512 if quick else 8000, step=64)
n_val = c2.number_input("Validation maps", 32, 50_000, 256 if quick else 2000, step=32)
epochs = c3.number_input("Most epochs", 1, 200, 3 if quick else 15)
c4, c5, c6 = st.columns(3)
patience = c4.number_input("Patience (epochs)", 1, 50, 2 if quick else 3)
lr = c5.number_input("Learning rate", 1e-5, 1.0,
                     QUICK_LR if quick else PAPER_HYPERPARAMETERS[arch]["lr"],
                     format="%.4f", disabled=mode.startswith("Sweep"))
wd = c6.number_input("Weight decay", 0.0, 1.0, PAPER_HYPERPARAMETERS[arch]["wd"],
                     format="%.4f", disabled=mode.startswith("Sweep"))
seed = st.number_input("Data seed", 0, 10**9, 0)
device_choice = st.selectbox("Device", DEVICES)
# a quick smoke-test model must never replace shipped weights
install = st.checkbox(f"Install as the default {arch} model (weights/{arch}.pt)", value=False,
                      disabled=mode.startswith("Sweep") or quick,
                      help="Not with Quick: a smoke-test model is no detector.") and not quick


def checkpoint_path(kind, suffix, **settings):
    """Where a run of these settings keeps its state (runs/checkpoints/): a training's
    checkpoint, a sweep's record of finished runs; Start with the same settings goes on
    from it. None where runs/ cannot be written (the run then keeps nothing)."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    folder = os.path.join(ROOT, "runs", "checkpoints")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return os.path.join(folder, f"{kind}-{settings['arch']}-{digest}{suffix}")


# A click on Cancel (or anything else) while training makes Streamlit rerun the page: the
# running script stops at its next progress update (one optimiser step away). What an
# earlier start left is kept on disk: a training's checkpoint after each whole epoch, a
# sweep's finished runs; train_running tells the new run how far it got.
start = st.button("Start", type="primary")
stopped = KEYS.train_running.pop()  # a run that did not reach its end
if stopped is not None:
    what = "Sweep" if stopped["sweep"] else "Training"
    where = (f"in epoch {stopped['epoch']} of {stopped['epochs']}" if stopped["epoch"]
             else "before its first step (making the artificial maps)")
    if stopped["sweep"]:
        kept = ("its finished runs are kept: press **Start** with the same settings to go "
                "on from them")
    elif stopped["epoch"] > 1:
        kept = (f"the checkpoint keeps epoch {stopped['epoch'] - 1}: press **Start** with "
                "the same settings to go on from it")
    else:
        kept = "no whole epoch to keep"
    say = st.warning if stopped["cancelled"] else st.info
    say(f"{what} {'cancelled' if stopped['cancelled'] else 'stopped (the page reran)'} "
        f"{where}; {kept}.")

if start:
    from seisviz.errors import SeisvizError
    from seisviz.detect.models import pick_device, save_model
    from seisviz.training.synthetic import DATA_VERSION
    from seisviz.training.train import (SWEEP_DATA_VERSION, Budget, make_data, model_card,
                                        sweep, sweep_markdown, train_model)

    try:
        device = pick_device(device_choice)
    except SeisvizError as exc:
        st.error(str(exc))
        st.stop()
    budget = Budget(n_train=int(n_train), n_val=int(n_val), epochs=int(epochs),
                    patience=int(patience))
    sweeping = mode.startswith("Sweep")
    bar = st.progress(0.0, text="making artificial maps…")
    running = {"sweep": sweeping, "epoch": 0, "epochs": budget.epochs, "cancelled": False}
    KEYS.train_running.set(running)
    cancel_box = st.empty()
    cancel_box.button("Cancel", key="train_cancel",
                      on_click=lambda: running.update(cancelled=True),
                      help="Stop after the current optimiser step. A training keeps its "
                           "last whole epoch (a sweep its finished runs): Start with the "
                           "same settings goes on from there.")
    log_box = st.empty()
    lines = []

    def log(line):
        lines.append(line)
        log_box.code("\n".join(lines[-8:]))

    def progress(epoch, n_epochs, step, steps):
        running.update(epoch=epoch, epochs=n_epochs)
        bar.progress(min(1.0, ((epoch - 1) + step / steps) / n_epochs),
                     text=f"epoch {epoch}/{n_epochs}, step {step}/{steps}")

    version = SWEEP_DATA_VERSION if sweeping else DATA_VERSION
    data = make_data(budget, int(seed), data_version=version)
    try:
        if sweeping:
            record = checkpoint_path("sweep", ".json", arch=arch, seed=int(seed),
                                     **budget.__dict__)
            wd_table, lr_table, best = sweep(arch, data, budget, device, int(seed), log=log,
                                             progress=progress, record=record,
                                             data_version=version)
            bar.progress(1.0, text="sweep done")
            KEYS.train_sweep.set((arch, wd_table, lr_table, best,
                                  sweep_markdown(arch, wd_table, lr_table, best)))
        else:
            checkpoint = checkpoint_path(
                "train", ".pt", arch=arch, lr=float(lr), wd=float(wd), seed=int(seed),
                n_train=budget.n_train, n_val=budget.n_val, batch_size=budget.batch_size)
            result = train_model(arch, data, float(lr), float(wd), budget, device, int(seed),
                                 progress=progress, log=log, checkpoint=checkpoint)
            bar.progress(1.0, text=f"done: val loss {result.best_val_loss:.4f}")
            out = str(weights_dir()) if install else os.path.join(
                ROOT, "runs", f"{arch}-{time.strftime('%Y%m%d-%H%M%S')}")
            card = model_card(arch, result, budget, int(seed), float(lr), float(wd),
                              {"data_version": version}, device)
            card.quick = bool(quick)
            try:
                path, card = save_model(result.model, card, out)
            except (SeisvizError, OSError) as exc:  # e.g. weights/ not writable
                KEYS.train_running.pop()
                st.error(f"The model was trained but could not be saved to {out}: "
                         f"{getattr(exc, 'strerror', None) or exc}")
                st.stop()
            if checkpoint and os.path.exists(checkpoint):
                os.remove(checkpoint)  # saved: nothing left to go on from
            KEYS.train_result.set((arch, result.history, path, card))
    except SeisvizError as exc:
        st.error(str(exc))
    KEYS.train_running.pop()  # ended, not stopped
    cancel_box.empty()

if KEYS.train_result.present():
    arch_done, history, path, card = KEYS.train_result.get()
    st.success(f"Saved {path}: final validation loss {card.final_validation_loss:.4f}, "
               f"threshold {card.threshold:.2f}.")
    if st.button("Use this model on the Detect page", type="primary", key="train_use_model"):
        use_model_on_detect(path)
    st.plotly_chart(loss_curve(history, f"{arch_done}: loss curve"), key="new-loss")
if KEYS.train_sweep.present():
    arch_done, wd_table, lr_table, best, text = KEYS.train_sweep.get()
    st.markdown(text)
    st.plotly_chart(sweep_bars(wd_table, "weight_decay", "Weight decay",
                               paper_table=paper.paper_rows(arch_done, "weight_decay")),
                    key="new-sweep-wd")
    st.plotly_chart(sweep_bars(lr_table, "learning_rate", "Learning rate",
                               paper_table=paper.paper_rows(arch_done, "learning_rate")),
                    key="new-sweep-lr")

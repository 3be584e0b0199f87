"""Train page: train a detector on artificial distribution maps, or rerun the paper's sweep."""

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

if st.button("Start", type="primary"):
    from seisviz.errors import SeisvizError
    from seisviz.detect.models import pick_device, save_model
    from seisviz.training.train import (Budget, make_data, model_card, sweep, sweep_markdown, train_model)

    try:
        device = pick_device(device_choice)
    except SeisvizError as exc:
        st.error(str(exc))
        st.stop()
    budget = Budget(n_train=int(n_train), n_val=int(n_val), epochs=int(epochs),
                    patience=int(patience))
    bar = st.progress(0.0, text="making artificial maps…")
    log_box = st.empty()
    lines = []

    def log(line):
        lines.append(line)
        log_box.code("\n".join(lines[-8:]))

    def progress(epoch, n_epochs, step, steps):
        bar.progress(min(1.0, ((epoch - 1) + step / steps) / n_epochs),
                     text=f"epoch {epoch}/{n_epochs}, step {step}/{steps}")

    data = make_data(budget, int(seed))
    if mode.startswith("Sweep"):
        wd_table, lr_table, best = sweep(arch, data, budget, device, int(seed), log=log,
                                         progress=progress)
        bar.progress(1.0, text="sweep done")
        KEYS.train_sweep.set((arch, wd_table, lr_table, best,
                              sweep_markdown(arch, wd_table, lr_table, best)))
    else:
        result = train_model(arch, data, float(lr), float(wd), budget, device, int(seed),
                             progress=progress, log=log)
        bar.progress(1.0, text=f"done: val loss {result.best_val_loss:.4f}")
        out = str(weights_dir()) if install else os.path.join(
            ROOT, "runs", f"{arch}-{time.strftime('%Y%m%d-%H%M%S')}")
        card = model_card(arch, result, budget, int(seed), float(lr), float(wd), {}, device)
        card.quick = bool(quick)
        try:
            path, card = save_model(result.model, card, out)
        except (SeisvizError, OSError) as exc:  # e.g. weights/ not writable
            st.error(f"The model was trained but could not be saved to {out}: "
                     f"{getattr(exc, 'strerror', None) or exc}")
            st.stop()
        KEYS.train_result.set((arch, result.history, path, card))

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

"""Everything that makes a detector: artificial catalogs and their labels, training and
the paper's sweeps, held-out evaluation, and the synthetic demo catalogs.

Production code (catalog, maps, detect, subregions, export, plots) never imports this
package; only the `train`, `evaluate` and `make-demo` commands and the Train page do.
"""

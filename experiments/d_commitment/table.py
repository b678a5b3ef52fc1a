"""Experiment (d): the markdown table of the v x w heatmaps.

Usage: /usr/bin/python3 table.py SWEEP.h5 HEATMAP_EPS0.h5 HEATMAP_EPS0.3.h5

Per noise level: the best (w, v) cell and its stability drop, the best receding-horizon cell
(v = 1), the worst cell, and the spread; then the references from the same sweep (best
constant on-demand, Greedy at d, OPT's achieved lower bound).
"""
import sys

import h5py
import numpy as np

sweep, heatmaps = sys.argv[1], sys.argv[2:]
print("| forecasts | best (w, v) | best utility (USD) | its stability drop (USD) | best with v = 1 | "
      "worst (w, v) | spread best − worst (USD) |")
print("|---|---|---|---|---|---|---|")
for path in heatmaps:
    with h5py.File(path, "r") as f:
        v = f[f.attrs["metric"]][()]
        stab = f["stability"][()]
        w_axis, v_axis = f["window"][()], f["commit"][()]
        assert f.attrs["y_axis"] == "window" and f.attrs["x_axis"] == "commit"
        assert v.shape == (len(w_axis), len(v_axis)) and np.all(np.isfinite(v)) and np.all(stab >= 0)
        br, bc = int(f.attrs["best_row"]), int(f.attrs["best_col"])
        assert v[br, bc] == v.max()
        wr, wc = np.unravel_index(int(np.argmin(v)), v.shape)
        col1 = list(v_axis).index(1.0)
        r1 = int(np.argmax(v[:, col1]))
        print(f"| {f.attrs['reduction']} | w = {w_axis[br]:g}, v = {v_axis[bc]:g} | {v[br, bc]:.3f} | {stab[br, bc]:.3f} | "
              f"w = {w_axis[r1]:g}: {v[r1, col1]:.3f} | w = {w_axis[wr]:g}, v = {v_axis[wc]:g}: {v[wr, wc]:.3f} | "
              f"{v.max() - v.min():.3f} |")
with h5py.File(sweep, "r") as f:
    od = float(f["families/on_demand/utility_mean"][0])
    greedy = float(f["families/greedy/utility_mean"][0])
    opt = float(f["opt/utility_lower"][()].mean())
    jobs = int(f.attrs["scenarios"]) * int(f.attrs["rounds"])
print()
print(f"References on the same {jobs} jobs: best constant on-demand {od:.3f} USD, Greedy (d) {greedy:.3f} USD, "
      f"OPT (achieved lower bound) {opt:.3f} USD.")

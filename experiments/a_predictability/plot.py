"""Experiment (a): forecast error against lookahead, with a no-information reference.

Usage: /usr/bin/python3 plot.py OUT.png OUT.md TRACE.h5=PREDICT.csv [...]

Each PREDICT.csv is `spotsweep predict --output` on TRACE.h5; PREDICT.txt (same stem) is its
stdout, which says which planning slots were scored. Errors are made comparable across
traces: price as MAPE (%), availability as MAE / capacity (on a 0/1 trace, the
misclassification rate). The reference is the best constant forecast in hindsight (the
median of the scored targets, which minimises the absolute error): a forecaster with no
information about the future. Skill = 1 - error / reference error.
"""
import csv
import os
import re
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

MODEL_STYLE = {"last": "-", "holt-winters": "--", "ar": "-.", "seasonal": ":"}
COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red"]


def load(trace_path, csv_path):
    with h5py.File(trace_path, "r") as f:
        tick = float(f.attrs["tick_seconds"])
        capacity = int(f.attrs["capacity"])
        name = f.attrs["name"]
        name = name.decode() if isinstance(name, bytes) else str(name)
        price = f["spot_price"][()]
        avail = f["spot_avail"][()].astype(float)
    text = open(os.path.splitext(csv_path)[0] + ".txt").read()
    first, last = map(int, re.search(r"scored planning slots (\d+)\.\.(\d+)", text).groups())
    rows = list(csv.DictReader(open(csv_path)))
    window = max(int(r["lookahead"]) for r in rows) + 1
    errors = {}
    for r in rows:
        key = (r["predictor"], r["quantity"])
        errors.setdefault(key, {})[int(r["lookahead"])] = r
    targets = slice(first, last + window)
    p, a = price[targets], avail[targets]
    ref_price_mape = 100 * np.mean(np.abs(p - np.median(p)) / p)
    ref_avail = np.mean(np.abs(a - np.median(a))) / capacity
    return dict(name=name, file=os.path.basename(trace_path), tick=tick, capacity=capacity,
                window=window, errors=errors, ref_price_mape=ref_price_mape, ref_avail=ref_avail,
                scored=last - first + 1)


def series(t, model, quantity):
    e = t["errors"][(model, quantity)]
    ks = sorted(e)
    hours = np.array([(k + 1) * t["tick"] / 3600 for k in ks])
    if quantity == "price":
        y = np.array([float(e[k]["mape_percent"]) for k in ks])
    else:
        y = np.array([float(e[k]["mae"]) / t["capacity"] for k in ks])
    return hours, y


def main():
    png, md, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
    traces = [load(*p.split("=", 1)) for p in pairs]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), dpi=110)
    for i, t in enumerate(traces):
        colour = COLOURS[i % len(COLOURS)]
        models = sorted({m for m, _ in t["errors"]}, key=lambda m: list(MODEL_STYLE).index(m) if m in MODEL_STYLE else 99)
        for quantity, ax, ref in (("price", axes[0], t["ref_price_mape"]), ("avail", axes[1], t["ref_avail"])):
            for m in models:
                h, y = series(t, m, quantity)
                ax.plot(h, y, MODEL_STYLE.get(m, "-"), color=colour, linewidth=1.4,
                        label=f"{t['file']}: {m}")
            ax.axhline(ref, color=colour, linewidth=4, alpha=0.25,
                       label=f"{t['file']}: best constant (no information)")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("price error, MAPE (%)")
    axes[1].set_ylabel("availability error, MAE / capacity")
    for ax, title in zip(axes, ("spot price", "spot availability (0/1 traces: share misclassified)")):
        ax.set_xlabel("lookahead (hours ahead of the last observed slot)")
        ax.set_title(f"{title}\nlearned predictors vs the best constant forecast (pale band)", fontsize=10)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(1, len(traces)), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.03 + 0.045 * len(handles) / max(1, len(traces)), 1, 1))
    fig.savefig(png)

    lines = ["| trace | tick | lookahead | best price model: MAPE | constant: MAPE | price skill | "
             "best availability model: MAE/cap | constant: MAE/cap | availability skill |",
             "|---|---|---|---|---|---|---|---|---|"]
    for t in traces:
        ks = sorted({1 if t["window"] > 1 else 0, min(t["window"] - 1, int(round(3600 / t["tick"])) - 1), t["window"] - 1})
        for k in ks:
            hours = (k + 1) * t["tick"] / 3600
            best_p = min(((float(t["errors"][(m, "price")][k]["mape_percent"]), m) for m, q in t["errors"] if q == "price"))
            best_a = min(((float(t["errors"][(m, "avail")][k]["mae"]) / t["capacity"], m) for m, q in t["errors"] if q == "avail"))
            lines.append(
                f"| {t['file']} | {t['tick']:g} s | {hours:.2f} h (k={k}) | {best_p[1]}: {best_p[0]:.3g} % | "
                f"{t['ref_price_mape']:.3g} % | {1 - best_p[0] / t['ref_price_mape']:.3f} | "
                f"{best_a[1]}: {best_a[0]:.3f} | {t['ref_avail']:.3f} | {1 - best_a[0] / t['ref_avail']:.3f} |")
    open(md, "w").write("\n".join(lines) + "\n")
    # Sanity for the smoke test: finite, non-negative errors, and the right number of lookaheads.
    for t in traces:
        for (m, q), e in t["errors"].items():
            assert len(e) == t["window"], (t["file"], m, q)
            assert all(float(r["mae"]) >= 0 and np.isfinite(float(r["mae"])) for r in e.values())


if __name__ == "__main__":
    main()

"""Experiment (a): forecast skill against lookahead, with cluster-bootstrap 95 % intervals.

Usage: /usr/bin/python3 plot.py OUT.png OUT.md LABEL=TRACE.h5=PREDICT.csv [...]

Each argument is one cluster: `spotsweep predict --output PREDICT.csv` on TRACE.h5 (a window's
sub-trace from windows.py), with its stdout in PREDICT.txt (same stem), which says which planning
slots were scored. Arguments with the same LABEL are the clusters of one row (the disjoint
windows of one real trace, or the seeds x windows of the synthetic market).

Errors are made comparable across traces: price as MAPE (%), availability as MAE / capacity (on
a 0/1 trace, the misclassification rate). The reference is the best constant forecast in
hindsight for the window (the median of the window's targets, which minimises the absolute
error): a forecaster with no information about the future, flattered by hindsight. It is scored
on exactly the targets the model is scored on at each lookahead (paired). Skill = 1 - error /
reference error, pooled over clusters (mean error over mean reference error); its 95 % interval
is a percentile bootstrap over the clusters, resampled whole (10,000 draws, seeded).
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from plotting import save_png  # noqa: E402

MODELS = ["last", "holt-winters", "ar", "seasonal"]
MODEL_STYLE = {"last": "-", "holt-winters": "--", "ar": "-.", "seasonal": ":"}
COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
N_BOOT = 10000


def load_cluster(trace_path, csv_path):
    """One window: per (model, quantity) the model's and the constant's error per lookahead."""
    with h5py.File(trace_path, "r") as f:
        tick = float(f.attrs["tick_seconds"])
        capacity = int(f.attrs["capacity"])
        price = f["spot_price"][()]
        avail = f["spot_avail"][()].astype(float)
    text = open(os.path.splitext(csv_path)[0] + ".txt").read()
    first, last = map(int, re.search(r"scored planning slots (\d+)\.\.(\d+)", text).groups())
    rows = list(csv.DictReader(open(csv_path)))
    window = max(int(r["lookahead"]) for r in rows) + 1
    if last + window != len(price):
        raise SystemExit(f"plot.py: {csv_path}: scored slots {first}..{last} with window {window} "
                         f"do not end at the trace's end ({len(price)} slots)")
    targets = slice(first, last + window)
    c_price, c_avail = np.median(price[targets]), np.median(avail[targets])
    ks = np.arange(window)
    # The constant's error on the targets of lookahead k: slots first + k ... last + k.
    ref = {"price": np.empty(window), "avail": np.empty(window)}
    for k in ks:
        p = price[first + k:last + k + 1]
        nonzero = p != 0  # MAPE skips actual 0, as predict does (docs/predict.md)
        ref["price"][k] = 100 * np.mean(np.abs(p[nonzero] - c_price) / p[nonzero])
        ref["avail"][k] = np.mean(np.abs(avail[first + k:last + k + 1] - c_avail)) / capacity
    err = {}
    for r in rows:
        quantity = r["quantity"]
        value = float(r["mape_percent"]) if quantity == "price" else float(r["mae"]) / capacity
        err.setdefault((r["predictor"], quantity), np.full(window, np.nan))[int(r["lookahead"])] = value
    for key, e in err.items():
        assert np.all(np.isfinite(e)) and np.all(e >= 0), (csv_path, key)
    return dict(tick=tick, capacity=capacity, window=window, err=err, ref=ref, scored=last - first + 1)


def skill_interval(model, ref, seed=0):
    """model, ref: [cluster, k] errors. Pooled skill per k, its bootstrap interval, per-cluster skill."""
    n = model.shape[0]
    skill = 1 - model.mean(axis=0) / ref.mean(axis=0)
    rng = np.random.Generator(np.random.PCG64(seed))
    idx = rng.integers(0, n, size=(N_BOOT, n))
    # A draw of only windows where the price never changes has no reference error: its skill is
    # undefined (a model's error there, however small, would give -inf), and the interval is
    # over the other draws.
    boot_ref = ref[idx].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = np.where(boot_ref > 0, 1 - model[idx].mean(axis=1) / boot_ref, np.nan)  # [draw, k]
    lo, hi = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_cluster = 1 - model / ref
    return skill, lo, hi, per_cluster


def main():
    png, md, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    groups = {}
    for spec in specs:
        label, trace, csv_path = spec.split("=", 2)
        groups.setdefault(label, []).append(load_cluster(trace, csv_path))
    traces = []
    for label, clusters in groups.items():
        first = clusters[0]
        if any(c["tick"] != first["tick"] or c["window"] != first["window"] for c in clusters):
            raise SystemExit(f"plot.py: {label}: clusters differ in tick or window")
        t = dict(label=label, tick=first["tick"], window=first["window"], clusters=len(clusters),
                 scored=sum(c["scored"] for c in clusters), models={})
        for quantity in ("price", "avail"):
            ref = np.array([c["ref"][quantity] for c in clusters])
            t[f"ref_{quantity}"] = ref
            for m in MODELS:
                if (m, quantity) not in first["err"]:
                    continue
                model = np.array([c["err"][(m, quantity)] for c in clusters])
                t["models"][(m, quantity)] = (model, *skill_interval(model, ref))
        traces.append(t)

    fig, axes = plt.subplots(1, 2, figsize=(13.5, 5.4), dpi=110)
    for i, t in enumerate(traces):
        colour = COLOURS[i % len(COLOURS)]
        hours = (np.arange(t["window"]) + 1) * t["tick"] / 3600
        for quantity, ax in (("price", axes[0]), ("avail", axes[1])):
            entries = [(m, v) for (m, q), v in t["models"].items() if q == quantity]
            for m, (_, skill, _, _, _) in entries:
                ax.plot(hours, skill, MODEL_STYLE[m], color=colour, lw=0.9, alpha=0.6)
            # The best model per lookahead (by pooled error) with its interval as a band.
            errors = np.array([v[0].mean(axis=0) for _, v in entries])
            best = errors.argmin(axis=0)
            k = np.arange(t["window"])
            sk = np.array([entries[b][1][1][j] for j, b in zip(k, best)])
            lo = np.array([entries[b][1][2][j] for j, b in zip(k, best)])
            hi = np.array([entries[b][1][3][j] for j, b in zip(k, best)])
            ax.fill_between(hours, lo, hi, color=colour, alpha=0.25, lw=0)
            ax.plot(hours, sk, color=colour, lw=2.2,
                    label=f"{t['label']} ({t['clusters']} clusters): best model, 95 % CI")
    for ax, title in zip(axes, ("spot price (MAPE)", "spot availability (MAE / capacity)")):
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("lookahead (hours ahead of the last observed slot, log scale)")
        ax.set_ylabel("skill = 1 − error / best-constant error")
        ax.set_title(f"{title}: thick = best model with bootstrap band;\nthin: last (—), "
                     "holt-winters (--), ar (-·), seasonal (··)", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes:
        ax.set_ylim(-1.25, 1.05)
    axes[1].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    save_png(fig, png, "a_predictability/plot.py")

    def fmt_skill(s, lo, hi):
        return f"{s:.3f} [{lo:.3f}, {hi:.3f}]"

    lines = ["| trace | tick | clusters | lookahead | best price model: MAPE | constant: MAPE | "
             "price skill [95 % CI] | best availability model: MAE/cap | constant: MAE/cap | "
             "availability skill [95 % CI] |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    every = ["| quantity | trace | lookahead | " + " | ".join(MODELS) + " | per-cluster skill of the "
             "best: median (min–max) |", "|---|---|---|" + "---|" * len(MODELS) + "---|"]
    for t in traces:
        w = t["window"]
        ks = sorted({1 if w > 1 else 0, min(w - 1, int(round(3600 / t["tick"])) - 1), w - 1})
        for k in ks:
            hours = (k + 1) * t["tick"] / 3600
            cells = []
            for quantity in ("price", "avail"):
                entries = [(m, v) for (m, q), v in t["models"].items() if q == quantity]
                m, (model, skill, lo, hi, per) = min(entries, key=lambda e: e[1][0][:, k].mean())
                ref = t[f"ref_{quantity}"][:, k].mean()
                if quantity == "price":
                    cells.append(f"{m}: {model[:, k].mean():.3g} % | {ref:.3g} % | "
                                 f"{fmt_skill(skill[k], lo[k], hi[k])}")
                else:
                    cells.append(f"{m}: {model[:, k].mean():.3f} | {ref:.3f} | "
                                 f"{fmt_skill(skill[k], lo[k], hi[k])}")
                row = [f"{quantity}", t["label"], f"{hours:.2f} h (k={k})"]
                for name in MODELS:
                    if (name, quantity) in t["models"]:
                        _, s, l_, h_, _ = t["models"][(name, quantity)]
                        row.append(fmt_skill(s[k], l_[k], h_[k]))
                    else:
                        row.append("–")
                pc = per[:, k]
                row.append(f"{np.nanmedian(pc):.3f} ({np.nanmin(pc):.3f} to {np.nanmax(pc):.3f})")
                every.append("| " + " | ".join(row) + " |")
            lines.append(f"| {t['label']} | {t['tick']:g} s | {t['clusters']} | {hours:.2f} h (k={k}) | "
                         + " | ".join(cells) + " |")
    every[2:] = sorted(every[2:], key=lambda line: line.split("|")[1] != " price ")
    flat = [f"{t['label']}: {int((t['ref_price'] == 0).all(axis=1).sum())} of {t['clusters']}"
            for t in traces]
    text = ("\n".join(lines) + "\n\nWindows whose price never changes (no error for the constant or "
            "any model; they add nothing to the price skill): " + "; ".join(flat) + ".\n\n"
            "Skill of every model, [95 % CI] over clusters:\n\n" + "\n".join(every) + "\n")
    temp = f"{md}.partial-{os.getpid()}"
    with open(temp, "w") as out:
        out.write(text)
    os.replace(temp, md)


if __name__ == "__main__":
    main()

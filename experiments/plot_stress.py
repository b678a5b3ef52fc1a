#!/usr/bin/python3
"""Regret by round for every market setting of a `spotsweep stress` file, in one figure
(docs/stress.md): what `spotsweep stress --png OUT.png` draws.

Usage: /usr/bin/python3 experiments/plot_stress.py STRESS.h5 OUT.png [--title TEXT]

Left: the selector's regret (USD, mean over scenarios) by round, one line per setting (the
median over seeds) with a band from the lowest to the highest seed; the y axis fits the regret,
and each setting's bound at the last round is written beside it, so that the regret stays
readable under a bound 5 to 20 times larger. Right: regret / bound, the number the suite compares
across adversaries, with the same bands. The stationary control is black and dashed. Written to a
temporary name and renamed.
"""
import argparse
import os
import sys

try:
    import h5py
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError as exc:
    sys.exit(f"plot_stress: error: {exc.name} is missing; install python3-h5py and python3-matplotlib "
             "and run with /usr/bin/python3")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def short_labels(labels, adversaries):
    """Each label with only the settings that vary among its adversary's runs."""
    tokens = [label.split()[1:] for label in labels]
    out = []
    for i, (adversary, own) in enumerate(zip(adversaries, tokens)):
        keep = []
        for token in own:
            key = token.split("=", 1)[0]
            values = {t for j, a in enumerate(adversaries) if a == adversary for t in tokens[j]
                      if t.split("=", 1)[0] == key}
            if len(values) > 1:
                keep.append(token)
        out.append(" ".join([adversary] + keep))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stress")
    parser.add_argument("png")
    parser.add_argument("--title", default=None)
    a = parser.parse_args()
    try:
        f = h5py.File(a.stress, "r")
    except OSError as exc:
        sys.exit(f"plot_stress: error: {a.stress}: cannot open as HDF5 ({exc})")
    with f:
        s = f["summary"]
        labels = [text(x) for x in s["label"][:]]
        adversaries = [text(x) for x in s["adversary"][:]]
        groups = [text(x) for x in s["group"][:]]
        seeds = s["seed"][:]
        pool = int(f.attrs["pool_size"])
        feedback = text(f.attrs.get("feedback", ""))
        curves = []
        for g in groups:
            run = f[g]
            # [seed][scenario][round] → [seed][round], the mean over scenarios.
            curves.append((run["regret"][()].mean(axis=1), run["regret_bound"][()].mean(axis=1)))
        rounds = curves[0][0].shape[1]
    labels = short_labels(labels, adversaries)
    r = np.arange(1, rounds + 1)
    colours = plt.get_cmap("tab10" if len(labels) <= 10 else "tab20")
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2), dpi=110, layout="constrained")
    top = 0.0
    bound_notes = []
    for i, (label, adversary, (regret, bound)) in enumerate(zip(labels, adversaries, curves)):
        stationary = adversary == "stationary"
        colour = "black" if stationary else colours(i % colours.N)
        style = "--" if stationary else "-"
        median = np.median(regret, axis=0)
        left.plot(r, median, style, color=colour, linewidth=1.6 if stationary else 1.2, label=label)
        ratio = regret / np.where(bound > 0, bound, np.nan)
        right.plot(r, np.nanmedian(ratio, axis=0), style, color=colour, linewidth=1.6 if stationary else 1.2,
                   label=label)
        if regret.shape[0] > 1:
            left.fill_between(r, regret.min(axis=0), regret.max(axis=0), color=colour, alpha=0.15, linewidth=0)
            right.fill_between(r, np.nanmin(ratio, axis=0), np.nanmax(ratio, axis=0), color=colour, alpha=0.15,
                               linewidth=0)
        top = max(top, float(regret.max()))
        bound_notes.append((float(np.median(bound[:, -1])), colour))
    left.set_ylim(bottom=min(0.0, left.get_ylim()[0]), top=top * 1.25 if top > 0 else 1.0)
    # The bounds, far above the regret, as values at the right edge rather than lines.
    lowest = min(b for b, _ in bound_notes)
    left.text(0.99, 0.02, f"Hedge's bound at round {rounds}: {lowest:,.0f} USD or more\n(above this axis; "
              "right panel: regret / bound)", transform=left.transAxes, ha="right", va="bottom", fontsize=8)
    left.set_xlabel("round (jobs played)")
    left.set_ylabel("regret, mean over scenarios (USD)")
    left.grid(alpha=0.3)
    right.set_xlabel("round (jobs played)")
    right.set_ylabel("regret / bound (median over seeds)")
    right.set_ylim(bottom=min(0.0, right.get_ylim()[0]))
    right.grid(alpha=0.3)
    # The regret panel's upper left is empty: its y axis leaves a quarter above the regret.
    left.legend(fontsize=7, loc="upper left", ncol=1 if len(labels) <= 8 else 2)
    band = f"bands: lowest to highest of {len(seeds)} seeds" if len(seeds) > 1 else "one seed: no band"
    fig.suptitle(a.title or f"Selector regret by market setting ({pool} members, {feedback} feedback; {band})",
                 fontsize=10)
    temp = f"{a.png}.partial-{os.getpid()}.png"
    try:
        fig.savefig(temp)
        os.replace(temp, a.png)
    except OSError as exc:
        if os.path.exists(temp):
            os.remove(temp)
        sys.exit(f"plot_stress: error: {a.png}: cannot write ({exc})")


if __name__ == "__main__":
    main()

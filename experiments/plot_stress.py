#!/usr/bin/python3
"""Regret by round for every market setting of a `spotsweep stress` file, in one figure
(docs/stress.md): what `spotsweep stress --png OUT.png` draws.

Usage: /usr/bin/python3 experiments/plot_stress.py STRESS.h5 OUT.png [--title TEXT]

Left: the learner's regret (USD, mean over scenarios) by round, one line per setting (the
median over seeds) with a band from the lowest to the highest seed, and the uniform mixture's
regret (a learner that never learns; dotted, same colour, when it fits within 4x the learner's,
else its range written on the axis); the y axis fits the regret, and the learner's bounds at the
last round are written on it, so that the regret stays readable under a bound 5 to 20 times
larger. Follow-the-leader's final regret is in the summary
(final_ftl_regret). Right: regret / bound, the number the suite compares
across adversaries, with the same bands. The stationary control is black and dashed. Written to a
temporary name and renamed.
"""
import argparse
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

from plotting import save_png, text


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
        learner = text(f.attrs.get("learner", f.attrs.get("feedback", "")))
        delay = text(f.attrs.get("feedback_delay", ""))
        fed = {"finish": ", fed back when each job ends", "none": ", fed back at once"}.get(delay, "")
        curves = []
        for g in groups:
            run = f[g]
            # [seed][scenario][round] → [seed][round], the mean over scenarios.
            uniform = run["uniform_regret"][()].mean(axis=1) if "uniform_regret" in run else None
            curves.append((run["regret"][()].mean(axis=1), run["regret_bound"][()].mean(axis=1), uniform))
        rounds = curves[0][0].shape[1]
    labels = short_labels(labels, adversaries)
    r = np.arange(1, rounds + 1)
    colours = plt.get_cmap("tab10" if len(labels) <= 10 else "tab20")
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2), dpi=110, layout="constrained")
    top = 0.0
    bottom = 0.0
    uniform_top = 0.0
    uniform_median = []
    bound_notes = []
    for i, (label, adversary, (regret, bound, uniform)) in enumerate(zip(labels, adversaries, curves)):
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
        if uniform is not None:
            uniform_median.append((np.median(uniform, axis=0), colour))
            uniform_top = max(uniform_top, float(uniform_median[-1][0].max()))
        top = max(top, float(regret.max()))
        bottom = min(bottom, float(regret.min()))
        bound_notes.append((float(np.median(bound[:, -1])), colour))
    # The uniform mixture's regret is drawn (dotted) when it fits within 4x the learner's, so that
    # the learner's stays readable; otherwise, as the bounds, its range is written on the axis.
    top = top * 1.25 if top > 0 else 1.0
    notes = []
    if uniform_median and uniform_top <= 4 * top:
        for median, colour in uniform_median:
            left.plot(r, median, ":", color=colour, linewidth=1.0)
        top = max(top, uniform_top * 1.05)
        notes.append("dotted: the uniform mixture's regret")
    elif uniform_median:
        finals = [float(m[-1]) for m, _ in uniform_median]
        notes.append(f"the uniform mixture's regret at round {rounds}: {min(finals):,.0f}–{max(finals):,.0f} USD "
                     "(above this axis)")
    left.set_ylim(bottom=bottom * 1.1 if bottom < 0 else 0.0, top=top)
    bounds = [b for b, _ in bound_notes]
    where = "above this axis; " if min(bounds) > top else ""
    notes.append(f"the learner's bound at round {rounds}: {min(bounds):,.0f}–{max(bounds):,.0f} USD "
                 f"({where}right panel: regret / bound)")
    left.text(0.99, 0.02, "\n".join(notes), transform=left.transAxes, ha="right", va="bottom", fontsize=8)
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
    fig.suptitle(a.title or f"Selector regret by market setting ({pool} members, {learner}{fed}; {band})",
                 fontsize=10)
    save_png(fig, a.png, "plot_stress")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The online selector's run from a `spotsweep select` file (docs/select.md): what
`spotsweep select --png OUT.png` draws.

Usage: /usr/bin/python3 experiments/plot_select.py SELECT.h5 OUT.png [--title TEXT]

Left: regret (USD) by round, the median over scenarios with a band from the lowest to the highest
scenario, the learner's bound (median, black) and the uniform mixture's regret (median, grey
dotted: a selector that never learns); the y axis fits the regret, and a bound or a mixture far
above it is written on the axis rather than drawn. Middle: regret / bound, same bands. Right: how far the weights have
concentrated: the leader's weight and the entropy as a share of ln K (1 = uniform). Written to a
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
    sys.exit(f"plot_select: error: {exc.name} is missing; install python3-h5py and python3-matplotlib "
             "and run with /usr/bin/python3")

from plotting import save_png, text


def band(ax, r, values, colour, label):
    ax.plot(r, np.median(values, axis=0), color=colour, label=label)
    if values.shape[0] > 1:
        ax.fill_between(r, values.min(axis=0), values.max(axis=0), color=colour, alpha=0.2, linewidth=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("select")
    parser.add_argument("png")
    parser.add_argument("--title", default=None)
    a = parser.parse_args()
    try:
        f = h5py.File(a.select, "r")
    except OSError as exc:
        sys.exit(f"plot_select: error: {a.select}: cannot open as HDF5 ({exc})")
    with f:
        g = f["selector"]
        regret = g["regret"][()]
        bound = g["regret_bound"][()]
        entropy = g["entropy"][()]
        leader = g["leader_weight"][()]
        members = int(f.attrs["pool_size"])
        feedback = text(f.attrs.get("feedback", ""))
        eta = text(f.attrs.get("eta_schedule", ""))
        learner = text(f.attrs.get("learner", ""))
        delay = text(f.attrs.get("feedback_delay", ""))
        uniform = g["uniform_regret"][()] if "uniform_regret" in g else None
    scenarios, rounds = regret.shape
    r = np.arange(1, rounds + 1)
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.6), dpi=110, layout="constrained")
    band(left, r, regret, "tab:red", "regret")
    top = float(regret.max()) * 1.3
    top = top if top > 0 else 1.0
    notes = []
    for curve, style, colour, name in ((bound, "-", "black", "the learner's bound"),
                                       (uniform, ":", "grey", "uniform mixture's regret")):
        if curve is None:
            continue
        median = np.median(curve, axis=0)
        if float(median.max()) <= 3 * top:
            left.plot(r, median, style, color=colour, linewidth=1.2, label=name)
            top = max(top, float(median.max()) * 1.05)
        else:
            notes.append(f"{name} at round {rounds}: {median[-1]:,.0f} USD (above this axis)")
    left.set_ylim(bottom=min(0.0, float(regret.min()) * 1.1), top=top)
    if notes:
        left.text(0.99, 0.02, "\n".join(notes), transform=left.transAxes, ha="right", va="bottom", fontsize=8)
    left.legend(fontsize=8, loc="upper left")
    left.set_ylabel("regret (USD)")
    with np.errstate(divide="ignore", invalid="ignore"):
        band(middle, r, regret / np.where(bound > 0, bound, np.nan), "tab:red", "regret / bound")
    middle.set_ylabel("regret / bound")
    middle.set_ylim(bottom=min(0.0, middle.get_ylim()[0]))
    band(right, r, leader, "tab:blue", "leader's weight")
    band(right, r, entropy / np.log(members), "tab:green", "entropy / ln K (1 = uniform)")
    right.set_ylim(0, 1.05)
    right.legend(fontsize=8, loc="center right")
    for ax in (left, middle, right):
        ax.set_xlabel("round (jobs played)")
        ax.grid(alpha=0.3)
    spread = f"median and range over {scenarios} scenarios" if scenarios > 1 else "one scenario"
    how = f"{learner or feedback + ' feedback'}" + (f", {eta} η" if learner in ("", "hedge") else "")
    how += {"finish": ", fed back when each job ends", "none": ", fed back at once"}.get(delay, "")
    fig.suptitle(a.title or f"Online selection over {members} members ({how}; {spread})",
                 fontsize=10)
    save_png(fig, a.png, "plot_select")


if __name__ == "__main__":
    main()

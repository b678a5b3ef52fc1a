#!/usr/bin/python3
"""The online selector's run from a `spotsweep select` file (docs/select.md): what
`spotsweep select --png OUT.png` draws.

Usage: /usr/bin/python3 experiments/plot_select.py SELECT.h5 OUT.png [--title TEXT]

Left: regret (USD) by round, the median over scenarios with a band from the lowest to the highest
scenario; the y axis fits the regret and the bound at the last round is written on it (it is
several times larger). Middle: regret / bound, same bands. Right: how far the weights have
concentrated: the leader's weight and the entropy as a share of ln K (1 = uniform). Written to a
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
    sys.exit(f"plot_select: error: {exc.name} is missing; install python3-h5py and python3-matplotlib "
             "and run with /usr/bin/python3")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


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
    scenarios, rounds = regret.shape
    r = np.arange(1, rounds + 1)
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.6), dpi=110, layout="constrained")
    band(left, r, regret, "tab:red", "regret")
    top = float(regret.max())
    left.set_ylim(bottom=min(0.0, float(regret.min()) * 1.1), top=top * 1.3 if top > 0 else 1.0)
    left.text(0.99, 0.98, f"bound at round {rounds}: {np.median(bound[:, -1]):,.0f} USD (above this axis)",
              transform=left.transAxes, ha="right", va="top", fontsize=8)
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
    fig.suptitle(a.title or f"Online selection over {members} members ({feedback} feedback, {eta} η; {spread})",
                 fontsize=10)
    temp = f"{a.png}.partial-{os.getpid()}.png"
    try:
        fig.savefig(temp)
        os.replace(temp, a.png)
    except OSError as exc:
        if os.path.exists(temp):
            os.remove(temp)
        sys.exit(f"plot_select: error: {a.png}: cannot write ({exc})")


if __name__ == "__main__":
    main()

"""Renders a heatmap file written by `spotsweep heatmap --out PREFIX` as a PNG (docs/heatmap.md).

Usage: /usr/bin/python3 experiments/plot_heatmap.py PREFIX.h5 OUT.png [--title TEXT]

Axes are labelled with their units, the colour bar with the metric's, the best cell is
ringed, and cells whose stability drop exceeds a quarter of the colour range are hatched
(brittle: a neighbour is much worse). Written to a temporary name and renamed.
"""
import argparse
import os
import sys
import textwrap

try:
    import h5py
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.patches
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError as exc:  # one line, as every spotsweep error
    sys.exit(f"plot_heatmap: error: {exc.name} is missing; install python3-h5py and python3-matplotlib "
             "and run with /usr/bin/python3")

METRIC_LABELS = {
    "utility": "mean utility",
    "cost": "mean cost",
    "miss_rate": "miss rate",
    "regret": "regret vs OPT",
    "improvement": "improvement over baseline",
}


def text(value):
    """h5py gives str for variable-length UTF-8; decode defensively in case of bytes."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def axis_label(name, units):
    return f"{name} ({units})" if units else name


def tick_positions(n, most=12):
    step = max(1, int(np.ceil(n / most)))
    return list(range(0, n, step))


def fmt(v):
    return f"{v:.4g}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("heatmap")
    parser.add_argument("png")
    parser.add_argument("--title", default=None)
    a = parser.parse_args()
    try:
        f = h5py.File(a.heatmap, "r")
    except OSError as exc:
        sys.exit(f"plot_heatmap: error: {a.heatmap}: cannot open as HDF5 ({exc})")
    with f:
        attrs = {k: text(v) if isinstance(v, (str, bytes)) else v for k, v in f.attrs.items()}
        x_name, y_name = attrs["x_axis"], attrs["y_axis"]
        x = f[x_name][()]
        y = f[y_name][()]
        value = f["value"][()]
        stability = f["stability"][()]
        best_row, best_col = int(attrs["best_row"]), int(attrs["best_col"])

    metric = attrs["metric"]
    units = attrs["metric_units"]
    fig_w = min(14.0, max(6.5, 0.45 * len(x) + 3.5))
    fig_h = min(11.0, max(4.8, 0.35 * len(y) + 2.8))
    fig, ax = plt.subplots(figsize=(fig_w, fig_h), dpi=110)
    cmap = "viridis" if attrs["better"] == "higher" else "viridis_r"
    finite = value[np.isfinite(value)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    image = ax.imshow(value, origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                      interpolation="nearest")
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(f"{METRIC_LABELS.get(metric, metric)} ({units}), {attrs['better']} is better")

    # Brittle cells: a neighbour is worse by more than a quarter of the colour range; marked
    # by a small triangle in the cell's corner so the value stays readable.
    brittle = np.isfinite(stability) & (stability > 0.25 * (vmax - vmin))
    rows, cols = np.nonzero(brittle)
    if rows.size and rows.size <= 2500:
        ax.scatter(cols - 0.33, rows + 0.3, marker="v", s=18, c="white", edgecolors="black", linewidths=0.6,
                   label="brittle: a neighbour is worse by > 25 % of the colour range")

    xt = tick_positions(len(x))
    yt = tick_positions(len(y))
    ax.set_xticks(xt)
    ax.set_xticklabels([fmt(x[i]) for i in xt], rotation=45 if len(x) > 8 else 0, ha="right" if len(x) > 8 else "center")
    ax.set_yticks(yt)
    ax.set_yticklabels([fmt(y[i]) for i in yt])
    ax.set_xlabel(axis_label(x_name, attrs.get("x_units", "")))
    ax.set_ylabel(axis_label(y_name, attrs.get("y_units", "")))

    # Annotate values when the grid is small enough to read them.
    if len(x) * len(y) <= 120:
        # Enough decimals to tell the cells apart: three significant digits of the colour range.
        decimals = int(min(4, max(0, 2 - np.floor(np.log10(vmax - vmin)))))
        for r in range(len(y)):
            for c in range(len(x)):
                v = value[r, c]
                if np.isfinite(v):
                    shade = (v - vmin) / (vmax - vmin)
                    if attrs["better"] != "higher":
                        shade = 1 - shade
                    ax.text(c, r, f"{v:.{decimals}f}", ha="center", va="center", fontsize=7,
                            color="black" if shade > 0.55 else "white")
    if best_row >= 0:
        ax.add_patch(matplotlib.patches.Rectangle((best_col - 0.5, best_row - 0.5), 1, 1, fill=False,
                                                  edgecolor="red", linewidth=2.5))
        # A proxy artist for the legend entry of the rectangle.
        ax.plot([], [], marker="s", markersize=10, markerfacecolor="none", markeredgecolor="red",
                markeredgewidth=2, linestyle="none",
                label=f"best: {y_name} = {fmt(y[best_row])}, {x_name} = {fmt(x[best_col])}: "
                f"{fmt(value[best_row, best_col])} {units}")
    # Below the tick labels (rotated ones need more room), at a fixed distance in inches.
    below = (0.55 + (0.35 if len(x) > 8 else 0.0)) / (0.75 * fig_h)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -below), fontsize=8, frameon=False, ncol=1)
    title = a.title or f"{attrs['family']}: {METRIC_LABELS.get(metric, metric)}"
    subtitle = f"{attrs['reduction']}" + (f"; baseline {attrs['baseline']}" if attrs.get("baseline") else "")
    width = int(fig_w * 11)
    ax.set_title("\n".join([title] + textwrap.wrap(subtitle, width)), fontsize=10)
    fig.tight_layout()
    temp = f"{a.png}.partial-{os.getpid()}.png"
    try:
        fig.savefig(temp)
        os.replace(temp, a.png)
    except OSError as exc:
        if os.path.exists(temp):
            os.remove(temp)
        sys.exit(f"plot_heatmap: error: {a.png}: cannot write ({exc})")


if __name__ == "__main__":
    main()

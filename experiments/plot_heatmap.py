"""Renders a heatmap file written by `spotsweep heatmap --out PREFIX` as a PNG (docs/heatmap.md).

Usage: /usr/bin/python3 experiments/plot_heatmap.py PREFIX.h5 OUT.png [--title TEXT]

One panel per facet value (--facet), each with the metric and, beside it, its standard error.
A signed metric (improvement, regret, or any map whose values straddle zero) uses a diverging
colour map centred at zero, blue on the better side; an unsigned one a sequential map. A map
whose cells all hold the same value is drawn in one neutral colour and names no best cell. Axes
whose values are evenly (or geometrically) spaced are drawn at their true values; others are
drawn evenly spaced and the axis label says the spacing is categorical. The best cell is framed,
and cells whose stability drop exceeds a quarter of the colour range are marked with a triangle.
Written to a temporary name and renamed.
"""
import argparse
import sys
import textwrap

try:
    import h5py
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.colors
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
    "regret": "regret against OPT",
    "improvement": "improvement over the baseline",
}
SIGNED = {"improvement", "regret"}


from plotting import save_png, text


def fmt(v):
    return f"{v:.4g}"


def spacing(values):
    """'linear' or 'log' when the values are evenly spaced on that scale, else 'categorical'."""
    v = np.asarray(values, dtype=float)
    if v.size < 3:
        return "linear" if v.size == 2 or v.size == 1 else "categorical"
    if np.all(np.diff(v) > 0):
        d = np.diff(v)
        if np.allclose(d, d[0], rtol=1e-6, atol=0):
            return "linear"
        if np.all(v > 0):
            r = v[1:] / v[:-1]
            if np.allclose(r, r[0], rtol=1e-6, atol=0):
                return "log"
    return "categorical"


def edges(values, kind):
    """Cell edges for pcolormesh: midpoints on the axis's own scale (index positions if categorical)."""
    v = np.asarray(values, dtype=float)
    if kind == "categorical" or v.size == 1:
        pos = np.arange(v.size, dtype=float) if kind == "categorical" else v
        half = 0.5 if kind == "categorical" else (0.5 if v[0] == 0 else 0.1 * abs(v[0]))
        return np.concatenate([[pos[0] - half], (pos[1:] + pos[:-1]) / 2, [pos[-1] + half]]) if pos.size > 1 \
            else np.array([pos[0] - half, pos[0] + half])
    if kind == "log":
        lv = np.log(v)
        mid = (lv[1:] + lv[:-1]) / 2
        step = lv[1] - lv[0]
        return np.exp(np.concatenate([[lv[0] - step / 2], mid, [lv[-1] + step / 2]]))
    step = v[1] - v[0]
    return np.concatenate([[v[0] - step / 2], (v[1:] + v[:-1]) / 2, [v[-1] + step / 2]])


def centres(values, kind):
    v = np.asarray(values, dtype=float)
    return np.arange(v.size, dtype=float) if kind == "categorical" else v


def axis_label(name, units, kind):
    label = f"{name} ({units})" if units else name
    if kind == "log":
        return label + ", log scale"
    return label + ("\n(categorical spacing: values not to scale)" if kind == "categorical" else "")


def set_ticks(ax, which, values, kind, most=12):
    pos = centres(values, kind)
    step = max(1, int(np.ceil(len(values) / most)))
    ticks = list(range(0, len(values), step))
    setter = ax.set_xticks if which == "x" else ax.set_yticks
    labels = ax.set_xticklabels if which == "x" else ax.set_yticklabels
    if kind == "log":
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
        getattr(ax, f"{which}axis").set_minor_locator(matplotlib.ticker.NullLocator())
    setter([pos[i] for i in ticks])
    rotate = which == "x" and len(ticks) > 8
    labels([fmt(values[i]) for i in ticks], rotation=45 if rotate else 0,
           ha="right" if rotate else "center" if which == "x" else "right")


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
        metric = attrs["metric"]
        name = metric if metric in f else "value"  # files of earlier versions called it value
        x_name, y_name = attrs["x_axis"], attrs["y_axis"]
        facet_name = attrs.get("facet_axis", "")
        x = f[x_name][()]
        y = f[y_name][()]
        value = f[name][()]
        se = f[f"{metric}_se"][()] if f"{metric}_se" in f else np.full(value.shape, np.nan)
        stability = f["stability"][()]
        facets = f[facet_name][()] if facet_name else np.array([0.0])
        best = (int(attrs.get("best_facet", 0)), int(attrs["best_row"]), int(attrs["best_col"]))
        all_equal = bool(int(attrs.get("all_equal", 0)))
        se_method = attrs.get("se_method", "")
        facet_units = f[facet_name].attrs.get("units", "") if facet_name else ""
    if value.ndim == 2:
        value, se, stability = value[None], se[None], stability[None]
    units = attrs["metric_units"]
    higher = attrs["better"] == "higher"
    x_kind, y_kind = spacing(x), spacing(y)

    finite = value[np.isfinite(value)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    signed = metric in SIGNED or (vmin < 0 < vmax)
    if all_equal or vmin == vmax:
        cmap = matplotlib.colors.ListedColormap(["#d9d9d9"])
        norm = matplotlib.colors.Normalize(vmin=vmin - 1, vmax=vmax + 1)
    elif signed:
        # Zero is white; the better side is blue.
        cmap = "RdBu" if higher else "RdBu_r"
        limit = max(abs(vmin), abs(vmax))
        norm = matplotlib.colors.TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)
    else:
        cmap = "viridis" if higher else "viridis_r"
        norm = matplotlib.colors.Normalize(vmin=vmin, vmax=vmax)
    se_finite = se[np.isfinite(se)]
    have_se = se_finite.size > 0
    colour_range = (vmax - vmin) if vmax > vmin else 1.0

    n_facets = value.shape[0]
    cols_per_facet = 2 if have_se else 1
    panel_w = min(7.0, max(3.8, 0.42 * len(x) + 2.2))
    panel_h = min(7.0, max(3.2, 0.32 * len(y) + 2.0))
    fig, axes = plt.subplots(n_facets, cols_per_facet, figsize=(panel_w * cols_per_facet + 1.6,
                                                                 panel_h * n_facets + 2.2),
                             dpi=110, squeeze=False, layout="constrained")
    xe, ye = edges(x, x_kind), edges(y, y_kind)
    xc, yc = centres(x, x_kind), centres(y, y_kind)
    image = se_image = None
    for fi in range(n_facets):
        ax = axes[fi, 0]
        image = ax.pcolormesh(xe, ye, value[fi], cmap=cmap, norm=norm, shading="flat")
        brittle = np.isfinite(stability[fi]) & (stability[fi] > 0.25 * colour_range) & ~all_equal
        rows, cols = np.nonzero(brittle)
        if rows.size and rows.size <= 2500:
            dx = np.diff(xe)[cols] * 0.32
            dy = np.diff(ye)[rows] * 0.28
            ax.scatter(xc[cols] - dx, yc[rows] + dy, marker="v", s=70, c="white", edgecolors="black",
                       linewidths=0.9, zorder=3,
                       label="brittle: a neighbour is worse by > 25 % of the colour range")
        if len(x) * len(y) <= 120:
            decimals = int(min(4, max(0, 2 - np.floor(np.log10(colour_range))))) if not all_equal else 3
            for r in range(len(y)):
                for c in range(len(x)):
                    v = value[fi, r, c]
                    if not np.isfinite(v):
                        continue
                    shade = norm(v) if not all_equal else 0.5
                    dark = abs(shade - 0.5) > 0.3 if signed else (shade < 0.45 if higher else shade > 0.55)
                    label = f"{v:.{decimals}f}"
                    if np.isfinite(se[fi, r, c]) and len(x) * len(y) <= 48:
                        label += f"\n±{se[fi, r, c]:.{max(decimals, 1)}f}"
                    ax.text(xc[c], yc[r], label, ha="center", va="center", fontsize=7,
                            color="white" if dark else "black", zorder=4)
        if best[1] >= 0 and best[0] == fi:
            r, c = best[1], best[2]
            ax.add_patch(matplotlib.patches.Rectangle((xe[c], ye[r]), xe[c + 1] - xe[c], ye[r + 1] - ye[r],
                                                      fill=False, edgecolor="black", linewidth=2.5, zorder=5))
            ax.plot([], [], marker="s", markersize=10, markerfacecolor="none", markeredgecolor="black",
                    markeredgewidth=2, linestyle="none",
                    label=f"best: {facet_name + ' = ' + fmt(facets[fi]) + ', ' if facet_name else ''}"
                    f"{y_name} = {fmt(y[r])}, {x_name} = {fmt(x[c])}: {fmt(value[fi, r, c])} {units}")
        set_ticks(ax, "x", x, x_kind)
        set_ticks(ax, "y", y, y_kind)
        ax.set_xlabel(axis_label(x_name, attrs.get("x_units", ""), x_kind))
        ax.set_ylabel(axis_label(y_name, attrs.get("y_units", ""), y_kind))
        panel = f"{facet_name} = {fmt(facets[fi])}" + (f" {facet_units}" if facet_units else "") \
            if facet_name else METRIC_LABELS.get(metric, metric)
        if all_equal:
            panel += f": every cell = {fmt(vmin)} {units}"
        ax.set_title(panel, fontsize=9)
        if have_se:
            sax = axes[fi, 1]
            # From zero, so that a uniform error reads as uniform; light enough for its labels.
            se_top = float(se_finite.max()) * 1.6 if se_finite.max() > 0 else 1.0
            se_image = sax.pcolormesh(xe, ye, se[fi], cmap="Greys", shading="flat", vmin=0.0, vmax=se_top)
            if len(x) * len(y) <= 120:
                for r in range(len(y)):
                    for c in range(len(x)):
                        if np.isfinite(se[fi, r, c]):
                            sax.text(xc[c], yc[r], f"{se[fi, r, c]:.3g}", ha="center", va="center",
                                     fontsize=7, color="black", zorder=4)
            set_ticks(sax, "x", x, x_kind)
            set_ticks(sax, "y", y, y_kind)
            sax.set_xlabel(axis_label(x_name, attrs.get("x_units", ""), x_kind))
            sax.set_title("standard error" + (f", {facet_name} = {fmt(facets[fi])}" if facet_name else ""),
                          fontsize=9)
    bar = fig.colorbar(image, ax=list(axes[:, 0]), shrink=0.85)
    if all_equal or vmin == vmax:
        bar.set_ticks([vmin])
    bar.set_label(f"{METRIC_LABELS.get(metric, metric)} ({units})\n{attrs['better']} is better"
                  + (", 0 is white" if signed and not all_equal else ""))
    if se_image is not None:
        sbar = fig.colorbar(se_image, ax=list(axes[:, 1]), shrink=0.85)
        sbar.set_label(f"standard error ({units})")
    handles, labels = axes[best[0] if best[1] >= 0 else 0, 0].get_legend_handles_labels()
    notes = []
    notes.append(f"±: {se_method or 'standard error not available'}")
    if all_equal:
        notes.append("all cells tie: no best cell")
    baseline = f" over {attrs['baseline']}" if attrs.get("baseline") else ""
    title = a.title or f"{attrs['family']}: {METRIC_LABELS.get(metric, metric)}"
    width = int((panel_w * cols_per_facet + 1.6) * 13.5)
    lines = textwrap.wrap(title, width)
    for extra in ([f"baseline: {attrs['baseline']}"] if baseline and not a.title else []) + \
            [f"other axes: {attrs['reduction']}"] + notes:
        lines += textwrap.wrap(extra, width)
    fig.suptitle("\n".join(lines), fontsize=9)
    if handles:
        # Below the panels: the layout keeps a strip at the bottom for it.
        strip = 0.04 * len(handles) * 6.0 / fig.get_figheight()
        fig.get_layout_engine().set(rect=(0.0, strip, 1.0, 1.0 - strip))  # left, bottom, width, height
        fig.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.02, 0.0), fontsize=8,
                   frameon=False, ncol=1)
    save_png(fig, a.png, "plot_heatmap")


if __name__ == "__main__":
    main()

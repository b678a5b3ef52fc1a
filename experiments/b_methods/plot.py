"""Experiment (b): throughput curves and the utility of every method, one figure and one table.

Usage: /usr/bin/python3 plot.py OUT.png OUT.md WORKLOAD:MARKET=SWEEP.h5 [...]

Each SWEEP.h5 is `spotsweep sweep --per-scenario` of config.toml for one workload and market.
Methods: the best constant on-demand count, Greedy and Uniform Progress at d, PF at its default
parameters and PF tuned in hindsight (best of its grid), CHC(24, 4) with perfect and with noisy
forecasts, and OPT (the achieved lower bound of the exact DP). The standard error is over the
scenarios' means (jobs in one scenario share a market window).
"""
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fit  # noqa: E402


def family_member(f, family, **where):
    """Index tuple of the member of `family` whose axes have the given values."""
    g = f["families"][family]
    ds = g["utility_mean"]
    index = []
    for d, dim in enumerate(ds.dims):
        name = dim.label
        values = list(g[name][()])
        index.append(values.index(where[name]) if name in where else 0)
    return tuple(index)


def row(f, family, index, label):
    g = f["families"][family]
    per_scenario = g["scenario_utility_mean"][index]
    s = len(per_scenario)
    return dict(method=label, utility=float(g["utility_mean"][index]), cost=float(g["cost_mean"][index]),
                miss=float(g["miss_rate"][index]),
                se=float(np.std(per_scenario, ddof=1) / np.sqrt(s)) if s > 1 else float("nan"))


def methods(path):
    with h5py.File(path, "r") as f:
        rows = [row(f, "on_demand", (0,), "on-demand"),
                row(f, "greedy", (0,), "Greedy"),
                row(f, "uniform_progress", (0,), "Uniform Progress"),
                row(f, "pf", family_member(f, "pf", theta=0.7, kappa=0.9), "PF default")]
        pf = f["families/pf/utility_mean"][()]
        best = np.unravel_index(int(np.argmax(pf)), pf.shape)
        r = row(f, "pf", best, "PF tuned")
        r["method"] += f" (θ={f['families/pf/theta'][best[0]]:g}, κ={f['families/pf/kappa'][best[1]]:g})"
        rows.append(r)
        rows.append(row(f, "chc", family_member(f, "chc", eps=0.0), "CHC ε=0"))
        rows.append(row(f, "chc", family_member(f, "chc", eps=0.2), "CHC ε=0.2"))
        opt = f["opt/utility_lower"][()]
        scen = opt.mean(axis=1)
        upper = float(f["opt/utility_upper"][()].mean())
        rows.append(dict(method=f"OPT (bracket upper {upper:.2f})", utility=float(opt.mean()), cost=float("nan"), miss=float("nan"),
                         se=float(np.std(scen, ddof=1) / np.sqrt(len(scen))) if len(scen) > 1 else float("nan")))
        jobs = int(f.attrs["scenarios"]) * int(f.attrs["rounds"])
        tick = float(f["workload"].attrs["tick_seconds"])
    return rows, jobs, tick


def main():
    png, md, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    curves = {w["name"]: w for w in fit.workloads()}
    results = []
    for spec in specs:
        key, path = spec.split("=", 1)
        name, market = key.split(":")
        rows, jobs, tick = methods(path)
        results.append((name, market, rows, jobs, tick))

    fig, (ax_h, ax_u) = plt.subplots(1, 2, figsize=(15, 5.8), dpi=110, gridspec_kw={"width_ratios": [1, 2.2]})
    n = np.arange(1, 65)
    for colour, w in zip(("tab:blue", "tab:red"), curves.values()):
        ax_h.plot(n, w["alpha"] * n + w["beta"], color=colour,
                  label=f"{w['label']}: H(n) = {w['alpha']:.3f}·n + {w['beta']:.3f}")
        pts = {int(k): v for k, v in w["points"].items()}
        ax_h.scatter(list(pts), list(pts.values()), color=colour, marker="o", s=25,
                     label=f"shape: {w['shape_source']}")
        ax_h.scatter([1], [w["anchor"]["1"]], color=colour, marker="*", s=120, edgecolors="black",
                     label=f"scale: {w['scale_source']}")
    ax_h.set_xlim(0, 66)
    ax_h.set_ylim(0, None)
    ax_h.set_xlabel("GPUs n")
    ax_h.set_ylabel("throughput H(n) (samples/s)")
    ax_h.set_title("throughput curves (published points, scaled)", fontsize=10)
    ax_h.legend(fontsize=6.5, loc="upper left")
    ax_h.grid(alpha=0.3)

    labels = [r["method"].split(" (")[0] for r in results[0][2]]
    width = 0.8 / len(labels)
    cmap = plt.get_cmap("tab10")
    for i, label in enumerate(labels):
        xs = np.arange(len(results)) + (i - (len(labels) - 1) / 2) * width
        ys = [res[2][i]["utility"] for res in results]
        es = [res[2][i]["se"] for res in results]
        ax_u.bar(xs, ys, width, yerr=es, capsize=2, color=cmap(i), label=label)
    ax_u.set_xticks(np.arange(len(results)))
    ax_u.set_xticklabels([f"{curves[nm]['label']}\non {mk} ({jobs} jobs)" for nm, mk, _, jobs, _ in results], fontsize=8)
    ax_u.set_ylabel("mean utility V(T) − cost (USD), ± 1 SE over scenarios")
    ax_u.set_title("utility of every method (job: 3–5 h on 8 on-demand GPUs, d = 8 h, γ = 1.5, V̄ ~ U(150, 250) USD)",
                   fontsize=10)
    ax_u.axhline(0, color="black", linewidth=0.6)
    ax_u.legend(fontsize=8, ncol=4, loc="lower center", bbox_to_anchor=(0.5, -0.3), frameon=False)
    ax_u.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png)

    out = []
    for name, market, rows, jobs, tick in results:
        opt = rows[-1]["utility"]
        out.append(f"**{curves[name]['label']}** (H(n) = {curves[name]['alpha']:.4f}·n + {curves[name]['beta']:.4f} "
                   f"samples/s) on **{market}** ({tick:g} s slots, {jobs} jobs)\n")
        out.append("| method | mean utility (USD) ± SE | mean cost (USD) | miss rate | share of OPT |")
        out.append("|---|---|---|---|---|")
        for r in rows:
            cost = "–" if np.isnan(r["cost"]) else f"{r['cost']:.2f}"
            miss = "–" if np.isnan(r["miss"]) else f"{r['miss']:.3f}"
            share = f"{100 * r['utility'] / opt:.1f} %" if opt > 0 else "–"
            out.append(f"| {r['method']} | {r['utility']:.2f} ± {r['se']:.2f} | {cost} | {miss} | {share} |")
        out.append("")
        # Sanity (the smoke test relies on it): finite utilities, rates in [0, 1], and no
        # method above OPT's upper bound by more than the lattice slack.
        for r in rows:
            assert np.isfinite(r["utility"]), r
            assert np.isnan(r["miss"]) or 0 <= r["miss"] <= 1, r
    open(md, "w").write("\n".join(out))


if __name__ == "__main__":
    main()

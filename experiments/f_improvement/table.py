#!/usr/bin/python3
"""Experiment (f): the selector's paired relative improvement over each baseline; figure + table.

Usage: /usr/bin/python3 table.py OUT.png OUT.md MARKET:JOB=SELECT.h5+SWEEP.h5,SELECT.h5+SWEEP.h5,...

One SELECT.h5+SWEEP.h5 pair per seed: `spotsweep select` over the pool (baselines included) and
`spotsweep sweep` of the same pool file, every member traced, OPT on a stated lattice. The unit
of the bootstrap is a (seed, window) cluster of T jobs (experiments/paired.py): the selector's
expected utility per job (Σ_k p_k u_k, learning included) against a baseline's utility on the
same job. Improvement over b = (mean U_sel − mean U_b) / |mean U_b| with its cluster-bootstrap
95 % interval.
"""
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from paired import bootstrap, mean_interval  # noqa: E402

BASELINES = ["on-demand", "Greedy", "Uniform Progress", "PF default", "PF best"]
PAPER = 54.8


def local_member(f, family, **where):
    """Global member index of the family's member at the given axis values (others: first)."""
    g = f["families"][family]
    shape = g["utility_mean"].shape
    index = []
    for dim in g["utility_mean"].dims:
        values = list(g[dim.label][()])
        index.append(values.index(where[dim.label]) if dim.label in where else 0)
    return int(g.attrs["first_member"]) + int(np.ravel_multi_index(tuple(index), shape))


def load_seed(select_path, sweep_path):
    with h5py.File(select_path, "r") as f:
        sel = f["selector/expected_utility"][()]
        best_cum = f["selector/best_cumulative"][()]
        K = int(f.attrs["pool_size"])
        weights = f["final/family_weight"][()]
        fams = [x.decode() if isinstance(x, bytes) else str(x) for x in f["final/family"][()]]
    with h5py.File(sweep_path, "r") as f:
        members = list(f["traced_members/member"][()])
        assert members == list(range(K)), (sweep_path, members, K)
        util = f["traced_members/utility"][()]  # [member][scenario][round]
        index = {"on-demand": local_member(f, "on_demand"), "Greedy": local_member(f, "greedy"),
                 "Uniform Progress": local_member(f, "uniform_progress"),
                 "PF default": local_member(f, "pf", theta=0.7, kappa=0.9)}
        pf_first = int(f["families/pf"].attrs["first_member"])
        pf_count = int(f["families/pf"].attrs["members"])
        opt = f["opt/utility_lower"][()]
        opt_hi = f["opt/utility_upper"][()]
        resolution = int(f["opt"].attrs.get("progress_resolution", 0))
        split = int(f["opt"].attrs.get("progress_split_steps", 0))
        failures = int(f["opt"].attrs.get("precision_failures", 0))
    # Same jobs: the selector's best fixed member in hindsight is the sweep's best member sum, in
    # every window (the same per-job code on the same draws; a mismatch would show here).
    sums = util.sum(axis=2)  # [member][scenario]
    assert sel.shape == util.shape[1:], (select_path, sel.shape, util.shape)
    assert np.allclose(best_cum[:, -1], sums.max(axis=0), rtol=1e-12, atol=1e-9), \
        (select_path, best_cum[:, -1], sums.max(axis=0))
    return dict(sel=sel, util=util, index=index, pf=list(range(pf_first, pf_first + pf_count)),
                opt=opt, opt_hi=opt_hi, resolution=resolution, split=split, failures=failures,
                weights=weights, families=fams)


def setting(spec):
    key, paths = spec.split("=", 1)
    market, job = key.split(":")
    seeds = [load_seed(*pair.split("+")) for pair in paths.split(",")]
    sel = np.concatenate([s["sel"] for s in seeds])  # [cluster][round], seed-major
    util = np.concatenate([s["util"] for s in seeds], axis=1)  # [member][cluster][round]
    opt = np.concatenate([s["opt"] for s in seeds])
    opt_hi = np.concatenate([s["opt_hi"] for s in seeds])
    index = seeds[0]["index"]
    per = {b: util[k] for b, k in index.items()}
    pf = seeds[0]["pf"]
    pf_best = max(pf, key=lambda k: util[k].mean())  # in hindsight over all clusters: flatters PF
    per["PF best"] = util[pf_best]
    best_per_cluster = util.sum(axis=2).argmax(axis=0)  # the best fixed member of each window
    best = util[best_per_cluster, np.arange(util.shape[1])]
    comps = {b: bootstrap(sel, per[b]) for b in BASELINES}
    comps_best = {b: bootstrap(best, per[b]) for b in BASELINES}
    member_means = util.mean(axis=(1, 2))
    weights = np.concatenate([s["weights"] for s in seeds]).mean(axis=0)
    return dict(market=market, job=job, seeds=len(seeds), clusters=sel.shape[0], T=sel.shape[1],
                K=util.shape[0], sel=mean_interval(sel), sel_c=sel.mean(axis=1), best=float(best.mean()),
                comps=comps, comps_best=comps_best, opt=float(opt.mean()), opt_hi=float(opt_hi.mean()),
                opt_vs_sel=bootstrap(sel, opt), resolution=seeds[0]["resolution"],
                split=seeds[0]["split"],
                failures=sum(s["failures"] for s in seeds),
                beats_opt=int((member_means > opt.mean() + 1e-9).sum()) + int(sel.mean() > opt.mean() + 1e-9),
                pf_best=pf_best - pf[0], weights=dict(zip(seeds[0]["families"], weights)),
                u={b: float(per[b].mean()) for b in BASELINES},
                base_c={b: per[b].mean(axis=1) for b in BASELINES})


def pct(r):
    return (f"{100 * r['rel_mean']:+.1f} % [{100 * r['rel_ci'][0]:+.1f}, {100 * r['rel_ci'][1]:+.1f}]")


def main():
    png, md, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    rows = [setting(s) for s in specs]

    fig, ax = plt.subplots(figsize=(max(8, 2.3 * len(rows) + 3), 6.6), dpi=110)
    width = 0.8 / len(BASELINES)
    cmap = plt.get_cmap("tab10")
    x = np.arange(len(rows))
    for i, b in enumerate(BASELINES):
        xs = x + (i - (len(BASELINES) - 1) / 2) * width
        mid = np.array([100 * r["comps"][b]["rel_mean"] for r in rows])
        lo = np.array([100 * r["comps"][b]["rel_ci"][0] for r in rows])
        hi = np.array([100 * r["comps"][b]["rel_ci"][1] for r in rows])
        ax.errorbar(xs, mid, yerr=[mid - lo, hi - mid], fmt="o", ms=5, capsize=3, color=cmap(i),
                    label=f"over {b}")
        ax.scatter(xs, [100 * r["comps_best"][b]["rel_mean"] for r in rows], marker="_", s=110,
                   color="black", zorder=3,
                   label="best member of each window in hindsight, over the same baseline" if i == 0 else None)
    ax.axhline(PAPER, color="black", linestyle="--", linewidth=1, label=f"paper: up to {PAPER} %")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_yscale("symlog", linthresh=10)
    values = [100 * r[k][b]["rel_ci"][j] for r in rows for b in BASELINES for k in ("comps", "comps_best")
              for j in (0, 1)]
    ax.set_ylim(min(-20.0, 1.5 * min(values)), 2.0 * max(values + [PAPER]))
    ax.set_xticks(x)
    ax.set_xticklabels([f"{r['market']}\n{r['job']} job" for r in rows], fontsize=8.5)
    ax.set_ylabel("(U_selector − U_baseline) / |U_baseline| (%), paired, 95 % bootstrap CI\n"
                  "(symmetric log scale, linear within ±10 %)")
    n = rows[0]
    ax.set_title(f"selector (FlipFlop, delayed feedback, K = {n['K']} incl. the baselines) over each baseline; "
                 f"{n['seeds']} seeds × {n['clusters'] // n['seeds']} windows × T = {n['T']} per setting",
                 fontsize=9.5)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    fig.tight_layout()
    fig.savefig(png)

    out = ["| market | job | clusters × T | selector (USD) [95 % CI] | best member per window in hindsight (USD) | "
           "OPT achieved … upper (USD), bracket | selector / OPT, upper … achieved [95 % CI vs achieved] | "
           "final weight: CHC / PF / on-demand / Greedy / UP |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        bracket = r["opt_hi"] - r["opt"]
        o = r["opt_vs_sel"]
        w = r["weights"]
        lattice = (f"m = {r['resolution']}{', split' if r['split'] else ''}" if r["resolution"] > 0
                   else "L/B")
        out.append(
            f"| {r['market']} | {r['job']} | {r['seeds']}×{r['clusters'] // r['seeds']} × {r['T']} | "
            f"{r['sel']['mean']:.2f} [{r['sel']['ci'][0]:.2f}, {r['sel']['ci'][1]:.2f}] | {r['best']:.2f} | "
            f"{r['opt']:.2f} … {r['opt_hi']:.2f} ({lattice}; {100 * bracket / abs(r['opt']):.2f} %) | "
            f"{100 * r['sel']['mean'] / r['opt_hi']:.1f} … {100 * r['sel']['mean'] / r['opt']:.1f} % "
            f"[{100 * (1 + o['rel_ci'][0]):.1f}, {100 * (1 + o['rel_ci'][1]):.1f}] | "
            + " / ".join(f"{w.get(k, 0):.2f}" for k in ("chc", "pf", "on_demand", "greedy", "uniform_progress"))
            + " |")
    out.append("")
    out.append("Paired relative improvement of the selector over each baseline, (U_sel − U_b)/|U_b| "
               "[cluster-bootstrap 95 % CI] (share of clusters where the selector is better); the "
               "baseline's mean utility per job in USD:")
    out.append("")
    out.append("| market | job | " + " | ".join(f"over {b}" for b in BASELINES) + " |")
    out.append("|---|---|" + "---|" * len(BASELINES))
    for r in rows:
        cells = [f"{pct(r['comps'][b])} ({100 * r['comps'][b]['share_a_better']:.0f} %); {r['u'][b]:.2f}"
                 for b in BASELINES]
        cells[-1] += f" (member pf+{r['pf_best']})"
        out.append(f"| {r['market']} | {r['job']} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Spread over the clusters: the per-cluster relative improvement (mean over the cluster's "
               "T jobs), median [p25, p75] and min to max:")
    out.append("")
    out.append("| market | job | " + " | ".join(f"over {b}" for b in BASELINES) + " |")
    out.append("|---|---|" + "---|" * len(BASELINES))
    for r in rows:
        cells = []
        for b in BASELINES:
            c = 100 * (r["sel_c"] - r["base_c"][b]) / np.abs(r["base_c"][b])
            cells.append(f"{np.median(c):+.1f} % [{np.percentile(c, 25):+.1f}, {np.percentile(c, 75):+.1f}]; "
                         f"{c.min():+.1f} to {c.max():+.1f}")
        out.append(f"| {r['market']} | {r['job']} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("| baseline | median over the settings | range over the settings | settings with the CI above 0 "
               "/ below 0 / containing 0 | largest [95 % CI] (setting) | best member per window in hindsight: "
               "median |")
    out.append("|---|---|---|---|---|---|")
    for b in BASELINES:
        rel = [100 * r["comps"][b]["rel_mean"] for r in rows]
        above = sum(r["comps"][b]["rel_ci"][0] > 0 for r in rows)
        below = sum(r["comps"][b]["rel_ci"][1] < 0 for r in rows)
        top = max(rows, key=lambda r: r["comps"][b]["rel_mean"])
        out.append(f"| {b} | {np.median(rel):+.1f} % | {min(rel):+.1f} to {max(rel):+.1f} % | "
                   f"{above} / {below} / {len(rows) - above - below} of {len(rows)} | "
                   f"{pct(top['comps'][b])} ({top['market']}, {top['job']}) | "
                   f"{np.median([100 * r['comps_best'][b]['rel_mean'] for r in rows]):+.1f} % |")
    out.append("")
    failures = sum(r["failures"] + r["beats_opt"] for r in rows)
    out.append(f"OPT precision: points where a member's or the selector's mean beats OPT's achieved mean: "
               f"{failures}.")
    out.append("")
    for r in rows:
        for v in [r["sel"]["mean"], r["opt"], r["best"]] + list(r["u"].values()):
            assert np.isfinite(v), (r["market"], r["job"])
    open(md, "w").write("\n".join(out))


if __name__ == "__main__":
    main()

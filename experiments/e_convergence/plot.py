#!/usr/bin/python3
"""Experiment (e): the selector's regret at T over seeds, with intervals; figure + tables.

Usage: /usr/bin/python3 plot.py OUT.png OUT.md MARKET=RUN.h5,RUN.h5,... [...]

Each RUN.h5 is `spotsweep select` of (e)'s pool with one learner, feedback delay, η schedule and
workload seed (all runs of a market play the same jobs for a given seed). Runs are grouped by
(learner, delay, η) and their scenarios concatenated in seed order: a cluster is one (seed,
window) selector. Regret is the best fixed member's cumulative utility in hindsight minus the
selector's expected cumulative utility; the bound is the learner's valid bound (docs/select.md,
"The bound"); every run records the uniform mixture's regret (a selector that never learns) and
follow-the-leader's. Intervals: percentile bootstrap over clusters (experiments/paired.py).
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

CURVES = ("expected_utility", "selector_cumulative", "best_cumulative", "best_member", "regret",
          "regret_bound", "uniform_regret", "ftl_regret", "uniform_tightness", "entropy", "leader",
          "leader_weight", "pending")


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def load(path):
    with h5py.File(path, "r") as f:
        g = f["selector"]
        d = {k: g[k][()] for k in CURVES}
        d["K"] = int(f.attrs["pool_size"])
        d["seed"] = int(f.attrs["seed"])
        d["learner"] = text(f.attrs["learner"])
        d["delay"] = text(f.attrs["feedback_delay"])
        d["eta"] = text(f.attrs["eta_schedule"])
        d["feedback"] = text(f.attrs["feedback"])
    d["name"] = d["learner"] + (f" ({d['eta']} η)" if d["learner"] == "hedge" else "")
    return d


def group(paths):
    """Runs grouped by (name, delay) in first-seen order, scenarios concatenated in seed order."""
    runs = {}
    for p in paths:
        d = load(p)
        runs.setdefault((d["name"], d["delay"]), []).append(d)
    out = []
    for (name, delay), ds in runs.items():
        ds.sort(key=lambda d: d["seed"])
        m = {k: np.concatenate([d[k] for d in ds]) for k in CURVES}
        m.update(name=name, delay=delay, feedback=ds[0]["feedback"], K=ds[0]["K"],
                 seeds=[d["seed"] for d in ds])
        m["C"], m["T"] = m["regret"].shape
        out.append(m)
    assert len({(d["K"], d["T"], d["C"], tuple(d["seeds"])) for d in out}) == 1, "runs differ in shape"
    # The same jobs in every run: the best member's cumulative utility does not depend on the learner.
    for d in out[1:]:
        assert np.allclose(d["best_cumulative"], out[0]["best_cumulative"]), d["name"]
    return out


def at_t(x):
    return x[:, -1][:, None]  # [cluster, 1]: one value per cluster, for the bootstrap helpers


def first_half_on_best(d, c):
    """1-based first round at which the final best member holds ≥ 0.5 of the weight, or None."""
    best = d["best_member"][c, -1]
    hit = np.nonzero((d["leader"][c] == best) & (d["leader_weight"][c] >= 0.5))[0]
    return int(hit[0]) + 1 if len(hit) else None


def band(x, rounds, n_boot=2000, seed=0):
    """Pointwise percentile bootstrap band of the mean over clusters of x[:, rounds]."""
    rng = np.random.Generator(np.random.PCG64(seed))
    idx = rng.integers(0, x.shape[0], size=(n_boot, x.shape[0]))
    means = x[:, rounds][idx].mean(axis=1)
    return np.percentile(means, 2.5, axis=0), np.percentile(means, 97.5, axis=0)


def ci_text(r, digits=1):
    return f"{r['mean']:.{digits}f} [{r['ci'][0]:.{digits}f}, {r['ci'][1]:.{digits}f}]"


def main():
    png, md, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    markets = []
    for spec in specs:
        market, paths = spec.split("=", 1)
        markets.append((market, group(paths.split(","))))

    colours = {"adahedge": "tab:red", "flipflop": "tab:purple", "hedge (fixed η)": "tab:blue",
               "hedge (anytime η)": "tab:cyan", "exp3": "tab:olive", "exp3-ada": "tab:brown"}
    fig, axes = plt.subplots(len(markets), 3, figsize=(18, 5.2 * len(markets)), dpi=100, squeeze=False)
    for row, (market, runs) in enumerate(markets):
        T, K, C = runs[0]["T"], runs[0]["K"], runs[0]["C"]
        r = np.arange(1, T + 1)
        grid = np.unique(np.geomspace(1, T, 60).astype(int)) - 1
        default = runs[0]
        ax = axes[row, 0]
        for d in runs:
            style = "-" if d["delay"] == "finish" else ":"
            c = colours.get(d["name"], "grey")
            ax.plot(r, d["regret"].mean(axis=0), style, color=c,
                    label=f"{d['name']}, {'fed back at job end' if d['delay'] == 'finish' else 'no delay'}")
            lo, hi = band(d["regret"], grid)
            ax.fill_between(grid + 1, lo, hi, color=c, alpha=0.15, lw=0)
        ax.plot(r, default["regret_bound"].mean(axis=0), "--", color="black",
                label=f"{default['name']}'s valid bound (delayed)")
        ax.plot(r, default["uniform_regret"].mean(axis=0), color="grey", lw=2.5, alpha=0.6,
                label="uniform mixture (never learns)")
        ax.plot(r, default["ftl_regret"].mean(axis=0), "-.", color="tab:green",
                label="follow the leader (delayed)")
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=10)
        ax.set_ylim(0, None)
        ax.set_xlabel("round r (jobs played, log scale)")
        ax.set_ylabel("regret after r rounds (USD): mean over clusters,\n95 % bootstrap band (linear below 10)")
        ax.set_title(f"{market}: regret (K = {K}, {len(default['seeds'])} seeds, {C} clusters)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6.5, loc="upper left", ncol=2)

        ax = axes[row, 1]
        for d in runs:
            if d["delay"] != "finish":
                continue
            ax.plot(r, d["leader_weight"].mean(axis=0), color=colours.get(d["name"], "grey"), label=d["name"])
        ax2 = ax.twinx()
        ax2.plot(r, default["pending"].mean(axis=0), color="black", alpha=0.35, lw=1)
        ax2.set_ylabel("results pending when the round is played (grey)")
        ax.set_ylim(0, 1.02)
        ax.set_xscale("log")
        ax.set_xlabel("round r (log scale)")
        ax.set_ylabel("weight of the most-weighted member, mean over clusters")
        ax.set_title(f"{market}: concentration of the weights (delayed feedback)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7.5, loc="center right")

        ax = axes[row, 2]
        entries = [(f"{d['name']}\n{'delayed' if d['delay'] == 'finish' else 'no delay'}", d["regret"][:, -1],
                    colours.get(d["name"], "grey")) for d in runs]
        entries.append(("uniform\nmixture", default["uniform_regret"][:, -1], "grey"))
        entries.append((f"{default['name']}'s\nbound", default["regret_bound"][:, -1], "black"))
        rng = np.random.default_rng(0)
        for i, (label, v, c) in enumerate(entries):
            m = mean_interval(v[:, None])
            ax.scatter(i + rng.uniform(-0.18, 0.18, len(v)), np.maximum(v, 0.1), s=9, color=c, alpha=0.5)
            ax.errorbar(i + 0.3, m["mean"], yerr=[[m["mean"] - m["ci"][0]], [m["ci"][1] - m["mean"]]],
                        fmt="D", color="black", ms=4, capsize=3)
        ax.set_yscale("log")
        ax.set_xticks(range(len(entries)))
        ax.set_xticklabels([e[0] for e in entries], fontsize=7)
        ax.set_ylabel(f"regret at T = {T} (USD, log): one dot per cluster,\nmean with its 95 % bootstrap CI")
        ax.set_title(f"{market}: regret at T per (seed, window)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(png)

    out = ["| market | learner | feedback | delay | regret at T, mean [95 % CI] (USD) | median [p25, p75] | "
           "min–max | bound at T, mean (USD) | regret / bound, mean | uniform mixture's regret / bound: "
           "mean [95 % CI], min | clusters where the uniform mixture exceeds the bound | follow the leader's "
           "regret, mean (USD) | first round with ≥ 0.5 on the final best member: median (range; never) | "
           "selector / best member per job (USD) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for market, runs in markets:
        for d in runs:
            T, C = d["T"], d["C"]
            regret, bound = d["regret"][:, -1], d["regret_bound"][:, -1]
            ut = d["uniform_tightness"][:, -1]
            firsts = [first_half_on_best(d, c) for c in range(C)]
            hits = [x for x in firsts if x]
            first_text = (f"{int(np.median(hits))} ({min(hits)}–{max(hits)}; {C - len(hits)})" if hits
                          else f"never ({C})")
            out.append(
                f"| {market} | {d['name']} | {d['feedback']} | {d['delay']} | {ci_text(mean_interval(at_t(d['regret'])))} | "
                f"{np.median(regret):.1f} [{np.percentile(regret, 25):.1f}, {np.percentile(regret, 75):.1f}] | "
                f"{regret.min():.1f}–{regret.max():.1f} | {bound.mean():.1f} | {(regret / bound).mean():.2f} | "
                f"{ci_text(mean_interval(ut[:, None]), 2)}, {ut.min():.2f} | {int((ut > 1).sum())} of {C} | "
                f"{d['ftl_regret'][:, -1].mean():.1f} | {first_text} | "
                f"{d['selector_cumulative'][:, -1].mean() / T:.2f} / {d['best_cumulative'][:, -1].mean() / T:.2f} |")
            # Sanity (the smoke test relies on it): full-information learners stay within their
            # bound in every cluster and round, weights are probabilities, the curves are finite.
            if d["feedback"] == "full":
                b = d["regret_bound"]
                assert np.all(d["regret"] <= b + 1e-9 * (1 + np.abs(b))), (market, d["name"])
            assert np.all((d["leader_weight"] > 0) & (d["leader_weight"] <= 1 + 1e-12))
            assert np.all(d["entropy"] <= np.log(d["K"]) + 1e-9) and np.all(d["entropy"] >= -1e-12)
            assert np.all(np.isfinite(d["selector_cumulative"])) and np.all(np.isfinite(d["best_cumulative"]))
        d = runs[0]
        u = d["uniform_regret"][:, -1]
        out.append(f"| {market} | uniform mixture (never learns) | – | – | {ci_text(mean_interval(u[:, None]))} | "
                   f"{np.median(u):.1f} [{np.percentile(u, 25):.1f}, {np.percentile(u, 75):.1f}] | "
                   f"{u.min():.1f}–{u.max():.1f} | – | – | – | – | – | – | "
                   f"{(d['best_cumulative'][:, -1] - u).mean() / d['T']:.2f} / {d['best_cumulative'][:, -1].mean() / d['T']:.2f} |")
    out.append("")
    # Paired comparisons of regret at T (same jobs, same clusters), with cluster-bootstrap intervals.
    out += ["| market | A | B | regret at T, A − B (USD) [95 % CI] | A lower in clusters |", "|---|---|---|---|---|"]
    for market, runs in markets:
        by = {(d["name"], d["delay"]): d for d in runs}
        pairs = [(("flipflop", "finish"), ("hedge (fixed η)", "finish")),
                 (("flipflop", "finish"), ("adahedge", "finish")),
                 (("flipflop", "finish"), ("flipflop", "none"))]
        for a, b in pairs:
            if a in by and b in by:
                r = bootstrap(at_t(by[a]["regret"]), at_t(by[b]["regret"]))
                lower = float(((by[a]["regret"][:, -1] - by[b]["regret"][:, -1]) < 0).mean())
                out.append(f"| {market} | {a[0]}, {a[1]} | {b[0]}, {b[1]} | {r['diff_mean']:+.1f} "
                           f"[{r['diff_ci'][0]:+.1f}, {r['diff_ci'][1]:+.1f}] | "
                           f"{100 * lower:.0f} % of {r['clusters']} |")
    out.append("")
    open(md, "w").write("\n".join(out))


if __name__ == "__main__":
    main()

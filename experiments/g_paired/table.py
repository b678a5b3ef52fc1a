#!/usr/bin/python3
"""Experiment (g)'s table and figure: paired bootstrap comparisons (experiments/paired.py).

    /usr/bin/python3 experiments/g_paired/table.py OUT_DIR MARKET=SWEEP.h5 ...

Writes OUT_DIR/g_paired.md (every policy's utility per market with its median over clusters,
spread and bootstrap interval; every paired comparison with its interval; OPT's bracket) and
OUT_DIR/g_paired.png (the paired differences with their 95 % intervals).
"""
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from paired import bootstrap, mean_interval, per_job  # noqa: E402

POLICIES = [("on-demand", "on_demand"), ("Greedy", "greedy"), ("Uniform Progress", "uniform_progress"),
            ("PF default (ours)", "pf"), ("CHC ε=0", "chc+0"), ("CHC ε=0 cap.", "chc+1"),
            ("CHC ε=0.3 mult.", "chc+2"), ("CHC ε=0.3 cap.", "chc+3")]
COMPARISONS = [("CHC ε=0", "chc+0", "on-demand", "on_demand"),
               ("CHC ε=0", "chc+0", "Greedy", "greedy"),
               ("CHC ε=0", "chc+0", "Uniform Progress", "uniform_progress"),
               ("CHC ε=0", "chc+0", "PF default", "pf"),
               ("CHC ε=0.3 cap.", "chc+3", "Greedy", "greedy"),
               ("CHC ε=0.3 cap.", "chc+3", "Uniform Progress", "uniform_progress"),
               ("CHC ε=0.3 cap.", "chc+3", "CHC ε=0.3 mult.", "chc+2"),
               ("CHC ε=0.3 cap.", "chc+3", "CHC ε=0", "chc+0"),
               ("PF default", "pf", "Uniform Progress", "uniform_progress"),
               ("PF default", "pf", "Greedy", "greedy")]


def main(out_dir, specs):
    os.makedirs(out_dir, exist_ok=True)
    lines = ["# Experiment (g): paired comparisons, bootstrap 95 % intervals", ""]
    figure_rows = []
    for spec in specs:
        market, _, path = spec.partition("=")
        with h5py.File(path, "r") as f:
            opt = per_job(f, "opt", {})
            opt_hi = per_job(f, "opt_upper", {})
            utilities = {key: per_job(f, key, {}) for _, key in POLICIES}
            seeds = len(f["opt/seed"][()]) if "opt/seed" in f else 1
            scenarios = int(f.attrs["scenarios"])
            rounds = int(f.attrs["rounds"])
            resolution = int(f["opt"].attrs.get("progress_resolution", 0))
            lattice = (f"a step of tick·H(N_min)/{resolution}" if resolution > 0 else
                       f"{int(f['opt'].attrs['progress_buckets'])} progress buckets")
            failures = int(f["opt"].attrs.get("precision_failures", -1))
        clusters = opt.shape[0]
        lo, hi = float(opt.mean()), float(opt_hi.mean())
        lines += [f"## {market}: {seeds} seeds × {scenarios} windows = {clusters} clusters × "
                  f"{rounds} jobs", "",
                  f"OPT on {lattice}: achieved {lo:.3f}, upper bound {hi:.3f} USD "
                  f"per job, bracket {hi - lo:.3f} USD = {100 * (hi - lo) / abs(lo):.2f} % of the "
                  f"achieved value; points where a policy's mean beats OPT's achieved value: "
                  f"{failures}.", "",
                  "| policy | mean utility (USD) [95 % CI] | median over clusters [p25, p75] | "
                  "min–max over clusters | share of OPT, upper … achieved bound [95 % CI vs achieved] |",
                  "|---|---|---|---|---|"]
        for name, key in POLICIES:
            u = utilities[key]
            r = mean_interval(u)  # the mean with a cluster-bootstrap interval
            c = u.mean(axis=1)
            ratio = bootstrap(u, opt)  # relative difference to OPT's achieved value
            lines.append(
                f"| {name} | {r['mean']:.2f} [{r['ci'][0]:.2f}, {r['ci'][1]:.2f}] | "
                f"{np.median(c):.2f} [{np.percentile(c, 25):.2f}, {np.percentile(c, 75):.2f}] | "
                f"{c.min():.2f}–{c.max():.2f} | {100 * u.mean() / hi:.1f} … "
                f"{100 * u.mean() / lo:.1f} % [{100 * (1 + ratio['rel_ci'][0]):.1f}, "
                f"{100 * (1 + ratio['rel_ci'][1]):.1f}] |")
        lines += ["", "| A | B | A − B per job (USD) [95 % CI] | (A − B)/|B| [95 % CI] | "
                  "A better in clusters | median cluster difference |", "|---|---|---|---|---|---|"]
        for name_a, key_a, name_b, key_b in COMPARISONS:
            r = bootstrap(utilities[key_a], utilities[key_b])
            lines.append(
                f"| {name_a} | {name_b} | {r['diff_mean']:+.3f} [{r['diff_ci'][0]:+.3f}, "
                f"{r['diff_ci'][1]:+.3f}] | {100 * r['rel_mean']:+.2f} % [{100 * r['rel_ci'][0]:+.2f}, "
                f"{100 * r['rel_ci'][1]:+.2f}] | {100 * r['share_a_better']:.0f} % of {r['clusters']} | "
                f"{r['diff_median_cluster']:+.3f} |")
            figure_rows.append((market, f"{name_a} − {name_b}", r))
        lines.append("")
    with open(os.path.join(out_dir, "g_paired.md"), "w") as md:
        md.write("\n".join(lines) + "\n")

    markets = [s.partition("=")[0] for s in specs]
    fig, axes = plt.subplots(1, len(markets), figsize=(6.5 * len(markets), 5), squeeze=False)
    for ax, market in zip(axes[0], markets):
        rows = [(label, r) for m, label, r in figure_rows if m == market]
        y = np.arange(len(rows))[::-1]
        rel = np.array([100 * r["rel_mean"] for _, r in rows])
        lo = np.array([100 * r["rel_ci"][0] for _, r in rows])
        hi = np.array([100 * r["rel_ci"][1] for _, r in rows])
        ax.errorbar(rel, y, xerr=[rel - lo, hi - rel], fmt="o", capsize=3, color="tab:blue")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels([label for label, _ in rows], fontsize=8)
        ax.set_xlabel("(A − B) / |B|, % of B's mean utility (95 % bootstrap CI)")
        ax.set_title(market, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("Paired differences, same jobs, 5 seeds × 4 windows (cluster bootstrap)", fontsize=11)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "g_paired.png"), dpi=110)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit("usage: table.py OUT_DIR MARKET=SWEEP.h5 ...")
    main(sys.argv[1], sys.argv[2:])

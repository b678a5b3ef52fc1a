#!/usr/bin/python3
"""Experiment (h)'s table and figure: CHC's bound on its gap to OPT against the forecast error.

    /usr/bin/python3 experiments/h_bound/table.py OUT_DIR MARKET=SWEEP.h5 ...

Each SWEEP.h5 is a sweep with a seed axis, every CHC member traced and --chc-bound. Writes
OUT_DIR/h_bound.md (per ε: the realised gap to OPT, the bound and its parts, the realised forecast
error, every mean with its cluster-bootstrap 95 % interval as in experiments/paired.py; the paired
change from ε = 0; the jobs where the gap exceeds the bound, which must be none) and
OUT_DIR/h_bound.png (gap and bound against ε, per market).
"""
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from paired import bootstrap, mean_interval  # noqa: E402


def clusters(values):
    """[..., scenario, round] → [cluster, round], clusters = outer points × scenarios."""
    return values.reshape(-1, values.shape[-1])


def member_jobs(f, name, k):
    """A traced dataset [axes…][member][scenario][round] for traced member k, as clusters."""
    data = f["traced_members"][name]
    axis = [d.label for d in data.dims].index("member")
    return clusters(np.take(data[()], k, axis=axis))


def ci_text(r, digits=3):
    return f"{r['mean']:.{digits}f} [{r['ci'][0]:.{digits}f}, {r['ci'][1]:.{digits}f}]"


def main(out_dir, specs):
    os.makedirs(out_dir, exist_ok=True)
    lines = ["# Experiment (h): CHC's bound on its gap to OPT against the forecast error", ""]
    series = {}
    for spec in specs:
        market, _, path = spec.partition("=")
        with h5py.File(path, "r") as f:
            lower = clusters(f["opt/utility_lower"][()])
            upper = clusters(f["opt/utility_upper"][()])
            members = list(f["traced_members/member"][()])
            chc = f["families/chc"]
            first = int(chc.attrs["first_member"])
            eps_axis = list(chc["eps"][()])
            rows = []
            for k, m in enumerate(members):
                eps = eps_axis[(int(m) - first) % len(eps_axis)]
                rows.append({
                    "eps": float(eps),
                    "u": member_jobs(f, "utility", k),
                    "bound": member_jobs(f, "chc_bound", k),
                    "certified": member_jobs(f, "chc_bound_certificate", k),
                    "forecast": member_jobs(f, "chc_bound_forecast", k),
                    "lattice": member_jobs(f, "chc_bound_lattice_value", k),
                    "perr": member_jobs(f, "chc_price_error", k),
                    "aerr": member_jobs(f, "chc_avail_error", k),
                    "applies": member_jobs(f, "chc_bound_applies", k),
                })
            seeds = len(f["opt/seed"][()]) if "opt/seed" in f else 1
            scenarios, rounds = int(f.attrs["scenarios"]), int(f.attrs["rounds"])
        rows.sort(key=lambda r: r["eps"])
        lo, hi = float(lower.mean()), float(upper.mean())
        lines += [f"## {market}: {seeds} seeds × {scenarios} windows = {lower.shape[0]} clusters × "
                  f"{rounds} jobs", "",
                  f"OPT: achieved {lo:.3f}, upper bound {hi:.3f} USD per job (bracket "
                  f"{hi - lo:.3f} USD = {100 * (hi - lo) / abs(lo):.2f} %). Gap = OPT's achieved "
                  "value − CHC's utility (a lower estimate of OPT − CHC; with OPT's upper value it "
                  "is larger by the bracket). Bound = (OPT's upper value − V_q) + F, per job.", "",
                  "| ε | jobs covered | gap (USD) [95 % CI] | median over clusters | bound (USD) "
                  "[95 % CI] | median over clusters | forecast term F | lattice term OPT_up − V_q | "
                  "bound / gap | realised price error | realised avail. error (GPUs) | jobs over "
                  "the bound | certificate bound (USD) [95 % CI] | jobs over the certificate |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        base = rows[0]
        points = []
        for r in rows:
            gap = lower - r["u"]
            gap_hi = upper - r["u"]
            bound = r["bound"]
            covered = int(r["applies"].sum())
            over = int(np.sum(gap_hi > bound + 1e-9 * (1 + np.abs(bound))))
            g, b = mean_interval(gap), mean_interval(bound)
            cb = mean_interval(r["certified"])
            over_c = int(np.sum(gap_hi > r["certified"] + 1e-9 * (1 + np.abs(r["certified"]))))
            fc, lt = mean_interval(r["forecast"]), mean_interval(upper - r["lattice"])
            ratio = b["mean"] / g["mean"] if g["mean"] > 0 else float("inf")
            lines.append(
                f"| {r['eps']:g} | {covered} of {r['u'].size} | {ci_text(g)} | "
                f"{np.median(gap.mean(axis=1)):.3f} | {ci_text(b)} | "
                f"{np.median(bound.mean(axis=1)):.3f} | {ci_text(fc)} | {lt['mean']:.3f} | "
                f"{ratio:.1f} | {np.nanmean(r['perr']):.3f} | {np.nanmean(r['aerr']):.2f} | {over} | "
                f"{ci_text(cb)} | {over_c} |")
            points.append((r["eps"], g, b, np.nanmean(r["perr"]), np.nanmean(r["aerr"]), cb))
        lines += ["", "Paired change from ε = 0 (same jobs, same seeds; cluster bootstrap):", "",
                  "| ε | gap(ε) − gap(0) (USD) [95 % CI] | bound(ε) − bound(0) (USD) [95 % CI] | "
                  "clusters where the bound grew |", "|---|---|---|---|"]
        for r in rows[1:]:
            dg = bootstrap(lower - r["u"], lower - base["u"])
            db = bootstrap(r["bound"], base["bound"])
            lines.append(
                f"| {r['eps']:g} | {dg['diff_mean']:+.3f} [{dg['diff_ci'][0]:+.3f}, "
                f"{dg['diff_ci'][1]:+.3f}] | {db['diff_mean']:+.3f} [{db['diff_ci'][0]:+.3f}, "
                f"{db['diff_ci'][1]:+.3f}] | {100 * db['share_a_better']:.0f} % of "
                f"{db['clusters']} |")
        lines.append("")
        series[market] = points
    with open(os.path.join(out_dir, "h_bound.md"), "w") as md:
        md.write("\n".join(lines) + "\n")

    fig, axes = plt.subplots(1, len(series), figsize=(6 * len(series), 5.0), squeeze=False)
    for ax, (market, points) in zip(axes[0], series.items()):
        eps = np.array([p[0] for p in points])
        for index, label, color in ((1, "realised gap: OPT achieved − CHC", "tab:blue"),
                                    (5, "certificate: (OPT upper − V_q) + Σ realised regrets",
                                     "tab:orange"),
                                    (2, "bound: (OPT upper − V_q) + F (forecast error)",
                                     "tab:red")):
            # Log axis: a mean or interval end at or below 0 (CHC level with OPT) is drawn at 1e-3.
            mean = np.maximum([p[index]["mean"] for p in points], 1e-3)
            lo = np.maximum([p[index]["ci"][0] for p in points], 1e-3)
            hi = np.maximum([p[index]["ci"][1] for p in points], 1e-3)
            ax.errorbar(eps, mean, yerr=[mean - lo, hi - mean], fmt="o-", capsize=3, color=color,
                        label=label)
        ax.set_yscale("log")
        ax.set_xlabel("ε, forecast noise level (growth ½, capacity-scaled availability)")
        ax.set_ylabel("USD per job (mean, 95 % cluster-bootstrap CI)")
        errors = ", ".join(f"{p[3]:.2f}/{p[4]:.1f}" for p in points)
        ax.set_title(f"{market}\nrealised price rel. error / avail. error (GPUs): {errors}",
                     fontsize=8)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("CHC(w to γd, v = 4): realised gap to OPT and its per-run bound, 5 seeds × 4 windows",
                 fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(os.path.join(out_dir, "h_bound.png"), dpi=110)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit("usage: table.py OUT_DIR MARKET=SWEEP.h5 ...")
    main(sys.argv[1], sys.argv[2:])

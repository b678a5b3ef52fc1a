#!/usr/bin/python3
"""Experiment (c)'s table and figure: utility against realised forecast error, paired.

    /usr/bin/python3 experiments/c_prediction_error/table.py OUT_DIR SPEC [SPEC ...]
    SPEC = MARKET|TRACE.h5|SWEEP.h5|ERR_PREFIX|COND:SELECT.h5,COND:SELECT.h5,...

TRACE.h5 is the market's trace (for its capacity); SWEEP.h5 is the traced sweep of config.toml over 5 seeds; ERR_PREFIX_*.csv are `spotsweep
predict` outputs for each forecaster on the same trace (run.sh); each SELECT.h5 is one seed of
`spotsweep select` over the baselines, PF and one CHC member under forecast condition COND.
Writes OUT_DIR/c_prediction_error.md (every forecaster's realised error, CHC's utility and its
paired differences with cluster-bootstrap 95 % intervals against exact forecasts, each baseline
and OPT; the selector's weight and regret per condition over seeds) and
OUT_DIR/c_prediction_error.png.
"""
import csv
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from paired import bootstrap, mean_interval, per_job  # noqa: E402
from plotting import save_png  # noqa: E402

LEARNED = {1: "last", 2: "seasonal", 3: "holt-winters", 4: "ar"}
BASELINES = [("on-demand", "on_demand"), ("Greedy", "greedy"),
             ("Uniform Progress", "uniform_progress"), ("PF default (ours)", "pf")]
# The table's comparison columns, in the header's order.
COLUMN_BASELINES = ["greedy", "uniform_progress", "on_demand", "pf"]
CONDITIONS = [("exact", "exact (ε = 0)"), ("noisy", "noisy (ε = 1.6, capacity-scaled)"),
              ("learned", "learned (persistence)"), ("decoy", "decoy (always cheap, always up)")]


def realised_error(path, name, capacity):
    """(price MAPE %, availability MAE / capacity), each averaged over the lookaheads."""
    price, avail = [], []
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["predictor"] != name:
                continue
            if row["quantity"] == "price":
                price.append(float(row["mape_percent"]))
            else:
                avail.append(float(row["mae"]) / capacity)
    if not price:
        raise SystemExit(f"table.py: {path}: no rows for predictor {name}")
    return float(np.mean(price)), float(np.mean(avail))


def forecasters(f, err_prefix, capacity):
    """[(label, member spec, kind, price error, availability error)] of the sweep's CHC members."""
    rows = []
    for i, eps in enumerate(f["families/chc.oracle/eps"][()]):
        err = realised_error(f"{err_prefix}_cap_{eps:g}.csv", f"oracle(eps={eps:g},h=0.5)", capacity)
        rows.append((f"oracle ε = {eps:g}", f"chc.oracle+{i}", "oracle", *err))
    eps = float(f["families/chc.mult/eps"][0])
    err = realised_error(f"{err_prefix}_mult_{eps:g}.csv", f"oracle(eps={eps:g},h=0.5)", capacity)
    rows.append((f"oracle ε = {eps:g}, multiplicative", "chc.mult", "mult", *err))
    for i, code in enumerate(f["families/chc.learned/predictor"][()]):
        name = LEARNED[int(code)]
        err = realised_error(f"{err_prefix}_learned.csv", name, capacity)
        rows.append((f"learned: {name}", f"chc.learned+{i}", "learned", *err))
    return rows


def usd(r):
    """A paired difference in USD per job with its interval."""
    lo, hi = r["diff_ci"]
    return f"{r['diff_mean']:+.2f} [{lo:+.2f}, {hi:+.2f}]"


def percent(r):
    """A paired difference relative to B, in %, with its interval."""
    lo, hi = r["rel_ci"]
    return f"{100 * r['rel_mean']:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}] %"


def interval(values):
    m = mean_interval(np.asarray(values, dtype=float).reshape(-1, 1))
    return m["mean"], m["ci"]


def selector_rows(files):
    """Per condition: the CHC member's final weight, whether it is best in hindsight, regret."""
    rows = []
    for condition, label in CONDITIONS:
        weight, best, regret, utility, horizon = [], [], [], [], 0
        for path in files.get(condition, []):
            with h5py.File(path, "r") as f:
                families = [x.decode() for x in f["final/family"][()]]
                if int(f.attrs["pool_size"]) != len(families):
                    raise SystemExit(f"table.py: {path}: expected one member per family")
                k = families.index("chc")
                weight += list(f["final/family_weight"][:, k])
                best += list(f["selector/best_member"][:, -1] == k)
                rounds = f["selector/regret"].shape[1]
                horizon = rounds
                regret += list(f["selector/regret"][:, -1] / rounds)
                utility += list(f["selector/selector_cumulative"][:, -1] / rounds)
        if weight:
            rows.append((label, len(files[condition]), interval(weight), float(np.mean(best)),
                         interval(regret), interval(utility), len(weight), horizon))
    return rows


def main(out_dir, specs):
    os.makedirs(out_dir, exist_ok=True)
    lines = ["# Experiment (c): utility against realised forecast error, paired over seeds", ""]
    fig, axes = plt.subplots(2, len(specs), figsize=(5.2 * len(specs), 8.4), squeeze=False)
    for col, spec in enumerate(specs):
        market, trace, sweep, err_prefix, selects = spec.split("|")
        with h5py.File(trace, "r") as f:
            capacity = int(f.attrs["capacity"])
        files = {}
        for item in filter(None, selects.split(",")):
            condition, _, path = item.partition(":")
            files.setdefault(condition, []).append(path)
        with h5py.File(sweep, "r") as f:
            scenarios, rounds = int(f.attrs["scenarios"]), int(f.attrs["rounds"])
            seeds = len(f["opt/seed"][()]) if "opt/seed" in f else 1
            rows = forecasters(f, err_prefix, capacity)
            u = {spec_: per_job(f, spec_, {}) for _, spec_, *_ in rows}
            base = {key: per_job(f, key, {}) for _, key in BASELINES}
            opt, opt_hi = per_job(f, "opt", {}), per_job(f, "opt_upper", {})
            resolution = int(f["opt"].attrs.get("progress_resolution", 0))
        exact = u["chc.oracle+0"]
        clusters = exact.shape[0]
        lo, hi = float(opt.mean()), float(opt_hi.mean())
        beaten = [name for name, arr in [(r[0], u[r[1]]) for r in rows] + 
                  [(n, base[k]) for n, k in BASELINES] if arr.mean() > lo + 1e-9]
        lines += [f"## {market}: {seeds} seeds × {scenarios} windows = {clusters} clusters × "
                  f"{rounds} jobs", "",
                  f"OPT on a step of tick·H(N_min)/{resolution}: achieved {lo:.3f}, upper bound "
                  f"{hi:.3f} USD per job, bracket {hi - lo:.3f} USD = "
                  f"{100 * (hi - lo) / abs(lo):.2f} % of the achieved value; policies whose mean "
                  f"beats OPT's achieved value: {len(beaten)}{' (' + ', '.join(beaten) + ')' if beaten else ''}.",
                  "",
                  "Baselines: " + "; ".join(
                      f"{name} {mean_interval(base[key])['mean']:.2f} USD per job "
                      f"[{mean_interval(base[key])['ci'][0]:.2f}, {mean_interval(base[key])['ci'][1]:.2f}]"
                      for name, key in BASELINES) + ".", "",
                  "Realised error: `spotsweep predict` on the same trace at CHC's window (24 "
                  "lookaheads), averaged over the lookaheads: price MAPE and availability MAE as a "
                  "share of the capacity (the misclassification rate on 0/1 traces). Differences: "
                  "mean per job, USD, with the cluster-bootstrap 95 % interval; relative ones in %.",
                  "",
                  "| CHC(24, 4) forecasts | price MAPE | avail. MAE/cap | utility (USD) [95 % CI] "
                  "| − exact forecasts | − Greedy | − Uniform Progress | − on-demand | − PF default "
                  "| share of OPT (%) |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        points = []
        for label, key, kind, price_err, avail_err in rows:
            m = mean_interval(u[key])
            d_exact = bootstrap(u[key], exact)
            cells = [label, f"{price_err:.3g} %", f"{avail_err:.3f}",
                     f"{m['mean']:.2f} [{m['ci'][0]:.2f}, {m['ci'][1]:.2f}]",
                     usd(d_exact) if key != "chc.oracle+0" else "0"]
            for b in COLUMN_BASELINES:
                cells.append(percent(bootstrap(u[key], base[b])))
            share = bootstrap(u[key], opt)
            cells.append(f"{100 * (1 + share['rel_mean']):.1f} [{100 * (1 + share['rel_ci'][0]):.1f}, "
                         f"{100 * (1 + share['rel_ci'][1]):.1f}]")
            lines.append("| " + " | ".join(cells) + " |")
            points.append((label, kind, avail_err, d_exact))
        # The figure, row 1: the loss against exact forecasts, against the realised error.
        ax = axes[0][col]
        for kind, style, name in [("oracle", "o-", "oracle, capacity-scaled"),
                                  ("mult", "s", "oracle, multiplicative"),
                                  ("learned", "D", "learned predictors")]:
            pts = [p for p in points if p[1] == kind]
            x = [p[2] for p in pts]
            y = [p[3]["diff_mean"] for p in pts]
            err = [[p[3]["diff_mean"] - p[3]["diff_ci"][0] for p in pts],
                   [p[3]["diff_ci"][1] - p[3]["diff_mean"] for p in pts]]
            ax.errorbar(x, y, yerr=err, fmt=style, capsize=3, label=name)
            if kind == "learned":
                for p in pts:
                    ax.annotate(p[0].split(": ")[1], (p[2], p[3]["diff_mean"]), fontsize=7,
                                xytext=(4, 4), textcoords="offset points")
        for (name, key), colour in zip(BASELINES[1:3], ["tab:red", "tab:purple"]):
            r = bootstrap(base[key], exact)
            ax.axhspan(r["diff_ci"][0], r["diff_ci"][1], color=colour, alpha=0.15)
            ax.axhline(r["diff_mean"], color=colour, ls="--", lw=1, label=f"{name} − exact CHC")
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xlabel("realised availability error (MAE / capacity, mean over 24 lookaheads)")
        ax.set_ylabel("CHC utility − CHC with exact forecasts (USD per job)")
        ax.set_title(f"{market}: {clusters} clusters, 95 % CI")
        ax.legend(fontsize=7)
        # Row 2 and the selector table.
        srows = selector_rows(files)
        lines += ["", f"**The selector** over on-demand, Greedy, Uniform Progress, PF default and one "
                  "CHC(24, 4) member whose forecasts are as named (the default learner, FlipFlop, "
                  "each result fed back when its job ends), per (seed, window) cluster:", "",
                  "| CHC's forecasts | seeds | clusters | CHC's final weight [95 % CI] | clusters where "
                  "CHC is best in hindsight | regret at T per job (USD) [95 % CI] | selector's "
                  "utility per job (USD) [95 % CI] |", "|---|---|---|---|---|---|---|"]
        for label, nseeds, (w, wci), best, (r, rci), (s, sci), n, _ in srows:
            lines.append(f"| {label} | {nseeds} | {n} | {w:.3f} [{wci[0]:.3f}, {wci[1]:.3f}] | "
                         f"{100 * best:.0f} % | {r:.3f} [{rci[0]:.3f}, {rci[1]:.3f}] | "
                         f"{s:.2f} [{sci[0]:.2f}, {sci[1]:.2f}] |")
        lines.append("")
        ax = axes[1][col]
        if srows:
            x = np.arange(len(srows))
            w = [r[2][0] for r in srows]
            err = [[r[2][0] - r[2][1][0] for r in srows], [r[2][1][1] - r[2][0] for r in srows]]
            ax.bar(x, w, yerr=err, capsize=4, color="tab:blue", alpha=0.7,
                   label="CHC's final weight")
            ax.plot(x, [r[3] for r in srows], "k^", label="share of clusters where CHC is best")
            ax.set_xticks(x)
            ax.set_xticklabels([r[0].split(" (")[0] for r in srows])
            ax.set_ylim(0, 1.05)
            ax.set_ylabel("final weight on CHC (mean, 95 % CI)")
            ax.set_title(f"{market}: the selector, T = {srows[0][7]} jobs per cluster")
            ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, os.path.join(out_dir, "c_prediction_error.png"), "table.py")
    with open(os.path.join(out_dir, "c_prediction_error.md"), "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2:])

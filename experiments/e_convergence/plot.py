"""Experiment (e): the selector's convergence over rounds; figure + table.

Usage: /usr/bin/python3 plot.py OUT.png OUT.md MARKET=FULL.h5,BANDIT.h5 [...]

FULL.h5 and BANDIT.h5 are `spotsweep select` of the same sweep file with --feedback full (Hedge,
with OPT) and bandit (EXP3). Curves are means over the scenarios (one selector each). Regret is
the best fixed member's cumulative utility in hindsight minus the selector's expected cumulative
utility; its bound is (high − low) × the schedule's bound, and sqrt_bound the textbook form
(high − low) · sqrt((r/2) ln K) (docs/select.md).
"""
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def load(path):
    with h5py.File(path, "r") as f:
        g = f["selector"]
        d = {k: g[k][()] for k in ("expected_utility", "selector_cumulative", "best_cumulative", "regret",
                                    "sampled_regret", "regret_bound", "sqrt_bound", "entropy", "leader",
                                    "leader_weight", "opt_utility", "opt_upper")}
        d["K"] = int(f.attrs["pool_size"])
        d["S"], d["T"] = d["regret"].shape
        d["feedback"] = text(f.attrs["feedback"])
        d["eta"] = text(f.attrs["eta_schedule"])
        d["top"] = [text(x) for x in f["final/top_parameters"][()][:, 0]]
        d["top_weight"] = f["final/top_weight"][()][:, 0]
        d["trace"] = text(f.attrs["trace"])
        d["span"] = float(np.mean(g["utility_high"][()] - g["utility_low"][()]))
    return d


def first_round(curve, threshold):
    """1-based first round at which the scenario-mean curve reaches threshold, or None."""
    hit = np.nonzero(curve >= threshold)[0]
    return int(hit[0]) + 1 if len(hit) else None


def main():
    png, md, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    runs = []
    for spec in specs:
        market, paths = spec.split("=", 1)
        full, bandit = (load(p) for p in paths.split(","))
        assert full["K"] == bandit["K"] and full["T"] == bandit["T"]
        runs.append((market, full, bandit))

    fig, axes = plt.subplots(len(runs), 3, figsize=(17, 4.9 * len(runs)), dpi=100, squeeze=False)
    for row, (market, full, bandit) in enumerate(runs):
        T, K = full["T"], full["K"]
        r = np.arange(1, T + 1)
        ax = axes[row, 0]
        # Per job (R_r / r): Hedge's guarantee makes this fall like 1/√r.
        for d, style, name in ((full, "-", "Hedge (full feedback)"), (bandit, "--", "EXP3 (bandit)")):
            ax.plot(r, d["regret"].mean(axis=0) / r, style, color="tab:red", label=f"regret R_r / r, {name}")
        ax.plot(r, full["regret_bound"].mean(axis=0) / r, color="black", label="Hedge's bound / r (fixed η)")
        ax.plot(r, bandit["regret_bound"].mean(axis=0) / r, color="grey", label="EXP3's bound / r")
        ax.plot(r, full["sqrt_bound"].mean(axis=0) / r, ":", color="black", label="(high − low)·√((r/2) ln K) / r")
        ax.set_yscale("symlog", linthresh=1)
        ax.set_xscale("log")
        ax.set_xlabel("round r (jobs played, log scale)")
        ax.set_ylabel("regret per job so far (USD), mean over scenarios")
        ax.set_title(f"{market}: average regret and its bound (K = {K} members)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7.5, loc="upper right")

        ax = axes[row, 1]
        ax2 = ax.twinx()
        for d, style, name in ((full, "-", "Hedge"), (bandit, "--", "EXP3")):
            ax.plot(r, d["leader_weight"].mean(axis=0), style, color="tab:blue", label=f"leader's weight, {name}")
            ax2.plot(r, d["entropy"].mean(axis=0) / np.log(K), style, color="tab:purple", label=f"entropy / ln K, {name}")
        ax.set_ylim(0, 1.02)
        ax2.set_ylim(0, 1.02)
        ax.set_xlabel("round r")
        ax.set_ylabel("weight of the most-weighted member", color="tab:blue")
        ax2.set_ylabel("entropy of the weights / ln K (1 = uniform)", color="tab:purple")
        ax.set_title(f"{market}: concentration of the weights", fontsize=10)
        lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        ax.legend(lines, [l.get_label() for l in lines], fontsize=7.5, loc="center right")
        ax.grid(alpha=0.3)

        ax = axes[row, 2]
        for d, style, name in ((full, "-", "Hedge"), (bandit, "--", "EXP3")):
            ax.plot(r, d["selector_cumulative"].mean(axis=0) / r, style, color="tab:green",
                    label=f"selector ({name}), expected")
        ax.plot(r, full["best_cumulative"].mean(axis=0) / r, color="tab:orange", label="best fixed member so far")
        if np.all(np.isfinite(full["opt_utility"])):
            ax.plot(r, np.cumsum(full["opt_utility"], axis=1).mean(axis=0) / r, color="black",
                    label="OPT (achieved lower bound)")
        ax.set_xlabel("round r")
        ax.set_ylabel("mean utility per job over rounds 1…r (USD)")
        ax.set_title(f"{market}: running mean utility", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7.5, loc="lower right")
    fig.tight_layout()
    fig.savefig(png)

    out = ["| market | feedback | K | T | final regret, mean (max) over scenarios (USD) | regret per job at T/10 (USD) | regret per job at T (USD) | "
           "reward range high − low (USD) | bound at T (USD) | regret / bound | leader's weight at T | entropy at T / ln K | first round leader ≥ 0.5 | "
           "selector per job (USD) | best member per job (USD) | OPT per job (USD) | most weight at T (scenario 0) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for market, full, bandit in runs:
        T, K = full["T"], full["K"]
        opt = float(full["opt_utility"].mean()) if np.all(np.isfinite(full["opt_utility"])) else float("nan")
        for d in (full, bandit):
            regret = d["regret"][:, -1]
            bound = d["regret_bound"][:, -1]
            lw = d["leader_weight"].mean(axis=0)
            first = first_round(lw, 0.5)
            sel = float(d["selector_cumulative"][:, -1].mean() / T)
            best = float(d["best_cumulative"][:, -1].mean() / T)
            name = "full (Hedge)" if d["feedback"] == "full" else "bandit (EXP3)"
            out.append(f"| {market} | {name} | {K} | {T} | {regret.mean():.1f} ({regret.max():.1f}) | {d['regret'][:, T // 10 - 1].mean() / (T // 10):.2f} | {regret.mean() / T:.2f} | "
                       f"{d['span']:.0f} | {bound.mean():.0f} | {(regret / bound).mean():.3f} | {lw[-1]:.3f} | "
                       f"{d['entropy'][:, -1].mean() / np.log(K):.3f} | {first if first else 'never'} | {sel:.2f} | {best:.2f} | "
                       f"{opt:.2f} | {d['top_weight'][0]:.2f} {d['top'][0]} |")
            # Sanity (the smoke test relies on it): the regret stays within its bound in every
            # scenario and round, weights are probabilities, and the curves are finite.
            assert np.all(d["regret"] <= d["regret_bound"] + 1e-9), market
            assert np.all((d["leader_weight"] > 0) & (d["leader_weight"] <= 1 + 1e-12))
            assert np.all(d["entropy"] <= np.log(K) + 1e-9) and np.all(d["entropy"] >= -1e-12)
            assert np.all(np.isfinite(d["selector_cumulative"])) and np.all(np.isfinite(d["best_cumulative"]))
    out.append("")
    open(md, "w").write("\n".join(out))


if __name__ == "__main__":
    main()

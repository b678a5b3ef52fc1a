"""Experiment (e): the selector's convergence over rounds, every learner; figure + tables.

Usage: /usr/bin/python3 plot.py OUT.png OUT.md MARKET=RUN.h5,RUN.h5,... [...]

Each RUN.h5 is `spotsweep select` of the same sweep file with one learner, feedback delay and η
schedule (the first also holds OPT). Curves are means over the scenarios (one selector each).
Regret is the best fixed member's cumulative utility in hindsight minus the selector's expected
cumulative utility; the bound is the learner's valid bound (docs/select.md, "The bound"); the
uniform mixture's and follow-the-leader's regrets are recorded by every run.
"""
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CURVES = ("expected_utility", "selector_cumulative", "best_cumulative", "best_member", "regret",
          "regret_bound", "uniform_regret", "ftl_regret", "uniform_tightness", "entropy", "leader",
          "leader_weight", "pending", "opt_utility")


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def load(path):
    with h5py.File(path, "r") as f:
        g = f["selector"]
        d = {k: g[k][()] for k in CURVES}
        d["K"] = int(f.attrs["pool_size"])
        d["S"], d["T"] = d["regret"].shape
        d["learner"] = text(f.attrs["learner"])
        d["delay"] = text(f.attrs["feedback_delay"])
        d["eta"] = text(f.attrs["eta_schedule"])
        d["feedback"] = text(f.attrs["feedback"])
        d["top"] = [text(x) for x in f["final/top_parameters"][()][:, 0]]
        d["top_weight"] = f["final/top_weight"][()][:, 0]
    name = d["learner"] + (f" ({d['eta']} η)" if d["learner"] == "hedge" else "")
    d["name"] = name
    return d


def first_half_on_best(d, s):
    """1-based first round at which the final best member holds ≥ 0.5 of the weight, or None."""
    best = d["best_member"][s, -1]
    hit = np.nonzero((d["leader"][s] == best) & (d["leader_weight"][s] >= 0.5))[0]
    return int(hit[0]) + 1 if len(hit) else None


def main():
    png, md, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    markets = []
    for spec in specs:
        market, paths = spec.split("=", 1)
        runs = [load(p) for p in paths.split(",")]
        assert len({(d["K"], d["T"], d["S"]) for d in runs}) == 1, market
        markets.append((market, runs))

    colours = {"adahedge": "tab:red", "flipflop": "tab:purple", "hedge (fixed η)": "tab:blue",
               "hedge (anytime η)": "tab:cyan", "exp3": "tab:olive", "exp3-ada": "tab:brown"}
    fig, axes = plt.subplots(len(markets), 3, figsize=(18, 5.2 * len(markets)), dpi=100, squeeze=False)
    for row, (market, runs) in enumerate(markets):
        T, K = runs[0]["T"], runs[0]["K"]
        r = np.arange(1, T + 1)
        default = runs[0]
        ax = axes[row, 0]
        for d in runs:
            style = "-" if d["delay"] == "finish" else ":"
            ax.plot(r, d["regret"].mean(axis=0), style, color=colours.get(d["name"], "grey"),
                    label=f"{d['name']}, {'fed back at job end' if d['delay'] == 'finish' else 'no delay'}")
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
        ax.set_ylabel("regret after r rounds (USD), mean over scenarios (linear below 10)")
        ax.set_title(f"{market}: regret, baselines and the default learner's bound (K = {K})", fontsize=10)
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
        ax.set_ylabel("weight of the most-weighted member, mean over scenarios")
        ax.set_title(f"{market}: concentration of the weights (delayed feedback)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7.5, loc="center right")

        ax = axes[row, 2]
        for d in runs:
            if d["name"] not in ("adahedge", "flipflop", "hedge (fixed η)"):
                continue
            style = "-" if d["delay"] == "finish" else ":"
            ax.plot(r, d["selector_cumulative"].mean(axis=0) / r, style, color=colours[d["name"]],
                    label=f"{d['name']}, {'delayed' if d['delay'] == 'finish' else 'no delay'}")
        ax.plot(r, default["best_cumulative"].mean(axis=0) / r, color="tab:orange", lw=2,
                label="best fixed member so far")
        ax.plot(r, (default["best_cumulative"] - default["uniform_regret"]).mean(axis=0) / r, color="grey",
                label="uniform mixture")
        if np.all(np.isfinite(default["opt_utility"])):
            ax.plot(r, np.cumsum(default["opt_utility"], axis=1).mean(axis=0) / r, color="black",
                    label="OPT (achieved lower bound)")
        ax.set_xlabel("round r")
        ax.set_ylabel("mean utility per job over rounds 1…r (USD)")
        ax.set_title(f"{market}: running mean utility", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(png)

    out = ["| market | learner | feedback | delay | final regret, mean (max) over scenarios (USD) | "
           "regret per job at T/10 (USD) | regret per job at T (USD) | bound at T (USD) | regret / bound | "
           "uniform mixture's regret (USD) | uniform regret / bound | follow-the-leader's regret (USD) | "
           "leader's weight at T | first round ≥ 0.5 on the final best member (per scenario) | "
           "pending per round | selector per job (USD) | best member per job (USD) | OPT per job (USD) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for market, runs in markets:
        T = runs[0]["T"]
        opt = runs[0]["opt_utility"]
        opt_text = f"{float(opt.mean()):.2f}" if np.all(np.isfinite(opt)) else "–"
        for d in runs:
            regret, bound = d["regret"][:, -1], d["regret_bound"][:, -1]
            firsts = [first_half_on_best(d, s) for s in range(d["S"])]
            first_text = ", ".join(str(x) if x else "never" for x in firsts)
            out.append(
                f"| {market} | {d['name']} | {d['feedback']} | {d['delay']} | {regret.mean():.1f} ({regret.max():.1f}) | "
                f"{d['regret'][:, max(T // 10, 1) - 1].mean() / max(T // 10, 1):.2f} | {regret.mean() / T:.3f} | "
                f"{bound.mean():.1f} | {(regret / bound).mean():.3f} | {d['uniform_regret'][:, -1].mean():.1f} | "
                f"{d['uniform_tightness'][:, -1].mean():.2f} | {d['ftl_regret'][:, -1].mean():.1f} | "
                f"{d['leader_weight'][:, -1].mean():.3f} | {first_text} | {d['pending'].mean():.1f} | "
                f"{d['selector_cumulative'][:, -1].mean() / T:.2f} | {d['best_cumulative'][:, -1].mean() / T:.2f} | "
                f"{opt_text} |")
            # Sanity (the smoke test relies on it): full-information learners stay within their
            # bound in every scenario and round (bandit learners bound the expected regret), weights
            # are probabilities, and the curves are finite.
            if d["feedback"] == "full":
                b = d["regret_bound"]
                assert np.all(d["regret"] <= b + 1e-9 * (1 + np.abs(b))), (market, d["name"])
            assert np.all((d["leader_weight"] > 0) & (d["leader_weight"] <= 1 + 1e-12))
            assert np.all(d["entropy"] <= np.log(d["K"]) + 1e-9) and np.all(d["entropy"] >= -1e-12)
            assert np.all(np.isfinite(d["selector_cumulative"])) and np.all(np.isfinite(d["best_cumulative"]))
    out.append("")
    # The replay table, remeasured: total regret at T per market, mean over scenarios.
    out += ["| learner | " + " | ".join(f"{m}, no delay | {m}, delayed" for m, _ in markets) + " |",
            "|---|" + "---|---|" * len(markets)]
    names = list(dict.fromkeys(d["name"] for _, runs in markets for d in runs))
    for name in names + ["follow the leader", "uniform mixture"]:
        cells = []
        for _, runs in markets:
            for delay in ("none", "finish"):
                pick = [d for d in runs if d["delay"] == delay and (d["name"] == name or name in
                        ("follow the leader", "uniform mixture") and d["name"] == runs[0]["name"])]
                if not pick:
                    cells.append("–")
                    continue
                d = pick[0]
                key = {"follow the leader": "ftl_regret", "uniform mixture": "uniform_regret"}.get(name, "regret")
                cells.append(f"{d[key][:, -1].mean():.0f}")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out.append("")
    open(md, "w").write("\n".join(out))


if __name__ == "__main__":
    main()

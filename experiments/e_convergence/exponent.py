"""Experiment (e), the regret exponent: slope of log regret against log T; figure + table.

Usage: /usr/bin/python3 exponent.py OUT.png OUT.md "T1 T2 ..." LEARNER:DELAY:KIND=FILE.h5 [...]

KIND "prefix": one run of the longest T whose regret after r rounds is the regret at horizon r
(learners that do not depend on T); "check": a run of the shortest T that must equal that prefix;
a number: a run of that horizon (fixed-η Hedge). DELAY "stress": a `spotsweep stress` file of that
horizon, each of its markets a series of its own. The uniform mixture's and follow-the-leader's
regrets come from each run. Slopes are least-squares fits of log(mean regret over scenarios)
against log T, with the range of the per-scenario slopes.
"""
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def curves(path, T):
    """Per-scenario regret, uniform and FTL regrets at round T of a file."""
    with h5py.File(path, "r") as f:
        g = f["selector"]
        return {k: g[k][:, T - 1] for k in ("regret", "uniform_regret", "ftl_regret", "regret_bound")}


def slope(horizons, values):
    x, y = np.log(horizons), np.log(np.maximum(values, 1e-9))
    return float(np.polyfit(x, y, 1)[0])


def main():
    png, md, horizons, specs = sys.argv[1], sys.argv[2], [int(t) for t in sys.argv[3].split()], sys.argv[4:]
    series = {}  # name -> {T: per-scenario dict}
    check = None
    for spec in specs:
        key, path = spec.split("=", 1)
        learner, delay, kind = key.split(":")
        if delay == "stress":
            with h5py.File(path, "r") as f:
                for group in f["runs"].values():
                    market = group.attrs["adversary"]
                    market = market.decode() if isinstance(market, bytes) else str(market)
                    T = int(kind)
                    per = {k: group[k][0, :, T - 1] for k in ("regret", "uniform_regret", "ftl_regret")}
                    series.setdefault(f"{learner}, stress {market}", {})[T] = per
                    series.setdefault(f"uniform mixture, stress {market}", {})[T] = {"regret": per["uniform_regret"]}
                    series.setdefault(f"follow the leader, stress {market}", {})[T] = {"regret": per["ftl_regret"]}
            continue
        name = f"{learner}, {'delayed' if delay == 'finish' else 'no delay'}"
        if kind == "prefix":
            series[name] = {T: curves(path, T) for T in horizons}
        elif kind == "check":
            check = (name, path)
        else:
            series.setdefault(name, {})[int(kind)] = curves(path, int(kind))
    # A learner that does not depend on T: its horizon-T run is the prefix of the longest.
    name, path = check
    short = curves(path, horizons[0])["regret"]
    assert np.allclose(short, series[name][horizons[0]]["regret"], rtol=1e-12, atol=1e-9), (short, name)
    first = next(iter(series.values()))
    series["uniform mixture"] = {T: {"regret": first[T]["uniform_regret"]} for T in horizons}
    series["follow the leader, delayed"] = {T: {"regret": series["adahedge, delayed"][T]["ftl_regret"]}
                                            for T in horizons}
    series["follow the leader, no delay"] = {T: {"regret": series["adahedge, no delay"][T]["ftl_regret"]}
                                             for T in horizons}

    learner_colour = {"flipflop": "tab:purple", "adahedge": "tab:red", "hedge": "tab:blue",
                      "follow the leader": "tab:green", "uniform mixture": "grey"}
    market_style = {"stationary": "-", "regime_flip": "--", "adaptive": ":"}
    fig, axes = plt.subplots(1, 2, figsize=(15, 6.5), dpi=110, sharey=True)
    lines = ["| selector | setting | " + " | ".join(f"regret at T = {T} (USD)" for T in horizons) +
             " | fitted exponent (log regret vs log T) | per-scenario exponents |",
             "|---|---|" + "---|" * len(horizons) + "---|---|"]
    def order(name):
        stress = "stress" in name
        return (stress, name.split(", ")[-1] if stress else "", name)
    for name in sorted(series, key=order):
        by_T = series[name]
        mean = np.array([by_T[T]["regret"].mean() for T in horizons])
        per = np.array([by_T[T]["regret"] for T in horizons])  # [T][scenario]
        per_slopes = [slope(horizons, per[:, s]) for s in range(per.shape[1])]
        b = slope(horizons, mean)
        learner, _, setting = name.partition(", ")
        stress = setting.startswith("stress ")
        where = setting.replace("stress ", "") if stress else f"(e) synthetic, {setting or 'delayed'}"
        lines.append(f"| {learner} | {where} | " + " | ".join(f"{m:.1f}" for m in mean) +
                     f" | {b:.2f} | {min(per_slopes):.2f} to {max(per_slopes):.2f} |")
        ax = axes[1 if stress else 0]
        style = market_style[setting[7:]] if stress else ("-" if setting != "no delay" else ":")
        wide = learner == "follow the leader"  # under FlipFlop, which follows it most of the time
        ax.plot(horizons, mean, style, marker="o", ms=4, color=learner_colour.get(learner, "black"),
                lw=4 if wide else 1.5, alpha=0.35 if wide else 1.0, zorder=1 if wide else 2,
                label=f"{learner}, {setting[7:] if stress else setting or 'delayed'}: {b:.2f}")
    for ax, title in zip(axes, ["(e)'s pool and synthetic market (solid: delayed; dotted: no delay)",
                                "the stress suite's pool (solid: stationary; dashed: regime flip; "
                                "dotted: adaptive)"]):
        ref = np.array(horizons, dtype=float)
        ax.plot(ref, 30 * np.sqrt(ref / ref[0]), color="black", lw=0.8, alpha=0.5, label="√T for reference")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("horizon T (jobs)")
        ax.set_title(title, fontsize=9.5)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, loc="upper left", ncol=2, title="learner, setting: fitted exponent",
                  title_fontsize=7)
    axes[0].set_ylabel("regret at T (USD), mean over scenarios")
    fig.suptitle("Regret against the horizon T (log–log): the slope is the regret exponent", fontsize=11)
    fig.tight_layout()
    fig.savefig(png)
    lines.append("")
    open(md, "w").write("\n".join(lines))


if __name__ == "__main__":
    main()

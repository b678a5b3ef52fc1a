"""Experiment (e), the regret exponent over seeds: the slope of log regret against log T, with a
cluster-bootstrap 95 % interval over (seed, scenario) clusters; figure + table.

Usage: /usr/bin/python3 exponent.py OUT.png OUT.md "T1 T2 ..." LEARNER:DELAY:KIND:SEED=FILE.h5 [...]

KIND "prefix": one run of the longest T whose regret after r rounds is the regret at horizon r
(learners that do not depend on T); "check": a run of the shortest T that must equal that prefix;
a number: a run of that horizon (fixed-η Hedge). DELAY "stress": a `spotsweep stress` file of that
horizon (one market seed), each of its markets a setting of its own. SEED names the seed the file
was run with; a cluster is a (seed, scenario) pair, and every setting must have the same seeds at
every T. The uniform mixture's and follow-the-leader's regrets come from the runs (on the stress
suite's adaptive market, which reacts to the learner's weights, from FlipFlop's run).

The exponent of a setting is the least-squares slope of log(mean regret over its clusters)
against log T. Its interval: resample the clusters with replacement (numpy PCG64, seed 0, 10,000
draws, as experiments/paired.py), recompute the mean regret at every T and the slope per draw,
and take the 2.5 and 97.5 percentiles. Beside it, the median and range of the per-cluster slopes
(each cluster's own log regret against log T) and how many are at most 0.5 (O(√T)).
"""
import os
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from plotting import save_png, text  # noqa: E402

N_BOOT = 10000


def fmt(x, digits=2):
    """x to `digits` decimals, without a negative zero."""
    out = f"{x:.{digits}f}"
    return out[1:] if out.startswith("-") and float(out) == 0 else out


def curves(path, T):
    """Per-scenario regret, uniform and FTL regrets at round T of a `select` file."""
    with h5py.File(path, "r") as f:
        g = f["selector"]
        return {k: g[k][:, T - 1] for k in ("regret", "uniform_regret", "ftl_regret")}


def slopes(log_t, log_y):
    """Least-squares slopes of log_y[..., T] against log_t[T], over the last axis."""
    x = log_t - log_t.mean()
    return ((log_y - log_y.mean(axis=-1, keepdims=True)) * x).sum(axis=-1) / (x * x).sum()


def exponent(horizons, per):
    """per[T][cluster] regrets: the exponent of the mean, its bootstrap interval, the per-T
    means with their intervals, and the per-cluster slopes (NaN where a regret is <= 0)."""
    log_t = np.log(np.asarray(horizons, dtype=float))
    n = per.shape[1]
    mean = per.mean(axis=1)
    rng = np.random.Generator(np.random.PCG64(0))
    idx = rng.integers(0, n, size=(N_BOOT, n))
    boot_mean = per[:, idx].mean(axis=2).T  # [draw][T]
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = slopes(log_t, np.log(boot_mean))
        cluster = slopes(log_t, np.log(per.T))
    boot = boot[np.isfinite(boot)]  # a draw whose mean regret is <= 0 at some T has no slope
    cluster = np.where((per.T > 0).all(axis=1), cluster, np.nan)
    return {
        "b": float(slopes(log_t, np.log(mean))) if (mean > 0).all() else float("nan"),
        "ci": (float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))),
        "draws": len(boot),
        "mean": mean,
        "mean_ci": (np.percentile(boot_mean, 2.5, axis=0), np.percentile(boot_mean, 97.5, axis=0)),
        "cluster": cluster,
    }


def collect(horizons, specs):
    """series[name][T][seed] = per-scenario regrets, and the prefix checks."""
    series, checks = {}, []

    def put(name, T, seed, values):
        series.setdefault(name, {}).setdefault(T, {})[seed] = np.asarray(values, dtype=float)

    for spec in specs:
        key, path = spec.split("=", 1)
        learner, delay, kind, seed = key.split(":")
        seed = int(seed)
        if delay == "stress":
            T = int(kind)
            with h5py.File(path, "r") as f:
                for group in f["runs"].values():
                    market = text(group.attrs["adversary"])
                    regret = {k: group[k][:, :, T - 1] for k in ("regret", "uniform_regret", "ftl_regret")}
                    assert regret["regret"].shape[0] == 1, f"{path}: one market seed per file"
                    put(f"{learner}, stress {market}", T, seed, regret["regret"][0])
                    if learner == "flipflop":
                        put(f"uniform mixture, stress {market}", T, seed, regret["uniform_regret"][0])
                        put(f"follow the leader, stress {market}", T, seed, regret["ftl_regret"][0])
            continue
        name = f"{learner}, {'delayed' if delay == 'finish' else 'no delay'}"
        if kind == "prefix":
            for T in horizons:
                c = curves(path, T)
                put(name, T, seed, c["regret"])
                if learner == "flipflop" and delay == "finish":
                    put("uniform mixture", T, seed, c["uniform_regret"])
                if learner == "adahedge":
                    put(f"follow the leader, {name.split(', ')[1]}", T, seed, c["ftl_regret"])
        elif kind == "check":
            checks.append((name, seed, path))
        else:
            put(name, int(kind), seed, curves(path, int(kind))["regret"])
    # A learner that does not depend on T: its horizon-T run is the prefix of the longest.
    assert checks, "no prefix check"
    for name, seed, path in checks:
        short = curves(path, horizons[0])["regret"]
        prefix = series[name][horizons[0]][seed]
        assert np.allclose(short, prefix, rtol=1e-12, atol=1e-9), (name, seed, short, prefix)
    # [T][cluster] arrays, clusters = (seed, scenario) in seed order.
    out = {}
    for name, by_T in series.items():
        seeds = sorted(by_T[horizons[0]])
        for T in horizons:
            assert sorted(by_T.get(T, {})) == seeds, (name, T, sorted(by_T.get(T, {})), seeds)
        out[name] = (len(seeds), np.array([np.concatenate([by_T[T][s] for s in seeds]) for T in horizons]))
    return out, len(checks)


def main():
    png, md, horizons, specs = sys.argv[1], sys.argv[2], [int(t) for t in sys.argv[3].split()], sys.argv[4:]
    series, n_checks = collect(horizons, specs)

    def order(name):
        stress = "stress" in name
        learner = name.split(", ")[0]
        rank = ["flipflop", "adahedge", "hedge", "follow the leader", "uniform mixture"].index(learner)
        market = ["stationary", "regime_flip", "adaptive"].index(name[name.index("stress ") + 7:]) if stress else 0
        return (stress, market, rank, name)

    learner_colour = {"flipflop": "tab:purple", "adahedge": "tab:red", "hedge": "tab:blue",
                      "follow the leader": "tab:green", "uniform mixture": "grey"}
    market_style = {"stationary": "-", "regime_flip": "--", "adaptive": ":"}
    fig = plt.figure(figsize=(16, 12), dpi=100)
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.05])
    axes = [fig.add_subplot(grid[0, 0])]
    axes.append(fig.add_subplot(grid[0, 1], sharey=axes[0]))
    forest = fig.add_subplot(grid[1, :])
    lines = ["| selector | setting | clusters (seeds × scenarios) | " +
             " | ".join(f"regret at T = {T} (USD)" for T in horizons[:-1]) +
             f" | regret at T = {horizons[-1]} (USD), mean [95 % CI]"
             " | exponent (log mean regret vs log T) [95 % CI] | per-cluster exponents: median (min to max)"
             " | clusters with exponent ≤ 0.5 |",
             "|---|---|---|" + "---|" * len(horizons) + "---|---|---|"]
    rows = []
    names = sorted(series, key=order)
    for name in names:
        n_seeds, per = series[name]
        e = exponent(horizons, per)
        learner, _, setting = name.partition(", ")
        stress = setting.startswith("stress ")
        where = setting[7:] if stress else "(e) synthetic" + (f", {setting}" if setting else "")
        label = "hedge, fixed η" if learner == "hedge" else learner
        cl = e["cluster"]
        ok = cl[np.isfinite(cl)]
        skipped = len(cl) - len(ok)
        spread = (f"{fmt(np.median(ok))} ({fmt(ok.min())} to {fmt(ok.max())})" if len(ok) else "–") + \
            (f", {skipped} with regret ≤ 0 left out" if skipped else "")
        lo, hi = e["mean_ci"][0][-1], e["mean_ci"][1][-1]
        lines.append(f"| {label} | {where} | {per.shape[1]} ({n_seeds} × {per.shape[1] // n_seeds}) | " +
                     " | ".join(f"{m:.1f}" for m in e["mean"][:-1]) +
                     f" | {e['mean'][-1]:.1f} [{lo:.1f}, {hi:.1f}] | {fmt(e['b'])} [{fmt(e['ci'][0])}, {fmt(e['ci'][1])}]"
                     f" | {spread} | {int((ok <= 0.5).sum())} of {len(cl)} |")
        colour = learner_colour[learner]
        ax = axes[1 if stress else 0]
        style = market_style[setting[7:]] if stress else (":" if setting == "no delay" else "-")
        wide = learner == "follow the leader"  # under FlipFlop, which follows it most of the time
        err = np.vstack([e["mean"] - e["mean_ci"][0], e["mean_ci"][1] - e["mean"]])
        ax.errorbar(horizons, e["mean"], yerr=err, fmt=style, marker="o", ms=4, color=colour, capsize=3,
                    lw=4 if wide else 1.5, alpha=0.35 if wide else 1.0, zorder=1 if wide else 2,
                    label=f"{label}, {where.replace('(e) synthetic, ', '')}: {fmt(e['b'])}")
        rows.append((f"{label}, {where.replace('(e) synthetic', '(e)')}", e, colour, ok))
    for ax, title in zip(axes, ["(e)'s pool, fresh synthetic markets (solid: delayed; dotted: no delay)",
                                "the stress suite's pool (solid: stationary; dashed: regime flip; "
                                "dotted: adaptive)"]):
        ref = np.array(horizons, dtype=float)
        ax.plot(ref, 30 * np.sqrt(ref / ref[0]), color="black", lw=0.8, alpha=0.5, label="√T for reference")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(horizons)
        ax.set_xticklabels([str(T) for T in horizons])
        ax.minorticks_off()
        ax.set_xlabel("horizon T (jobs)")
        ax.set_title(title, fontsize=9.5)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=6.5, loc="upper left", ncol=2, title="learner, setting: exponent (intervals below)",
                  title_fontsize=7)
    axes[0].set_ylabel("regret at T (USD): mean over clusters, 95 % CI")
    y = np.arange(len(rows))[::-1]
    for yi, (label, e, colour, ok) in zip(y, rows):
        forest.scatter(ok, np.full(len(ok), yi), s=10, color=colour, alpha=0.45, lw=0)
        forest.errorbar([e["b"]], [yi], xerr=[[e["b"] - e["ci"][0]], [e["ci"][1] - e["b"]]], fmt="o",
                        color=colour, ms=5, capsize=4, lw=2)
    for x, what in [(0, "bounded regret"), (0.5, "O(√T)"), (1, "never learns")]:
        forest.axvline(x, color="black", lw=0.8, ls="--" if x == 0.5 else ":", alpha=0.6)
        forest.text(x, len(rows) - 0.4, what, fontsize=8, ha="center")
    forest.set_yticks(y)
    forest.set_yticklabels([r[0] for r in rows], fontsize=7.5)
    forest.set_ylim(-0.8, len(rows) + 0.2)
    forest.set_xlabel("regret exponent: slope of log mean regret against log T (dot, bar: 95 % cluster-"
                      "bootstrap CI); faint dots: each (seed, scenario) cluster's own slope")
    forest.grid(alpha=0.3, axis="x")
    n_seeds = sorted({series[name][0] for name in names})
    fig.suptitle(f"Regret against the horizon T = {', '.join(map(str, horizons))} (log–log) over "
                 f"{'/'.join(map(str, n_seeds))} seeds: the slope is the regret exponent", fontsize=11)
    fig.tight_layout()
    save_png(fig, png, "exponent.py")
    lines += ["", f"Clusters: (seed, scenario); intervals: percentile cluster bootstrap, {N_BOOT} draws "
              f"(PCG64, seed 0). Prefix check (AdaHedge, T = {horizons[0]} run = prefix of the "
              f"T = {horizons[-1]} run): passed on {n_checks} seeds.", ""]
    temp = f"{md}.partial"
    with open(temp, "w") as out:
        out.write("\n".join(lines))
    os.replace(temp, md)


if __name__ == "__main__":
    main()

"""The learners compared (docs/select.md, "Choosing the default learner"); a Markdown table.

Usage: /usr/bin/python3 table.py OUT.md WORKLOAD:LEARNER:DELAY:SEED=FILE.h5 [...]

FILE.h5 is a `spotsweep select` file, or (SEED = "stress") a `spotsweep stress` file whose runs
and seeds all count. A unit is one selector's run: (seed, scenario) of a select file, (setting,
seed, scenario) of a stress file; every learner of a workload is run on the same units, so the
learners are compared pairwise on them. Intervals are bootstrap 95 % percentile intervals over
the units (10,000 resamples, fixed seed).
"""
import sys
from collections import defaultdict

import h5py
import numpy as np

RNG = np.random.default_rng(2026)


def select_units(path, unit_prefix):
    """Per-scenario figures at the last round of a select file."""
    with h5py.File(path, "r") as f:
        g = f["selector"]
        regret, best = g["regret"][()], g["best_cumulative"][()]
        S, T = regret.shape
        out = {}
        for s in range(S):
            best_at_t = g["best_member"][s, -1]
            on_best = np.nonzero((g["leader"][s] == best_at_t) & (g["leader_weight"][s] >= 0.5))[0]
            out[(unit_prefix, s)] = dict(
                regret=regret[s, -1], uniform=g["uniform_regret"][s, -1], ftl=g["ftl_regret"][s, -1],
                bound=g["regret_bound"][s, -1], best=best[s, -1], T=T,
                gap=100.0 * regret[s, -1] / abs(best[s, -1]),
                first_half=(int(on_best[0]) + 1) if len(on_best) else np.nan,
                pending=float(np.mean(g["pending"][s])))
        return out


def stress_units(path):
    out = {}
    with h5py.File(path, "r") as f:
        for name, g in f["runs"].items():
            regret = g["regret"][()]
            N, S, T = regret.shape
            for n in range(N):
                for s in range(S):
                    best = g["best_cumulative"][n, s, -1]
                    out[(name, n, s)] = dict(
                        regret=regret[n, s, -1], uniform=g["uniform_regret"][n, s, -1],
                        ftl=g["ftl_regret"][n, s, -1], bound=g["regret_bound"][n, s, -1], best=best,
                        T=T, gap=100.0 * regret[n, s, -1] / abs(best), first_half=np.nan,
                        pending=float(np.mean(g["pending"][n, s])))
    return out


def bootstrap(values, draws=10000):
    values = np.asarray(values, dtype=float)
    idx = RNG.integers(0, len(values), size=(draws, len(values)))
    means = values[idx].mean(axis=1)
    return float(values.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def fmt_ci(mean, lo, hi, digits=1):
    return f"{mean:+.{digits}f} [{lo:+.{digits}f}, {hi:+.{digits}f}]"


def main():
    md, specs = sys.argv[1], sys.argv[2:]
    data = defaultdict(dict)  # (workload, learner, delay) -> {unit: figures}
    for spec in specs:
        key, path = spec.split("=", 1)
        workload, learner, delay, seed = key.split(":")
        units = stress_units(path) if seed == "stress" else select_units(path, seed)
        data[(workload, learner, delay)].update(units)
    workloads = list(dict.fromkeys(k[0] for k in data))
    full = ["adahedge", "flipflop", "hedge"]
    lines = []

    # 1. The criterion: mean regret at T with delayed feedback, per workload, paired.
    lines += ["### Mean regret at the last round with delayed feedback (USD per selector run)", "",
              "| workload | units | T | " + " | ".join(full) + " | follow the leader | uniform mixture | "
              "best learner | others − best, mean [95 % CI] |",
              "|---|---|---|" + "---|" * len(full) + "---|---|---|---|"]
    overall = defaultdict(list)
    for w in workloads:
        runs = {l: data[(w, l, "finish")] for l in full if (w, l, "finish") in data}
        if not runs:
            continue
        units = sorted(set.intersection(*(set(r) for r in runs.values())), key=str)
        mean = {l: float(np.mean([runs[l][u]["regret"] for u in units])) for l in runs}
        for l in runs:
            overall[l].append(mean[l])
        first = runs[next(iter(runs))]
        ftl = np.mean([first[u]["ftl"] for u in units])
        uniform = np.mean([first[u]["uniform"] for u in units])
        best = min(mean, key=mean.get)
        diffs = []
        for l in runs:
            if l == best:
                continue
            d = [runs[l][u]["regret"] - runs[best][u]["regret"] for u in units]
            diffs.append(f"{l} {fmt_ci(*bootstrap(d))}")
        T = first[units[0]]["T"]
        lines.append(f"| {w} | {len(units)} | {T} | " + " | ".join(f"{mean[l]:.1f}" for l in full if l in mean)
                     + f" | {ftl:.1f} | {uniform:.1f} | {best} | " + "; ".join(diffs) + " |")
    lines.append("| **mean over workloads** | | | " + " | ".join(
        f"**{np.mean(overall[l]):.1f}**" for l in full if l in overall) + " | | | " +
        min(overall, key=lambda l: np.mean(overall[l])) + " | |")
    lines.append("")

    # 2. Every setting: gap to the best member, bound, the baselines, with and without delay.
    lines += ["### Every learner and delay: figures at the last round, mean (worst) over units", "",
              "| workload | learner | delay | units | regret (USD) | gap to best member (%) | bound (USD) | "
              "regret / bound | uniform regret / bound | rounds to 0.5 weight on the final best member | "
              "pending results per round |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (w, l, d), runs in data.items():
        units = sorted(runs, key=str)
        v = lambda k: np.array([runs[u][k] for u in units], dtype=float)
        regret, gap, bound, uniform = v("regret"), v("gap"), v("bound"), v("uniform")
        first = v("first_half")
        reached = first[np.isfinite(first)]
        first_text = ("–" if w == "stress" else
                      f"{np.median(reached):.0f} median, {len(reached)}/{len(first)} reach it" if len(reached)
                      else f"never (0/{len(first)})")
        lines.append(f"| {w} | {l} | {d} | {len(units)} | {regret.mean():.1f} ({regret.max():.1f}) | "
                     f"{gap.mean():.2f} ({gap.max():.2f}) | {bound.mean():.1f} | {np.mean(regret / bound):.3f} | "
                     f"{np.mean(uniform / bound):.2f} (min {np.min(uniform / bound):.2f}) | {first_text} | "
                     f"{v('pending').mean():.1f} |")
    lines.append("")
    open(md, "w").write("\n".join(lines))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Experiment (b)'s tables and figure: every method, paired over seeds and windows, and PF tuned
on training windows and evaluated on held-out ones (experiments/paired.py's cluster bootstrap).

    /usr/bin/python3 experiments/b_methods/table.py OUT_DIR WORKLOAD:MARKET=SWEEP.h5 ...

Each SWEEP.h5 is `spotsweep sweep -a workload.seed=...` of config.toml for one workload and
market, every member traced, OPT on a stated lattice. Writes OUT_DIR/b_methods.md (per setting:
every method's utility with its interval, median over clusters and spread, share of OPT with
the bracket; CHC's paired differences against every baseline; PF tuned on the first half of the
windows and compared on the second half; a summary over the settings) and OUT_DIR/b_methods.png
(the throughput curves, the paired differences with their 95 % intervals, the shares of OPT).
"""
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, ".."))
import fit  # noqa: E402
from paired import bootstrap, mean_interval, per_job  # noqa: E402
from plotting import save_png  # noqa: E402

PF_DEFAULT = dict(theta=0.7, kappa=0.9, rho=1.5, hysteresis=0.02)  # docs/model.md 4.3
PF_AXES = ("theta", "kappa", "rho", "hysteresis")  # the pool's order, last axis fastest
# CHC members (config.toml): eps (0, 0.2) x avail_noise (multiplicative, capacity-scaled).
CHC = {"CHC ε=0": "chc+0", "CHC ε=0.2 mult.": "chc+2", "CHC ε=0.2 cap.": "chc+3"}
BASELINES = {"on-demand": "on_demand", "Greedy": "greedy", "Uniform Progress": "uniform_progress"}
COMPARISONS = [("CHC ε=0", b) for b in ("on-demand", "Greedy", "Uniform Progress", "PF default",
                                        "PF best in hindsight")] + \
              [("CHC ε=0.2 cap.", b) for b in ("Greedy", "Uniform Progress", "PF default")] + \
              [("CHC ε=0.2 mult.", "Greedy"), ("CHC ε=0.2 cap.", "CHC ε=0")]
PF_COMPARISONS = [("PF tuned", "PF default"), ("PF tuned", "Greedy"),
                  ("PF tuned", "Uniform Progress"), ("PF tuned", "on-demand"),
                  ("PF best on held-out", "Greedy"), ("PF best on held-out", "Uniform Progress"),
                  ("CHC ε=0", "PF tuned")]
DIAGNOSTIC_FIELDS = [("value", "value V(T)"), ("cost", "cost"), ("spot_gpu_s", "spot GPU-h"),
                     ("od_gpu_s", "on-demand GPU-h"), ("finish_s", "finish (h)"),
                     ("reconfigs", "restarts")]


def pf_members(f):
    """[(local index, {axis: value})] of the PF grid, decoded mixed-radix, last axis fastest."""
    g = f["families/pf"]
    values = [list(g[a][()]) for a in PF_AXES]
    sizes = [len(v) for v in values]
    out = []
    for local in range(int(g.attrs["members"])):
        rest, params = local, {}
        for axis, vals, size in reversed(list(zip(PF_AXES, values, sizes))):
            params[axis] = float(vals[rest % size])
            rest //= size
        out.append((local, params))
    return out


def describe_pf(params):
    return (f"θ={params['theta']:g}, κ={params['kappa']:g}, ρ={params['rho']:g}, "
            f"h={params['hysteresis']:g}")


def split(u, scenarios):
    """[cluster, round] (seed-major clusters) -> the first and the second half of the windows."""
    rounds = u.shape[1]
    by_seed = u.reshape(-1, scenarios, rounds)
    half = scenarios // 2
    return (by_seed[:, :half].reshape(-1, rounds), by_seed[:, half:].reshape(-1, rounds))


def load(path):
    with h5py.File(path, "r") as f:
        scenarios, rounds = int(f.attrs["scenarios"]), int(f.attrs["rounds"])
        traced = len(f["traced_members/member"][()])
        if traced != int(f.attrs["pool_size"]):
            raise SystemExit(f"table.py: {path}: {traced} of {int(f.attrs['pool_size'])} members "
                             "traced; run the sweep with every member traced")
        u = {name: per_job(f, key, {}) for name, key in {**BASELINES, **CHC}.items()}
        pf = [(params, per_job(f, f"pf+{local}", {})) for local, params in pf_members(f)]
        default = [p for p, _ in pf].index(PF_DEFAULT)
        u["PF default"] = pf[default][1]
        best = int(np.argmax([x.mean() for _, x in pf]))
        u["PF best in hindsight"] = pf[best][1]
        fields = {}
        for field, _ in DIAGNOSTIC_FIELDS:
            fields[field] = {name: per_job(f, key, {}, field) for name, key in
                             {**BASELINES, "CHC ε=0": CHC["CHC ε=0"]}.items()}
            fields[field]["PF default"] = per_job(f, f"pf+{pf_members(f)[default][0]}", {}, field)
        opt, opt_hi = per_job(f, "opt", {}), per_job(f, "opt_upper", {})
        resolution = int(f["opt"].attrs.get("progress_resolution", 0))
        split_steps = int(f["opt"].attrs.get("progress_split_steps", 0))
        failures = int(f["opt"].attrs.get("precision_failures", -1))
        tick = float(f["workload"].attrs["tick_seconds"])
        pf_fields = {field: [per_job(f, f"pf+{local}", {}, field) for local, _ in pf_members(f)]
                     for field, _ in DIAGNOSTIC_FIELDS}
    # Training: the first half of the windows, every seed; held out: the second half.
    train = [x for _, (x, _) in ((p, split(x, scenarios)) for p, x in pf)]
    tuned = int(np.argmax([x.mean() for x in train]))
    for field, _ in DIAGNOSTIC_FIELDS:
        fields[field]["PF tuned"] = pf_fields[field][tuned]
    held = {name: split(x, scenarios)[1] for name, x in u.items()}
    held["PF tuned"] = split(pf[tuned][1], scenarios)[1]
    held_pf = [split(x, scenarios)[1] for _, x in pf]
    best_held = int(np.argmax([x.mean() for x in held_pf]))
    held["PF best on held-out"] = held_pf[best_held]
    held_means = np.array([x.mean() for x in held_pf])
    # Rank among the members on the held-out windows; members with the same utility tie.
    rank = 1 + int((held_means > held_means[tuned] + 1e-9).sum())
    distinct = len(np.unique(np.round([x.mean() for _, x in pf], 6)))
    return dict(u=u, opt=opt, opt_hi=opt_hi, seeds=opt.shape[0] // scenarios, scenarios=scenarios,
                rounds=rounds, resolution=resolution, split_steps=split_steps, failures=failures,
                tick=tick,
                pf_default=pf[default][0], pf_best=pf[best][0], pf_tuned=pf[tuned][0],
                pf_tuned_train=float(train[tuned].mean()),
                pf_tuned_rank=rank, pf_size=len(pf), pf_distinct=distinct,
                pf_best_held=pf[best_held][0], held=held, fields=fields,
                held_fields={field: {name: split(x, scenarios)[1] for name, x in per.items()}
                             for field, per in fields.items()})


def span(first, last):
    return f"window {first}" if first == last else f"windows {first}–{last}"


def cell(r, scale=100, unit=" %"):
    return (f"{scale * r['rel_mean']:+.2f}{unit} [{scale * r['rel_ci'][0]:+.2f}, "
            f"{scale * r['rel_ci'][1]:+.2f}]")


def comparison_row(a, b, r):
    """A table row of a paired comparison: difference, relative difference, share of clusters."""
    return (f"| {a} | {b} | {r['diff_mean']:+.2f} [{r['diff_ci'][0]:+.2f}, "
            f"{r['diff_ci'][1]:+.2f}] | {cell(r)} | {100 * r['share_a_better']:.0f} % of "
            f"{r['clusters']} |")



def main(out_dir, specs):
    curves = {w["name"]: w for w in fit.workloads()}
    results = []
    for spec in specs:
        key, _, path = spec.partition("=")
        name, _, market = key.partition(":")
        results.append((name, market, load(path)))

    lines = ["# Experiment (b): every method, paired over seeds and windows", ""]
    summary = {}
    figure = []
    for name, market, d in results:
        w = curves[name]
        u, opt, opt_hi = d["u"], d["opt"], d["opt_hi"]
        lo, hi = float(opt.mean()), float(opt_hi.mean())
        clusters = opt.shape[0]
        lattice = (f"split steps near tick·H(N_min)/{d['resolution']}" if d["split_steps"] else
                   f"a step of tick·H(N_min)/{d['resolution']}" if d["resolution"] else "buckets")
        lines += [f"## {w['label']} on {market}: {d['seeds']} seeds × {d['scenarios']} windows = "
                  f"{clusters} clusters × {d['rounds']} jobs", "",
                  f"H(n) = {w['alpha']:.4f}·n + {w['beta']:.4f} samples/s, {d['tick']:g} s slots. "
                  f"OPT on {lattice}: achieved {lo:.2f}, upper bound {hi:.2f} USD per job, bracket "
                  f"{hi - lo:.2f} USD = {100 * (hi - lo) / abs(lo):.2f} % of the achieved value; "
                  f"points where a policy's mean beats OPT's achieved value: {d['failures']}. "
                  f"PF default = ({describe_pf(d['pf_default'])}); PF best in hindsight over all "
                  f"{clusters} clusters of the {d['pf_size']}-member grid = "
                  f"({describe_pf(d['pf_best'])}), which flatters PF.", "",
                  "| method | mean utility (USD) [95 % CI] | median over clusters [p25, p75] | "
                  "min–max over clusters | share of OPT, upper … achieved bound [95 % CI vs achieved] |",
                  "|---|---|---|---|---|"]
        shares = []
        for method in ("on-demand", "Greedy", "Uniform Progress", "PF default",
                       "PF best in hindsight", *CHC):
            x = u[method]
            r = mean_interval(x)
            c = x.mean(axis=1)
            ratio = bootstrap(x, opt)
            shares.append((method, 100 * x.mean() / lo, 100 * (1 + ratio["rel_ci"][0]),
                           100 * (1 + ratio["rel_ci"][1])))
            lines.append(
                f"| {method} | {r['mean']:.2f} [{r['ci'][0]:.2f}, {r['ci'][1]:.2f}] | "
                f"{np.median(c):.2f} [{np.percentile(c, 25):.2f}, {np.percentile(c, 75):.2f}] | "
                f"{c.min():.2f}–{c.max():.2f} | {100 * x.mean() / hi:.1f} … {100 * x.mean() / lo:.1f}"
                f" % [{shares[-1][2]:.1f}, {shares[-1][3]:.1f}] |")
            if x.mean() > lo + 1e-9:
                raise SystemExit(f"table.py: {market}: {method} beats OPT's achieved value")
        lines += ["", "| A | B | A − B per job (USD) [95 % CI] | (A − B)/|B| [95 % CI] | "
                  "A better in clusters | median cluster difference |", "|---|---|---|---|---|---|"]
        rows = []
        for a, b in COMPARISONS:
            r = bootstrap(u[a], u[b])
            rows.append((f"{a} − {b}", r, "all"))
            summary.setdefault(f"{a} − {b}", []).append((f"{name}:{market}", r))
            lines.append(comparison_row(a, b, r) + f" {r['diff_median_cluster']:+.2f} |")
        held = d["held"]
        half = d["scenarios"] // 2
        lines += ["", f"**PF tuned on training windows, evaluated on held-out windows.** Training: "
                  f"{span(1, half)} of every seed ({d['seeds'] * half} clusters); the member "
                  f"with the best mean there is ({describe_pf(d['pf_tuned'])}), "
                  f"{d['pf_tuned_train']:.2f} USD per job on the training windows. Held out: "
                  f"{span(half + 1, d['scenarios'])} ({d['seeds'] * (d['scenarios'] - half)} "
                  f"clusters), where it ranks {d['pf_tuned_rank']} of {d['pf_size']} (ties share a rank; "
                  f"the grid gives {d['pf_distinct']} distinct mean utilities over all windows); the best "
                  f"member on the held-out windows themselves (in hindsight, flatters PF) is "
                  f"({describe_pf(d['pf_best_held'])}).", "",
                  "| A (held-out windows) | B | A − B per job (USD) [95 % CI] | (A − B)/|B| [95 % CI] "
                  "| A better in clusters |", "|---|---|---|---|---|"]
        for a, b in PF_COMPARISONS:
            r = bootstrap(held[a], held[b])
            rows.append((f"{a} − {b} (held-out)", r, "held"))
            summary.setdefault(f"{a} − {b} (held-out)", []).append((f"{name}:{market}", r))
            lines.append(comparison_row(a, b, r))
        hf = d["held_fields"]
        lines += ["", "Where the utility goes (held-out windows, mean per job):", "",
                  "| method | " + " | ".join(label for _, label in DIAGNOSTIC_FIELDS) + " |",
                  "|---|" + "---|" * len(DIAGNOSTIC_FIELDS)]
        for method in ("on-demand", "Greedy", "Uniform Progress", "PF default", "PF tuned", "CHC ε=0"):
            vals = []
            for field, _ in DIAGNOSTIC_FIELDS:
                v = float(hf[field][method].mean())
                vals.append(f"{v / 3600:.2f}" if field.endswith("_s") else f"{v:.2f}")  # seconds -> hours
            lines.append(f"| {method} | " + " | ".join(vals) + " |")
        lines.append("")
        figure.append((f"{w['label']}\non {market}", rows, shares, f"{100 * (hi - lo) / abs(lo):.2f}"))

    lines += ["## Summary over the settings", "",
              "| comparison | median over settings | range | intervals above 0 / below 0 / containing 0 |",
              "|---|---|---|---|"]
    for label, items in summary.items():
        rel = [100 * r["rel_mean"] for _, r in items]
        above = sum(r["rel_ci"][0] > 0 for _, r in items)
        below = sum(r["rel_ci"][1] < 0 for _, r in items)
        lines.append(f"| {label} | {np.median(rel):+.2f} % | {min(rel):+.2f} to {max(rel):+.2f} % | "
                     f"{above} / {below} / {len(items) - above - below} |")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "b_methods.md"), "w") as md:
        md.write("\n".join(lines) + "\n")

    panels = len(figure) + 2
    ncols = 3
    nrows = (panels + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.2 * ncols, 4.8 * nrows), squeeze=False,
                             dpi=100)
    axes = axes.ravel()
    ax_h = axes[0]
    n = np.arange(1, 17)
    for colour, w in zip(("tab:blue", "tab:red"), curves.values()):
        ax_h.plot(n, w["alpha"] * n + w["beta"], color=colour,
                  label=f"{w['label']}: H(n) = {w['alpha']:.3f}·n + {w['beta']:.3f}")
        ax_h.scatter([1], [w["anchor"]["1"]], color=colour, marker="*", s=120, edgecolors="black")
    ax_h.set_xlabel("GPUs n")
    ax_h.set_ylabel("throughput H(n) (samples/s)")
    ax_h.set_title("throughput curves (fit.py; ★ measured H(1))", fontsize=10)
    ax_h.set_ylim(0, None)
    ax_h.legend(fontsize=8)
    ax_h.grid(alpha=0.3)
    for ax, (title, rows, _, bracket) in zip(axes[1:], figure):
        y = np.arange(len(rows))[::-1]
        rel = np.array([100 * r["rel_mean"] for _, r, _ in rows])
        lo_ = np.array([100 * r["rel_ci"][0] for _, r, _ in rows])
        hi_ = np.array([100 * r["rel_ci"][1] for _, r, _ in rows])
        colours = ["tab:blue" if kind == "all" else "tab:orange" for _, _, kind in rows]
        for yi, m, l_, h_, c in zip(y, rel, lo_, hi_, colours):
            ax.errorbar([m], [yi], xerr=[[m - l_], [h_ - m]], fmt="o", capsize=3, color=c)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels([label for label, _, _ in rows], fontsize=7)
        ax.set_xscale("symlog", linthresh=10)
        ticks = [t for t in (-50, -20, -10, -5, 0, 5, 10, 20, 50)
                 if min(lo_.min(), 0) - 5 <= t <= max(hi_.max(), 0) + 5]
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:+d}" if t else "0" for t in ticks], fontsize=8)
        ax.set_xlabel("(A − B)/|B|, % (95 % cluster-bootstrap CI; symlog beyond ±10 %)", fontsize=8)
        ax.set_title(f"{title} (OPT bracket {bracket} %)", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    ax_s = axes[len(figure) + 1]
    methods = [m for m, *_ in figure[0][2]]
    width = 0.8 / len(figure)
    for i, (title, _, shares, _) in enumerate(figure):
        x = np.arange(len(methods)) + (i - (len(figure) - 1) / 2) * width
        mid = np.array([s[1] for s in shares])
        ax_s.errorbar(x, mid, yerr=[mid - np.array([s[2] for s in shares]),
                                    np.array([s[3] for s in shares]) - mid],
                      fmt="o", ms=4, capsize=2, label=title.replace("\n", " "))
    ax_s.set_xticks(np.arange(len(methods)))
    ax_s.set_xticklabels(methods, rotation=35, ha="right", fontsize=7)
    ax_s.set_ylabel("share of OPT's achieved value (%), 95 % CI")
    ax_s.set_title("share of OPT (bracket in each panel's title)", fontsize=9)
    ax_s.legend(fontsize=6.5)
    ax_s.grid(axis="y", alpha=0.3)
    for ax in axes[panels:]:
        ax.axis("off")
    fig.suptitle("(b): paired differences, blue: all windows; orange: PF tuned on the first half of "
                 "the windows, compared on the second half", fontsize=11)
    fig.tight_layout()
    save_png(fig, os.path.join(out_dir, "b_methods.png"), "b_methods/table.py")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit("usage: table.py OUT_DIR WORKLOAD:MARKET=SWEEP.h5 ...")
    main(sys.argv[1], sys.argv[2:])

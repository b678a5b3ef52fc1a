"""Experiment (f): relative utility improvement of the selector over each baseline; figure + table.

Usage: /usr/bin/python3 table.py OUT.png OUT.md MARKET:JOB=SELECT.h5,SWEEP.h5 [...]

SELECT.h5 is `spotsweep select` over CHC + PF; SWEEP.h5 `spotsweep sweep --per-scenario` of the
baselines and PF on the same jobs (same [workload] and [job], hence the same draws). Improvement
over baseline b = (U_sel − U_b) / |U_b|, U = mean utility per job over all S × T jobs of the
setting; U_sel is the selector's expected utility (Σ_k p_k u_k per round).
"""
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BASELINES = ["on-demand", "Greedy", "Uniform Progress", "PF default", "PF best"]
PAPER = 54.8


def member(f, family, **where):
    g = f["families"][family]
    ds = g["utility_mean"]
    index = []
    for dim in ds.dims:
        values = list(g[dim.label][()])
        index.append(values.index(where[dim.label]) if dim.label in where else 0)
    return tuple(index)


def setting(spec):
    key, paths = spec.split("=", 1)
    market, job = key.split(":")
    select, sweep = paths.split(",")
    with h5py.File(select, "r") as f:
        cum = f["selector/selector_cumulative"][()]
        best = f["selector/best_cumulative"][()]
        S, T = cum.shape
        sel_per = cum[:, -1] / T
        best_per = best[:, -1] / T
        K = int(f.attrs["pool_size"])
    with h5py.File(sweep, "r") as f:
        assert int(f.attrs["scenarios"]) == S and int(f.attrs["rounds"]) == T, "select and sweep differ"
        fam = f["families"]
        per = {"on-demand": fam["on_demand/scenario_utility_mean"][(0,)],
               "Greedy": fam["greedy/scenario_utility_mean"][(0,)],
               "Uniform Progress": fam["uniform_progress/scenario_utility_mean"][(0,)],
               "PF default": fam["pf/scenario_utility_mean"][member(f, "pf", theta=0.7, kappa=0.9)]}
        pf_mean = fam["pf/utility_mean"][()]
        pf_best = np.unravel_index(int(np.argmax(pf_mean)), pf_mean.shape)
        per["PF best"] = fam["pf/scenario_utility_mean"][pf_best]
        pf_all = fam["pf/scenario_utility_mean"][()].reshape(-1, S)
        pf_desc = f"θ={fam['pf/theta'][pf_best[0]]:g}, κ={fam['pf/kappa'][pf_best[1]]:g}"
        opt = float(f["opt/utility_lower"][()].mean())
    # The selector's pool holds every PF member, so its best member in hindsight is at least
    # as good as each PF member in every scenario (the same jobs; a mismatch would show here).
    assert np.all(best_per >= pf_all.max(axis=0) - 1e-6), (market, job, best_per, pf_all.max(axis=0))
    u = {b: float(np.mean(v)) for b, v in per.items()}
    sel = float(sel_per.mean())
    imp = {b: 100.0 * (sel - u[b]) / abs(u[b]) for b in BASELINES}
    best = float(best_per.mean())
    imp_best = {b: 100.0 * (best - u[b]) / abs(u[b]) for b in BASELINES}
    imp_scen = {b: 100.0 * (sel_per - per[b]) / np.abs(per[b]) for b in BASELINES}
    for v in list(u.values()) + [sel, opt]:
        assert np.isfinite(v), (market, job)
    return dict(market=market, job=job, S=S, T=T, K=K, sel=sel, best=best, u=u, imp=imp, imp_best=imp_best,
                imp_scen=imp_scen, opt=opt, pf_desc=pf_desc, sel_per=sel_per, per=per)


def improvement_interval(row, baseline, draws=10000):
    """Bootstrap 95 % interval of the setting's improvement over a baseline, resampling its
    scenario windows (paired: the selector and the baseline on the same resampled windows)."""
    rng = np.random.default_rng(2026)
    sel, base = np.asarray(row["sel_per"]), np.asarray(row["per"][baseline])
    idx = rng.integers(0, len(sel), size=(draws, len(sel)))
    s, b = sel[idx].mean(axis=1), base[idx].mean(axis=1)
    imp = 100.0 * (s - b) / np.abs(b)
    return float(np.percentile(imp, 2.5)), float(np.percentile(imp, 97.5))


def main():
    png, md, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    rows = [setting(s) for s in specs]

    fig, ax = plt.subplots(figsize=(max(8, 2.2 * len(rows) + 3), 6.4), dpi=110)
    width = 0.8 / len(BASELINES)
    cmap = plt.get_cmap("tab10")
    x = np.arange(len(rows))
    for i, b in enumerate(BASELINES):
        ys = [r["imp"][b] for r in rows]
        xs = x + (i - (len(BASELINES) - 1) / 2) * width
        ax.bar(xs, ys, width, color=cmap(i), label=f"over {b}")
        ax.scatter(xs, [r["imp_best"][b] for r in rows], marker="_", s=120, color="black", zorder=3,
                   label="best member in hindsight over the same baseline" if i == 0 else None)
    ax.axhline(PAPER, color="black", linestyle="--", linewidth=1, label=f"paper: up to {PAPER} %")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_yscale("symlog", linthresh=10)
    values = [r[k][b] for r in rows for b in BASELINES for k in ("imp", "imp_best")]
    ax.set_ylim(min(-20.0, 1.5 * min(values)), 2.0 * max(values + [PAPER]))
    ax.set_xticks(x)
    ax.set_xticklabels([f"{r['market']}\n{r['job']} job" for r in rows], fontsize=8.5)
    ax.set_ylabel("(U_selector − U_baseline) / |U_baseline| (%)\n(symmetric log scale, linear within ±10 %)")
    ax.set_title("relative utility improvement of the selector (FlipFlop over CHC + PF, delayed feedback) over each baseline", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    fig.tight_layout()
    fig.savefig(png)

    out = ["| market | job | jobs (S × T) | selector (USD) | best member in hindsight (USD) | on-demand | Greedy | "
           "Uniform Progress | PF default | PF best (θ, κ) | OPT achieved (USD) |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{r['u'][b]:.2f} ({r['imp'][b]:+.1f} %)" for b in BASELINES[:-1]]
        cells.append(f"{r['u']['PF best']:.2f} ({r['imp']['PF best']:+.1f} %; {r['pf_desc']})")
        out.append(f"| {r['market']} | {r['job']} | {r['S']} × {r['T']} | {r['sel']:.2f} | {r['best']:.2f} | "
                   + " | ".join(cells) + f" | {r['opt']:.2f} |")
    out.append("")
    out.append("| baseline | selector: largest improvement over settings (setting) [bootstrap 95 % CI over its "
               "scenario windows] | selector: smallest | "
               "selector: largest over single scenarios (setting, scenario) | best member in hindsight: largest (setting) |")
    out.append("|---|---|---|---|---|")
    for b in BASELINES:
        top = max(rows, key=lambda r: r["imp"][b])
        low = min(rows, key=lambda r: r["imp"][b])
        hb = max(rows, key=lambda r: r["imp_best"][b])
        scen = max(((r, s) for r in rows for s in range(r["S"])), key=lambda rs: rs[0]["imp_scen"][b][rs[1]])
        lo, hi = improvement_interval(top, b)
        out.append(f"| {b} | {top['imp'][b]:+.1f} % ({top['market']}, {top['job']}) [{lo:+.1f}, {hi:+.1f}] | "
                   f"{low['imp'][b]:+.1f} % ({low['market']}, {low['job']}) | "
                   f"{scen[0]['imp_scen'][b][scen[1]]:+.1f} % ({scen[0]['market']}, {scen[0]['job']}, scenario {scen[1]}) | "
                   f"{hb['imp_best'][b]:+.1f} % ({hb['market']}, {hb['job']}) |")
    out.append("")
    open(md, "w").write("\n".join(out))


if __name__ == "__main__":
    main()

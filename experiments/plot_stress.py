#!/usr/bin/python3
"""Regret against its bound and the baselines, one figure per adversary, from a `spotsweep
stress` file.

For each adversary it takes the (setting, seed) with the largest regret at the last round and
plots, in the scenario where that regret is largest, the learner's regret, its valid bound, the
uniform mixture's and follow-the-leader's regrets by round (left, with the stationary control's
regret on the same seed), and the ratio regret/bound beside the control's (right).

    /usr/bin/python3 experiments/plot_stress.py stress.h5 docs/figures   # writes stress_<adversary>.png
"""
import sys
from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def curves(f, group, seed, scenario=None):
    """The run's curves for one seed, in `scenario` (default: where the final regret is largest)."""
    g = f[group]
    i = list(g["seed"][:]).index(seed)
    if scenario is None:
        scenario = int(np.argmax(g["regret"][i, :, -1]))
    return scenario, {k: g[k][i, scenario, :] for k in ("regret", "regret_bound", "uniform_regret", "ftl_regret")}


def main(path, out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "r") as f:
        s = f["summary"]
        adversary = [text(a) for a in s["adversary"][:]]
        label = [text(a) for a in s["label"][:]]
        group = [text(a) for a in s["group"][:]]
        seed = s["seed"][:]
        final_regret = s["final_regret"][:]
        rounds = int(f.attrs["rounds"])
        pool = int(f.attrs["pool_size"])
        learner = f"{text(f.attrs['learner'])}, fed back {'when each job ends' if text(f.attrs['feedback_delay']) == 'finish' else 'at once'}"
        written = []
        for name in ["regime_flip", "deadline_trap", "poisoning", "adaptive"]:
            rows = [i for i, a in enumerate(adversary) if a == name]
            if not rows:
                continue
            worst = max(rows, key=lambda i: final_regret[i])
            scenario, c = curves(f, group[worst], seed[worst])
            # The stationary control on the same seed, in the same scenario.
            base_rows = [i for i, a in enumerate(adversary) if a == "stationary" and seed[i] == seed[worst]]
            base = curves(f, group[base_rows[0]], seed[base_rows[0]], scenario)[1] if base_rows else None
            r = np.arange(1, rounds + 1)
            fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
            left.plot(r, c["uniform_regret"], color="grey", lw=2, alpha=0.6, label="uniform mixture (never learns)")
            left.plot(r, c["regret_bound"], color="black", label="the learner's valid bound")
            left.plot(r, c["ftl_regret"], color="tab:green", lw=3, alpha=0.35, label="follow the leader")
            left.plot(r, c["regret"], color="tab:red", label=f"regret, {name}")
            if base is not None:
                left.plot(r, base["regret"], color="tab:blue", linestyle="--", label="regret, stationary market")
            left.set_yscale("symlog", linthresh=10)
            left.set_ylim(0, None)
            left.set_xlabel("round (jobs played)")
            left.set_ylabel("cumulative regret (USD; linear below 10)")
            left.set_title(f"scenario {scenario}, seed {seed[worst]}: largest regret at T", fontsize=10)
            left.legend(loc="upper left", fontsize=7.5)
            left.grid(alpha=0.3)
            with np.errstate(divide="ignore", invalid="ignore"):
                right.plot(r, c["regret"] / c["regret_bound"], color="tab:red", label=name)
                if base is not None:
                    right.plot(r, base["regret"] / base["regret_bound"], color="tab:blue", linestyle="--",
                               label="stationary")
            right.set_xlabel("round (jobs played)")
            right.set_ylabel("regret / bound")
            right.set_ylim(min(0.0, right.get_ylim()[0]), 1.05)
            right.set_title("regret / the learner's bound", fontsize=10)
            right.legend(loc="lower left")
            right.grid(alpha=0.3)
            fig.suptitle(f"{label[worst]}  ({pool} members; {learner})", fontsize=10)
            fig.tight_layout()
            target = out_dir / f"stress_{name}.png"
            fig.savefig(target, dpi=110)
            plt.close(fig)
            written.append(str(target))
    for w in written:
        print("wrote", w)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plot_stress.py STRESS.h5 OUT_DIR")
    main(sys.argv[1], sys.argv[2])

#!/usr/bin/python3
"""Regret against its bound, one figure per adversary, from a `spotsweep stress` file.

For each adversary it takes the (setting, seed) with the largest max regret/bound and plots,
in its worst scenario, the selector's regret and Hedge's bound by round (left), and the ratio
regret/bound beside the stationary control's on the same seed (right).

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


def curves(f, group, seed, scenario):
    g = f[group]
    i = list(g["seed"][:]).index(seed)
    return g["regret"][i, scenario, :], g["regret_bound"][i, scenario, :]


def main(path, out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "r") as f:
        s = f["summary"]
        adversary = [text(a) for a in s["adversary"][:]]
        label = [text(a) for a in s["label"][:]]
        group = [text(a) for a in s["group"][:]]
        seed = s["seed"][:]
        max_ratio = s["max_ratio"][:]
        scenario = s["max_ratio_scenario"][:]
        rounds = int(f.attrs["rounds"])
        pool = int(f.attrs["pool_size"])
        written = []
        for name in ["regime_flip", "deadline_trap", "poisoning", "adaptive"]:
            rows = [i for i, a in enumerate(adversary) if a == name]
            if not rows:
                continue
            worst = max(rows, key=lambda i: max_ratio[i])
            regret, bound = curves(f, group[worst], seed[worst], scenario[worst])
            # The stationary control on the same seed, in its own worst scenario.
            base_rows = [i for i, a in enumerate(adversary) if a == "stationary" and seed[i] == seed[worst]]
            base = base_rows[0] if base_rows else None
            r = np.arange(1, rounds + 1)
            fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
            left.plot(r, bound, color="black", label=f"Hedge bound, {name}")
            left.plot(r, regret, color="tab:red", label=f"regret, {name}")
            if base is not None:
                b_regret, b_bound = curves(f, group[base], seed[base], scenario[base])
                left.plot(r, b_bound, color="grey", linestyle=":", label="bound, stationary")
                left.plot(r, b_regret, color="tab:blue", linestyle="--", label="regret, stationary")
            left.set_xlabel("round (jobs played)")
            left.set_ylabel("cumulative regret (USD)")
            left.set_title(f"worst scenario {scenario[worst]}, seed {seed[worst]}")
            left.legend(loc="center right", fontsize=8)
            left.grid(alpha=0.3)
            with np.errstate(divide="ignore", invalid="ignore"):
                right.plot(r, regret / bound, color="tab:red", label=name)
                if base is not None:
                    right.plot(r, b_regret / b_bound, color="tab:blue", linestyle="--", label="stationary")
            right.set_xlabel("round (jobs played)")
            right.set_ylabel("regret / bound")
            right.set_ylim(bottom=min(0.0, right.get_ylim()[0]))
            right.set_title(f"max {max_ratio[worst]:.3f} vs stationary {max_ratio[base] if base is not None else float('nan'):.3f}")
            right.legend(loc="upper left")
            right.grid(alpha=0.3)
            fig.suptitle(f"{label[worst]}  ({pool} members, Hedge)", fontsize=10)
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

"""Reads spotsweep select files with h5py alone, as a user would (docs/select.md)."""
import sys

import h5py
import numpy as np

full_path, bandit_path = sys.argv[1], sys.argv[2]
with h5py.File(full_path, "r") as f:
    for name in ("config", "backend", "device", "learner", "feedback", "feedback_delay",
                 "eta_schedule", "trace"):
        assert isinstance(f.attrs[name], str), f"{name} is not str"
    assert f.attrs["learner"] == "flipflop", f.attrs["learner"]
    assert f.attrs["feedback"] == "full" and f.attrs["feedback_delay"] == "finish"
    assert 'learner = "' in f.attrs["config"] and 'feedback_delay = "finish"' in f.attrs["config"]
    assert int(f.attrs["pool_size"]) == 10 and int(f.attrs["rounds"]) == 25
    assert int(f.attrs["selector_seed"]) == 5

    sel = f["selector"]
    regret, bound = sel["regret"][()], sel["regret_bound"][()]
    assert regret.shape == (3, 25), regret.shape
    assert [d.label for d in sel["regret"].dims] == ["scenario", "round"]
    assert list(sel["regret"].dims[1][0][:5]) == [1, 2, 3, 4, 5]
    assert np.all(regret <= bound + 1e-9 * (1 + np.abs(bound))), "regret above its bound"
    # The curves are consistent with each other.
    assert np.allclose(regret, sel["best_cumulative"][()] - sel["selector_cumulative"][()], atol=1e-6)
    assert np.allclose(np.cumsum(sel["expected_utility"][()], axis=1), sel["selector_cumulative"][()], atol=1e-6)
    low, high = sel["utility_low"][()], sel["utility_high"][()]
    assert np.all(low < high)
    for name in ("expected_utility", "sampled_utility"):
        v = sel[name][()]
        assert np.all((v >= low[:, None] - 1e-9) & (v <= high[:, None] + 1e-9)), name
    entropy = sel["entropy"][()]
    assert np.allclose(entropy[:, 0], np.log(10)), "round 1 plays the uniform mixture"
    assert np.all(entropy <= np.log(10) + 1e-12)
    assert np.all(np.isfinite(sel["opt_upper"][()]))
    assert np.all(sel["opt_utility"][()] <= sel["opt_upper"][()] + 1e-9)
    assert np.all(sel["best_ratio"][()][:, -1] <= 1 + 1e-9)
    assert sel["regret"].attrs["units"] == "USD"
    # The baselines, the bound's tightness and the delays, with their units.
    best = sel["best_cumulative"][()]
    uniform, ftl = sel["uniform_regret"][()], sel["ftl_regret"][()]
    assert uniform.shape == ftl.shape == (3, 25)
    assert np.all(uniform >= -1e-9), "a mixture never beats the best member"
    assert np.all(np.isfinite(ftl))
    assert np.allclose(sel["tightness"][()], regret / bound, equal_nan=True)
    assert np.allclose(sel["uniform_tightness"][()], uniform / bound, equal_nan=True)
    assert sel["uniform_regret"].attrs["units"] == "USD"
    assert sel["tightness"].attrs["units"] == "1" and "regret_bound" in sel["tightness"].attrs["long_name"]
    pending = sel["pending"][()]
    assert pending.dtype.kind == "i" and pending[0, 0] == 0 and pending.max() > 0, pending
    assert sel["pending"].attrs["units"] == "1" and "fed back" in sel["pending"].attrs["long_name"]
    assert np.all(sel["delay_cost"][()] <= bound + 1e-9), "the delay terms are part of the bound"
    rate = sel["learning_rate"][()]
    assert np.all(rate > 0) and sel["learning_rate"].attrs["units"] == "1/USD", "FlipFlop's rate is per USD"
    assert sel["utility_low"].attrs["units"] == "USD"

    final = f["final"]
    weights = final["top_weight"][()]
    assert weights.shape == (3, 4)
    assert np.all(np.diff(weights, axis=1) <= 0), "top members sorted by weight"
    params = final["top_parameters"].asstr()[()]
    assert all(p.split("(")[0] in ("pf", "greedy", "on_demand") for p in params.ravel()), params
    mass = final["family_weight"][()]
    assert [str(x) for x in final["family"].asstr()[()]] == ["pf", "greedy", "on_demand"]
    assert np.allclose(mass.sum(axis=1), 1.0)

with h5py.File(bandit_path, "r") as f:
    assert f.attrs["feedback"] == "bandit" and f.attrs["learner"] == "exp3-ada"
    sel = f["selector"]
    assert np.all(np.isfinite(sel["regret_bound"][()])) and np.all(sel["regret_bound"][()] > 0)
    assert np.all(np.isnan(sel["opt_utility"][()])), "OPT off"
print("check_select_h5: ok")

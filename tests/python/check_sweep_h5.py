"""Reads a spotsweep sweep file with h5py alone, as a user would (docs/hdf5-layout.md)."""
import sys

import h5py
import numpy as np

path = sys.argv[1]
with h5py.File(path, "r") as f:
    for name in ("config", "backend", "device", "spotsweep_version"):
        value = f.attrs[name]
        assert isinstance(value, str), f"{name} is {type(value)}, not str"
    assert "[pool.pf]" in f.attrs["config"] and "[workload]" in f.attrs["config"]
    assert f.attrs["backend"] == "cpu"
    assert int(f.attrs["seed"]) == 11

    pf = f["families/pf"]
    util = pf["utility_mean"]
    assert util.shape == (2, 2, 3, 1), util.shape
    assert [d.label for d in util.dims] == ["theta", "kappa", "rho", "hysteresis"]
    assert list(util.dims[2][0][:]) == [1.0, 2.0, 3.0]
    assert list(util.dims[0].keys()) == ["theta"]
    for stat in ("utility_p5", "utility_p50", "utility_p95", "cost_mean", "miss_rate",
                 "spot_share_mean", "reconfigs_mean", "finish_s_p95"):
        assert pf[stat].shape == util.shape, stat
    assert np.all(pf["utility_p5"][()] <= pf["utility_p95"][()])
    assert np.all((pf["miss_rate"][()] >= 0) & (pf["miss_rate"][()] <= 1))
    per_scenario = pf["scenario_utility_mean"]
    assert per_scenario.shape == (2, 2, 3, 1, 3), per_scenario.shape
    assert [d.label for d in per_scenario.dims][-1] == "scenario"
    # Every scenario has the same number of rounds, so the mean of the scenario means is the mean.
    assert np.allclose(per_scenario[()].mean(axis=-1), util[()], rtol=1e-12)
    greedy = f["families/greedy/cost_mean"]
    assert greedy.shape == (2,) and greedy.dims[0].label == "deadline_factor"
    assert int(f["families/greedy"].attrs["first_member"]) == 12

    assert f["opt/utility_lower"].shape == (3, 4)
    assert np.all(f["opt/utility_lower"][()] <= f["opt/utility_upper"][()] + 1e-9)
    # OPT's precision (docs/model.md section 5): the bracket over every job, stored.
    opt = f["opt"]
    lower, upper = f["opt/utility_lower"][()].mean(), f["opt/utility_upper"][()].mean()
    assert np.isclose(opt.attrs["lower_mean"], lower) and np.isclose(opt.attrs["upper_mean"], upper)
    assert np.isclose(opt.attrs["bracket_width"], upper - lower)
    assert np.isclose(opt.attrs["bracket_relative"], (upper - lower) / abs(lower))
    assert opt.attrs["bracket_relative_max"] >= 0 and int(opt.attrs["precision_failures"]) >= 0

    traced = f["traced_members"]
    assert list(traced["member"][()]) == [0, 5, 13, 15]
    assert traced["utility"].shape == (4, 3, 4)
    # A traced member's mean over its jobs is its summary's mean (member 5 is pf[0][1][2][0]).
    assert np.isclose(traced["utility"][1].mean(), util[0, 1, 2, 0], rtol=1e-12)
    assert f["workload/job_work"].shape == (3, 4)

    chc = f["families/chc/utility_mean"]
    assert chc.shape == (1, 1, 2, 1, 1, 1, 1, 1, 1, 1), chc.shape
    assert chc.dims[7].label == "lagrange_iters"
    assert chc.dims[8].label == "avail_noise"
    assert chc.dims[9].label == "predictor" and list(chc.dims[9][0][:]) == [0.0]
    assert [d.label for d in chc.dims][:3] == ["window", "commit", "eps"]
    assert list(chc.dims[2][0][:]) == [0.0, 0.3]
print("check_sweep_h5: ok")

"""Opens every group of spotsweep's HDF5 outputs with xarray (h5netcdf), as a user of xarray
would, and checks that they describe themselves (docs/hdf5-layout.md, "Reading with xarray"):
every dimension has a coordinate (no phony_dim_*), every variable a long_name, every numeric one
its units; the root records argv and the version; a stress file's runs concatenate along a
setting.

Usage: /usr/bin/python3 check_xarray.py FILE.h5...
"""
import sys
import warnings

import h5py
import numpy as np
import xarray as xr


def groups_with_data(path):
    found = []
    with h5py.File(path, "r") as f:
        if any(isinstance(v, h5py.Dataset) for v in f.values()):
            found.append("/")
        def visit(name, obj):
            if isinstance(obj, h5py.Group) and any(isinstance(v, h5py.Dataset) for v in obj.values()):
                found.append(name)
        f.visititems(visit)
    return found


def check_file(path):
    checked = 0
    with h5py.File(path, "r") as f:
        assert f.attrs.get("argv"), f"{path}: no argv attribute"
        assert f.attrs.get("spotsweep_version"), f"{path}: no spotsweep_version"
        assert f.attrs.get("config"), f"{path}: no config"
    for group in groups_with_data(path):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an unparsable attribute is a failure, not a warning
            ds = xr.open_dataset(path, group=group, engine="h5netcdf")
        for dim in ds.dims:
            assert not dim.startswith("phony_dim"), f"{path}:{group}: unlabelled dimension {dim}"
            assert dim in ds.coords, f"{path}:{group}: dimension {dim} has no coordinate"
        for name, var in list(ds.data_vars.items()) + list(ds.coords.items()):
            assert var.attrs.get("long_name"), f"{path}:{group}/{name}: no long_name"
            if var.dtype.kind in "iuf":
                assert var.attrs.get("units"), f"{path}:{group}/{name}: no units"
        checked += 1
    return checked


def check_stress_concat(path):
    """Runs of one adversary concatenate along their swept setting."""
    with h5py.File(path, "r") as f:
        if "runs" not in f:
            return
        flips = [f"runs/{g}" for g in f["runs"] if g.endswith("regime_flip")]
    if len(flips) < 2:
        return
    runs = [xr.open_dataset(path, group=g, engine="h5netcdf") for g in flips]
    both = xr.concat([r["regret"] for r in runs], dim="period_slots")
    assert both.dims[0] == "period_slots" and both.sizes["period_slots"] == len(flips), both.dims
    assert np.all(np.diff(both["period_slots"].values) != 0), both["period_slots"].values
    summary = xr.open_dataset(path, group="summary", engine="h5netcdf")
    assert set(summary["max_ratio"].dims) == {"run", "seed"}, summary["max_ratio"].dims
    assert "label" in summary.coords and "adversary" in summary.coords, list(summary.coords)


def main(paths):
    for path in paths:
        n = check_file(path)
        check_stress_concat(path)
        print(f"xarray: {path}: {n} groups, every dimension labelled")


if __name__ == "__main__":
    main(sys.argv[1:])

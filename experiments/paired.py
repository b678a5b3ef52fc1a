#!/usr/bin/python3
"""Paired comparison of two policies on the same jobs, with a bootstrap 95 % interval.

    /usr/bin/python3 experiments/paired.py SWEEP.h5 --a A --b B [--at KEY=VALUE ...]
        [--boot 10000] [--json OUT.json]

A and B name what is compared on every (scenario, round) job of the sweep file:
  - a member index that the sweep traced (`--trace-members`), e.g. `17`;
  - a family, `greedy`, meaning its first member, or `greedy+2`, its third;
  - `opt` (OPT's achieved lower value, /opt/utility_lower) or `opt_upper`.
Both are read per job, so the comparison is paired: same scenario, same job, two policies.

The unit of resampling is a (scenario-axis point, scenario) cluster: every point of the sweep's
scenario axes that --at does not fix (typically `-a workload.seed=1,2,3,4,5`: independent draws)
times every scenario window. Jobs inside one cluster share a market window and are not
independent, so the bootstrap resamples whole clusters with replacement (a cluster bootstrap;
docs/RESULTS.md "Statistics"). It reports the mean per-job difference A − B with its percentile
95 % interval, the relative difference (mean A − mean B)/|mean B| with its interval, the median
of the cluster differences and the share of clusters where A is better.
The draws are seeded (numpy PCG64, seed 0), so the output is reproducible.
"""
import argparse
import json
import sys

import h5py
import numpy as np


def member_index(f, spec):
    """The member index a spec names (an int, a family, or family+k)."""
    if spec.isdigit():
        return int(spec)
    family, _, offset = spec.partition("+")
    if f"families/{family}" not in f:
        raise SystemExit(f"paired.py: {f.filename}: --a/--b = {spec}: no family {family} "
                         f"(families: {', '.join(f['families'].keys())})")
    return int(f[f"families/{family}"].attrs["first_member"]) + int(offset or 0)


def per_job(f, spec, at, field="utility"):
    """[cluster, round] utilities (or another traced per-job field, e.g. cost) of what spec
    names, clusters = free axis points × scenarios."""
    if spec in ("opt", "opt_upper"):
        name = "opt/utility_lower" if spec == "opt" else "opt/utility_upper"
        if name not in f:
            raise SystemExit(f"paired.py: {f.filename}: {spec}: the sweep ran without OPT")
        data = f[name]
        labels = [d.label for d in data.dims]
        values = data[()]
        original = list(range(len(labels)))
    else:
        if "traced_members" not in f:
            raise SystemExit(f"paired.py: {f.filename}: --a/--b = {spec}: no /traced_members; "
                             "run the sweep with --trace-members")
        traced = f["traced_members"]
        members = list(traced["member"][()])
        k = member_index(f, spec)
        if k not in members:
            raise SystemExit(f"paired.py: {f.filename}: --a/--b = {spec}: member {k} was not "
                             f"traced (traced: {members})")
        data = traced[field]
        labels = [d.label for d in data.dims]
        member_axis = labels.index("member")
        values = np.take(data[()], members.index(k), axis=member_axis)
        labels = labels[:member_axis] + labels[member_axis + 1:]
        original = [i for i in range(len(labels) + 1) if i != member_axis]
    # Fix the --at axes, pool the others with the scenario axis into clusters.
    for key, value in at.items():
        if key not in labels:
            raise SystemExit(f"paired.py: {f.filename}: --at {key}: not an axis (axes: "
                             f"{', '.join(labels[:-2])})")
        axis = labels.index(key)
        scale = data.dims[original[axis]][0][()]
        hits = np.flatnonzero(np.isclose(scale, value))
        if len(hits) != 1:
            raise SystemExit(f"paired.py: {f.filename}: --at {key}={value}: not a point of the "
                             f"axis ({', '.join(str(x) for x in scale)})")
        values = np.take(values, hits[0], axis=axis)
        labels = labels[:axis] + labels[axis + 1:]
        original = original[:axis] + original[axis + 1:]
    rounds = values.shape[-1]
    return values.reshape(-1, rounds)


def bootstrap(a, b, n_boot=10000, seed=0):
    """Paired cluster bootstrap of [cluster, round] arrays a and b; a dict of the results."""
    if a.shape != b.shape:
        raise ValueError(f"paired: shapes differ {a.shape} vs {b.shape}")
    diff_c = (a - b).mean(axis=1)  # per cluster: mean per-job difference
    a_c, b_c = a.mean(axis=1), b.mean(axis=1)
    n = len(diff_c)
    rng = np.random.Generator(np.random.PCG64(seed))
    idx = rng.integers(0, n, size=(n_boot, n))
    boot_diff = diff_c[idx].mean(axis=1)
    boot_b = b_c[idx].mean(axis=1)
    boot_rel = boot_diff / np.abs(boot_b)
    mean_b = b_c.mean()
    return {
        "clusters": int(n),
        "jobs": int(a.size),
        "mean_a": float(a_c.mean()),
        "mean_b": float(mean_b),
        "diff_mean": float(diff_c.mean()),
        "diff_ci": [float(np.percentile(boot_diff, 2.5)), float(np.percentile(boot_diff, 97.5))],
        "rel_mean": float(diff_c.mean() / abs(mean_b)) if mean_b != 0 else float("nan"),
        "rel_ci": [float(np.percentile(boot_rel, 2.5)), float(np.percentile(boot_rel, 97.5))],
        "diff_median_cluster": float(np.median(diff_c)),
        "diff_cluster_range": [float(diff_c.min()), float(diff_c.max())],
        "share_a_better": float((diff_c > 0).mean()),
    }


def mean_interval(u, n_boot=10000, seed=0):
    """The mean per job of a [cluster, round] array with its cluster-bootstrap 95 % interval."""
    c = u.mean(axis=1)
    rng = np.random.Generator(np.random.PCG64(seed))
    boot = c[rng.integers(0, len(c), size=(n_boot, len(c)))].mean(axis=1)
    return {"mean": float(c.mean()),
            "ci": [float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))]}


def describe(r, name_a="A", name_b="B"):
    lo, hi = r["diff_ci"]
    rlo, rhi = r["rel_ci"]
    return (f"{name_a} − {name_b}: {r['diff_mean']:+.3f} USD per job, 95 % CI [{lo:+.3f}, {hi:+.3f}]"
            f"; relative {100 * r['rel_mean']:+.2f} % [{100 * rlo:+.2f}, {100 * rhi:+.2f}]"
            f"; {name_a} better in {100 * r['share_a_better']:.0f} % of {r['clusters']} clusters"
            f" ({r['jobs']} jobs; means {r['mean_a']:.3f} vs {r['mean_b']:.3f})")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("sweep")
    p.add_argument("--a", required=True)
    p.add_argument("--b", required=True)
    p.add_argument("--at", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--boot", type=int, default=10000)
    p.add_argument("--json")
    args = p.parse_args(argv)
    at = {}
    for item in args.at:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"paired.py: --at {item}: expected KEY=VALUE")
        at[key] = float(value)
    with h5py.File(args.sweep, "r") as f:
        a = per_job(f, args.a, at)
        b = per_job(f, args.b, at)
    r = bootstrap(a, b, args.boot)
    r.update({"a": args.a, "b": args.b, "at": at, "file": args.sweep})
    print(describe(r, args.a, args.b))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(r, out, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])

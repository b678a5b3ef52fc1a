#!/usr/bin/python3
"""Experiment (a)'s windows: sub-traces whose `spotsweep predict` scores one window each.

    /usr/bin/python3 windows.py TRACE.h5 N_WINDOWS WINDOW WARMUP_DAYS OUT_PREFIX

Splits the slots after the warm-up, [ceil(WARMUP_DAYS days), n_slots), into N_WINDOWS disjoint,
equal ranges of target slots [s, e) (the remainder at the end is dropped). For each it writes
OUT_PREFIX_<i>.h5, the trace's slots [0, e) (every attribute kept), and prints
"OUT_PREFIX_<i>.h5 DAYS S E": run `spotsweep predict` on it with `--warmup-days DAYS`, which
scores the planning slots s ... e - WINDOW, whose targets are exactly [s, e) (docs/predict.md:
a forecast made at slot t uses only slots < t, so the history before s is the whole trace's).
"""
import hashlib
import math
import os
import sys

import h5py


def seal(path):
    """The checksum header of a native trace (docs/trace-format.md, "Checksum")."""
    data = open(path, "rb").read()
    header = (f"spotsweep-sealed-hdf5 1\nlength {len(data)}\n"
              f"sha256 {hashlib.sha256(data[512:]).hexdigest()}\n").encode()
    with open(path, "r+b") as f:
        f.write(header.ljust(512, b"\0"))


def main(trace, n_windows, window, warmup_days, prefix):
    with h5py.File(trace, "r") as f:
        tick = float(f.attrs["tick_seconds"])
        n = len(f["spot_price"])
        first = math.ceil(warmup_days * 86400.0 / tick)
        size = (n - first) // n_windows
        if size < 2 * window:
            raise SystemExit(f"windows.py: {trace}: {n_windows} windows of {size} slots: fewer "
                             f"than twice the lookahead window {window}")
        for i in range(n_windows):
            s, e = first + i * size, first + (i + 1) * size
            path = f"{prefix}_{i}.h5"
            temp = f"{path}.partial-{os.getpid()}"
            with h5py.File(temp, "w", userblock_size=512) as g:
                for key, value in f.attrs.items():
                    g.attrs[key] = value
                for name, data in f.items():
                    d = g.create_dataset(name, data=data[:e] if data.shape[:1] == (n,) else data[()],
                                         fletcher32=True, chunks=True)
                    for key, value in data.attrs.items():
                        d.attrs[key] = value
            seal(temp)
            os.replace(temp, path)
            # predict's warm-up is ceil(days * 86400 / tick) slots: half a slot below s gives s.
            print(path, repr((s - 0.5) * tick / 86400.0), s, e)


if __name__ == "__main__":
    if len(sys.argv) != 6:
        raise SystemExit(__doc__.split("\n\n")[1])
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])

"""Experiment (c): the "decoy" forecast market: systematically wrong forecasts.

Usage: /usr/bin/python3 make_decoy.py MARKET.h5 DECOY.h5

DECOY.h5 is a native trace (docs/trace-format.md) with MARKET.h5's length, tick, capacity and
on-demand price, in which spot is always at the market's cheapest price and always fully
available. CHC members whose [workload] forecast_trace is this file plan for a market that never
runs dry and never gets dear: the failure a forecaster trained on a calm period makes in a storm.
"""
import hashlib
import os
import sys

import h5py
import numpy as np

SEAL_BYTES = 512  # the user block holding the checksum header (docs/trace-format.md)


def seal(path):
    """Writes the checksum header that spotsweep verifies before it reads a trace."""
    with open(path, "r+b") as f:
        data = f.read()
        digest = hashlib.sha256(data[SEAL_BYTES:]).hexdigest()
        header = f"spotsweep-sealed-hdf5 1\nlength {len(data)}\nsha256 {digest}\n".encode()
        f.seek(0)
        f.write(header.ljust(SEAL_BYTES, b"\0"))


def main():
    market, decoy = sys.argv[1], sys.argv[2]
    with h5py.File(market, "r") as f:
        attrs = dict(f.attrs)
        price = f["spot_price"][()]
    n = len(price)
    with h5py.File(decoy + ".tmp", "w", userblock_size=SEAL_BYTES) as g:
        g.create_dataset("spot_price", data=np.full(n, float(price.min())), fletcher32=True)
        g["spot_price"].attrs["units"] = "USD per GPU-hour"
        g.create_dataset("spot_avail", data=np.full(n, int(attrs["capacity"]), dtype=np.int32),
                         fletcher32=True)
        g["spot_avail"].attrs["units"] = "GPUs"
        g.attrs["format_version"] = np.int32(2)
        g.attrs["tick_seconds"] = float(attrs["tick_seconds"])
        g.attrs["od_price"] = float(attrs["od_price"])
        g.attrs["capacity"] = np.int32(attrs["capacity"])
        g.attrs["name"] = "decoy"
        g.attrs["source"] = f"make_decoy.py: {market}: spot always at its minimum {price.min():.4f} USD/GPU-h, always {int(attrs['capacity'])} GPUs"
        g.attrs["start_time"] = ""
    seal(decoy + ".tmp")
    os.replace(decoy + ".tmp", decoy)


if __name__ == "__main__":
    main()

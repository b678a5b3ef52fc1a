#!/usr/bin/env python3
"""Digest of every dataset and attribute of HDF5 files (and of plain files), for the
bit-identity check (tests/regression/bit_identity.sh, docs/testing.md).

Usage: h5_digest.py NAME=FILE... [--root PATH]...

Prints one line per object: "NAME:/path[@attr] sha256-prefix". Provenance attributes
(PROVENANCE below: wall times, the device, argv, the version, MPI ranks) are left out, as
DEVELOPERS.md defines bit identity. Every --root path is replaced by "<root>" in strings
before hashing, so that a clone's location does not change the digest. Object references
(dimension scales) are hashed by the name of the object they point at.
"""
import hashlib
import sys

import h5py
import numpy as np

PROVENANCE = {"seconds", "device", "devices", "argv", "spotsweep_version", "version",
              "mpi_ranks", "created", "times"}


def canonical(value, roots, h5file):
    """Bytes that identify a value: dtype, shape and contents."""
    if isinstance(value, (bytes, str)):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        for root in roots:
            text = text.replace(root, "<root>")
        return b"s:" + text.encode()
    if isinstance(value, h5py.Reference):
        return b"r:" + (h5file[value].name.encode() if value else b"null")
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind in "OSU" or (arr.dtype.fields and any(
            arr.dtype[f].kind == "O" for f in arr.dtype.fields)):
        parts = [b"o:" + str(arr.shape).encode()]
        for item in arr.flat:
            if isinstance(item, np.void) or isinstance(item, tuple):
                parts.extend(canonical(x, roots, h5file) for x in item)
            else:
                parts.append(canonical(item, roots, h5file))
        return b"|".join(parts)
    return b"a:" + str(arr.dtype).encode() + str(arr.shape).encode() + arr.tobytes()


def digest(data):
    return hashlib.sha256(data).hexdigest()[:16]


def h5_lines(name, path, roots):
    lines = []
    with h5py.File(path, "r") as f:
        def attrs(obj, at):
            for key in sorted(obj.attrs.keys()):
                if key in PROVENANCE:
                    continue
                lines.append(f"{name}:{at}@{key} {digest(canonical(obj.attrs[key], roots, f))}")

        attrs(f, "/")
        names = []
        f.visit(names.append)
        for item in sorted(names):
            obj = f[item]
            if isinstance(obj, h5py.Dataset):
                data = obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) else obj[()]
                lines.append(f"{name}:/{item} {digest(canonical(data, roots, f))}")
            else:
                lines.append(f"{name}:/{item}/ group")
            attrs(obj, "/" + item)
    return lines


def main(argv):
    roots, files = [], []
    args = iter(argv)
    for arg in args:
        if arg == "--root":
            roots.append(next(args))
        else:
            name, _, path = arg.partition("=")
            files.append((name, path))
    roots.sort(key=len, reverse=True)  # the longest first, so a nested root is not split
    for name, path in files:
        try:
            with open(path, "rb"):
                pass
            # h5py finds the HDF5 signature after a user block too (sealed traces).
            is_h5 = h5py.is_hdf5(path)
        except OSError as e:
            print(f"{name}: cannot read {path}: {e}", file=sys.stderr)
            return 2
        if is_h5:
            print("\n".join(h5_lines(name, path, roots)))
        else:
            text = open(path, "rb").read().decode("utf-8", "replace")
            for root in roots:
                text = text.replace(root, "<root>")
            print(f"{name}: {digest(text.encode())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

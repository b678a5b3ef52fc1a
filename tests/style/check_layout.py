#!/usr/bin/env python3
"""The `layout` test: the folder rules of docs/architecture.md hold.

1. Device-safe headers (include/spotsweep/model/, engine/) include only device-safe headers and
   the standard headers kernels can use, and use no std::string, std::vector or throw.
2. Each folder includes only the folders it may depend on (the table in docs/architecture.md).
3. src/ mirrors include/spotsweep/: src/<folder>/<name>.cpp implements
   include/spotsweep/<folder>/<name>.hpp (the CLI, and the CUDA stand-in, excepted).

Usage: check_layout.py REPO_ROOT. Prints each breach and exits 1 if there is any.
"""
import os
import re
import sys

DEVICE_SAFE = {"model", "engine"}
DEVICE_STD = {"cmath", "cstdint", "cstddef", "limits", "type_traits", "utility",
              "Random123/philox.h"}
# What each folder of include/spotsweep/ and src/ may include, besides itself.
MAY_INCLUDE = {
    "model": set(),
    "engine": {"model"},
    "detail": set(),
    "market": {"model", "detail"},
    "config": {"model", "engine", "detail", "market"},
    "backend": {"model", "engine", "detail", "market", "config", "sweep", "select"},
    "sweep": {"model", "engine", "detail", "market", "config", "backend"},
    "select": {"model", "engine", "detail", "market", "config", "backend", "sweep"},
    "tools": {"model", "engine", "detail", "market", "config", "backend", "sweep", "select"},
}
MIRROR_EXCEPTIONS = {"src/backend/no_cuda.cpp"}  # the stand-in for kernels/ (backend/cuda.hpp)

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def folder_of(path):
    parts = path.split("/")
    if parts[0] == "include":
        return parts[2]
    return parts[1]


def main(root):
    os.chdir(root)
    breaches = []
    sources = []
    for top in ("include/spotsweep", "src"):
        for dirpath, _, names in os.walk(top):
            sources += [os.path.join(dirpath, n) for n in names if n.endswith((".hpp", ".cpp"))]
    for path in sorted(sources):
        if path.startswith("src/cli/") or path.count("/") < 2:
            continue
        folder = folder_of(path)
        text = open(path, encoding="utf-8").read()
        code = re.sub(r"//.*", "", text)
        for kind, name in INCLUDE.findall(text):
            if kind == '"' and name.startswith("spotsweep/"):
                target = name.split("/")[1]
                if target == "version.hpp":
                    continue
                if target != folder and target not in MAY_INCLUDE.get(folder, set()):
                    breaches.append(f"{path}: {folder}/ may not include {name}")
            elif folder in DEVICE_SAFE and path.startswith("include/"):
                if kind == '"' or name not in DEVICE_STD:
                    breaches.append(f"{path}: device-safe header includes {name}")
        if folder in DEVICE_SAFE and path.startswith("include/"):
            for word in ("std::string", "std::vector", "throw "):
                if word in code:
                    breaches.append(f"{path}: device-safe header uses {word.strip()}")
        if path.startswith("src/") and path not in MIRROR_EXCEPTIONS:
            header = "include/spotsweep/" + path[len("src/"):-len(".cpp")] + ".hpp"
            if not os.path.exists(header):
                breaches.append(f"{path}: no {header} (src/ mirrors include/spotsweep/)")
    for b in breaches:
        print("FAIL", b)
    if breaches:
        return 1
    print(f"ok: {len(sources)} sources follow the layout rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

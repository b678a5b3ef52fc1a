#!/usr/bin/env python3
"""An independent, literal transcription of docs/cbl-semantics.md (the sky_spot tick loop,
its overhead and billing rules, the framework safety net and the four policies), used by
tests/cli/cbl_replay.sh to check `spotsweep cbl` run by run, bit for bit.

usage: cbl_reference.py WINDOWS.csv TRACE_DIR RESULTS.csv [MAX_WINDOWS]
Recomputes every row of RESULTS.csv (written by spotsweep cbl) for the first MAX_WINDOWS
windows and exits 1 on the first cost, finish or deadline flag that differs.
"""
import csv
import json
import math
import os
import sys

NONE, SPOT, OD = 0, 1, 2
OD_PRICE = 3.06
SPOT_PRICE = OD_PRICE / (3.06 / 0.9731)


def greedy_deadline_rules(s, avail, req):
    """Greedy's rules 3 (need2) and 4 (need1) on proposal req; Uniform Progress ends with them (§8)."""
    R = s["C"] - s["S"]
    g, d, t, D, cur, rem = s["g"], s["d"], s["t"], s["D"], s["cur"], s["rem"]
    slack = math.floor((D - t) / g) * g
    need1 = math.ceil((R + d) / g) * g
    need2 = math.ceil((R + 2 * d) / g) * g
    if need2 >= slack and cur in (NONE, OD):
        req = OD
    if need1 >= slack:
        req = SPOT if (cur == SPOT and rem < 1e-3) else OD
        if d == 0 and avail:
            req = SPOT
    return req


def greedy(s, avail):
    if s["C"] - s["S"] <= 1e-3:
        return NONE
    return greedy_deadline_rules(s, avail, SPOT if avail else NONE)


def uniform_progress(s, avail):
    R = s["C"] - s["S"]
    if R <= 1e-3:
        return NONE
    C, D, t, d, cur = s["C"], s["D"], s["t"], s["d"], s["cur"]
    req = SPOT if avail else NONE
    if (C - R) - (t * C) / D < 0:
        req = SPOT if avail else OD
    if cur == OD and (not avail or ((t + 2 * d) * C) / D - (C - R) >= 0):
        req = OD
    return greedy_deadline_rules(s, avail, req)


def only_spot(s, avail):
    if max(0.0, s["C"] - s["S"]) <= 1e-8:
        return NONE
    return SPOT if avail else NONE


def on_demand(s, avail):
    if max(0.0, s["C"] - s["S"]) <= 1e-8:
        return NONE
    return OD


POLICIES = {"greedy": greedy, "uniform_progress": uniform_progress, "up": uniform_progress, "only_spot": only_spot, "on_demand": on_demand}


def simulate(data, g, C, D, d, policy):
    """data[k] = 1 when spot is available at tick k. Returns (cost, finish_seconds)."""
    s = {"C": C, "D": D, "d": d, "g": g, "cur": NONE, "rem": 0.0, "S": 0.0, "t": 0}
    charges = []
    total = 0  # the progress list's left-to-right sum, kept as it grows (same additions)
    k = 0
    while not max(0.0, C - total) <= 1e-8:
        avail = bool(data[k])
        last = s["cur"]
        charges.append(last)
        if last == SPOT and not avail:
            s["cur"] = NONE
        if last == NONE:
            total += 0.0
        else:
            p = max(g - s["rem"], 0)
            s["rem"] = s["rem"] - (g - p)
            if s["rem"] < 1e-3:
                s["rem"] = 0.0
            p = min(p, C - total)
            total += p
        s["S"] = total
        if max(0.0, C - s["S"]) <= 1e-8:
            break  # done: nothing decided now is billed or recorded (§2, §7)
        s["t"] = k * g
        req = policy(s, avail)
        R = C - s["S"]
        if R > 1e-3:
            slack = math.floor((D - s["t"]) / g) * g
            need1 = math.ceil((R + d) / g) * g
            if need1 >= slack:
                req = SPOT if (last == SPOT and s["rem"] < 1e-3) else OD
        if req == SPOT and not avail:
            req = NONE
        if req != NONE and req != s["cur"]:
            s["rem"] = d
        s["cur"] = req
        k += 1
    T = k
    price = {NONE: 0.0, SPOT: SPOT_PRICE, OD: OD_PRICE}
    cost = 0
    for c in charges:
        cost += (price[c] * g) / 3600
    return cost, T * g


def main():
    windows_csv, trace_dir, results_csv = sys.argv[1:4]
    max_windows = int(sys.argv[4]) if len(sys.argv) > 4 else 10**9
    traces = {}
    windows = {}
    with open(windows_csv) as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i >= max_windows:
                break
            windows[(row["env"], int(row["window_id"]))] = (int(row["start_tick"]), int(row["end_tick"]))
    checked = 0
    with open(results_csv) as f:
        for row in csv.DictReader(f):
            key = (row["env"], int(row["window_id"]))
            if key not in windows:
                continue
            if row["env"] not in traces:
                with open(os.path.join(trace_dir, row["env"] + ".json")) as t:
                    traces[row["env"]] = json.load(t)
            trace = traces[row["env"]]
            start, end = windows[key]
            # The ADRS window is 1 - data[start:end]; sky_spot asks "not window[k]".
            window = [1 - x for x in trace["data"][start:end]]
            avail = [0 if x else 1 for x in window]
            g = trace["metadata"]["gap_seconds"]
            C, D, d = 48 * 3600, float(row["deadline_h"]) * 3600, float(row["overhead_h"]) * 3600
            cost, finish = simulate(avail, g, C, D, d, POLICIES[row["policy"]])
            want = ("%.17g" % cost, "%.17g" % (finish / 3600), "1" if finish <= D else "0")
            got = (row["cost"], row["finish_h"], row["deadline_met"])
            if want != got:
                print("MISMATCH", row, "reference", want)
                return 1
            checked += 1
    print("reference agrees on %d runs" % checked)
    return 0 if checked > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

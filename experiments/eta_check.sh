#!/usr/bin/env bash
# The sweep's ETA on a mixed pool (docs/sweep.md, "Progress"): cheap PF members beside costly CHC
# ones (exact and Lagrangian planners, several windows and commitment levels). Runs the sweep with
# its plain progress lines, and compares the time left it announced after 10 %, 20 % and 50 % of
# the work with the time the evaluation then really took. Acceptance: within ±25 % at 10 %.
#   bash experiments/eta_check.sh SPOTSWEEP [SCRATCH_DIR] [--scale K]   (K multiplies the rounds)
set -euo pipefail
bin=$(realpath "$1"); scratch=${2:-$(mktemp -d)}; scale=${4:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$scratch"; cd "$scratch"
cat >mixed.toml <<TOML
[pool.pf]
theta = "[0.05:1.0:0.05]"
kappa = "[0.6:1.0:0.1]"
rho = [1, 1.5, 2]
hysteresis = [0, 0.02, 0.05]
[pool.chc]
window = [8, 12, 16, 24]
commit = [1, 2, 4, 8]
eps = [0, 0.2]
growth = [0.5]
resolution = [1]
[pool.chc.lagrangian]
window = [12, 24, 48]
commit = [1, 4]
eps = [0, 0.2]
growth = [0.5]
resolution = [1]
lagrange_iters = [1, 4]
[workload]
trace = "$here/data/v100_us-east-2b.h5"
scenarios = 8
scenario_stride = 2000
rounds = $((6 * scale))
round_stride = 40
seed = 42
[job]
work = "uniform(3e6, 6e6)"
deadline_h = 6
n_max = 4
value = "uniform(60, 120)"
miss_penalty = 40
TOML
# Sub-pools of [pool.chc] take its axes: chc.lagrangian is CHC with the Lagrangian planner.
sed -i 's/^\[pool.chc\]$/[pool.chc.exact]/' mixed.toml
"$bin" pool info mixed.toml | head -1
"$bin" sweep --pool mixed.toml --output mixed.h5 --opt-buckets 0 >sweep.out 2>progress.log
cat progress.log
/usr/bin/python3 - <<'PY'
import re
lines = open("progress.log").read().splitlines()
def seconds(text):
    m = re.match(r"(?:(\d+) h (\d+) min|(\d+) min (\d+) s|([\d.]+) s)", text)
    if m.group(5): return float(m.group(5))
    if m.group(3): return 60 * int(m.group(3)) + int(m.group(4))
    return 3600 * int(m.group(1)) + 60 * int(m.group(2))
points = {}
for line in lines:
    m = re.match(r"sweep: (\d+)% after (.+?)(?:, [^,]*steps/s)?, eta (.+)$", line)
    if m:
        points[int(m.group(1))] = (seconds(m.group(2)), seconds(m.group(3)))
end = points[100][0]
for p in (10, 20, 50):
    at, eta = points[p]
    real = end - at
    print(f"after {p:3d} %: at {at:7.1f} s, ETA {eta:7.1f} s, really {real:7.1f} s left: "
          f"error {100 * (eta - real) / real:+.1f} %")
PY

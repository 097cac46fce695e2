#!/usr/bin/env python3
"""Builds lfgo's benchmark report from one run's raw results.

    bench/report.py [--results build/bench/results] [--out report]

Reads, from the results directory:
  bench_*.json      Google Benchmark JSON: <program>.json, or
                    <program>@<n>[.r<rep>].json (one benchmark, or one
                    repetition of it, per file: scripts/bench.sh)
                    (bench_calib first; calib_end is the same program run
                    again at the end)
  calib_at@<seq>@<program>@<workload>.json
                    the calibration row run once more just before that
                    program's workload: the VM state beside every workload
  go.csv            the Go peer's rows (bench/go)
  park_costs.csv    bench/park_costs rows (optional)
  meta.json         what scripts/bench.sh recorded about the run (optional)
and writes, into the output directory:
  summary.csv       workload,impl,median,min,max,unit (medians of repetitions;
                    calib_at_<program>,floor: its calibration points)
  report.md         every workload x implementation, ratios within the run,
                    the calibration row and the VM state it indicates, the
                    targets of the issues with met/missed, and the plots
  <group>.svg       one bar chart per workload group
  scaling_<g>.svg   throughput against thread count (chan, mutex)

Row naming (bench/README.md): a Google Benchmark named "workload/impl[/...]"
gives the row (workload, impl).  Its figure is, per repetition:
  counter per_item     -> ns per item (the counter holds seconds per item)
  counter items_per_s  -> items/s (higher is better)
  otherwise            -> wall time per iteration, in ns
Every counter named "name:unit" adds a row "workload.name" with that unit.
A benchmark that called SkipWithError becomes an error row ("collapsed: ..."
for peers that collapse).  Python 3 standard library only.
"""
import argparse
import csv
import glob
import html
import json
import math
import os
import statistics
import sys

# ------------------------------------------------------------------ targets
# (issue, lhs, op, factor, rhs, wording).  lhs and rhs are "workload/impl"
# rows of this run; rhs may be a number (in the lhs row's unit).  The target
# holds when  lhs op factor * rhs.
TARGETS = [
    ("2", "wg_add_done/lfgo", "<=", 1.1, "wg_add_done/floor", "wg_add_done/lfgo <= 1.1 x floor"),
    ("2", "forkjoin_2w/lfgo", "<=", 1.0, "forkjoin_2w/go", "forkjoin_2w/lfgo <= go"),
    ("2", "sizedwg_6/lfgo", "<=", 0.1, "sizedwg_6/twin", "sizedwg_6/lfgo >= 10x faster than twin"),
    ("3", "spsc/lfgo", "<=", 1 / 6, "spsc/go", "spsc/lfgo >= 6x faster than go"),
    ("3", "mpmc_2p2c/lfgo", "<=", 1 / 2.5, "mpmc_2p2c/go", "mpmc_2p2c/lfgo >= 2.5x faster than go"),
    ("3", "mpmc_4p4c/lfgo", "<=", 2.0, "mpmc_2p2c/lfgo", "mpmc_4p4c/lfgo <= 2 x mpmc_2p2c/lfgo"),
    ("3", "mpmc_8p8c/lfgo", "<=", 2.0, "mpmc_2p2c/lfgo", "mpmc_8p8c/lfgo <= 2 x mpmc_2p2c/lfgo"),
    ("3", "pingpong/lfgo", "<=", 1.25, "pingpong/floor", "pingpong/lfgo <= 1.25 x floor"),
    ("4", "mutex_2t/lfgo", "<=", 1.0, "mutex_2t/ck_fas", "mutex_2t/lfgo <= ck_fas"),
    ("4", "mutex_4t/lfgo", "<=", 0.8, "mutex_4t/twin", "mutex_4t/lfgo <= 0.8 x twin"),
    ("4", "mutex_8t/lfgo", "<=", 2.0, "mutex_2t/lfgo", "mutex_8t/lfgo <= 2 x mutex_2t/lfgo"),
    ("4", "batch_10/lfgo", ">=", 3.0, "batch_10/go", "batch_10/lfgo >= 3 x go (items/s)"),
    ("4", "batch_1000/lfgo", ">=", 3.0, "batch_1000/go", "batch_1000/lfgo >= 3 x go (items/s)"),
    ("4", "batch_latency.p99/lfgo", "<=", 1.0, 6e6, "batch_latency p99 <= T + 1 ms = 6 ms"),
]

TARGETS += [
    ("12", "spsc/lfgo", "<=", 1.25, "best:spsc", "spsc/lfgo <= 1.25 x best bounded SPSC peer"),
    ("12", "spsc_burst32/lfgo", "<=", 1.25, "spsc_burst32/dpdk_sp_sc",
     "spsc_burst32/lfgo <= 1.25 x dpdk_sp_sc burst"),
    ("12", "mpmc_2p2c_many32/lfgo", "<=", 1 / 3, "mpmc_2p2c/lfgo",
     "mpmc_2p2c_many32/lfgo >= 3x faster per item than single calls"),
    ("12", "spsc/lfgo_mpmc", "<=", 1.2, "spsc/lfgo", "spsc/lfgo_mpmc (MPMC kind, 1 producer, 1 consumer) <= 1.2 x spsc/lfgo"),
    ("12", "mutex_4t/lfgo", "<=", 0.18, "mutex_4t/twin", "mutex_4t/lfgo <= 0.18 x twin"),
    ("12", "mutex_8t/lfgo", "<=", 0.25, "mutex_8t/twin", "mutex_8t/lfgo <= 0.25 x twin"),
    ("14", "mpmc_2p2c/lfgo", "<=", 1.5, "mpmc_2p2c/floor", "mpmc_2p2c/lfgo <= 1.5 x floor"),
    ("14", "mpmc_8p8c/lfgo", "<=", 2.0, "mpmc_8p8c/floor", "mpmc_8p8c/lfgo <= 2 x floor"),
]

TARGETS += [
    ("13", "forkjoin_2w/lfgo_pool", "<=", 1.0, "forkjoin_2w/go", "forkjoin_2w/lfgo_pool <= go"),
    ("13", "forkjoin_2w/lfgo_pool", "<=", 1.0, "forkjoin_2w/tbb", "forkjoin_2w/lfgo_pool <= tbb"),
    ("13", "fib_25/lfgo_pool", "<=", 1.0, "fib_25/go", "fib_25/lfgo_pool <= go"),
    ("13", "fib_25/lfgo_pool", "<=", 1.0, "fib_25/openmp", "fib_25/lfgo_pool <= openmp"),
    ("13", "spawn_join_1e6/lfgo_pool", ">=", 1.0, "spawn_join_1e6/go", "spawn_join_1e6/lfgo_pool >= go (tasks/s)"),
    ("13", "sizedwg_6/lfgo_group", "<=", 1.0, "sizedwg_6/go", "sizedwg_6/lfgo_group <= go"),
]

# Issue 12 part 3: the batcher's two policies (lfgo_inline: the filling
# thread runs the callback; lfgo: the flusher thread).  T = 5 ms.
TARGETS += [
    ("12", "batch_10/lfgo_inline", ">=", 3.0, "batch_10/go", "batch_10/lfgo_inline >= 3 x go (items/s)"),
    ("12", "batch_1000/lfgo_inline", ">=", 3.0, "batch_1000/go", "batch_1000/lfgo_inline >= 3 x go (items/s)"),
    ("12", "batch_10/lfgo", ">=", 1.0, "batch_10/go", "batch_10/lfgo (flusher) >= go (items/s)"),
    ("12", "batch_1000/lfgo", ">=", 1.0, "batch_1000/go", "batch_1000/lfgo (flusher) >= go (items/s)"),
    ("12", "batch_latency.p99/lfgo", "<=", 1.0, 6e6, "batch_latency/lfgo p99 <= T + 1 ms = 6 ms"),
    ("12", "batch_latency.p99/lfgo_inline", "<=", 1.0, 6e6, "batch_latency/lfgo_inline p99 <= T + 1 ms = 6 ms"),
]

# Rows that only some builds have: a target on one of them is left out of
# the report, not marked "no data", while the run has no such row.
OPTIONAL_ROWS = {"batch_10/lfgo_inline", "batch_1000/lfgo_inline", "batch_latency.p99/lfgo_inline"}

# "best:<workload>" as a target's rhs: the best peer row of that workload;
# these impls do not count for it (unbounded queues, for bounded targets).
BEST_EXCLUDES = {"urcu"}

# Variant programs (bench/CMakeLists.txt): bench_<group>_<variant> is
# bench_<group> built against another build of lfgo; its rows are named
# <impl>_<variant> and belong to <group>.
VARIANTS = ("seqcst",)

# Issue 10 part 1: out of line (lfgo) against LFGO_INLINE (lfgo_inline);
# (workload, library calls per item, what they are).
INLINE_ROWS = [("wg_add_done", 2, "add + done"), ("mutex_1t", 2, "lock + unlock"),
               ("mutex_2t", 2, "lock + unlock"), ("mutex_4t", 2, "lock + unlock"),
               ("mutex_8t", 2, "lock + unlock"), ("forkjoin_2w", None, "add, 2 done, wait")]

# Issue 13: the pool's workloads, the lfgo rows shown for each, the peers.
POOL_ROWS = [("forkjoin_2w", ["lfgo_pool", "lfgo"]), ("fib_25", ["lfgo_pool"]),
             ("spawn_join_1e6", ["lfgo_pool"]), ("sizedwg_6", ["lfgo_group", "lfgo"])]
POOL_PEERS = ["go", "tbb", "openmp", "twin"]

# Who is not a peer: lfgo itself and its variants, its lock-based twin, the
# hardware floor, and lfgo's own other primitives (swg in chan_sem).
def is_peer(impl):
    return not (impl == "lfgo" or impl.startswith("lfgo_") or impl in ("twin", "floor", "swg"))


# Peers that never block: they spin (with or without yields) when they must
# wait, so they burn CPU that blocking impls give away; the report says so.
# (The floors spin too; they are bounds, not peers, and say so themselves.)
def spins(impl):
    return impl in ("ck", "urcu") or impl.startswith(("ck_", "dpdk_", "aq"))


# Issue 14: the spread (max / min of repetitions) of lfgo's MPMC rows.
SPREAD_ROWS = ["mpmc_2p2c", "mpmc_4p4c", "mpmc_8p8c"]
SPREAD_MAX = 1.3

# Issue 12 part 6: throughput against thread count.  Per plot, the workloads
# that form the series and their thread count (producers = consumers for
# channels; 1+1 is the spsc workload, each impl in its SPSC form).
SCALING = {
    "chan": [("spsc", 1), ("mpmc_2p2c", 2), ("mpmc_4p4c", 4), ("mpmc_8p8c", 8)],
    "mutex": [("mutex_1t", 1), ("mutex_2t", 2), ("mutex_4t", 4), ("mutex_8t", 8)],
}
SCALING_X = {"chan": "producers = consumers", "mutex": "threads"}

# The latency percentiles every channel row reports (Latencies in bench_common).
LATENCY_METRICS = [("p50", "p50"), ("p99", "p99"), ("p999", "p99.9"), ("max", "max")]

# The calibration row and the two states of this VM (issue 2).
CALIB = ("calib_spin_rtt", "floor")
CALIB_END = "calib_spin_rtt_end"
FAST_MAX_NS, SLOW_MIN_NS = 200.0, 400.0  # fast ~105-160 ns, slow ~480-625 ns
BUSY_MIN_NS = 1500.0  # far above both: a spinning thread lost its core

IMPL_ORDER = ["lfgo", "twin", "floor", "go", "swg", "ck", "urcu", "dpdk_sp_sc", "dpdk_mp_mc",
              "dpdk_hts", "dpdk_rts", "aq_optimist", "aq2", "std_mutex", "absl_mutex"]
COLOURS = {"lfgo": "#2e7d32", "twin": "#ef6c00", "floor": "#757575", "go": "#1565c0",
           "ck": "#6a1b9a", "urcu": "#8d6e63", "sys": "#455a64", "dpdk": "#ad1457",
           "aq": "#00695c", "aq2": "#00695c", "std": "#5d4037", "absl": "#f9a825", "swg": "#9e9d24"}


class Row:
    """One workload x impl: a figure per repetition, or an error."""

    def __init__(self, workload, impl, unit, group):
        self.workload, self.impl, self.unit, self.group = workload, impl, unit, group
        self.program = None  # the program that measured it ("go" for the Go peer)
        self.values = []
        self.stats = None  # (median, min, max) given directly (Go, park)
        self.error = None

    def median(self):
        if self.stats:
            return self.stats[0]
        return statistics.median(self.values) if self.values else None

    def lo(self):
        return self.stats[1] if self.stats else (min(self.values) if self.values else None)

    def hi(self):
        return self.stats[2] if self.stats else (max(self.values) if self.values else None)

    def key(self):
        return self.workload + "/" + self.impl

    def higher_is_better(self):
        return self.unit.endswith("/s")


class Results:
    def __init__(self):
        self.rows = {}  # (workload, impl) -> Row, in insertion order
        self.contexts = {}  # program -> Google Benchmark context
        self.calib_points = []  # (seq, program, workload, ns), in run order

    def row(self, workload, impl, unit, group, program=None):
        r = self.rows.get((workload, impl))
        if r is None:
            r = self.rows[(workload, impl)] = Row(workload, impl, unit, group)
        if r.program is None:
            r.program = program
        return r

    def get(self, key):
        if key.startswith("best:"):
            return best_peer(self, key[5:], BEST_EXCLUDES)
        workload, _, impl = key.rpartition("/")
        r = self.rows.get((workload, impl))
        return r if r and r.median() is not None else None


def best_peer(res, workload, exclude=()):
    """The fastest peer row of `workload` with a figure (None if none)."""
    peers = [r for (wl, impl), r in res.rows.items()
             if wl == workload and is_peer(impl) and impl not in exclude and not r.error
             and r.median() is not None]
    if not peers:
        return None
    pick = max if peers[0].higher_is_better() else min
    return pick(peers, key=lambda r: r.median())


# ------------------------------------------------------------------ reading

def time_to_ns(value, unit):
    return value * {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]


def primary(b):
    """The figure and unit of one Google Benchmark repetition."""
    if "per_item" in b:
        return b["per_item"] * 1e9, "ns"
    if "items_per_s" in b:
        return b["items_per_s"], "items/s"
    return time_to_ns(b["real_time"], b.get("time_unit", "ns")), "ns"


def program_of(path):
    """bench_wg@3.json -> bench_wg (scripts/bench.sh runs one benchmark per file)."""
    return os.path.basename(path).split("@")[0].split(".")[0]


def load_json(path):
    """A Google Benchmark JSON file; from a run killed mid-way (the file stops
    after the last finished repetition), the repetitions it holds."""
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        pass
    data, dec = {"benchmarks": []}, json.JSONDecoder()
    at = text.find('"benchmarks"')
    at = text.find("[", at) + 1 if at >= 0 else -1
    while at > 0:
        while at < len(text) and text[at] in " \t\r\n,":
            at += 1
        try:
            obj, at = dec.raw_decode(text, at)
        except ValueError:
            break
        data["benchmarks"].append(obj)
    return data


def variant_of(program):
    """bench_chan_seqcst -> ("bench_chan", "seqcst"); others -> (program, None)."""
    for v in VARIANTS:
        if program.startswith("bench_") and program.endswith("_" + v):
            return program[:-len(v) - 1], v
    return program, None


def read_gbench(res, path):
    program = program_of(path)
    base, variant = variant_of(program)
    group = base[len("bench_"):] if base.startswith("bench_") else base
    data = load_json(path)
    if data.get("context"):
        res.contexts.setdefault(program, data["context"])
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        parts = b.get("run_name", b["name"]).split("/")
        workload, impl = parts[0], parts[1] if len(parts) > 1 else "?"
        if variant:
            impl += "_" + variant
        if program == "calib_end":
            workload, group = CALIB_END, "calib"
        if b.get("error_occurred"):
            res.row(workload, impl, "ns", group, program).error = b.get("error_message", "error")
            continue
        value, unit = primary(b)
        res.row(workload, impl, unit, group, program).values.append(value)
        for k, v in b.items():
            if ":" in k and isinstance(v, (int, float)):
                name, unit = k.rsplit(":", 1)
                res.row(workload + "." + name, impl, unit, group, program).values.append(float(v))


def run_index(path):
    """bench_wg@3.json -> 3: the order bench.sh ran the benchmarks in."""
    tail = os.path.basename(path).split("@")[1:]
    return int(tail[0].split(".")[0]) if tail and tail[0].split(".")[0].isdigit() else 0


def read_csv_rows(res, path, default_group):
    """Rows already reduced to median/min/max (the Go peer, park_costs)."""
    groups = {r.workload.split(".")[0]: r.group for r in res.rows.values()}
    with open(path, newline="") as f:
        for rec in csv.DictReader(f):
            base = rec["workload"].split(".")[0]
            r = res.row(rec["workload"], rec["impl"], rec["unit"], groups.get(base, default_group),
                        default_group)
            r.stats = (float(rec["median"]), float(rec["min"]), float(rec["max"]))


def read_calib_point(res, path):
    """calib_at@<seq>@<program>@<workload>.json: one calibration point."""
    parts = os.path.basename(path)[:-len(".json")].split("@")
    if len(parts) != 4 or not parts[1].isdigit():
        return
    for b in load_json(path).get("benchmarks", []):
        if b.get("run_type") != "aggregate" and not b.get("error_occurred"):
            res.calib_points.append((int(parts[1]), parts[2], parts[3], primary(b)[0]))
            return


def read_results(directory):
    res = Results()
    files = [p for p in glob.glob(os.path.join(directory, "*.json")) if os.path.basename(p) != "meta.json"]
    for p in [p for p in files if os.path.basename(p).startswith("calib_at@")]:
        read_calib_point(res, p)
    res.calib_points.sort()
    files = [p for p in files if not os.path.basename(p).startswith("calib_at@")]
    order = lambda p: (program_of(p) != "bench_calib", program_of(p) == "calib_end", program_of(p),
                       run_index(p), p)
    for path in sorted(files, key=order):
        read_gbench(res, path)
    if os.path.exists(os.path.join(directory, "go.csv")):
        read_csv_rows(res, os.path.join(directory, "go.csv"), "go")
    if os.path.exists(os.path.join(directory, "park_costs.csv")):
        read_csv_rows(res, os.path.join(directory, "park_costs.csv"), "park")
    meta = {}
    if os.path.exists(os.path.join(directory, "meta.json")):
        with open(os.path.join(directory, "meta.json")) as f:
            meta = json.load(f)
    return res, meta


# ------------------------------------------------------------ formatting

def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "ns":
        for div, u in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
            if value >= 10 * div:
                return "%.3g %s" % (value / div, u) if value / div < 1000 else "%.0f %s" % (value / div, u)
        return ("%.2f ns" if value < 10 else "%.1f ns" if value < 1000 else "%.0f ns") % value
    if unit.endswith("/s"):
        for div, p in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if value >= div:
                return "%.3g %s %s" % (value / div, p, unit)
        return "%.3g %s" % (value, unit)
    return "%.4g %s" % (value, unit) if unit else "%.4g" % value


def impl_rank(impl):
    """Report order: IMPL_ORDER, lfgo's variants (lfgo_fence) right after lfgo."""
    if impl in IMPL_ORDER:
        return (IMPL_ORDER.index(impl), impl)
    if impl.startswith("lfgo_"):
        return (IMPL_ORDER.index("lfgo") + 0.5, impl)
    return (len(IMPL_ORDER), impl)


def speedup(row, lfgo):
    """How many times faster lfgo is than `row` (> 1: lfgo is faster)."""
    if lfgo is None or row.median() is None or row.median() == 0 or lfgo.median() == 0:
        return None
    if row.higher_is_better():
        return lfgo.median() / row.median()
    return row.median() / lfgo.median()


def vm_state(ns):
    """A short name of the VM state a spin round trip indicates, and a note."""
    if ns is None:
        return "unknown", "no calibration row"
    if ns <= FAST_MAX_NS:
        return "fast", "fast ~105-160 ns, slow ~480-625 ns"
    if ns >= BUSY_MIN_NS:
        return "busy", ("far above both VM states: other processes took the cores from the "
                        "spinning threads, so this run's figures are not trustworthy")
    if ns >= SLOW_MIN_NS:
        return "slow", "fast ~105-160 ns, slow ~480-625 ns"
    return "in between", "between the fast (~105-160 ns) and slow (~480-625 ns) states"


# --------------------------------------------------------------- targets

def evaluate(res, target):
    issue, lhs_key, op, factor, rhs, wording = target
    lhs = res.get(lhs_key)
    rhs_row = res.get(rhs) if isinstance(rhs, str) else None
    rhs_val = rhs_row.median() if rhs_row else (float(rhs) if not isinstance(rhs, str) else None)
    if lhs is None or rhs_val is None or rhs_val <= 0:
        return issue, wording, None, None, "no data", ""
    lv = lhs.median()
    bound = factor * rhs_val
    met = lv <= bound if op == "<=" else lv >= bound
    if isinstance(rhs, str):
        how = "%s vs %s %s: %.3gx" % (fmt(lv, lhs.unit), rhs_row.key(), fmt(rhs_val, lhs.unit), lv / rhs_val)
    else:
        how = "%s (limit %s)" % (fmt(lv, lhs.unit), fmt(bound, lhs.unit))
    if not met:
        how += "; missed by %.2fx" % (lv / bound if op == "<=" else bound / lv)
    return issue, wording, lv, rhs_val, "met" if met else "MISSED", how


# ------------------------------------------------------------------- SVG

def svg_group(group, rows):
    """A hand-written SVG: one panel per workload, one bar per impl."""
    by_wl = {}
    for r in rows:
        by_wl.setdefault(r.workload, []).append(r)
    W, left, right, bar_h, gap = 820, 150, 120, 16, 5
    plot_w = W - left - right
    out, y = [], 10
    for wl, rs in by_wl.items():
        rs = sorted(rs, key=lambda r: impl_rank(r.impl))
        y = svg_panel(out, wl, rs, y, left, plot_w, bar_h, gap)
    head = ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'font-family="sans-serif" font-size="12">' % (W, y + 10))
    return "\n".join([head, '<rect width="100%" height="100%" fill="white"/>'] + out + ["</svg>"])


def svg_panel(out, wl, rs, y, left, plot_w, bar_h, gap):
    vals = [r.median() for r in rs if r.median()]
    his = [r.hi() for r in rs if r.hi()]
    unit = rs[0].unit
    better = "higher is better" if rs[0].higher_is_better() else "lower is better"
    vmax = max(his + vals) if vals else 1.0
    vmin = min(vals) if vals else 1.0
    use_log = vmin > 0 and vmax / vmin > 30
    scale = "log scale" if use_log else "linear"
    out.append('<text x="10" y="%d" font-weight="bold">%s</text>' % (y + 12, html.escape(wl)))
    out.append('<text x="%d" y="%d" fill="#555">%s, %s, %s</text>'
               % (left, y + 12, html.escape(unit), better, scale))
    y += 20
    x_of = svg_scale(vmin, vmax, plot_w, use_log)
    for r in rs:
        out.append(svg_bar(r, left, y, bar_h, x_of))
        y += bar_h + gap
    return y + 10


def svg_scale(vmin, vmax, plot_w, use_log):
    if use_log:
        lo = math.log10(vmin) - 0.3
        span = math.log10(vmax) - lo or 1.0
        return lambda v: plot_w * (math.log10(max(v, 1e-12)) - lo) / span
    return lambda v: plot_w * v / (vmax or 1.0)


def svg_bar(r, left, y, bar_h, x_of):
    colour = COLOURS.get(r.impl.split("_")[0], "#00838f")
    parts = ['<text x="%d" y="%d" text-anchor="end">%s</text>'
             % (left - 6, y + bar_h - 4, html.escape(r.impl))]
    if r.error:
        parts.append('<text x="%d" y="%d" fill="#c62828">%s</text>'
                     % (left, y + bar_h - 4, html.escape(r.error[:80])))
        return "".join(parts)
    m = r.median()
    w = max(x_of(m), 1.0)
    parts.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (left, y, w, bar_h, colour))
    if r.lo() is not None and r.hi() is not None and r.hi() > r.lo():
        x0, x1 = left + x_of(r.lo()), left + x_of(r.hi())
        cy = y + bar_h / 2
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>' % (x0, cy, x1, cy))
    label_x = left + max(w, x_of(r.hi()) if r.hi() else w) + 6
    parts.append('<text x="%.1f" y="%d">%s</text>' % (label_x, y + bar_h - 4, html.escape(fmt(m, r.unit))))
    return "".join(parts)


def scaling_series(res, plot):
    """impl -> [(threads, items/s)] over SCALING[plot] (rows with figures)."""
    series = {}
    for wl, n in SCALING[plot]:
        for (w, impl), r in res.rows.items():
            if w == wl and not r.error and r.median() and r.unit == "ns":
                series.setdefault(impl, []).append((n, 1e9 / r.median()))
    return dict(sorted(series.items(), key=lambda kv: impl_rank(kv[0])))


def svg_scaling(plot, series):
    """A line per impl: items/s (log) against thread count (log2)."""
    W, H, left, top, pw, ph = 820, 360, 70, 30, 560, 280
    xs = [n for wl, n in SCALING[plot]]
    ys = [v for pts in series.values() for _, v in pts]
    lo, hi = math.log10(min(ys)) - 0.1, math.log10(max(ys)) + 0.1
    xl, xh = math.log2(min(xs)), math.log2(max(xs)) or 1.0
    X = lambda n: left + pw * (math.log2(n) - xl) / ((xh - xl) or 1.0)
    Y = lambda v: top + ph * (1 - (math.log10(v) - lo) / ((hi - lo) or 1.0))
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
           'font-size="12">' % (W, H), '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="18" font-weight="bold">%s: items/s against %s (log scales)</text>'
           % (plot, SCALING_X[plot])]
    for wl, n in SCALING[plot]:
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (X(n), top, X(n), top + ph))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (X(n), top + ph + 16, n))
    for e in range(int(math.floor(lo)), int(math.ceil(hi)) + 1):
        if lo <= e <= hi:
            out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 6, Y(10 ** e) + 4,
                                                                             fmt(10 ** e, "items/s")))
    for k, (impl, pts) in enumerate(series.items()):
        colour = COLOURS.get(impl.split("_")[0], "#00838f")
        dash = ' stroke-dasharray="4,3"' if spins(impl) else ""
        path = " ".join("%.1f,%.1f" % (X(n), Y(v)) for n, v in pts)
        out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>' % (path, colour, dash))
        out += ['<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (X(n), Y(v), colour) for n, v in pts]
        out.append('<text x="%d" y="%d" fill="%s">%s</text>' % (left + pw + 20, top + 14 * k + 10, colour,
                                                               html.escape(impl_label(impl))))
    return "\n".join(out + ["</svg>"])


def md_scaling(res, out_dir):
    """Issue 12 part 6: the scaling plots (written into out_dir) and their table."""
    lines = []
    for plot in SCALING:
        series = scaling_series(res, plot)
        if not series:
            continue
        with open(os.path.join(out_dir, "scaling_%s.svg" % plot), "w") as f:
            f.write(svg_scaling(plot, series))
        counts = [n for _, n in SCALING[plot]]
        lines += ["### %s" % plot, "", "![scaling %s](scaling_%s.svg)" % (plot, plot), "",
                  "| impl | %s |" % " | ".join("%d" % n for n in counts), "|---|%s" % ("---|" * len(counts))]
        for impl, pts in series.items():
            at = dict(pts)
            lines.append("| %s | %s |" % (impl_label(impl), " | ".join(
                fmt(at[n], "items/s") if n in at else "-" for n in counts)))
        lines.append("")
    if not lines:
        return []
    return ["## Scaling", "", "Throughput (items/s = 1 / time per item) against thread count, from the "
            "workloads %s; dashed lines spin.  The thread counts go past 2 x the cores." % ", ".join(
                "`%s`" % wl for p in SCALING for wl, _ in SCALING[p]), ""] + lines


def md_latency(res, groups):
    """The latency percentiles of every channel row that reports them."""
    lines = []
    rows = [r for r in groups.get("chan", []) if "." not in r.workload]  # workload, then impl order
    for r in rows:
        wl, impl = r.workload, r.impl
        if res.rows.get((wl + ".p50", impl)) is None:
            continue
        cells = []
        for key, _ in LATENCY_METRICS:
            m = res.rows.get((wl + "." + key, impl))
            cells.append(fmt(m.median(), m.unit) if m is not None and m.median() is not None else "-")
        lines.append("| `%s` | %s | %s |" % (wl, impl_label(impl), " | ".join(cells)))
    if not lines:
        return []
    head = ["## Channel latency", "",
            "Send-to-receive delay of sampled items (every 1024th, stamped at send; under full load, so "
            "it includes queueing behind up to the capacity), medians over repetitions; pingpong: the "
            "round trip.", "", "| workload | impl | %s |" % " | ".join(l for _, l in LATENCY_METRICS),
            "|---|---|%s" % ("---|" * len(LATENCY_METRICS))]
    return head + lines + [""]


# -------------------------------------------------------------- markdown

def md_meta(meta, res):
    lines = ["# lfgo benchmark report", ""]
    for k, label in (("date", "Date"), ("mode", "Mode"), ("host", "Host"), ("cpu", "CPU"),
                     ("git", "Commit"), ("gbench_args", "Google Benchmark arguments"),
                     ("go_args", "Go peer arguments"), ("loadavg_before", "Load average before"),
                     ("loadavg_after", "Load average after")):
        if meta.get(k):
            lines.append("- %s: `%s`" % (label, meta[k]))
    loads = ["%s %s" % (p, " / ".join("%.2f" % x for x in c.get("load_avg", [])))
             for p, c in res.contexts.items() if c.get("load_avg")]
    if loads:
        lines.append("- Load average (1/5/15 min) as each program started: " + "; ".join(loads))
    if meta.get("seconds"):
        lines.append("- Run time: %s s" % meta["seconds"])
    if meta.get("failed"):
        lines.append("- **Failed or killed:** %s" % meta["failed"].strip("; "))
    lines += ["", "Figures are medians over repetitions (min and max beside them); "
              "compare them only within this run (see the calibration row).", ""]
    return lines


def md_calibration(res):
    c = res.get("%s/%s" % CALIB)
    e = res.get("%s/%s" % (CALIB_END, CALIB[1]))
    lines = ["## Calibration", ""]
    if c is None:
        return lines + ["No calibration row (bench_calib did not run).", ""]
    state, note = vm_state(c.median())
    lines.append("`calib_spin_rtt/floor` (a bare C11 spin handoff round trip between two threads): "
                 "**%s** median (min %s, max %s): VM state **%s** (%s)."
                 % (fmt(c.median(), "ns"), fmt(c.lo(), "ns"), fmt(c.hi(), "ns"), state, note))
    if e is not None:
        end_state, end_note = vm_state(e.median())
        lines += ["", "Measured again at the end of the run: **%s**, state **%s** (%s)%s."
                  % (fmt(e.median(), "ns"), end_state, end_note,
                     "" if end_state == state
                     else "; the state changed during the run: compare rows measured close together")]
    return lines + [""] + md_calib_points(res, state)


# The workload name scripts/bench.sh gives the point after a program's last
# workload (and after the Go peer).
CALIB_AFTER = "_end"


def md_calib_points(res, start_state):
    """The calibration points run before each workload and after each program
    (scripts/bench.sh): per program, then per workload."""
    if not res.calib_points:
        return []
    return md_calib_programs(res) + md_calib_workloads(res, start_state)


def md_calib_programs(res):
    """Issue 12 part 5: the calibration before and after every program, so a
    state flip inside a program shows."""
    by_program = {}
    for seq, program, workload, ns in res.calib_points:
        by_program.setdefault(program, []).append((seq, workload, ns))
    lines = ["### Before and after each program", "",
             "The calibration row before a program's first workload, after its last one, and the range "
             "of all its points (one before every workload).  A program whose points do not all show the "
             "same state met a state change while it ran: read its rows with the per-workload table below.",
             "", "| program | before | after | min | max | points | VM states |", "|---|---|---|---|---|---|---|"]
    for program, pts in by_program.items():
        pts.sort()
        before = [ns for _, wl, ns in pts if wl != CALIB_AFTER]
        after = [ns for _, wl, ns in pts if wl == CALIB_AFTER]
        allns = [ns for _, _, ns in pts]
        states = list(dict.fromkeys(vm_state(ns)[0] for ns in allns))
        flip = " (**changed inside**)" if len(states) > 1 else ""
        lines.append("| %s | %s | %s | %s | %s | %d | %s%s |" % (
            program, fmt(before[0], "ns") if before else "-", fmt(after[-1], "ns") if after else "-",
            fmt(min(allns), "ns"), fmt(max(allns), "ns"), len(allns), " → ".join(states), flip))
    return lines + [""]


def md_calib_workloads(res, start_state):
    lines = ["### Beside each workload", "",
             "The calibration row, run again just before each workload (its rows run together, "
             "interleaved) and after each program's last workload: a state change inside the run shows "
             "here, next to the rows it touched.", "",
             "| program | workload | spin round trip | VM state |", "|---|---|---|---|"]
    states = set()
    for _, program, workload, ns in res.calib_points:
        st, _ = vm_state(ns)
        states.add(st)
        changed = " (changed)" if st != start_state else ""
        where = "(after the last workload)" if workload == CALIB_AFTER else "`%s`" % workload
        lines.append("| %s | %s | %s | %s%s |" % (program, where, fmt(ns, "ns"), st, changed))
    if len(states) > 1:
        lines += ["", "**The VM state changed during this run** (%s): compare rows only with rows that "
                  "met the same state." % ", ".join(sorted(states))]
    return lines + [""]


def calib_before(res, row):
    """The calibration point run just before `row`'s workload (None if none)."""
    if row is None or not row.program:
        return None
    program, _ = variant_of(row.program)
    workload = "all" if program == "go" else row.workload.split(".")[0]
    for _, p, wl, ns in res.calib_points:
        if p == program and wl == workload:
            return ns
    return None


def calib_cell(res, row):
    ns = calib_before(res, row)
    return "-" if ns is None else "%s (%s)" % (fmt(ns, "ns"), vm_state(ns)[0])


def md_best_peer(res):
    """Issue 12: each lfgo row's ratio to the best peer of its workload."""
    lines = ["## lfgo against the best peer", "",
             "For every workload with an lfgo row: the fastest peer (not lfgo's variants, its twin, "
             "the floor or lfgo's other primitives) and lfgo's figure over it in time "
             "(< 1: lfgo is faster).  Peers marked *spins* never block: they busy-wait when they "
             "must wait, holding a core that a blocking implementation gives away.", "",
             "| workload | lfgo row | lfgo | best peer | peer | lfgo / peer | peers that collapsed or failed |",
             "|---|---|---|---|---|---|---|"]
    n = 0
    for (wl, impl), r in res.rows.items():
        if "." in wl or not (impl == "lfgo" or impl.startswith("lfgo_")):
            continue
        best = best_peer(res, wl)
        errs = sorted(i for (w, i), x in res.rows.items() if w == wl and is_peer(i) and x.error)
        if r.error or r.median() is None:
            cell_l, ratio = "**%s**" % (r.error or "no data"), "-"
        else:
            cell_l = fmt(r.median(), r.unit)
            sp = speedup(best, r) if best else None
            ratio = "%.2fx" % (1 / sp) if sp else "-"
        lines.append("| `%s` | %s | %s | %s | %s | %s | %s |" % (
            wl, impl, cell_l, impl_label(best.impl) if best else "-",
            fmt(best.median(), best.unit) if best else "-", ratio, ", ".join(errs) or ""))
        n += 1
    return lines + [""] if n else []


def spread(row):
    """max / min of a row's repetitions (None without two figures)."""
    if row is None or row.error or row.stats or len(row.values) < 2 or min(row.values) <= 0:
        return None
    return max(row.values) / min(row.values)


def md_floor(res):
    """Issue 14: lfgo's MPMC rows against the spinning floor, and their spread."""
    if not any(res.rows.get((wl, "lfgo")) for wl in SPREAD_ROWS):
        return []
    lines = ["## MPMC against the floor", "",
             "`floor`: a bounded Vyukov-style MPMC ring of the same capacity that only spins "
             "(bench/chan/floor.c).  Spread: max / min of the repetitions (target <= %.1f)." % SPREAD_MAX, "",
             "| workload | lfgo | floor | lfgo / floor | lfgo spread | floor spread |",
             "|---|---|---|---|---|---|"]
    for wl in SPREAD_ROWS:
        lf, fl = res.rows.get((wl, "lfgo")), res.rows.get((wl, "floor"))
        if lf is None:
            continue
        ok = lambda r: r is not None and not r.error and r.median() is not None
        ratio = "%.2fx" % (lf.median() / fl.median()) if ok(lf) and ok(fl) and fl.median() else "-"
        sl, sf = spread(lf), spread(fl)
        verdict = "" if sl is None else (" (met)" if sl <= SPREAD_MAX else " (**MISSED**)")
        lines.append("| `%s` | %s | %s | %s | %s | %s |" % (
            wl, fmt(lf.median(), lf.unit) if ok(lf) else "**%s**" % (lf.error or "no data"),
            fmt(fl.median(), fl.unit) if ok(fl) else ("**%s**" % fl.error if fl is not None and fl.error else "-"),
            ratio, ("%.2f" % sl + verdict) if sl else "-", "%.2f" % sf if sf else "-"))
    return lines + [""]


# ------------------------------------------------- issue sections

def has_figure(r):
    return r is not None and not r.error and r.median() is not None


def cell(r, spread_too=True):
    """A row's median [min, max], its error, or "-"."""
    if r is None:
        return "-"
    if r.error:
        return "**%s**" % r.error
    if r.median() is None:
        return "-"
    if spread_too and r.lo() is not None and r.hi() is not None and r.hi() > r.lo():
        return "%s [%s, %s]" % (fmt(r.median(), r.unit), fmt(r.lo(), r.unit), fmt(r.hi(), r.unit))
    return fmt(r.median(), r.unit)


def time_ratio(a, b):
    """a's time over b's (< 1: a is faster), from ns or items/s rows."""
    if not (has_figure(a) and has_figure(b)) or a.unit != b.unit or a.median() <= 0 or b.median() <= 0:
        return None
    return b.median() / a.median() if a.higher_is_better() else a.median() / b.median()


def ratio_cell(x):
    return "-" if x is None else "%.2fx" % x


def md_inline(res):
    """Issue 10 part 1: the exported out-of-line calls against LFGO_INLINE."""
    lines = []
    for wl, calls, what in INLINE_ROWS:
        ool, inl = res.rows.get((wl, "lfgo")), res.rows.get((wl, "lfgo_inline"))
        if ool is None or inl is None:
            continue
        r = time_ratio(ool, inl)
        per_call = "-"
        if calls and has_figure(ool) and has_figure(inl) and ool.unit == "ns":
            per_call = "%+.2f ns" % ((ool.median() - inl.median()) / calls)
        lines.append("| `%s` | %s | %s | %s | %s | %s |" % (wl, what, cell(ool), cell(inl), ratio_cell(r), per_call))
    if not lines:
        return []
    return ["## Out of line against LFGO_INLINE (issue 10, part 1)", "",
            "`lfgo`: the exported functions, called out of line (a user program's default; linked "
            "statically here, so the PLT jump of a call into liblfgo.so is not included).  `lfgo_inline`: "
            "the same fast paths compiled into the caller (`LFGO_INLINE`).  Same program, interleaved.  "
            "Cost per call: (out of line - inline) / the library calls per item.", "",
            "| workload | calls per item | out of line (`lfgo`) | inline (`lfgo_inline`) | out of line / inline "
            "| cost per call |", "|---|---|---|---|---|---|"] + lines + [""]


def md_wg_order(res):
    """Issue 10 part 5: the WaitGroup's add/done fetch_add, release against acq_rel."""
    pairs = [("wg_add_done", "lfgo (out of line)", "lfgo", "lfgo_acq_rel"),
             ("wg_add_done", "bare fetch_adds (floor)", "floor", "floor_acq_rel"),
             ("forkjoin_2w", "lfgo (out of line)", "lfgo", "lfgo_acq_rel")]
    lines = []
    for wl, what, rel, acq in pairs:
        a, b = res.rows.get((wl, rel)), res.rows.get((wl, acq))
        if a is None or b is None:
            continue
        lines.append("| `%s` | %s | %s | %s | %s |" % (wl, what, cell(a), cell(b), ratio_cell(time_ratio(b, a))))
    if not lines:
        return []
    return ["## WaitGroup add/done: release against acq_rel (issue 10, part 5)", "",
            "`lfgo`: add/done as shipped, a release fetch_add; `lfgo_acq_rel`: the same library code with "
            "that one order back at acq_rel (bench/wg/acq_rel.c, through wg.h's `LFGO__WG_ADD_ORDER`), "
            "called out of line the same way.  The floor rows are the bare read-modify-writes.  On x86-64 "
            "both orders compile to the same `lock xadd` (only the compiler's freedom around it differs), "
            "so a ratio away from 1 here is noise; they differ in code on AArch64 "
            "(`ldaddl` against `ldaddal`; docs/ordering-lab.md).", "",
            "| workload | what | release | acq_rel | acq_rel / release |", "|---|---|---|---|---|"] + lines + [""]


def md_seqcst(res):
    """Issue 11 part 5b: every lfgo row that also ran from the LFGO_FORCE_SEQ_CST build."""
    lines = []
    for (wl, impl), sc in res.rows.items():
        if not impl.endswith("_seqcst") or "." in wl:  # (latency rows: in "Channel latency")
            continue
        base = res.rows.get((wl, impl[:-len("_seqcst")]))
        lines.append("| `%s` | %s | %s | %s | %s |" % (wl, impl[:-len("_seqcst")], cell(base), cell(sc),
                                                     ratio_cell(time_ratio(sc, base))))
    if not lines:
        return []
    return ["## The ordering choices against LFGO_FORCE_SEQ_CST (issue 11, part 5)", "",
            "`lfgo_seqcst`: the same benchmark program built against lfgo compiled with "
            "`LFGO_FORCE_SEQ_CST` (every atomic site seq_cst: bench_<group>_seqcst), run interleaved with "
            "the normal build's rows of the same workload.  seq_cst / chosen > 1: what the weaker orders save.",
            "", "| workload | impl | chosen orders | all seq_cst | seq_cst / chosen |",
            "|---|---|---|---|---|"] + lines + [""]


def md_barrier(res):
    """Issue 10 part 4: the channel rows with each barrier kind, with latency."""
    lines = []
    for wl in [w for (w, i) in res.rows if i == "lfgo_fence" and "." not in w]:
        base, fence = res.rows.get((wl, "lfgo")), res.rows[(wl, "lfgo_fence")]
        for impl, r, vs in (("lfgo", base, ""), ("lfgo_fence", fence, ratio_cell(time_ratio(fence, base)))):
            lat = []
            for key, _ in LATENCY_METRICS:
                m = res.rows.get((wl + "." + key, impl))
                lat.append(fmt(m.median(), m.unit) if has_figure(m) else "-")
            lines.append("| `%s` | %s | %s | %s | %s |" % (wl, "membarrier (default)" if impl == "lfgo" else
                                                           "fences (`lfgo_fence`)", cell(r), vs or "", " | ".join(lat)))
    if not lines:
        return []
    return ["## Barrier kind: membarrier against fences (issue 10, part 4)", "",
            "`lfgo`: the default asymmetric barrier (membarrier registered for the process, a compiler "
            "barrier on the fast path); `lfgo_fence`: the portable handshake, a seq_cst fence on both "
            "sides.  Same program, interleaved; latency as in \"Channel latency\".", "",
            "| workload | barrier | figure | fence / membarrier | %s |" % " | ".join(l for _, l in LATENCY_METRICS),
            "|---|---|---|---|%s" % ("---|" * len(LATENCY_METRICS))] + lines + [""]


def md_pool(res):
    """Issue 13: the pool's rows against Go, TBB and OpenMP, and its targets."""
    if not any(res.rows.get((wl, i)) for wl, impls in POOL_ROWS for i in impls if i != "lfgo"):
        return []
    lines = []
    for wl, impls in POOL_ROWS:
        peers = {p: res.rows.get((wl, p)) for p in POOL_PEERS}
        for impl in impls:
            r = res.rows.get((wl, impl))
            if r is None:
                continue
            lines.append("| `%s` | %s | %s | %s | %s |" % (
                wl, impl, cell(r), " | ".join(cell(peers[p], False) for p in POOL_PEERS),
                " | ".join(ratio_cell(time_ratio(r, peers[p])) for p in POOL_PEERS if p != "twin")))
    if not lines:
        return []
    peers_head = " | ".join(POOL_PEERS)
    ratio_head = " | ".join("/ %s" % p for p in POOL_PEERS if p != "twin")
    out = ["## Task pool (issue 13)", "",
           "lfgo's pool (`lfgo_pool`, `lfgo_group`) against Go (goroutines + WaitGroup), TBB's task_group and "
           "OpenMP tasks; `forkjoin_2w/lfgo` and `sizedwg_6/lfgo` are the thread-based WaitGroup and "
           "SizedWaitGroup rows of the same workloads.  Ratios are lfgo's time over the peer's "
           "(< 1: lfgo is faster; items/s rows inverted).", "",
           "| workload | lfgo row | lfgo | %s | %s |" % (peers_head, ratio_head),
           "|---|---|---|%s%s" % ("---|" * len(POOL_PEERS), "---|" * (len(POOL_PEERS) - 1))] + lines + [""]
    tl = []
    for t in TARGETS:
        if t[0] == "13":
            issue, wording, lv, rv, result, how = evaluate(res, t)
            tl.append("| %s | %s | %s |" % (wording, how or "-", "**%s**" % result if result == "MISSED" else result))
    if tl:
        out += ["Issue 13's targets:", "", "| target | this run | result |", "|---|---|---|"] + tl + [""]
    return out


def md_batch(res):
    """Issue 12 part 3: the batcher's policies against Go, and the latency bound."""
    lines = []
    for wl in ("batch_10", "batch_1000"):
        rows = {i: res.rows.get((wl, i)) for i in ("lfgo", "lfgo_inline", "go", "twin")}
        if rows["lfgo"] is None and rows["lfgo_inline"] is None:
            continue
        go = rows["go"]
        x = lambda r: "-" if time_ratio(go, r) is None else "%.2fx" % time_ratio(go, r)
        lines.append("| `%s` | %s | %s | %s | %s | %s | %s |" % (
            wl, cell(rows["lfgo"]), cell(rows["lfgo_inline"]), cell(go, False), cell(rows["twin"], False),
            x(rows["lfgo"]), x(rows["lfgo_inline"])))
    lat = []
    for impl in ("lfgo", "lfgo_inline", "go", "twin"):
        if res.rows.get(("batch_latency.p99", impl)) is None:
            continue
        cells = []
        for key, _ in LATENCY_METRICS:
            m = res.rows.get(("batch_latency." + key, impl))
            cells.append(fmt(m.median(), m.unit) if has_figure(m) else "-")
        p99 = res.rows.get(("batch_latency.p99", impl))
        verdict = "-" if not has_figure(p99) else ("met" if p99.median() <= 6e6 else "**MISSED**")
        lat.append("| %s | %s | %s |" % (impl, " | ".join(cells), verdict))
    if not lines and not lat:
        return []
    out = ["## Batcher: flusher thread against the filling thread (issue 12, part 3)", "",
           "`lfgo`: the flusher thread runs the callback (the default); `lfgo_inline`: the thread that fills "
           "a batch runs it.  Throughput in items/s; \"x go\" is the row's throughput over Go's (targets: "
           "lfgo_inline >= 3x, lfgo >= 1x).", ""]
    if lines:
        out += ["| workload | lfgo (flusher) | lfgo_inline (filling thread) | go | twin | lfgo x go | "
                "lfgo_inline x go |", "|---|---|---|---|---|---|---|"] + lines + [""]
    if lat:
        out += ["`batch_latency` (one item per ms, N = 1000, T = 5 ms: every batch leaves by deadline), "
                "add-to-callback delay; target p99 <= T + 1 ms = 6 ms:", "",
                "| impl | %s | p99 <= 6 ms |" % " | ".join(l for _, l in LATENCY_METRICS),
                "|---|%s---|" % ("---|" * len(LATENCY_METRICS))] + lat + [""]
    return out


def md_hpp(res):
    """Issue 10 part 6: lfgo.hpp's typed channel against the C calls."""
    c, hpp = res.rows.get(("spsc_hpp", "lfgo")), res.rows.get(("spsc_hpp", "lfgo_hpp"))
    if c is None or hpp is None:
        return []
    return ["## lfgo.hpp against the C calls (issue 10, part 6)", "",
            "| workload | C (`lfgo`) | C++ (`lfgo_hpp`) | C++ / C |", "|---|---|---|---|",
            "| `spsc_hpp` | %s | %s | %s |" % (cell(c), cell(hpp), ratio_cell(time_ratio(hpp, c))), ""]


def impl_label(impl):
    return impl + " (spins)" if spins(impl) else impl


def md_matrix(res, groups):
    lines = ["## All workloads", "", "Median per workload and implementation.", ""]
    for g, rows in groups.items():
        impls = sorted({r.impl for r in rows}, key=impl_rank)
        lines.append("| %s | %s |" % (g, " | ".join(impl_label(i) for i in impls)))
        lines.append("|---|%s" % ("---|" * len(impls)))
        for wl in dict.fromkeys(r.workload for r in rows):
            cells = []
            for i in impls:
                r = res.rows.get((wl, i))
                cells.append("-" if r is None else ("**%s**" % r.error if r.error else fmt(r.median(), r.unit)))
            lines.append("| `%s` | %s |" % (wl, " | ".join(cells)))
        lines.append("")
    return lines


def md_details(res, groups):
    lines = ["## Details and ratios", "",
             "`lfgo speed-up`: how many times faster lfgo is than the row (for ns: row / lfgo; "
             "for items/s: lfgo / row).", ""]
    for g, rows in groups.items():
        lines += ["### %s" % g, "", "![%s](%s.svg)" % (g, g), "",
                  "| workload | impl | median | min | max | unit | lfgo speed-up | calibration before |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            lf = res.get(r.workload + "/lfgo")
            sp = speedup(r, lf) if r.impl != "lfgo" else None
            if r.error:
                lines.append("| `%s` | %s | %s | | | | | %s |" % (r.workload, impl_label(r.impl), r.error,
                                                                calib_cell(res, r)))
                continue
            lines.append("| `%s` | %s | %s | %s | %s | %s | %s | %s |" % (
                r.workload, impl_label(r.impl), num(r.median()), num(r.lo()), num(r.hi()), r.unit,
                "%.2fx" % sp if sp else "", calib_cell(res, r)))
        lines.append("")
    return lines


def num(v):
    if v is None:
        return ""
    return "%.4g" % v if abs(v) < 1000 else "{:,.0f}".format(v)


def md_targets(res):
    lines = ["## Targets", "", "| issue | target | this run | result |", "|---|---|---|---|"]
    for t in sorted(TARGETS, key=lambda t: int(t[0])):
        if t[1] in OPTIONAL_ROWS and (t[1].rpartition("/")[0], t[1].rpartition("/")[2]) not in res.rows:
            continue
        issue, wording, lv, rv, result, how = evaluate(res, t)
        lines.append("| %s | %s | %s | %s |" % (issue, wording, how or "-",
                                               "**%s**" % result if result == "MISSED" else result))
    return lines + [""]


def md_park(res):
    rows = [r for r in res.rows.values() if r.workload.startswith("park.")]
    if not rows:
        return []
    lines = ["## Parking costs (bench/park_costs)", "",
             "The measurements behind the spin budget (docs/design.md, \"Spin budget\").", "",
             "| figure | median | min | max |", "|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %s | %s | %s |" % (r.workload[5:], fmt(r.median(), r.unit),
                                               fmt(r.lo(), r.unit), fmt(r.hi(), r.unit)))
    return lines + [""]


# ------------------------------------------------------------------ main

def group_rows(res):
    groups = {}
    for r in res.rows.values():
        if r.workload.startswith("park."):
            continue
        groups.setdefault(r.group, []).append(r)
    for g in groups:
        wl_order = list(dict.fromkeys(r.workload for r in groups[g]))
        groups[g].sort(key=lambda r: (wl_order.index(r.workload), impl_rank(r.impl)))
    return groups


def write_summary(res, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["workload", "impl", "median", "min", "max", "unit"])
        for r in res.rows.values():
            if r.error:
                w.writerow([r.workload, r.impl, "", "", "", "error: " + r.error])
            elif r.median() is not None:
                w.writerow([r.workload, r.impl, "%.6g" % r.median(), "%.6g" % r.lo(), "%.6g" % r.hi(), r.unit])
        by_program = {}
        for _, program, _, ns in res.calib_points:
            by_program.setdefault(program, []).append(ns)
        for program, v in by_program.items():
            w.writerow(["calib_at_" + program, CALIB[1], "%.6g" % statistics.median(v), "%.6g" % min(v),
                        "%.6g" % max(v), "ns"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default="build/bench/results")
    ap.add_argument("--out", default="report")
    args = ap.parse_args()
    res, meta = read_results(args.results)
    if not res.rows:
        sys.exit("report.py: no results in %s" % args.results)
    os.makedirs(args.out, exist_ok=True)
    write_summary(res, os.path.join(args.out, "summary.csv"))
    groups = group_rows(res)
    for g, rows in groups.items():
        with open(os.path.join(args.out, g + ".svg"), "w") as f:
            f.write(svg_group(g, rows))
    md = (md_meta(meta, res) + md_calibration(res) + md_targets(res) + md_best_peer(res) + md_floor(res)
          + md_inline(res) + md_wg_order(res) + md_seqcst(res) + md_barrier(res) + md_hpp(res)
          + md_pool(res) + md_batch(res)
          + md_scaling(res, args.out) + md_latency(res, groups) + md_matrix(res, groups)
          + md_details(res, groups) + md_park(res))
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(os.path.join(args.out, "report.md"))


if __name__ == "__main__":
    main()

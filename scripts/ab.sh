#!/usr/bin/env bash
# A/B of two git revisions on the Google Benchmark rows: "does any row
# regress by more than 5 % in the same run?" (issue 8's "Done when").
#
#   scripts/ab.sh REF_A REF_B [options]      e.g. scripts/ab.sh ed5262d HEAD
#     --filter RE      only rows (workload/impl) matching RE (default: all)
#     --reps N         rounds (default 5); each round runs every row of A and B
#     --min-time S     Google Benchmark's minimum seconds per row (default 0.1)
#     --programs L     only these programs, comma-separated (bench_wg,bench_chan);
#                      only they are built (bench_calib always is)
#     --threshold F    flag rows whose B/A exceeds 1 + F (default 0.05)
#     --limit S        seconds one run of one row may take (default 120)
#     --pair A_ROW=B_ROW  compare A's row A_ROW with B's row B_ROW (repeatable;
#                      rows renamed between the revisions, e.g.
#                      wg_add_done/lfgo=wg_add_done/lfgo_inline: before 0.1 the
#                      lfgo rows of wg and mutex were the inline fast path)
#     --out D          results directory (default report/ab)
#     --keep           keep the worktrees (build/ab-<sha>/src) afterwards
# A ref is anything git names (sha, HEAD~1, a tag), or "." for the working
# tree as it is now, uncommitted changes included.
#
# Each revision is checked out with `git worktree add --detach` into
# build/ab-<sha>/src (the main checkout's branch, index and files are not
# touched) and its `bench` preset is built in build/ab-<sha>/build.  The rows
# compared are those both revisions have (by workload/impl within a program
# of the same name; rows only one side has are listed, not run).  The rows
# run interleaved: each round is the calibration row of A and of B, then
# every row once for A and once for B, one process each (A first in odd
# rounds, B first in even ones), so a change of VM state hits both sides.
# Per row: the median of the rounds for A and for B, B/A as a ratio of times
# (items/s rows inverted, so > 1 always means B is slower), each side's
# spread (max / min) and a flag where B/A > 1 + threshold.  Output: a table
# on the terminal and ab.md, ab.csv, ab.json and the raw JSON under --out.
# The worktrees are removed at the end (the build directories are kept).
# The build is heavy: on a shared machine run the whole script under
# `flock /tmp/lfgo-heavy.lock nice -n 10`.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() { sed -n '2,39p' "$0"; exit "${1:-0}"; }
[ $# -ge 2 ] || usage 2
ref_a=$1 ref_b=$2
shift 2
filter="" reps=5 min_time=0.1 programs="" threshold=0.05 limit=120 out=report/ab keep=0
declare -A pair_b=() # A's row -> B's row standing in for it
while [ $# -gt 0 ]; do
  case "$1" in
    --pair) [[ $2 == */*=*/* ]] || { echo "ab.sh: --pair needs A_ROW=B_ROW (workload/impl)" >&2; exit 2; }
            pair_b[${2%%=*}]=${2#*=}; shift ;;
    --filter) filter=$2; shift ;;
    --reps) reps=$2; shift ;;
    --min-time) min_time=$2; shift ;;
    --programs) programs=$2; shift ;;
    --threshold) threshold=$2; shift ;;
    --limit) limit=$2; shift ;;
    --out) out=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) usage 0 ;;
    *) echo "ab.sh: unknown argument $1" >&2; usage 2 ;;
  esac
  shift
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: --reps needs a positive number" >&2; exit 2; }

scripts/deps.sh bench || exit 1

# ------------------------------------------------------------- checkouts
added=() # worktrees this run added, removed on exit unless --keep
cleanup() {
  local w
  [ $keep = 1 ] && return
  for w in "${added[@]}"; do
    git worktree remove --force "$w" >/dev/null 2>&1 || echo "ab.sh: could not remove worktree $w" >&2
  done
  git worktree prune
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# side_dir REF: prints "<label> <source dir> <build dir>" for REF, adding the
# worktree if needed.
side_dir() {
  local ref=$1 sha dir
  if [ "$ref" = . ]; then
    echo "worktree $root $root/build/ab-worktree"
    return
  fi
  sha=$(git rev-parse --verify --quiet "$ref^{commit}") || { echo "ab.sh: unknown revision $ref" >&2; return 1; }
  sha=${sha:0:12}
  dir=$root/build/ab-$sha
  if [ ! -e "$dir/src/.git" ]; then
    rm -rf "$dir/src"
    mkdir -p "$dir"
    git worktree add --detach "$dir/src" "$sha" >/dev/null 2>&1 || { echo "ab.sh: git worktree add $sha failed" >&2; return 1; }
    added+=("$dir/src")
  fi
  echo "$sha $dir/src $dir/build"
}

# build SRC BUILD: configures the bench preset of SRC into BUILD and builds
# the selected programs.
build() {
  local src=$1 bdir=$2 t targets=()
  (cd "$src" && cmake --preset bench -B "$bdir" >/dev/null) || return 1
  if [ -n "$programs" ]; then
    targets=(--target bench_calib)
    for t in ${programs//,/ }; do
      ninja -C "$bdir" -t targets all 2>/dev/null | grep -q "^$t:" && targets+=("$t")
    done
  fi
  cmake --build "$bdir" -j "$(nproc 2>/dev/null || echo 2)" "${targets[@]}" >"$bdir/ab-build.log" 2>&1 ||
    { tail -30 "$bdir/ab-build.log" >&2; return 1; }
}

read -r label_a src_a build_a < <(side_dir "$ref_a") || exit 1
[ -n "${label_a:-}" ] || exit 1
read -r label_b src_b build_b < <(side_dir "$ref_b") || exit 1
[ -n "${label_b:-}" ] || exit 1
# (side_dir ran in a subshell: record the worktrees it added here.)
for s in "$src_a" "$src_b"; do
  [ "$s" != "$root" ] && [[ " ${added[*]} " != *" $s "* ]] && added+=("$s")
done
echo "A = $ref_a ($label_a), B = $ref_b ($label_b)"
echo "=== building A in $build_a ==="
build "$src_a" "$build_a" || { echo "ab.sh: build of A failed" >&2; exit 1; }
if [ "$build_b" != "$build_a" ]; then
  echo "=== building B in $build_b ==="
  build "$src_b" "$build_b" || { echo "ab.sh: build of B failed" >&2; exit 1; }
fi

# ------------------------------------------------------------- rows
# programs_of BUILD: the benchmark programs of a build (bench-programs.txt,
# else every bench_* executable), without the seq_cst variants.
programs_of() {
  local f
  if [ -f "$1/bench-programs.txt" ]; then
    cat "$1/bench-programs.txt"
  else
    for f in "$1"/bench/bench_*; do [ -x "$f" ] && [ -f "$f" ] && echo "$f"; done
  fi | grep -v '_seqcst$' | grep -v '^$'
}

# rows PROGRAM: "key<TAB>full name" of each benchmark; key = workload/impl.
rows() {
  "$1" --benchmark_list_tests=true 2>/dev/null | awk -F/ 'NF { print $1 "/" $2 "\t" $0 }'
}

rm -rf "$out/raw" "$out/ab.md" "$out/ab.csv" "$out/ab.json" "$out/not-compared.txt"
mkdir -p "$out/raw" || exit 1
declare -A prog_a=() prog_b=()
while read -r p; do [ -x "$p" ] && prog_a[$(basename "$p")]=$p; done < <(programs_of "$build_a")
while read -r p; do [ -x "$p" ] && prog_b[$(basename "$p")]=$p; done < <(programs_of "$build_b")
calib_a=${prog_a[bench_calib]:-} calib_b=${prog_b[bench_calib]:-}

# The common rows: entries "program<TAB>key<TAB>name in A<TAB>name in B".
common=()
: >"$out/not-compared.txt"
for name in $(printf '%s\n' "${!prog_a[@]}" "${!prog_b[@]}" | sort -u); do
  [ "$name" = bench_calib ] && continue
  if [ -n "$programs" ] && [[ ",$programs," != *",$name,"* ]]; then continue; fi
  if [ -z "${prog_a[$name]:-}" ] || [ -z "${prog_b[$name]:-}" ]; then
    echo "$name: only in $([ -n "${prog_a[$name]:-}" ] && echo A || echo B)" >>"$out/not-compared.txt"
    continue
  fi
  declare -A na=() nb=()
  while IFS=$'\t' read -r k n; do na[$k]=$n; done < <(rows "${prog_a[$name]}")
  while IFS=$'\t' read -r k n; do nb[$k]=$n; done < <(rows "${prog_b[$name]}")
  declare -A paired=() # B's rows that have a partner in A
  while IFS=$'\t' read -r k n; do # A's order
    [ -n "$filter" ] && ! [[ $k =~ $filter ]] && continue
    kb=${pair_b[$k]:-$k}
    if [ -n "${nb[$kb]:-}" ]; then
      shown=$k
      [ "$kb" = "$k" ] || shown="$k (B: $kb)"
      paired[$kb]=1
      common+=("$name"$'\t'"$shown"$'\t'"$n"$'\t'"${nb[$kb]}")
    else
      echo "$name $k: only in A" >>"$out/not-compared.txt"
    fi
  done < <(rows "${prog_a[$name]}")
  for k in "${!nb[@]}"; do
    [ -n "$filter" ] && ! [[ $k =~ $filter ]] && continue
    [ -n "${paired[$k]:-}" ] || echo "$name $k: only in B$([ -n "${na[$k]:-}" ] && echo " (A's row of that name is paired with another)")" >>"$out/not-compared.txt"
  done
  unset na nb paired
done
if [ ${#common[@]} -eq 0 ]; then
  echo "ab.sh: no benchmark row is in both revisions${filter:+ and matches $filter}" >&2
  exit 1
fi
echo "${#common[@]} rows in both revisions, $reps rounds (rows only one side has: $out/not-compared.txt)"
for i in "${!common[@]}"; do
  IFS=$'\t' read -r prog key _ <<<"${common[$i]}"
  printf '%s\t%s\t%s\n' "$i" "$prog" "$key"
done >"$out/raw/rows.tsv"

# ------------------------------------------------------------- runs
python3 -c 'import json, sys; json.dump({"a": sys.argv[1], "b": sys.argv[2], "a_label": sys.argv[3],
  "b_label": sys.argv[4], "reps": int(sys.argv[5]), "min_time": sys.argv[6], "threshold": float(sys.argv[7]),
  "filter": sys.argv[8], "date": sys.argv[9], "host": sys.argv[10]}, open(sys.argv[11], "w"), indent=1)' \
  "$ref_a" "$ref_b" "$label_a" "$label_b" "$reps" "$min_time" "$threshold" "$filter" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -srm), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" \
  "$out/raw/meta.json"

regex_quote() { sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$1"; }
# run SIDE PROGRAM NAME FILE: one repetition of one benchmark.
run() {
  local rc
  timeout --signal=KILL "$limit" "$2" --benchmark_repetitions=1 --benchmark_min_time="$min_time" \
    --benchmark_out_format=json --benchmark_out="$4" --benchmark_filter="^$(regex_quote "$3")\$" \
    >/dev/null 2>"$4.log"
  rc=$?
  [ $rc -eq 0 ] && return 0
  python3 -c 'import json, sys; json.dump({"benchmarks": [{"name": sys.argv[2], "run_name": sys.argv[2],
    "run_type": "iteration", "error_occurred": True, "error_message": sys.argv[3]}]}, open(sys.argv[1], "w"))' \
    "$4" "$3" "exited with status $rc$([ $rc -eq 137 ] && echo " (killed after $limit s)")"
  echo "  $1 $3: exited with status $rc" >&2
}

start=$SECONDS
for ((r = 1; r <= reps; r++)); do
  echo "=== round $r of $reps (load $(cut -d' ' -f1 /proc/loadavg), $((SECONDS - start)) s) ==="
  [ -n "$calib_a" ] && run A "$calib_a" "$("$calib_a" --benchmark_list_tests=true | head -1)" "$out/raw/A@calib.r$r.json"
  [ -n "$calib_b" ] && run B "$calib_b" "$("$calib_b" --benchmark_list_tests=true | head -1)" "$out/raw/B@calib.r$r.json"
  for i in "${!common[@]}"; do
    IFS=$'\t' read -r prog key name_a name_b <<<"${common[$i]}"
    sides=(A B)
    [ $((r % 2)) -eq 0 ] && sides=(B A)
    for side in "${sides[@]}"; do
      if [ "$side" = A ]; then
        run A "${prog_a[$prog]}" "$name_a" "$out/raw/A@$prog@$i.r$r.json"
      else
        run B "${prog_b[$prog]}" "$name_b" "$out/raw/B@$prog@$i.r$r.json"
      fi
    done
  done
done
echo "runs took $((SECONDS - start)) s"

# ------------------------------------------------------------- analysis
PYTHONDONTWRITEBYTECODE=1 python3 - "$out" "$root/bench" <<'EOF'
import csv, glob, json, os, statistics, sys

out, bench_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, bench_dir)
from report import fmt, load_json, primary, vm_state  # bench/report.py

meta = json.load(open(os.path.join(out, "raw", "meta.json")))
thr = meta["threshold"]

def figures(path):
    """(figure, unit) or (None, error message) of one run's JSON."""
    try:
        data = load_json(path)
    except (OSError, ValueError) as e:
        return None, "unreadable: %s" % e
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        if b.get("error_occurred"):
            return None, b.get("error_message", "error")
        return primary(b)
    return None, "no result"

rows, calib = {}, {"A": {}, "B": {}}
for path in glob.glob(os.path.join(out, "raw", "[AB]@*.json")):
    base = os.path.basename(path)[:-len(".json")]
    side, rest = base.split("@", 1)
    stem, rnd = rest.rsplit(".r", 1)
    value, unit = figures(path)
    if stem == "calib":
        if value is not None:
            calib[side][int(rnd)] = value
        continue
    prog, idx = stem.split("@")
    r = rows.setdefault(int(idx), {"A": [], "B": [], "errors": [], "unit": None})
    if value is None:
        r["errors"].append("%s round %s: %s" % (side, rnd, unit))
    else:
        r[side].append(value)
        r["unit"] = unit

# The rows in the order they ran (rows.tsv: index, program, workload/impl).
result = []
for line in open(os.path.join(out, "raw", "rows.tsv")):
    idx, prog, key = line.rstrip("\n").split("\t")
    r = rows.get(int(idx), {"A": [], "B": [], "errors": ["no run"], "unit": None})
    a, b, unit = r["A"], r["B"], r["unit"]
    rec = {"program": prog, "row": key, "unit": unit or "",
           "n_a": len(a), "n_b": len(b), "errors": r["errors"]}
    if a and b:
        ma, mb = statistics.median(a), statistics.median(b)
        ratio = (ma / mb) if unit and unit.endswith("/s") else (mb / ma)
        rec.update(median_a=ma, median_b=mb, b_over_a=ratio, min_a=min(a), max_a=max(a), min_b=min(b),
                   max_b=max(b), spread_a=max(a) / min(a) if min(a) > 0 else None,
                   spread_b=max(b) / min(b) if min(b) > 0 else None)
        # Overlapping ranges: the difference is within the rounds' scatter.
        overlap = not (min(b) > max(a) or max(b) < min(a))
        rec["regressed"] = ratio > 1 + thr
        rec["within_spread"] = overlap
    else:
        rec["regressed"] = None
    result.append(rec)

def calib_line(side):
    pts = [calib[side][k] for k in sorted(calib[side])]
    if not pts:
        return "-"
    return " ".join("%s(%s)" % (fmt(v, "ns"), vm_state(v)[0]) for v in pts)

with open(os.path.join(out, "ab.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["program", "row", "unit", "median_a", "median_b", "b_over_a", "min_a", "max_a", "min_b", "max_b",
                "spread_a", "spread_b", "flag"])
    for rec in result:
        g = lambda k: ("%.6g" % rec[k]) if rec.get(k) is not None else ""
        flag = ("REGRESSED" if rec["regressed"] else "") if rec["regressed"] is not None else \
            "error: " + "; ".join(rec["errors"])
        w.writerow([rec["program"], rec["row"], rec["unit"], g("median_a"), g("median_b"), g("b_over_a"),
                    g("min_a"), g("max_a"), g("min_b"), g("max_b"), g("spread_a"), g("spread_b"), flag])
json.dump({"meta": meta, "calibration": {s: [calib[s][k] for k in sorted(calib[s])] for s in calib},
           "rows": result}, open(os.path.join(out, "ab.json"), "w"), indent=1)

md = ["# A/B: %s (A) against %s (B)" % (meta["a"], meta["b"]), "",
      "- A: `%s` (%s), B: `%s` (%s)" % (meta["a"], meta["a_label"], meta["b"], meta["b_label"]),
      "- %s, %d rounds, min time %s s, filter `%s`" % (meta["date"], meta["reps"], meta["min_time"],
                                                       meta["filter"] or "."),
      "- Host: %s" % meta["host"],
      "- Calibration per round, A: %s" % calib_line("A"),
      "- Calibration per round, B: %s" % calib_line("B"), "",
      "B/A is B's time over A's (items/s rows inverted): > 1 means B is slower.  Flagged: B/A > %.2f; "
      "*(within spread)*: the ranges of A's and B's rounds overlap." % (1 + thr), "",
      "| program | row | A median | B median | B/A | A min-max | B min-max | A spread | B spread | flag |",
      "|---|---|---|---|---|---|---|---|---|---|"]
flagged = 0
for rec in result:
    if rec["regressed"] is None:
        md.append("| %s | `%s` | | | | | | | | **%s** |" % (rec["program"], rec["row"], "; ".join(rec["errors"])))
        continue
    u = rec["unit"]
    flag = ""
    if rec["regressed"]:
        flagged += 1
        flag = "**> %.0f %%**%s" % (100 * thr, " *(within spread)*" if rec["within_spread"] else "")
    if rec["errors"]:
        flag += " (%d failed runs)" % len(rec["errors"])
    md.append("| %s | `%s` | %s | %s | %.3f | %s-%s | %s-%s | %.2f | %.2f | %s |" % (
        rec["program"], rec["row"], fmt(rec["median_a"], u), fmt(rec["median_b"], u), rec["b_over_a"],
        fmt(rec["min_a"], u), fmt(rec["max_a"], u), fmt(rec["min_b"], u), fmt(rec["max_b"], u),
        rec["spread_a"] or 0, rec["spread_b"] or 0, flag))
md += ["", "%d of %d rows flagged (B/A > %.2f)." % (flagged, len(result), 1 + thr)]
nc = open(os.path.join(out, "not-compared.txt")).read().strip()
if nc:
    md += ["", "Not compared (only one revision has them):", "", "```", nc, "```"]
open(os.path.join(out, "ab.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
EOF
rc=$?
echo "A/B: $out/ab.md (also ab.csv, ab.json, raw/)"
exit $rc

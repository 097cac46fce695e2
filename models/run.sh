#!/usr/bin/env bash
# models/run.sh - checks every Promela model of an lfgo wait/wake handshake
# with spin, and every injected bug: the correct models must pass, each
# injected bug must be rejected.
#   models/run.sh                 all of them
#   models/run.sh chan_ring       only the runs of this model
#   models/run.sh -v ...          also print spin's report (and the trail of a
#                                 rejected bug: the interleaving that breaks it)
# Runs go MODELS_JOBS at a time (default: the number of CPUs).
# Exit status 0 when every run gave the expected verdict.
#
# Each run: spin -a [-DMACRO...] model.pml; cc -DSAFETY pan.c; ./pan.  pan
# checks the assertions (safety) and reports "invalid end states": a process
# blocked where it may not stop, i.e. parked forever (a lost wake-up) or
# stuck on a lock.  A run whose search was incomplete (depth or memory
# limit) counts as a failure of the runner, never as a pass.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
verbose=0
[ "${1:-}" = -v ] && { verbose=1; shift; }
filter=${1:-}
command -v spin >/dev/null || { echo "models: spin not found (Debian package spin; scripts/deps.sh test)"; exit 2; }
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# model  expect  defines (comma-separated, without -D)  what it shows
runs=(
  "wg                pass  -                                  correct"
  "wg                fail  BUG_WG_NO_WAKE                     release skips the FUTEX_WAKE"
  "wg                fail  BUG_WG_NO_BIT                      waiter parks without setting the bit"
  "wg                fail  BUG_WG_EARLY                       counter zero taken as over during a release"
  "swg               pass  -                                  correct"
  "swg               fail  BUG_SWG_SAMPLE_LATE                epoch sampled after registering (steps swapped)"
  "swg               fail  BUG_SWG_NO_WAKE                    done() with sleepers skips the wake"
  "chan_ring         pass  -                                  correct, membarrier mode, TSO store buffers"
  "chan_ring         pass  FENCE_MODE                         correct, fence mode, TSO store buffers"
  "chan_ring         pass  SC                                 correct, sequentially consistent memory"
  "chan_ring         fail  BUG_NO_BARRIER                     heavy barrier removed (TSO)"
  "chan_ring         pass  BUG_NO_BARRIER,SC                   heavy barrier removed: invisible under SC"
  "chan_ring         fail  FENCE_MODE,BUG_NO_PUB_FENCE         fence mode, publisher's fence removed (TSO)"
  "chan_ring         fail  BUG_NO_RECHECK                     sleeper parks without the recheck"
  "chan_ring         fail  BUG_ANNOUNCE_LATE                  sleeper rechecks before announcing (swapped)"
  "chan_ring         fail  BUG_NO_EPOCH_BUMP                  ev_wake wakes without bumping the epoch"
  "chan_ring         pass  TWO_CONS                           correct, 2 consumers, no close (TSO)"
  "chan_ring         fail  TWO_CONS,BUG_STALE_NO_RECHECK       stale-bit clear does not recheck nsl"
  "chan_ring         pass  CLOSER,SC                           correct, close racing a send, 2 consumers"
  "chan_ring         fail  CLOSER,SC,BUG_NO_PASS_ON_CLOSE       woken on close, does not pass the wake on"
  "chan_ring         pass  COUNTED                            proposal: counted parking (docs/design.md), TSO"
  "chan_ring         pass  COUNTED,TWO_CONS                   proposal: counted parking, 2 consumers, TSO"
  "chan_ring         pass  COUNTED,FENCE_MODE                 proposal: counted parking, fence mode, TSO"
  "chan_ring         fail  COUNTED,BUG_CNT_LATE               proposal: counts itself after the futex call"
  "chan_ring         fail  COUNTED,CLOSER,SC,BUG_CNT_NO_GEN    proposal: uncounts itself after a bump took its count"
  "xslot             pass  -                                  correct"
  "xslot             fail  BUG_XS_NO_NQ_RECHECK               slot waiter does not recheck nq"
  "xslot             fail  BUG_XS_NQ_AFTER_SLOT               locked path looks at the slot before nq++"
  "xslot             fail  BUG_XS_NO_WAKE                     leave_busy skips the wake of a parked waiter"
  "mutex             pass  -                                  correct"
  "mutex             fail  BUG_MX_NO_RETRY                    queue_and_sleep does not retry under QLOCK"
  "mutex             fail  BUG_MX_NO_WAKE                     unlock takes the WOKEN duty, skips wake_next"
  "mutex             fail  BUG_MX_HANDOFF_UNLOCKS             hand_off clears LOCKED while granting"
  "batch             pass  -                                  correct"
  "batch             fail  BUG_BATCH_ACK_FIRST                flush acknowledged at the first marker"
  "batch             fail  BUG_BATCH_ACK_BEFORE_DELIVER       ack before the forced delivery (swapped)"
  "batch             fail  BUG_BATCH_PARK_NO_COMPARE          flush() parks without the futex compare"
  "select            pass  -                                  correct, value on the buffered case"
  "select            pass  SEND_ON_B                          correct, value on the unbuffered case"
  "select            fail  BUG_SEL_NO_RECHECK                 registers, sleeps without the ring recheck"
  "select            fail  BUG_SEL_ANNOUNCE_LATE              sets the waiter bit after the recheck"
  "select            fail  BUG_SEL_NO_NOTIFY                  ev_wake does not notify the selq"
  "select            fail  BUG_SEL_SEEN_LATE                  reads its sel word after the recheck"
)

# One run: writes its verdict line (and, when unexpected or -v, spin's
# report) to $work/out.N.
run_one() {
  local n=$1 model=$2 expect=$3 defs=$4 what=$5
  local dflags=() got=error states=- mark dir="$work/run.$n"
  [ "$defs" != - ] && for d in ${defs//,/ }; do dflags+=("-D$d"); done
  mkdir -p "$dir"
  cp "$here"/*.pml "$dir"/
  # -O0: most runs search a few thousand states, so compiling pan.c is most
  # of their time, and -O0 compiles it about twice as fast as -O2.
  (cd "$dir" && spin -a "${dflags[@]}" "$model.pml" >spin.log 2>&1 &&
      $cc -O0 -DSAFETY -DVECTORSZ=2048 -o pan pan.c >cc.log 2>&1 &&
      ./pan -m1000000 >pan.log 2>&1)
  if [ -f "$dir/pan.log" ]; then
    states=$(awk '/states, stored/ {print $1; exit}' "$dir/pan.log")
    if grep -qE 'errors: [1-9]' "$dir/pan.log"; then
      got=fail
    elif grep -q 'errors: 0' "$dir/pan.log" && ! grep -qE 'max search depth too small|out of memory|search not completed' "$dir/pan.log"; then
      got=pass
    fi
  fi
  if [ "$got" = "$expect" ]; then mark=ok; else mark=UNEXPECTED; fi
  {
    printf '%-10s %-4s %-6s %10s  %s: %s  [%s]\n' "$model" "$expect" "$got" "${states:--}" "$defs" "$what" "$mark"
    if [ $verbose = 1 ] || [ "$mark" != ok ]; then
      grep -v '^$' "$dir/spin.log" 2>/dev/null | head -20
      grep -E 'error' "$dir/cc.log" 2>/dev/null | head -5
      grep -E 'pan:|error|violated|invalid end' "$dir/pan.log" 2>/dev/null | head -5
      if [ $verbose = 1 ] && [ -f "$dir/$model.pml.trail" ]; then
        (cd "$dir" && spin -t -p -g "${dflags[@]}" "$model.pml" | tail -40)
      fi
    fi
  } > "$work/out.$n"
  rm -f "$dir/pan" "$dir/pan.c" "$dir/pan.b" "$dir/pan.m" "$dir/pan.t" "$dir/pan.h" "$dir/pan.p"
}

jobs_max=${MODELS_JOBS:-$(nproc 2>/dev/null || echo 2)}
n=0
for r in "${runs[@]}"; do
  read -r model expect defs what <<<"$r"
  [ -n "$filter" ] && [ "$model" != "$filter" ] && continue
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
  run_one "$n" "$model" "$expect" "$defs" "$what" &
  n=$((n + 1))
done
wait
ok=0; bad=0
printf '%-10s %-4s %-6s %10s  %s\n' model want got states "defines: what"
for ((i = 0; i < n; i++)); do
  cat "$work/out.$i"
  if grep -q '\[ok\]$' "$work/out.$i"; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
done
echo "models: $ok as expected, $bad unexpected"
[ $bad -eq 0 ]

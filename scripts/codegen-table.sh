#!/usr/bin/env bash
# scripts/codegen-table.sh - what each C11 memory order, and each lfgo atomic
# site we can name, compiles to on x86-64 and AArch64.  Writes docs/codegen.md
# (or the file given as $1).
#
# It compiles small functions (one per pattern: load / store / RMW / CAS /
# fence at each order, and one per lfgo site, written with the site's own
# lfgo_atomic_* call and order from include/lfgo/atomic.h) with gcc -O2 for
# x86-64 and with Debian's aarch64-linux-gnu-gcc for -march=armv8-a (LL/SC,
# -mno-outline-atomics so the instructions are inline) and armv8.1-a (LSE
# atomics), disassembles them with objdump and tabulates the instructions of
# each function body (ret left out).  The inline fast paths are compiled with
# LFGO_INLINE, as a user who asks for them gets them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/codegen.md}
need=()
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
[ -d /usr/aarch64-linux-gnu/include/bits ] || need+=(libc6-dev-arm64-cross)
command -v aarch64-linux-gnu-objdump >/dev/null || need+=(binutils-aarch64-linux-gnu)
command -v objdump >/dev/null || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
  echo "codegen: installing ${need[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------- patterns
{
  echo '#include <stdatomic.h>'
  echo '#include <stdint.h>'
  for o in relaxed acquire seq_cst; do
    echo "uint64_t p_load_$o(_Atomic(uint64_t) *p) { return atomic_load_explicit(p, memory_order_$o); }"
  done
  for o in relaxed release seq_cst; do
    echo "void p_store_$o(_Atomic(uint64_t) *p, uint64_t v) { atomic_store_explicit(p, v, memory_order_$o); }"
  done
  for o in relaxed acquire release acq_rel seq_cst; do
    echo "uint64_t p_fetch_add_$o(_Atomic(uint64_t) *p, uint64_t v) { return atomic_fetch_add_explicit(p, v, memory_order_$o); }"
    echo "uint64_t p_exchange_$o(_Atomic(uint64_t) *p, uint64_t v) { return atomic_exchange_explicit(p, v, memory_order_$o); }"
    echo "_Bool p_cas_strong_$o(_Atomic(uint64_t) *p, uint64_t *e, uint64_t d) { return atomic_compare_exchange_strong_explicit(p, e, d, memory_order_$o, memory_order_relaxed); }"
  done
  for o in acquire release acq_rel seq_cst; do
    echo "void p_fence_$o(void) { atomic_thread_fence(memory_order_$o); }"
  done
  echo "void p_signal_fence_seq_cst(void) { atomic_signal_fence(memory_order_seq_cst); }"
} > "$work/patterns.c"

# ---------------------------------------------------------------- lfgo sites
# Each function is one site, written with the site's lfgo_atomic_* call and
# order as they stand in the file named in the table (read them there).
cat > "$work/sites.c" <<'C'
#include <stdbool.h>
#include <stdint.h>
#define LFGO_INLINE 1
#include "lfgo/atomic.h"
#include "lfgo/mutex.h"
#include "lfgo/swg.h"
#include "lfgo/wg.h"

/* the inline fast paths themselves */
void s_wg_add(lfgo_wg *wg) { lfgo_wg_add(wg, 1); }
void s_wg_done(lfgo_wg *wg) { lfgo_wg_done(wg); }
void s_mutex_lock(lfgo_mutex *m) { lfgo_mutex_lock(m); }
void s_mutex_unlock(lfgo_mutex *m) { lfgo_mutex_unlock(m); }
bool s_swg_take(lfgo_swg *s) { return lfgo__swg_take(s); }

/* sites in lib/, one access each */
void s_chan_ring_publish(LFGO_ATOMIC(uint64_t) *seq, uint64_t v)
{ lfgo_atomic_store(seq, v, memory_order_release); }
uint64_t s_chan_ring_claim_seq(LFGO_ATOMIC(uint64_t) *seq)
{ return lfgo_atomic_load(seq, memory_order_acquire); }
uint32_t s_chan_wake_check_membarrier(lfgo__word_t *ev)
{ lfgo_compiler_barrier(); return lfgo_atomic_load(ev, memory_order_relaxed); }
uint32_t s_chan_wake_check_fence(lfgo__word_t *ev)
{ lfgo_atomic_fence(memory_order_seq_cst); return lfgo_atomic_load(ev, memory_order_relaxed); }
uint32_t s_chan_ring_wait_announce(lfgo__word_t *ev)
{ return lfgo_atomic_fetch_or(ev, 1u, memory_order_seq_cst); }
bool s_chan_claim_tail_cas(LFGO_ATOMIC(uint64_t) *tail, uint64_t *t)
{ return lfgo_atomic_cas_weak(tail, t, *t + 2u, memory_order_relaxed, memory_order_relaxed); }
bool s_chan_sync_xs_cas(LFGO_ATOMIC(uint64_t) *xs, uint64_t *e, uint64_t d)
{ return lfgo_atomic_cas_strong(xs, e, d, memory_order_seq_cst, memory_order_seq_cst); }
uint32_t s_chan_sync_nq_enter(lfgo__word_t *nq)
{ return lfgo_atomic_fetch_add(nq, 1u, memory_order_seq_cst); }
uint32_t s_chan_sync_nq_load(lfgo__word_t *nq)
{ return lfgo_atomic_load(nq, memory_order_seq_cst); }
bool s_wg_register_waiter_cas(LFGO_ATOMIC(uint64_t) *st, uint64_t *s)
{ return lfgo_atomic_cas_weak(st, s, *s | 1u, memory_order_acquire, memory_order_acquire); }
uint32_t s_swg_wake_epoch(lfgo__word_t *epoch)
{ return lfgo_atomic_fetch_add(epoch, 1u, memory_order_release); }
void s_batch_ack_flush(lfgo__word_t *done, uint32_t t)
{ lfgo_atomic_store(done, t, memory_order_release); }
C
sed -i 's/lfgo__word_t/LFGO_ATOMIC(uint32_t)/g' "$work/sites.c"

declare -A site_of=(
  [s_wg_add]="wg.add: \`lfgo_wg_add\` fetch_add, order LFGO__WG_ADD_ORDER (include/lfgo/wg.h, inline)"
  [s_wg_done]="wg.done: \`lfgo_wg_done\` = add(-1) (inline)"
  [s_mutex_lock]="mutex.lock: CAS 0→LOCKED acquire, relaxed on failure (include/lfgo/mutex.h, inline)"
  [s_mutex_unlock]="mutex.unlock: CAS LOCKED→0 release (inline)"
  [s_swg_take]="swg.take: CAS loop acquire (include/lfgo/swg.h, inline)"
  [s_chan_ring_publish]="chan.ring.publish: store seq release (lib/chan_ring.c)"
  [s_chan_ring_claim_seq]="chan.ring.send.seq / chan.ring.recv.seq: load seq acquire (lib/chan_ring.c)"
  [s_chan_wake_check_membarrier]="chan.ev.check.load, membarrier mode: compiler barrier + load ev relaxed (lib/chan_ring.c)"
  [s_chan_wake_check_fence]="chan.ev.check.fence + chan.ev.check.load, fence mode: fence seq_cst + load ev relaxed (lib/chan_ring.c)"
  [s_chan_ring_wait_announce]="chan.ev.wait.announce: fetch_or ev seq_cst (lib/chan_ring.c)"
  [s_chan_claim_tail_cas]="chan.ring.send.claim.cas: CAS tail relaxed (lib/chan_ring.c, MP kinds)"
  [s_chan_sync_xs_cas]="chan.sync.xs.cas: CAS seq_cst (lib/chan_sync.c)"
  [s_chan_sync_nq_enter]="chan.sync.nq.add: fetch_add seq_cst (lib/chan_sync.c)"
  [s_chan_sync_nq_load]="chan.sync.nq.load: load seq_cst (lib/chan_sync.c)"
  [s_wg_register_waiter_cas]="wg.register_waiter: CAS acquire (lib/wg.c)"
  [s_swg_wake_epoch]="swg.wake: fetch_add epoch release (lib/swg.c)"
  [s_batch_ack_flush]="batch.ack_flush: store release (lib/batch.c)"
)

targets=("x86-64|gcc|-march=x86-64|objdump"
         "armv8-a|aarch64-linux-gnu-gcc|-march=armv8-a -mno-outline-atomics|aarch64-linux-gnu-objdump"
         "armv8.1-a (LSE)|aarch64-linux-gnu-gcc|-march=armv8.1-a|aarch64-linux-gnu-objdump")
i=0
for t in "${targets[@]}"; do
  IFS='|' read -r name cc flags od <<<"$t"
  for f in patterns sites; do
    $cc -std=c11 -O2 $flags -fno-stack-protector -fcf-protection=none -Iinclude -c "$work/$f.c" -o "$work/$f.$i.o" 2>/dev/null ||
      $cc -std=c11 -O2 $flags -fno-stack-protector -Iinclude -c "$work/$f.c" -o "$work/$f.$i.o"
    $od -d --no-show-raw-insn "$work/$f.$i.o" > "$work/$f.$i.dis"
  done
  echo "$name" > "$work/name.$i"
  i=$((i + 1))
done
cc_x86=$(gcc --version | head -1); cc_arm=$(aarch64-linux-gnu-gcc --version | head -1)

{
  for k in "${!site_of[@]}"; do printf '%s\t%s\n' "$k" "${site_of[$k]}"; done > "$work/sites.tsv"
  python3 - "$work" "$i" "$cc_x86" "$cc_arm" <<'PY'
import re, sys, os
work, n, ccx, cca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def parse(path):
    funcs, cur = {}, None
    for line in open(path):
        m = re.match(r'^[0-9a-f]+ <([^>]+)>:', line)
        if m:
            cur = m.group(1); funcs[cur] = []; continue
        m = re.match(r'^\s+[0-9a-f]+:\s+(.*)$', line)
        if m and cur:
            ins = m.group(1).split('//')[0]
            ins = re.sub(r'\s#\s.*$', '', ins)                        # x86 comments
            ins = re.sub(r'\b[0-9a-f]+ <[\w.]+(\+0x[0-9a-f]+)?>', lambda g: '<' + (g.group(1) or '+0') + '>', ins)
            ins = re.sub(r'\s+', ' ', ins).strip()
            if not ins or ins.startswith(('ret', 'nop', 'endbr64', 'xchg %ax,%ax')) or ins.startswith('data16') or ins.startswith('cs nopw'):
                continue
            funcs[cur].append(ins)
    return funcs

names = [open(f'{work}/name.{i}').read().strip() for i in range(n)]
pat = [parse(f'{work}/patterns.{i}.dis') for i in range(n)]
sit = [parse(f'{work}/sites.{i}.dis') for i in range(n)]
sites = dict(l.rstrip('\n').split('\t', 1) for l in open(f'{work}/sites.tsv'))

def cell(ins):
    return '`' + '; '.join(ins) + '`' if ins else '(nothing)'

print('# What each memory order compiles to (x86-64, AArch64)\n')
print('Generated by `scripts/codegen-table.sh` (do not edit by hand). Compilers:')
print(f'`{ccx}` for x86-64, `{cca}` for AArch64, all at `-O2`. Each cell is the')
print('body of a one-line function (its `ret` left out); `x0`/`%rdi` hold the')
print('pointer argument. `armv8-a` is built with `-mno-outline-atomics`, so its')
print('read-modify-writes are inline LL/SC loops (`ldxr`/`stxr` and their')
print('acquire/release forms) rather than calls to libgcc\'s `__aarch64_*`')
print('helpers; `armv8.1-a` has the LSE atomics (`ldadd`, `swp`, `cas` with')
print('`a`/`l`/`al` suffixes). Branch targets are shown as `<+offset>` in the')
print('function. GCC 12 does not use RCpc `ldapr` for acquire loads even with')
print('`-march=armv8.3-a` (GCC 13 does), so acquire and seq_cst loads are both')
print('`ldar` here.\n')
print('What to read from it: on x86-64 every load is a plain `mov` and every')
print('RMW a `lock`-prefixed instruction whatever its order, and only a seq_cst')
print('store (`xchg`) or a seq_cst fence (`mfence`) costs anything extra: the')
print('store-buffering shapes are the only ones x86 can show (see the litmus')
print('table in docs/ordering-lab.md). On AArch64 each order is a different')
print('instruction, so a weakened acquire or release is visible there even when')
print('x86 hides it.\n')
print('## By pattern (64-bit operand)\n')
print('| pattern | ' + ' | '.join(names) + ' |')
print('|---|' + '---|' * n)
order = [k for k in pat[0] if k.startswith('p_')]
for k in order:
    print(f'| {k[2:]} | ' + ' | '.join(cell(pat[i].get(k, [])) for i in range(n)) + ' |')
print('\n## By lfgo site\n')
print('Per-site names across all of `lib/` come with the site-naming work of')
print('issue 11 (parts 1-2); until then this table covers the sites named here')
print('by hand: the inline fast paths compiled as they are, and one function per')
print('lib/ site written with that site\'s own `lfgo_atomic_*` call and order')
print('(check the order against the file named in the row if the code moved).')
print('The inline paths include their argument checks and the branch to the')
print('slow path; the atomic instruction is the one to look for.\n')
print('| site | ' + ' | '.join(names) + ' |')
print('|---|' + '---|' * n)
for k in [k for k in sit[0] if k.startswith('s_')]:
    print(f'| {sites.get(k, k)} | ' + ' | '.join(cell(sit[i].get(k, [])) for i in range(n)) + ' |')
PY
} > "$out"
echo "codegen: wrote $out"

#!/usr/bin/env bash
# scripts/codegen-table.sh - what each C11 memory order, and every named lfgo
# atomic site, compiles to on x86-64 and AArch64.  Writes docs/codegen.md (or
# the file given as $1).
#
# Targets: gcc -O2 for x86-64, and Debian's aarch64-linux-gnu-gcc for
# -march=armv8-a (LL/SC; -mno-outline-atomics so the instructions are inline)
# and -march=armv8.1-a (LSE atomics).
#  - By pattern: one small function per load / store / RMW / CAS / fence at
#    each order, disassembled with objdump (ret left out).
#  - By site: the library itself.  Every lib/*.c and lib/twin/*.c, and a
#    translation unit holding the inline fast paths of include/lfgo/ as a
#    LFGO_INLINE user gets them (-fkeep-inline-functions), is compiled with
#    -S and -DLFGO_SITE_MARKS, in which include/lfgo/atomic.h brackets every
#    lfgo_atomic_*_at(site, ...) with "# lfgo-site-begin/end <site>" comments.
#    Each site's cell is the memory accesses and fences between its marks
#    (register moves, branches and spills left out), each distinct sequence
#    once however often the site is inlined.  Sites that only exist in option
#    builds (LFGO_CHECK_LIFETIME, ..., LFGO_TSAN) come from a compile with
#    the option.  Every site of `scripts/ordering-sites.py list` gets a row
#    (one compiled nowhere says so, with a warning).
#  - The check that the marks change no atomic instruction: each file is
#    also compiled without them (with -g), and its ordering instructions
#    (lock, xchg, mfence; ldar, stlr, exclusives, LSE, dmb) are compared with
#    the marked build's, per file (the same kinds, or the script fails) and
#    per site line (by the debug line info).  The page reports both.
# About a minute on two cores (288 compiles).
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

targets=("x86-64|gcc|-march=x86-64|objdump"
         "armv8-a|aarch64-linux-gnu-gcc|-march=armv8-a -mno-outline-atomics|aarch64-linux-gnu-objdump"
         "armv8.1-a (LSE)|aarch64-linux-gnu-gcc|-march=armv8.1-a|aarch64-linux-gnu-objdump")
n=0
for t in "${targets[@]}"; do
  IFS='|' read -r name cc flags od <<<"$t"
  $cc -std=c11 -O2 $flags -fno-stack-protector -fcf-protection=none -c "$work/patterns.c" -o "$work/patterns.$n.o" 2>/dev/null ||
    $cc -std=c11 -O2 $flags -fno-stack-protector -c "$work/patterns.c" -o "$work/patterns.$n.o"
  $od -d --no-show-raw-insn "$work/patterns.$n.o" > "$work/patterns.$n.dis"
  echo "$name" > "$work/name.$n"
  n=$((n + 1))
done

# ---------------------------------------------------------------- sites
# The library's translation units, and one for the inline fast paths as a
# user who defines LFGO_INLINE compiles them.
printf '#define LFGO_INLINE 1\n#include "lfgo/lfgo.h"\n' > "$work/inline_paths.c"
tus=(lib/*.c lib/twin/*.c "$work/inline_paths.c")
# Configurations: the release build (marked, and unmarked for the check),
# then, marked, the options that compile sites of their own (Debug and
# sanitizer builds turn on the checks; LFGO_TSAN without the sanitizer shows
# the accesses a TSan build instruments).
configs=("release|" "plain|"
         "options|-DLFGO_CHECK_LIFETIME -DLFGO_CHECK_KIND -DLFGO_POOL_STATS -DLFGO_PARK_FALLBACK"
         "tsan|-DLFGO_TSAN=1")
python3 scripts/ordering-sites.py list > "$work/sites.txt"
: > "$work/jobs"
for ((i = 0; i < n; i++)); do
  IFS='|' read -r name cc flags od <<<"${targets[$i]}"
  for c in "${configs[@]}"; do
    IFS='|' read -r cfg defs <<<"$c"
    if [ "$cfg" = plain ]; then defs="-g"; else defs="$defs -DLFGO_SITE_MARKS"; fi   # -g: line info for the check
    mkdir -p "$work/s/$i/$cfg"
    for tu in "${tus[@]}"; do
      base=$(echo "${tu#"$work/"}" | tr / @)
      # the library's own flags (CMakeLists.txt: RelWithDebInfo, PIC, hidden);
      # the user's file: every static inline function of the headers emitted
      own="-fvisibility=hidden -DLFGO_BUILDING -D_GNU_SOURCE -Ilib"
      [ "$tu" = "$work/inline_paths.c" ] && own="-fkeep-inline-functions"
      echo "$cc -std=c11 -O2 -DNDEBUG -fPIC $flags $own -DLFGO_STATIC $defs -Iinclude -S $tu -o $work/s/$i/$cfg/${base%.c}.s" >> "$work/jobs"
    done
  done
done
echo "codegen: $(wc -l < "$work/jobs") compiles"
xargs -P "$(nproc)" -I{} sh -c '{} || { echo "codegen: failed: {}" >&2; exit 255; }' < "$work/jobs"
cc_x86=$(gcc --version | head -1); cc_arm=$(aarch64-linux-gnu-gcc --version | head -1)

python3 - "$work" "$n" "$cc_x86" "$cc_arm" "$out" <<'PY'
import collections, os, re, sys, textwrap
work, n, ccx, cca, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
names = [open(f'{work}/name.{i}').read().strip() for i in range(n)]
CONFIGS = ['release', 'options', 'tsan']

# ------------------------------------------------------------ patterns
def parse_dis(path):
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
pat = [parse_dis(f'{work}/patterns.{i}.dis') for i in range(n)]

# ------------------------------------------------------------ sites
def split(ins):
    """(mnemonic, operands) of one line of -S output; `lock` kept with its instruction."""
    parts = ins.split(None, 1)
    mn, ops = parts[0], (parts[1] if len(parts) > 1 else '')
    if mn == 'lock':
        p2 = ops.split(None, 1)
        mn, ops = 'lock ' + p2[0], (p2[1] if len(p2) > 1 else '')
    return mn, ops

def kept(mn, ops):
    """A memory access or a fence: what a site's cell shows."""
    if mn.startswith(('lock', 'xchg', 'mfence', 'lfence', 'sfence', 'dmb', 'dsb', 'isb')):
        return True
    if mn.startswith(('lea', 'prefetch', 'prfm', 'nop')):
        return False
    if '@GOT' in ops or ':got' in ops:               # a symbol's address, not the access
        return False
    return '(' in ops or '[' in ops                  # a memory operand

def stack_only(mn, ops):
    """A plain access to the stack: a spill around the access unless it is the
    only access there (the atomic can itself live on the stack)."""
    return not ORDERING.match(mn) and bool(re.search(r'\(%rsp\)|\[sp\b', ops))

ORDERING = re.compile(r'^(lock |xchg|mfence|ldar|ldapr|stlr|stllr|ldl?a?xr|ldl?a?xp|stl?xr|stl?xp|ldaxr|ldaxp|'
                      r'cas|swp|ld(add|clr|set|eor|smax|smin|umax|umin)|st(add|clr|set|eor|smax|smin|umax|umin)|dmb|dsb|isb)')

def scan(path):
    """[(site, file:line, [kept mnemonics])] for each marked region of one .s
    file, the ordering instructions of the whole file (a Counter), those of
    each source line by the debug line info (-g), and marking errors."""
    regions, order, errors, open_, loc = [], collections.Counter(), [], None, None
    files, dloc, by_line = {}, None, collections.defaultdict(set)
    for line in open(path):
        s = line.strip()
        m = re.match(r'^(#|//) (\d+) "([^"]+)" 1$', s)   # where the asm statement is
        if m:
            loc = f'{os.path.normpath(m.group(3))}:{m.group(2)}'
            continue
        m = re.match(r'^\.file\s+(\d+)\s+(?:"[^"]*"\s+)?"([^"]+)"', s)
        if m:
            files[m.group(1)] = os.path.normpath(m.group(2))
            continue
        m = re.match(r'^\.loc\s+(\d+)\s+(\d+)', s)
        if m:
            dloc = f'{files.get(m.group(1), "?")}:{m.group(2)}'
            continue
        m = re.match(r'^# lfgo-site-(begin|end) (\w+)$', s)
        if m:
            if m.group(1) == 'begin':
                if open_:
                    errors.append(f'{path}: {m.group(2)} begins inside {open_[0]}')
                open_ = (m.group(2), [], loc)
            else:
                if not open_ or open_[0] != m.group(2):
                    errors.append(f'{path}: end of {m.group(2)} without its begin')
                else:
                    ins = open_[1]
                    if not all(st for _, st in ins):
                        ins = [x for x in ins if not x[1]]
                    regions.append((open_[0], open_[2], [mn for mn, _ in ins]))
                open_ = None
            continue
        if not s or s.startswith(('#', '//', '.')) or s.endswith(':'):
            continue
        mn, ops = split(re.sub(r'\s+(//|#)\s.*$', '', s))
        if ORDERING.match(mn):
            order[mn] += 1
            if dloc:
                by_line[dloc].add(mn + (' ' + ops if mn in ('dmb', 'dsb') else ''))
        if open_ and kept(mn, ops):
            open_[1].append((mn + (' ' + ops if mn in ('dmb', 'dsb') else ''), stack_only(mn, ops)))
    return regions, order, errors, by_line

site_list = []   # (dotted name, op, orders, file:line)
for line in open(f'{work}/sites.txt'):
    f = line.split()
    site_list.append((f[0], f[1], f[2], f[3]))
ident = {s[0]: s[0].replace('.', '_') for s in site_list}

seqs = [collections.defaultdict(list) for _ in range(n)]   # target -> ident -> [distinct seqs]
only_in = set()                                             # idents not in the release build
release_at = collections.defaultdict(set)                   # ident -> file:line in the release build
errors, mismatch, recount = [], [], []
marked_at = [collections.defaultdict(set) for _ in range(n)]  # file:line -> ordering insns, with marks
plain_at = [collections.defaultdict(set) for _ in range(n)]   # the same by debug line info, without
tus = sorted(os.listdir(f'{work}/s/0/release'))
for i in range(n):
    seen_release = set()
    for cfg in CONFIGS:
        for tu in tus:
            regions, order, err, _ = scan(f'{work}/s/{i}/{cfg}/{tu}')
            errors += err
            for site, where, ins in regions:
                if cfg == 'release':
                    seen_release.add(site)
                    release_at[site].add(where)
                    marked_at[i][where] |= {x for x in ins if ORDERING.match(x)}
                elif site in seen_release:
                    continue
                else:
                    only_in.add(site)
                seq = '; '.join(ins)
                if seq not in seqs[i][site]:
                    seqs[i][site].append(seq)
            if cfg == 'release':
                _, plain, _, lines = scan(f'{work}/s/{i}/plain/{tu}')
                for x, mns in lines.items():
                    plain_at[i][x] |= mns
                if set(plain) != set(order):
                    mismatch.append(f'{names[i]} `{tu[:-2].replace("@", "/")}.c`: only without marks '
                                    + ', '.join(sorted(set(plain) - set(order))) + '; only with marks '
                                    + ', '.join(sorted(set(order) - set(plain))))
                elif plain != order:
                    recount.append((tu[:-2].replace('@', '/') + '.c', f'{names[i]} {sum(plain.values())}→{sum(order.values())}'))
# Per site line: the ordering instructions between the marks against those the
# unmarked build's line info gives that line.
line_same, line_other, line_none = [0] * n, [], []
for i in range(n):
    for x, mns in sorted(marked_at[i].items()):
        if not mns:
            continue
        if mns == plain_at[i].get(x, set()):
            line_same[i] += 1
        elif not plain_at[i].get(x):
            line_none.append(f'{names[i]} `{x}`')
        else:
            line_other.append(f'{names[i]} `{x}`: with the marks ' + ', '.join(sorted(mns)) + '; without '
                              + ', '.join(sorted(plain_at[i][x])))
# (a site inside another's arguments is reported at the outer one's line; that
# matters only for a name given at several lines, whose lines are labelled)
several = {ident[s[0]] for s in site_list if sum(1 for t in site_list if t[0] == s[0]) > 1}
for idn in sorted(several):
    for x in sorted(release_at[idn] - {s[3] for s in site_list if ident[s[0]] == idn}):
        print(f'codegen: warning: marks of {idn} at {x}, a line the site list does not give', file=sys.stderr)
missing = [(names[i], s[0]) for i in range(n) for s in site_list if ident[s[0]] not in seqs[i]]
for t, s in missing:
    print(f'codegen: warning: site {s} is compiled in no configuration for {t}', file=sys.stderr)
if errors:
    for e in errors: print('codegen: marking error:', e, file=sys.stderr)
    sys.exit(1)

# ------------------------------------------------------------ the page
def cell(ins):
    return '`' + '; '.join(ins) + '`' if ins else '(nothing)'

def site_cell(i, idn):
    if idn not in seqs[i]:
        return '(not compiled)'
    return '<br>'.join('`' + s + '`' if s else '(no instruction)' for s in seqs[i][idn])

def condition(where):
    """The LFGO_* macros of the #if around file:line (for a site the release
    build does not compile)."""
    path, line = where.rsplit(':', 1)
    stack = []
    for k, text in enumerate(open(path), 1):
        if k == int(line):
            break
        m = re.match(r'\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)', text)
        if not m:
            continue
        d, cond = m.group(1), m.group(2)
        if d in ('if', 'ifdef', 'ifndef'):
            stack.append(('!' if d == 'ifndef' else '') + cond)
        elif d in ('elif', 'else') and stack:
            stack[-1] = 'else of ' + stack[-1] + ' ' + cond
        elif d == 'endif' and stack:
            stack.pop()
    names = [x for c in stack for x in re.findall(r'\bLFGO_[A-Z_]+\b', c) if not x.endswith('_H')]
    return ', '.join(dict.fromkeys(names))

def not_release(where):
    c = condition(where)
    return f'only with {c}' if c else 'not in the release build'

by_name = collections.OrderedDict()
for name, op, orders, where in site_list:
    e = by_name.setdefault(name, dict(op=op, at=[], where=[]))
    e['at'].append((where, op, orders))
    e['where'].append(where)
by_file = collections.OrderedDict()
for name, e in by_name.items():
    by_file.setdefault(e['where'][0].split(':')[0], []).append(name)

with open(out, 'w') as o:
    w = lambda s='', end='\n': print(s, file=o, end=end)
    para = lambda s: w(textwrap.fill(s, 76, break_long_words=False, break_on_hyphens=False) + '\n')
    w('# What each memory order compiles to (x86-64, AArch64)\n')
    w('Generated by `scripts/codegen-table.sh` (do not edit by hand). Compilers:')
    w(f'`{ccx}` for x86-64, `{cca}` for AArch64, all at `-O2`. `armv8-a` is')
    w('built with `-mno-outline-atomics`, so its read-modify-writes are inline')
    w('LL/SC loops (`ldxr`/`stxr` and their acquire/release forms) rather than')
    w('calls to libgcc\'s `__aarch64_*` helpers; `armv8.1-a` has the LSE')
    w('atomics (`ldadd`, `swp`, `cas` with `a`/`l`/`al` suffixes). GCC 12 does')
    w('not use RCpc `ldapr` for acquire loads even with `-march=armv8.3-a`')
    w('(GCC 13 does), so acquire and seq_cst loads are both `ldar` here.\n')
    w('What to read from it: on x86-64 every load is a plain `mov` and every')
    w('RMW a `lock`-prefixed instruction whatever its order, and only a seq_cst')
    w('store (`xchg`) or a seq_cst fence (GCC 12: `lock or` on the stack;')
    w('others use `mfence`) costs anything extra: the store-buffering shapes')
    w('are the only ones x86 can show (see the litmus table in')
    w('docs/ordering-lab.md). On AArch64 each order is a different')
    w('instruction, so a weakened acquire or release is visible there even when')
    w('x86 hides it.\n')
    w('## By pattern (64-bit operand)\n')
    w('Each cell is the body of a one-line function (its `ret` left out);')
    w('`x0`/`%rdi` hold the pointer argument. Branch targets are shown as')
    w('`<+offset>` in the function.\n')
    w('| pattern | ' + ' | '.join(names) + ' |')
    w('|---|' + '---|' * n)
    for k in [k for k in pat[0] if k.startswith('p_')]:
        w(f'| {k[2:]} | ' + ' | '.join(cell(pat[i].get(k, [])) for i in range(n)) + ' |')
    w('\n## By lfgo site\n')
    para(f'Every named site of `lib/` and `include/lfgo/` ({len(by_name)} sites: the list of '
         '`scripts/ordering-sites.py list`), as the library compiles it, so the table follows '
         'the code. Each `lib/*.c` and `lib/twin/*.c` is compiled with the library\'s flags '
         '(`-O2 -fPIC`), and so are the inline fast paths of the public headers as a '
         '`LFGO_INLINE` user gets them, with `-DLFGO_SITE_MARKS`: include/lfgo/atomic.h then '
         'brackets every `lfgo_atomic_*_at(site, ...)` with assembler comments. A cell lists '
         'the memory accesses and fences between a site\'s marks, mnemonics only: register '
         'moves, branches, loads of a symbol\'s address and stack spills are left out, and an '
         'LL/SC loop shows as its load and store exclusive. A site inlined into several '
         'functions shows each distinct sequence once, one per line. A plain `mov` or '
         '`ldr`/`str` is a relaxed access (on x86 also a load, or a release store, at any '
         'order). Sites that only an option compiles come from a build with it and say so; '
         'those of TSan builds are shown without the instrumentation (a TSan build calls '
         '`__tsan_atomic*` there). A name given at several lines lists each line\'s op and '
         'order; its cells are those of the lines the release build compiles.')
    text = ('The marks are compiler barriers, so the code around a site can differ from a '
            'normal build, but not its atomic instruction. The script checks this against a '
            'build of each file without the marks, on the ordering instructions '
            '(`lock`-prefixed, `xchg`, `mfence`; `ldar`, `stlr`, exclusives, LSE atomics, '
            '`dmb`). Per file: ')
    if mismatch:
        para(text + 'they differ in:')
        for m in mismatch:
            w(f'- {m}')
        w()
    else:
        text += (f'each of the {len(tus)} files holds the same kinds of them with and without '
                 f'the marks on all {n} targets. ')
        if recount:
            para(text + f'Their numbers differ in {len(recount)} of the {len(tus) * n} compiles, '
                 'because the marks (two asm statements per site) change which static functions '
                 'GCC inlines, and so how many copies of a site there are (ordering instructions '
                 'without → with the marks):')
            per = collections.OrderedDict()
            for f, c in recount:
                per.setdefault(f, []).append(c)
            for f, cs in per.items():
                w(f'- `{f}`: ' + ', '.join(cs))
            w()
        else:
            para(text + 'their numbers are the same too.')
    text = ('Per site, by the debug line info (`-g`) of the build without the marks: the lines '
            'of the sites that compile to an ordering instruction carry the same ones in both '
            'builds at ' + ', '.join(f'{line_same[i]} lines ({names[i]})' for i in range(n))
            + (f', and other ones at {len(line_other)}:' if line_other else '; other ones at none.'))
    if line_none:
        text += (f' At {len(line_none)} the build without the marks gives the instruction to a '
                 'neighbouring line (' + ', '.join(line_none) + ').')
    para(text)
    for x in line_other:
        w(f'- {x}')
    if line_other:
        w()
    w(f'Sites covered ({len(by_name)} names):\n')
    w('| target | compiled | in the release build | only in an option build | not compiled |')
    w('|---|---|---|---|---|')
    for i in range(n):
        got = [s for s in by_name if ident[s] in seqs[i]]
        opt = [s for s in got if ident[s] in only_in]
        w(f'| {names[i]} | {len(got)} | {len(got) - len(opt)} | {len(opt)} | {len(by_name) - len(got)} |')
    for f, sites in by_file.items():
        w(f'\n### {f}\n')
        w('| site | line | op, order | ' + ' | '.join(names) + ' |')
        w('|---|---|---|' + '---|' * n)
        for s in sites:
            e = by_name[s]
            short = lambda x: x.split(':')[1] if x.split(':')[0] == f else x
            lines = ', '.join(short(x) for x in e['where'])
            note = ''
            if ident[s] in only_in:
                note = ' (' + ', '.join(dict.fromkeys(not_release(x) for x in e['where'])) + ')'
            if len(e['at']) == 1:
                order = f'{e["op"]} {e["at"][0][2]}'
            else:   # one name at several accesses (e.g. a TSan variant): each with its op and order
                order = '; '.join(f'{op} {o} ({short(x)}' + (f', {not_release(x)}' if not note and x not in release_at[ident[s]] else '')
                                  + ')' for x, op, o in e['at'])
            w(f'| `{s}`{note} | {lines} | {order} | '
              + ' | '.join(site_cell(i, ident[s]) for i in range(n)) + ' |')
for x in line_other:
    print('codegen: warning: the marks changed the ordering instructions at ' + x, file=sys.stderr)
print(f'codegen: {len(by_name)} sites; marked vs unmarked: {len(mismatch)} files with other instructions, {len(recount)} with other counts')
if mismatch:
    sys.exit('codegen: the marks changed the ordering instructions (see the page)')
PY
echo "codegen: wrote $out"

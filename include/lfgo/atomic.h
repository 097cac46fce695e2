/*
 * lfgo/atomic.h - the one atomics layer of lfgo.
 *
 * Every atomic access in lfgo, in the library and in the inline fast paths of
 * the public headers, goes through the macros below.  Each use site names its
 * memory order explicitly (memory_order_relaxed, _acquire, _release, _acq_rel // (names only)
 * or _seq_cst), and every order weaker than seq_cst carries a comment at the
 * site saying which access it pairs with and why that is enough.
 *
 * Building with LFGO_FORCE_SEQ_CST (the CMake option of the same name) turns
 * every site into seq_cst in this one place: the ordering ablation.  It is a
 * PUBLIC definition of the lfgo target, so code that inlines lfgo fast paths
 * sees the same orders as the library.
 *
 * The header compiles as C11 (<stdatomic.h>) and as C++11 or later (<atomic>):
 * LFGO_ATOMIC(T) is _Atomic(T) in C and std::atomic<T> in C++, which have the
 * same size, alignment and representation for the lock-free integer types lfgo
 * uses (checked below).  Only integer types of 4 and 8 bytes are used.
 *
 * Standalone fences are avoided: ThreadSanitizer does not model them.  Sites
 * that need one say so and use lfgo_atomic_fence().
 *
 * Site names (docs/memory-ordering.md, "Site names").  Every site passes its
 * stable name as the first argument of an _at macro, written as a C
 * identifier whose components are joined by '_' (wg_release; the dotted
 * form wg.release is what the docs, the check and -DLFGO_WEAKEN use).  The
 * name is only pasted by the preprocessor: it costs nothing at run time.
 * Building with LFGO_WEAKEN_<name> defined (the CMake option LFGO_WEAKEN
 * checks the names and defines them) turns exactly that site into relaxed:
 * a load, store or RMW becomes relaxed, a CAS relaxed on success and on
 * failure, a fence disappears.  A weakened site stays weakened under
 * LFGO_FORCE_SEQ_CST; every other site obeys it.
 *
 * Site marks (compile-only, C only, GCC/Clang): with LFGO_SITE_MARKS defined,
 * each _at access is bracketed by the assembler comments
 * "# lfgo-site-begin <name>" and "# lfgo-site-end <name>", its pointer and
 * value arguments evaluated before the first, so the -S output shows what
 * the site alone compiles to (scripts/codegen-table.sh, docs/codegen.md).
 * The marks are compiler barriers, so the code around a site may differ from
 * a normal build; the atomic instruction does not.  Not for code that runs.
 * Without LFGO_SITE_MARKS the block that defines them is skipped: every
 * expansion is the same as without it.
 */
#ifndef LFGO_ATOMIC_H
#define LFGO_ATOMIC_H

#include <stdint.h>

#ifdef __cplusplus
#include <atomic>
#define LFGO_ATOMIC(T) std::atomic<T>
#define LFGO_ATOMIC_NS std::
/* The C names, imported so that inline bodies read the same in C and C++. */
using std::memory_order_relaxed;
using std::memory_order_acquire;
using std::memory_order_release; // imported name; each site comments its use
using std::memory_order_acq_rel; // imported name; each site comments its use
using std::memory_order_seq_cst;
static_assert(sizeof(std::atomic<uint32_t>) == 4 && alignof(std::atomic<uint32_t>) == 4,
              "lfgo assumes std::atomic<uint32_t> is laid out as _Atomic(uint32_t)");
static_assert(sizeof(std::atomic<uint64_t>) == 8 && alignof(std::atomic<uint64_t>) == 8,
              "lfgo assumes std::atomic<uint64_t> is laid out as _Atomic(uint64_t)");
#else
#include <stdatomic.h>
#define LFGO_ATOMIC(T) _Atomic(T)
#define LFGO_ATOMIC_NS
_Static_assert(sizeof(_Atomic(uint64_t)) == 8, "lfgo needs 8-byte lock-free atomics");
#endif

#if defined(LFGO_FORCE_SEQ_CST)
#define LFGO_ORD(o) LFGO_ATOMIC_NS memory_order_seq_cst
#else
#define LFGO_ORD(o) (o)
#endif

/*
 * LFGO_ORD_AT(site, o): `o`, or relaxed when LFGO_WEAKEN_<site> is defined
 * to 1 (what -DLFGO_WEAKEN_<site> means).  LFGO__WEAK(site) is 1 or 0,
 * computed by pasting: a defined LFGO_WEAKEN_<site> expands to 1, which
 * names a probe macro holding an extra argument.
 */
#define LFGO__CAT(a, b) LFGO__CAT_(a, b)
#define LFGO__CAT_(a, b) a##b
#define LFGO__ARG2(a, b, ...) b
#define LFGO__ARG2_(args) LFGO__ARG2 args
#define LFGO__PROBE_IS_ON(x) LFGO__ARG2_((x, 0, 0))
#define LFGO__WPROBE_1 ~, 1
#define LFGO__WEAK(site) LFGO__PROBE_IS_ON(LFGO__CAT(LFGO__WPROBE_, LFGO__CAT(LFGO_WEAKEN_, site)))
#define LFGO__ORD_W0(o) LFGO_ORD(o)
#define LFGO__ORD_W1(o) LFGO_ATOMIC_NS memory_order_relaxed
#define LFGO_ORD_AT(site, o) LFGO__CAT(LFGO__ORD_W, LFGO__WEAK(site))(o)

/* Plain accesses. */
#define lfgo_atomic_load_at(s, p, o) LFGO_ATOMIC_NS atomic_load_explicit((p), LFGO_ORD_AT(s, o))
#define lfgo_atomic_store_at(s, p, v, o) LFGO_ATOMIC_NS atomic_store_explicit((p), (v), LFGO_ORD_AT(s, o))

/* Read-modify-writes; each returns the value before the operation. */
#define lfgo_atomic_fetch_add_at(s, p, v, o) LFGO_ATOMIC_NS atomic_fetch_add_explicit((p), (v), LFGO_ORD_AT(s, o))
#define lfgo_atomic_fetch_sub_at(s, p, v, o) LFGO_ATOMIC_NS atomic_fetch_sub_explicit((p), (v), LFGO_ORD_AT(s, o))
#define lfgo_atomic_fetch_or_at(s, p, v, o) LFGO_ATOMIC_NS atomic_fetch_or_explicit((p), (v), LFGO_ORD_AT(s, o))
#define lfgo_atomic_fetch_and_at(s, p, v, o) LFGO_ATOMIC_NS atomic_fetch_and_explicit((p), (v), LFGO_ORD_AT(s, o))
#define lfgo_atomic_xchg_at(s, p, v, o) LFGO_ATOMIC_NS atomic_exchange_explicit((p), (v), LFGO_ORD_AT(s, o))

/*
 * Compare-and-swap: *expp is updated with the current value on failure.
 * `os` is the order on success, `of` on failure (no stronger than `os`).
 */
#define lfgo_atomic_cas_weak_at(s, p, expp, des, os, of) \
    LFGO_ATOMIC_NS atomic_compare_exchange_weak_explicit((p), (expp), (des), LFGO_ORD_AT(s, os), LFGO_ORD_AT(s, of))
#define lfgo_atomic_cas_strong_at(s, p, expp, des, os, of) \
    LFGO_ATOMIC_NS atomic_compare_exchange_strong_explicit((p), (expp), (des), LFGO_ORD_AT(s, os), LFGO_ORD_AT(s, of))

/* A standalone fence.  TSan does not model fences: a site using one says how
 * it is made visible to TSan (usually: a seq_cst RMW instead under TSan).
 * Weakened, the fence is removed. */
#define LFGO__FENCE_W0(o) LFGO_ATOMIC_NS atomic_thread_fence(LFGO_ORD(o))
#define LFGO__FENCE_W1(o) ((void)0)
#define lfgo_atomic_fence_at(s, o) LFGO__CAT(LFGO__FENCE_W, LFGO__WEAK(s))(o)

#if defined(LFGO_SITE_MARKS) /* see the file comment */
#if defined(__cplusplus)
#error "LFGO_SITE_MARKS is for C translation units (scripts/codegen-table.sh)"
#endif
#define LFGO__MARK(s, edge) __asm__ __volatile__("# lfgo-site-" edge " " #s ::: "memory")
/* The access `call` of site s, after `args` (declarations of its operands). */
#define LFGO__MARKED(s, args, call) \
    (__extension__({ args; LFGO__MARK(s, "begin"); __auto_type lfgo__r = (call); LFGO__MARK(s, "end"); lfgo__r; }))
#define LFGO__MARKED_VOID(s, args, call) \
    (__extension__({ args; LFGO__MARK(s, "begin"); call; LFGO__MARK(s, "end"); }))
#define LFGO__P(p) __auto_type lfgo__p = (p)
#define LFGO__PV(p, v) __auto_type lfgo__p = (p); __auto_type lfgo__v = (v)
#undef lfgo_atomic_load_at
#undef lfgo_atomic_store_at
#undef lfgo_atomic_fetch_add_at
#undef lfgo_atomic_fetch_sub_at
#undef lfgo_atomic_fetch_or_at
#undef lfgo_atomic_fetch_and_at
#undef lfgo_atomic_xchg_at
#undef lfgo_atomic_cas_weak_at
#undef lfgo_atomic_cas_strong_at
#undef lfgo_atomic_fence_at
#define lfgo_atomic_load_at(s, p, o) LFGO__MARKED(s, LFGO__P(p), atomic_load_explicit(lfgo__p, LFGO_ORD_AT(s, o)))
#define lfgo_atomic_store_at(s, p, v, o) \
    LFGO__MARKED_VOID(s, LFGO__PV(p, v), atomic_store_explicit(lfgo__p, lfgo__v, LFGO_ORD_AT(s, o)))
#define LFGO__RMW(s, f, p, v, o) LFGO__MARKED(s, LFGO__PV(p, v), f(lfgo__p, lfgo__v, LFGO_ORD_AT(s, o)))
#define lfgo_atomic_fetch_add_at(s, p, v, o) LFGO__RMW(s, atomic_fetch_add_explicit, p, v, o)
#define lfgo_atomic_fetch_sub_at(s, p, v, o) LFGO__RMW(s, atomic_fetch_sub_explicit, p, v, o)
#define lfgo_atomic_fetch_or_at(s, p, v, o) LFGO__RMW(s, atomic_fetch_or_explicit, p, v, o)
#define lfgo_atomic_fetch_and_at(s, p, v, o) LFGO__RMW(s, atomic_fetch_and_explicit, p, v, o)
#define lfgo_atomic_xchg_at(s, p, v, o) LFGO__RMW(s, atomic_exchange_explicit, p, v, o)
#define LFGO__CAS(s, f, p, expp, des, os, of) \
    LFGO__MARKED(s, LFGO__PV(p, des); __auto_type lfgo__e = (expp), \
                 f(lfgo__p, lfgo__e, lfgo__v, LFGO_ORD_AT(s, os), LFGO_ORD_AT(s, of)))
#define lfgo_atomic_cas_weak_at(s, p, expp, des, os, of) \
    LFGO__CAS(s, atomic_compare_exchange_weak_explicit, p, expp, des, os, of)
#define lfgo_atomic_cas_strong_at(s, p, expp, des, os, of) \
    LFGO__CAS(s, atomic_compare_exchange_strong_explicit, p, expp, des, os, of)
#define lfgo_atomic_fence_at(s, o) LFGO__MARKED_VOID(s, (void)0, LFGO__CAT(LFGO__FENCE_W, LFGO__WEAK(s))(o))
#endif /* LFGO_SITE_MARKS */

/* The unnamed forms, for user code (examples/, bench/, tests/): no site
 * name, so LFGO_WEAKEN cannot reach them; LFGO_FORCE_SEQ_CST still does.
 * lib/ and include/ must use the named _at forms above, which the site
 * check (scripts/ordering-sites.py, the ctest ordering_sites) enforces. */
#define lfgo_atomic_load(p, o) LFGO_ATOMIC_NS atomic_load_explicit((p), LFGO_ORD(o))
#define lfgo_atomic_store(p, v, o) LFGO_ATOMIC_NS atomic_store_explicit((p), (v), LFGO_ORD(o))
#define lfgo_atomic_fetch_add(p, v, o) LFGO_ATOMIC_NS atomic_fetch_add_explicit((p), (v), LFGO_ORD(o))
#define lfgo_atomic_fetch_sub(p, v, o) LFGO_ATOMIC_NS atomic_fetch_sub_explicit((p), (v), LFGO_ORD(o))
#define lfgo_atomic_fetch_or(p, v, o) LFGO_ATOMIC_NS atomic_fetch_or_explicit((p), (v), LFGO_ORD(o))
#define lfgo_atomic_fetch_and(p, v, o) LFGO_ATOMIC_NS atomic_fetch_and_explicit((p), (v), LFGO_ORD(o))
#define lfgo_atomic_xchg(p, v, o) LFGO_ATOMIC_NS atomic_exchange_explicit((p), (v), LFGO_ORD(o))
#define lfgo_atomic_cas_weak(p, expp, des, os, of) \
    LFGO_ATOMIC_NS atomic_compare_exchange_weak_explicit((p), (expp), (des), LFGO_ORD(os), LFGO_ORD(of))
#define lfgo_atomic_cas_strong(p, expp, des, os, of) \
    LFGO_ATOMIC_NS atomic_compare_exchange_strong_explicit((p), (expp), (des), LFGO_ORD(os), LFGO_ORD(of))
#define lfgo_atomic_fence(o) LFGO_ATOMIC_NS atomic_thread_fence(LFGO_ORD(o))

/* Stops the compiler, not the CPU, from moving memory accesses across it. */
#define lfgo_compiler_barrier() LFGO_ATOMIC_NS atomic_signal_fence(LFGO_ATOMIC_NS memory_order_seq_cst)

/* Tells the CPU this is a spin-wait loop (PAUSE on x86, YIELD on Arm). */
#if defined(__x86_64__) || defined(__i386__)
#define lfgo_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define lfgo_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define lfgo_cpu_relax() lfgo_compiler_barrier()
#endif

/* Whether this translation unit is built with ThreadSanitizer. */
#if defined(__SANITIZE_THREAD__)
#define LFGO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LFGO_TSAN 1
#endif
#endif

#endif /* LFGO_ATOMIC_H */

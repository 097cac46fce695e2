/*
 * lfgo/swg.h - SizedWaitGroup: remeh/sizedwaitgroup for C.  A WaitGroup that
 * also bounds how many tasks are in flight: add() blocks while `limit` tasks
 * have been added and not yet done().  A limit <= 0 means unlimited (as remeh,
 * which then uses math.MaxInt32: here too, INT32_MAX tasks at once).
 *
 *     static lfgo_swg swg = LFGO_SWG_INIT(6);    // or lfgo_swg_init(&swg, 6)
 *     for (...) { lfgo_swg_add(&swg); start_task(); }   // task: lfgo_swg_done(&swg)
 *     lfgo_swg_wait(&swg);
 *     lfgo_swg_destroy(&swg);
 *
 * Memory ordering contract (C11 terms):
 *  - Slots.  Every lfgo_swg_done is a release and every add that takes a slot
 *    (lfgo_swg_add, and lfgo_swg_try_add / lfgo_swg_add_until returning
 *    LFGO_OK) an acquire on the slot counter, whose every change is a
 *    read-modify-write.  So a done() synchronizes-with every slot-taking add
 *    that follows it in the counter's modification order, in particular with
 *    the add that takes the slot it freed: what a task wrote before its done()
 *    is visible to the code after that add() returns.  (Go's channel rule for
 *    remeh's design gives the same edge: the k-th receive is synchronized
 *    before the (k+limit)-th send completes.)
 *  - Waiting.  As lfgo_wg: a done() that brings the number of tasks to zero
 *    synchronizes-with the return of every lfgo_swg_wait, and of every
 *    lfgo_swg_try_wait / lfgo_swg_wait_until returning LFGO_OK, that observes
 *    that zero; everything every task wrote before its done() is visible
 *    after such a wait returns.
 *  - Not ordered: an add() that fails (LFGO_WOULDBLOCK, LFGO_TIMEOUT), a wait
 *    that times out, lfgo_swg_in_flight (a relaxed snapshot), and one add()
 *    against another add().
 *
 * Cost: add() and done() that need not wait are one compare-and-swap on the
 * slot word plus lfgo_wg's one fetch_add; no system call.  By default add,
 * try_add and done are calls into liblfgo; define LFGO_INLINE before
 * including any lfgo header to inline them (no call, but the layout and the
 * slot word's encoding are then compiled into your program, which must be
 * rebuilt against every lfgo release it runs with; docs/abi.md).  An adder
 * that finds every slot taken spins briefly (lfgo__spin), then registers as a
 * sleeper and parks; only a done() that sees a registered sleeper pays for a
 * FUTEX_WAKE.  A done() is never lost: each one that frees a slot while
 * adders sleep wakes one of them, and a woken adder that cannot use the slot
 * (it timed out, or another adder took it first) either takes the slot anyway
 * or leaves it to the adder that did (see lib/swg.c).
 *
 * Misuse (reported through lfgo_set_misuse_handler's handler, as Go panics;
 * if the handler returns, the call returns LFGO_MISUSE or nothing and the
 * object is unchanged):
 *  - "negative SizedWaitGroup counter": done() with no task in flight;
 *  - "NULL SizedWaitGroup": a NULL object to any function but init;
 *  - "NULL deadline", "invalid deadline (tv_nsec outside 0..999999999)":
 *    lfgo_swg_add_until / lfgo_swg_wait_until;
 *  - "SizedWaitGroup destroyed with tasks in flight": lfgo_swg_destroy while
 *    tasks are added and not done, or while an adder or waiter is inside a
 *    call (which implies the former);
 *  - lfgo_wg's own reports for the wait part, under lfgo_wg_* names
 *    ("Add called concurrently with Wait": an add() from zero racing with the
 *    release of waiters, i.e. with a wait() that is returning).
 * Bad arguments: lfgo_swg_init returns LFGO_EINVAL for a NULL object or a
 * limit above INT32_MAX (the in-flight count is a 32-bit field, as lfgo_wg's
 * counter is); LFGO_SWG_INIT with such a constant does not compile.
 *
 * Lifetime: only a wait that returned (LFGO_OK) shows that every done() has
 * finished touching the object; lfgo_swg_in_flight() == 0 does not.
 *
 * Size and alignment (ABI): sizeof(lfgo_swg) == LFGO_CACHELINE (128 bytes on
 * x86-64 and AArch64, 64 elsewhere), aligned as uint64_t, so plain malloc,
 * C++ new (any standard) and every other allocator work.  The object is NOT
 * over-aligned (it used to be): its hot words are the first 24 bytes and
 * the rest is padding that keeps the next object off them.  For the
 * one-cache-line layout, align the object yourself
 * (_Alignas(LFGO_CACHELINE) or alignas, or aligned_alloc).
 */
#ifndef LFGO_SWG_H
#define LFGO_SWG_H

#include <stdbool.h>
#include <stdint.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"
#include "lfgo/wg.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The slot word, its futex word and the WaitGroup are written by the same
 * add() and done() calls, so they sit together (one line transfer per call
 * when the object is line-aligned); the padding keeps what follows the
 * object off them.  The size is ABI (checked in lib/swg.c); the fields are
 * not, unless LFGO_INLINE.
 */
typedef struct lfgo_swg {
    /* Low 32 bits: tasks in flight (slots taken), 0..limit.  High 32 bits:
     * adders registered as sleepers (about to park or parked). */
    LFGO_ATOMIC(uint64_t) slots;
    /* Futex word the adders park on; a done() that sees a registered sleeper
     * increments it and wakes one. */
    LFGO_ATOMIC(uint32_t) epoch;
    /* 1..INT32_MAX (INT32_MAX for "unlimited"); fixed at initialisation. */
    uint32_t limit;
    /* Tasks added and not yet done: the wait() part. */
    lfgo_wg wg;
    char pad_[LFGO_CACHELINE - 16 - sizeof(lfgo_wg)];
} lfgo_swg;

#define LFGO__SWG_SLEEPER ((uint64_t)1 << 32)

/* The stored limit for a constant `l`; a constant above INT32_MAX makes a
 * negative array size, so it does not compile. */
#define LFGO__SWG_LIMIT(l) \
    ((uint32_t)(((l) > 0 ? (l) : INT32_MAX) + 0 * sizeof(char[(l) <= INT32_MAX ? 1 : -1])))

/* Static initialiser; `limit` is a constant, <= 0 for unlimited (in C++ it
 * needs C++17).  Equivalent to lfgo_swg_init. */
#define LFGO_SWG_INIT(limit) {0, 0, LFGO__SWG_LIMIT(limit), LFGO_WG_INIT, {0}}

/*
 * Initialises a SizedWaitGroup in caller memory with `limit` slots (<= 0:
 * unlimited).  LFGO_OK, or LFGO_EINVAL (nothing initialised) for a NULL
 * object or limit > INT32_MAX.  Orders nothing: share the object afterwards
 * by means that order (thread creation, a release store).
 */
LFGO_API lfgo_status lfgo_swg_init(lfgo_swg *swg, int64_t limit);

/*
 * Finishes a SizedWaitGroup.  Reports misuse if tasks are in flight (or an
 * adder or waiter is still inside a call).  Call it after a wait returned.
 */
LFGO_API void lfgo_swg_destroy(lfgo_swg *swg);

/*
 * Takes a slot, blocking (spin, then park) while `limit` tasks are in flight,
 * and counts the task for wait().  Call it before starting the task.
 * Synchronizes-with the done() calls before it, as the contract above says.
 */
LFGO_API void lfgo_swg_add(lfgo_swg *swg);

/* add() if a slot is free now: LFGO_OK, or LFGO_WOULDBLOCK (nothing changed,
 * nothing ordered).  Never blocks. */
LFGO_API lfgo_status lfgo_swg_try_add(lfgo_swg *swg);

/*
 * add() with an absolute CLOCK_MONOTONIC deadline (remeh's AddWithContext):
 * LFGO_OK, or LFGO_TIMEOUT (nothing changed, nothing ordered).  A deadline in
 * the past takes a free slot if there is one and otherwise returns
 * LFGO_TIMEOUT at once.  A slot freed as the deadline passes may still be
 * taken (LFGO_OK): a deadline is a bound on waiting, not a promise to fail.
 */
LFGO_API lfgo_status lfgo_swg_add_until(lfgo_swg *swg, const struct timespec *deadline);

/*
 * Frees a slot and counts the task done.  Release: see the contract above.
 * The last thing it touches is the WaitGroup, so a wait() that returns has
 * seen every done() finish with the slot word.
 */
LFGO_API void lfgo_swg_done(lfgo_swg *swg);

#if defined(LFGO_INLINE) || defined(LFGO_BUILDING)
/* The inline fast paths (LFGO_INLINE; lib/ uses them too).  The slow paths
 * they call are exported for this code only. */
LFGO_API lfgo_status lfgo__swg_add_slow(lfgo_swg *swg, const struct timespec *deadline);
LFGO_API void lfgo__swg_wake(lfgo_swg *swg);

/* Takes a slot if one is free now. */
static inline bool lfgo__swg_take(lfgo_swg *swg)
{
    /* relaxed: only the first guess for the CAS below, which checks it. */
    uint64_t s = lfgo_atomic_load_at(swg_take_guess, &swg->slots, memory_order_relaxed);
    while ((uint32_t)s < swg->limit) {
        /* acquire: pairs with the release CAS of every done() before this
         * one in the slot word's modification order (all changes are RMWs,
         * so they continue each other's release sequences): the task that
         * freed the slot happens-before this add() returns.  relaxed on
         * failure: the loop retries with the value it read. */
        if (lfgo_atomic_cas_weak_at(swg_take_cas, &swg->slots, &s, s + 1, memory_order_acquire,
                                    memory_order_relaxed))
            return true;
    }
    return false;
}

static inline void lfgo__swg_add_inline(lfgo_swg *swg)
{
    if (__builtin_expect(swg == 0, 0)) {
        lfgo__misuse("lfgo_swg_add", "NULL SizedWaitGroup");
        return;
    }
    if (__builtin_expect(!lfgo__swg_take(swg), 0))
        lfgo__swg_add_slow(swg, 0);
    lfgo__wg_add_inline(&swg->wg, 1);
}

static inline lfgo_status lfgo__swg_try_add_inline(lfgo_swg *swg)
{
    if (__builtin_expect(swg == 0, 0)) {
        lfgo__misuse("lfgo_swg_try_add", "NULL SizedWaitGroup");
        return LFGO_MISUSE;
    }
    if (!lfgo__swg_take(swg))
        return LFGO_WOULDBLOCK;
    lfgo__wg_add_inline(&swg->wg, 1);
    return LFGO_OK;
}

static inline void lfgo__swg_done_inline(lfgo_swg *swg)
{
    if (__builtin_expect(swg == 0, 0)) {
        lfgo__misuse("lfgo_swg_done", "NULL SizedWaitGroup");
        return;
    }
    /* relaxed: only the first guess for the CAS below, which checks it. */
    uint64_t s = lfgo_atomic_load_at(swg_done_guess, &swg->slots, memory_order_relaxed);
    do {
        if (__builtin_expect((uint32_t)s == 0, 0)) {
            lfgo__misuse("lfgo_swg_done", "negative SizedWaitGroup counter");
            return;
        }
        /* acq_rel: release pairs with the acquire CAS of the add() that
         * takes a slot after this (lfgo__swg_take); acquire pairs with the
         * release CAS by which a sleeping adder registered, so its epoch
         * sample happens-before our epoch increment (lib/swg.c).  relaxed on
         * failure: the loop retries with the value it read. */
    } while (!lfgo_atomic_cas_weak_at(swg_done_cas, &swg->slots, &s, s - 1, memory_order_acq_rel,
                                      memory_order_relaxed));
    if (__builtin_expect(s >= LFGO__SWG_SLEEPER, 0))
        lfgo__swg_wake(swg);
    lfgo__wg_add_inline(&swg->wg, -1);
}

#if defined(LFGO_INLINE)
#define lfgo_swg_add(swg) lfgo__swg_add_inline(swg)
#define lfgo_swg_try_add(swg) lfgo__swg_try_add_inline(swg)
#define lfgo_swg_done(swg) lfgo__swg_done_inline(swg)
#endif
#endif /* LFGO_INLINE || LFGO_BUILDING */

/* Blocks until every added task is done (returns at once if none is). */
LFGO_API void lfgo_swg_wait(lfgo_swg *swg);

/* LFGO_OK if no task is in flight for wait() now, else LFGO_WOULDBLOCK. */
LFGO_API lfgo_status lfgo_swg_try_wait(lfgo_swg *swg);

/* wait() with an absolute CLOCK_MONOTONIC deadline: LFGO_OK or LFGO_TIMEOUT.
 * A deadline in the past checks once. */
LFGO_API lfgo_status lfgo_swg_wait_until(lfgo_swg *swg, const struct timespec *deadline);

/* Tasks in flight (slots taken): a relaxed snapshot for tests and
 * diagnostics; it orders nothing. */
LFGO_API int64_t lfgo_swg_in_flight(const lfgo_swg *swg);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_SWG_H */

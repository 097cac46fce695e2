/*
 * lfgo/wg.h - WaitGroup: Go's sync.WaitGroup for C.
 *
 *     lfgo_wg wg = LFGO_WG_INIT;
 *     lfgo_wg_add(&wg, 1);            // before starting each task
 *     ... in the task:  lfgo_wg_done(&wg);
 *     lfgo_wg_wait(&wg);              // until every task called done
 *
 * Memory ordering contract (C11 terms):
 *  - Every lfgo_wg_add/lfgo_wg_done is a release on the WaitGroup; a done()
 *    that brings the counter to zero synchronizes-with the return of every
 *    lfgo_wg_wait, lfgo_wg_wait_until (returning LFGO_OK) and lfgo_wg_try_wait
 *    (returning LFGO_OK) that observes that zero.  So everything a task wrote
 *    before its done() is visible after the wait returns.
 *  - Nothing else is ordered: add() does not synchronize with other add()s for
 *    the caller's data, and a wait that times out orders nothing.
 *
 * Cost: add() and done() are one atomic fetch_add with no system call unless
 * a waiter is asleep and the counter reaches zero.  By default they are
 * calls into liblfgo (one out-of-line call each).  Define LFGO_INLINE before
 * including any lfgo header to inline them instead: no call, but the layout
 * of lfgo_wg and its bit encoding are then compiled into your program, so it
 * must be rebuilt against the headers of every lfgo release it runs with
 * (docs/abi.md).  Without LFGO_INLINE only sizeof(lfgo_wg) == 8,
 * _Alignof == 8 and LFGO_WG_INIT are compiled in, and they keep for as
 * long as the SONAME does.
 *
 * Misuse (reported through lfgo_set_misuse_handler's handler, as Go panics):
 *  - "negative WaitGroup counter" (more done() than add());
 *  - "WaitGroup counter overflow" (more than INT32_MAX outstanding, or a
 *    delta outside the int32_t range);
 *  - "Add called concurrently with Wait" (an add() from zero that races with
 *    the release of waiters, detected as Go detects it);
 *  - a NULL WaitGroup or deadline;
 *  - lfgo_wg_destroy with a nonzero counter.
 * Unlike Go, reusing a WaitGroup before a previous wait() has returned is
 * safe here: waiters wait for a change of a release epoch, not for a token.
 *
 * Lifetime: once a wait (or a try_wait/wait_until returning LFGO_OK) has
 * returned, no lfgo call touches the WaitGroup's memory any more, so it may
 * be freed or reused at once.  (The releasing done() may still make a
 * FUTEX_WAKE system call on the address, which is harmless on freed memory.)
 */
#ifndef LFGO_WG_H
#define LFGO_WG_H

#include <stdint.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfgo_wg {
    /*
     * One word, so that releasing the waiters is a single atomic write (the
     * object may be freed the moment a wait returns):
     *   bits 63..32  the counter, as int32_t;
     *   bits 31..1   the release epoch, +1 at each release of waiters;
     *   bit  0       LFGO__WG_WAITER: a waiter may be asleep.
     * Waiters park (futex) on the low 32 bits.
     */
    LFGO_ATOMIC(uint64_t) state;
} lfgo_wg;

/* Static initialiser (in C++ it needs C++17). */
#define LFGO_WG_INIT {0}

#define LFGO__WG_WAITER ((uint64_t)1)
#define LFGO__WG_EPOCH_ONE ((uint64_t)2)

/* Initialises / finishes a WaitGroup in caller memory.  destroy reports
 * misuse if the counter is not zero (tasks outstanding or waiters asleep) or
 * a release of waiters is still in progress. */
LFGO_API void lfgo_wg_init(lfgo_wg *wg);
LFGO_API void lfgo_wg_destroy(lfgo_wg *wg);

/*
 * Adds delta (which may be negative) to the counter.  Call add(n) before
 * starting the n tasks it counts, not from inside them.
 */
LFGO_API void lfgo_wg_add(lfgo_wg *wg, int64_t delta);

/* add(-1): a task is finished. */
LFGO_API void lfgo_wg_done(lfgo_wg *wg);

#if defined(LFGO_INLINE) || defined(LFGO_BUILDING)
/* The inline fast path (LFGO_INLINE; lib/ uses it too).  Internal names:
 * the two out-of-line helpers are exported for this code only. */
LFGO_API void lfgo__wg_add_slow(lfgo_wg *wg, int64_t delta, uint64_t old);
LFGO_API void lfgo__wg_null(const char *func);

/* The order of the add/done fetch_add.  Overridden only by tests/weakened/
 * (ThreadSanitizer catches the race a weaker order causes) and by
 * bench/wg/acq_rel.c (the report's release-against-acq_rel rows). */
#ifndef LFGO__WG_ADD_ORDER
#define LFGO__WG_ADD_ORDER memory_order_release
#endif

static inline void lfgo__wg_add_inline(lfgo_wg *wg, int64_t delta)
{
    if (__builtin_expect(wg == 0, 0)) {
        lfgo__wg_null("lfgo_wg_add");
        return;
    }
    if (__builtin_expect(delta < INT32_MIN || delta > INT32_MAX, 0)) {
        lfgo__wg_add_slow(wg, delta, 0);
        return;
    }
    /* release: publishes the caller's writes.  Every later change of `state`
     * is a read-modify-write, so each later value (in particular the zero
     * and the releaser's epoch swap that waiters acquire) is in this
     * operation's release sequence: no acquire is needed here to carry
     * earlier done()s on (docs/memory-ordering.md, "WaitGroup"). */
    uint64_t old = lfgo_atomic_fetch_add_at(wg_add, &wg->state, (uint64_t)delta << 32, LFGO__WG_ADD_ORDER);
    int64_t v = (int64_t)(int32_t)(old >> 32) + delta;
    if (__builtin_expect(v >= 0 && v <= INT32_MAX && !(old & LFGO__WG_WAITER), 1))
        return;
    lfgo__wg_add_slow(wg, delta, old);
}

#if defined(LFGO_INLINE)
#define lfgo_wg_add(wg, delta) lfgo__wg_add_inline((wg), (delta))
#define lfgo_wg_done(wg) lfgo__wg_add_inline((wg), -1)
#endif
#endif /* LFGO_INLINE || LFGO_BUILDING */

/* Blocks until the counter is zero (returns at once if it is). */
LFGO_API void lfgo_wg_wait(lfgo_wg *wg);

/* LFGO_OK if the counter is zero now, else LFGO_WOULDBLOCK.  Never blocks. */
LFGO_API lfgo_status lfgo_wg_try_wait(lfgo_wg *wg);

/* wait() with an absolute CLOCK_MONOTONIC deadline: LFGO_OK or LFGO_TIMEOUT.
 * A deadline in the past checks once. */
LFGO_API lfgo_status lfgo_wg_wait_until(lfgo_wg *wg, const struct timespec *deadline);

/* The current counter (a snapshot; for tests and diagnostics). */
LFGO_API int32_t lfgo_wg_count(const lfgo_wg *wg);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_WG_H */

/*
 * lfgo/mutex.h - Mutex: Go's sync.Mutex for C, on a futex-style lock word.
 *
 *     lfgo_mutex mu = LFGO_MUTEX_INIT;
 *     lfgo_mutex_lock(&mu);
 *     ... critical section ...
 *     lfgo_mutex_unlock(&mu);
 *
 * Design (docs/design.md, "Mutex"): one 32-bit state word holds LOCKED and
 * the slow-path flags; waiters sleep on a word of their own, in a FIFO queue
 * that hangs off the mutex and is changed only under a queue-lock bit of the
 * state word.  Uncontended lock() and unlock() are one CAS each with no
 * system call.  By default they are calls into liblfgo; define LFGO_INLINE
 * before including any lfgo header to inline lock, try_lock and unlock (no
 * call, but the state word's encoding is then compiled into your program,
 * which must be rebuilt against every lfgo release it runs with;
 * docs/abi.md).  Without LFGO_INLINE only the size (24 bytes + 2 pointers:
 * 40 on LP64; aligned as uint64_t) and LFGO_MUTEX_INIT are compiled in.
 *  - Normal mode: unlock() releases the lock and wakes the oldest waiter,
 *    which competes with newcomers (and may lose to them: throughput first).
 *    A bounded spin comes first, only while it can pay off (docs/design.md).
 *  - Starvation mode (Go's): a woken waiter that has waited more than
 *    LFGO_MUTEX_STARVE_NS (1 ms) and still lost the race switches the mutex to
 *    direct hand-off: unlock() passes ownership to the oldest waiter, in
 *    arrival order, and newcomers queue behind instead of barging.  The mode
 *    ends when the queue drains, or when a waiter is handed the lock after
 *    waiting less than 1 ms.  lfgo_mutex_get_stats counts both.
 *
 * Memory ordering contract (C11 terms):
 *  - Every lfgo_mutex_unlock synchronizes-with the lock()/try_lock() returning
 *    LFGO_OK/lock_until() returning LFGO_OK that next acquires the mutex, so
 *    everything written in one critical section happens-before everything in
 *    the next, in both modes (a release CAS/acquire CAS on `state` in normal
 *    mode, a release/acquire store/load of the waiter's word on hand-off).
 *  - A failed try_lock or a timed-out lock_until orders nothing.
 *
 * Misuse (through the misuse handler, as Go panics):
 *  - "unlock of unlocked mutex" - detected always (the LOCKED bit is clear);
 *  - a NULL mutex or deadline; destroy of a locked mutex or one with waiters.
 * NOT detected: unlock by a thread that does not hold the lock while some
 * thread does hold it.  As in Go, a locked mutex is not tied to a thread
 * (one thread may lock and another unlock: that is allowed), so the mutex
 * keeps no owner; such an unlock simply releases the lock.
 */
#ifndef LFGO_MUTEX_H
#define LFGO_MUTEX_H

#include <stdint.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct lfgo__mutex_waiter; /* lives on a sleeping thread's stack (lib/mutex.c) */

/*
 * Not padded to a cache line: a mutex usually guards the data next to it and
 * sharing that line is what the critical section wants.  Pad the enclosing
 * struct with LFGO_CACHELINE when the mutex sits beside unrelated hot data.
 * `state` is first and the rest is touched only on the slow path.
 */
typedef struct lfgo_mutex {
    LFGO_ATOMIC(uint32_t) state;         /* LFGO__MUTEX_* bits */
    LFGO_ATOMIC(uint32_t) spinners;      /* threads spinning for the lock */
    struct lfgo__mutex_waiter *head;     /* oldest waiter; guarded by QLOCK */
    struct lfgo__mutex_waiter *tail;     /* newest waiter; guarded by QLOCK */
    LFGO_ATOMIC(uint64_t) starvations;   /* times starvation mode was entered */
    LFGO_ATOMIC(uint64_t) handoffs;      /* unlocks that handed the lock over */
} lfgo_mutex;

#define LFGO__MUTEX_LOCKED 1u    /* held */
#define LFGO__MUTEX_PARKED 2u    /* the wait queue is not empty */
#define LFGO__MUTEX_STARVING 4u  /* starvation mode: unlock hands off */
#define LFGO__MUTEX_WOKEN 8u     /* a woken waiter is on its way: wake nobody else */
#define LFGO__MUTEX_QLOCK 16u    /* the wait queue is being changed */

/* Starvation threshold: Go's starvationThresholdNs. */
#define LFGO_MUTEX_STARVE_NS 1000000

/* Static initialiser (in C++ it needs C++17). */
#define LFGO_MUTEX_INIT {0, 0, 0, 0, 0, 0}

LFGO_API void lfgo_mutex_init(lfgo_mutex *m);
/* Misuse if the mutex is locked or has waiters.  Lifetime: once a thread
 * has locked and unlocked the mutex, and no other thread uses it any more,
 * it may destroy and free it even if the unlock before its lock has not
 * returned yet (an unlock that wakes a waiter still walks the queue after
 * releasing the lock; destroy waits for it: glibc bug 13690's shape). */
LFGO_API void lfgo_mutex_destroy(lfgo_mutex *m);

/* Acquires the mutex, blocking as long as it takes. */
LFGO_API void lfgo_mutex_lock(lfgo_mutex *m);

/* Acquires the mutex if that needs no waiting: LFGO_OK or LFGO_WOULDBLOCK.
 * Fails in starvation mode even if the lock is momentarily free (the
 * queued waiters come first), as Go's TryLock does. */
LFGO_API lfgo_status lfgo_mutex_try_lock(lfgo_mutex *m);

/* lock() with an absolute CLOCK_MONOTONIC deadline: LFGO_OK or LFGO_TIMEOUT.
 * A deadline in the past tries once (as try_lock) and then times out. */
LFGO_API lfgo_status lfgo_mutex_lock_until(lfgo_mutex *m, const struct timespec *deadline);

/* Releases the mutex.  With nobody waiting this is one CAS, no system call. */
LFGO_API void lfgo_mutex_unlock(lfgo_mutex *m);

#if defined(LFGO_INLINE) || defined(LFGO_BUILDING)
/* The inline fast paths (LFGO_INLINE; lib/ uses them too).  The slow paths
 * they call are exported for this code only. */
LFGO_API lfgo_status lfgo__mutex_lock_slow(lfgo_mutex *m, const struct timespec *deadline,
                                           const char *func);
LFGO_API lfgo_status lfgo__mutex_try_lock_slow(lfgo_mutex *m);
LFGO_API void lfgo__mutex_unlock_slow(lfgo_mutex *m);

/* One CAS from "free, no flags" to LOCKED.  acquire: pairs with the release
 * CAS of the unlock that ended the previous critical section (below, or in
 * lib/mutex.c); relaxed on failure: the slow path loads again. */
static inline int lfgo__mutex_cas_lock(lfgo_mutex *m)
{
    uint32_t free_state = 0;
    return __builtin_expect(m != 0, 1) &&
           lfgo_atomic_cas_strong_at(mutex_lock_fast, &m->state, &free_state, LFGO__MUTEX_LOCKED,
                                  memory_order_acquire, memory_order_relaxed);
}

static inline void lfgo__mutex_lock_inline(lfgo_mutex *m)
{
    if (!lfgo__mutex_cas_lock(m))
        lfgo__mutex_lock_slow(m, 0, "lfgo_mutex_lock");
}

static inline lfgo_status lfgo__mutex_try_lock_inline(lfgo_mutex *m)
{
    return lfgo__mutex_cas_lock(m) ? LFGO_OK : lfgo__mutex_try_lock_slow(m);
}

static inline void lfgo__mutex_unlock_inline(lfgo_mutex *m)
{
    uint32_t held = LFGO__MUTEX_LOCKED;
    /* release: pairs with the acquire CAS of the next lock(), publishing this
     * critical section.  relaxed on failure: the slow path loads again. */
    if (__builtin_expect(m != 0, 1) &&
        lfgo_atomic_cas_strong_at(mutex_unlock_fast, &m->state, &held, 0u, memory_order_release,
                                  memory_order_relaxed))
        return;
    lfgo__mutex_unlock_slow(m);
}

#if defined(LFGO_INLINE)
#define lfgo_mutex_lock(m) lfgo__mutex_lock_inline(m)
#define lfgo_mutex_try_lock(m) lfgo__mutex_try_lock_inline(m)
#define lfgo_mutex_unlock(m) lfgo__mutex_unlock_inline(m)
#endif
#endif /* LFGO_INLINE || LFGO_BUILDING */

/* Diagnostics: how often starvation mode was entered and how many unlocks
 * handed the lock directly to a waiter; `starving` is the mode right now. */
typedef struct lfgo_mutex_stats {
    uint64_t starvations;
    uint64_t handoffs;
    int starving;
    int locked;
} lfgo_mutex_stats;

/* Fills *out with a snapshot (orders nothing).  LFGO_MISUSE on NULL. */
LFGO_API lfgo_status lfgo_mutex_get_stats(const lfgo_mutex *m, lfgo_mutex_stats *out);

/* Test/debug hook, NOT part of the API (the lfgo__ prefix) and not exported
 * from the shared library (tests link liblfgo.a): the number of
 * threads linked into the mutex's wait queue right now.  It takes the queue
 * lock briefly, so the count is exact at that instant; it orders nothing
 * else.  tests/test_mutex.cpp uses it to know the arrival order of waiters. */
uint32_t lfgo__mutex_debug_queued(lfgo_mutex *m);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_MUTEX_H */

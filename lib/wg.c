/*
 * lib/wg.c - WaitGroup slow paths (the fast path is inline in lfgo/wg.h).
 *
 * Invariants:
 *  - state = counter << 32 | waiter bit.  The counter is never negative in a
 *    correct program.  The waiter bit is set (by a waiter, only while the
 *    counter is positive) before the waiter sleeps, and cleared only by the
 *    releaser, which swaps state from exactly (0, bit) to 0.
 *  - epoch changes only in the releaser, after that swap, and every waiter
 *    samples epoch before it looks at state.  A waiter sleeps only while epoch
 *    still holds the value it sampled, so a release that happens after the
 *    sample cannot be missed: either it saw the waiter bit (and wakes the
 *    epoch futex after changing it), or the waiter's sample came after it.
 *  - A waiter that times out leaves the bit set: it cannot tell its own
 *    registration from a newer waiter's.  The cost is one FUTEX_WAKE with
 *    nobody asleep at the next release; the bit is then cleared.
 */
#include "lfgo/wg.h"

#include "park.h"

static int32_t counter_of(uint64_t s) { return (int32_t)(s >> 32); }

void lfgo__wg_null(const char *func)
{
    lfgo__misuse(func, "NULL WaitGroup");
}

void lfgo_wg_init(lfgo_wg *wg)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_init");
        return;
    }
    /* relaxed: initialisation happens before the WaitGroup is shared; the
     * act of sharing it (thread creation, a release store) orders it. */
    lfgo_atomic_store(&wg->state, 0, memory_order_relaxed);
    lfgo_atomic_store(&wg->epoch, 0, memory_order_relaxed);
    wg->reserved_ = 0;
}

void lfgo_wg_destroy(lfgo_wg *wg)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_destroy");
        return;
    }
    /* acquire: pairs with the release of the last done(), so the caller may
     * free the memory after this returns without racing with it. */
    if (counter_of(lfgo_atomic_load(&wg->state, memory_order_acquire)) != 0)
        lfgo__misuse("lfgo_wg_destroy", "WaitGroup destroyed with a nonzero counter");
}

/* The counter reached zero with the waiter bit set: release the waiters. */
static void release_waiters(lfgo_wg *wg, uint64_t zero_with_bit)
{
    uint64_t expected = zero_with_bit;
    /* acq_rel: acquire keeps the epoch increment below after the swap;
     * release is not needed for data but costs nothing on this path. */
    if (!lfgo_atomic_cas_strong(&wg->state, &expected, 0, memory_order_acq_rel,
                                memory_order_relaxed)) {
        lfgo__misuse("lfgo_wg_add", "WaitGroup misuse: Add called concurrently with Wait");
        return;
    }
    /* release: pairs with the acquire loads of epoch in wait_slow; the
     * releasing done() acquired every earlier done() (acq_rel fetch_add on
     * state), so a waiter that sees the new epoch sees all their writes. */
    lfgo_atomic_fetch_add(&wg->epoch, 1u, memory_order_release);
    lfgo__park_wake_all(&wg->epoch);
}

void lfgo__wg_add_slow(lfgo_wg *wg, int64_t delta, uint64_t old)
{
    if (delta < INT32_MIN || delta > INT32_MAX) {
        lfgo__misuse("lfgo_wg_add", "WaitGroup counter overflow");
        return;
    }
    int64_t v = (int64_t)counter_of(old) + delta;
    if (v < 0 || v > INT32_MAX) {
        /* Undo the add, so that a handler that returns leaves the counter
         * as it was.  relaxed: misuse; no data is published by the undo. */
        lfgo_atomic_fetch_sub(&wg->state, (uint64_t)delta << 32, memory_order_relaxed);
        lfgo__misuse("lfgo_wg_add", v < 0 ? "negative WaitGroup counter" : "WaitGroup counter overflow");
        return;
    }
    if (!(old & LFGO__WG_WAITER))
        return; /* v == 0 and nobody waits: nothing to do */
    if (delta > 0 && v == delta) {
        /* From zero with the bit still set: a releaser is between its
         * fetch_add and its swap.  Go reports exactly this. */
        lfgo__misuse("lfgo_wg_add", "WaitGroup misuse: Add called concurrently with Wait");
        return;
    }
    if (v == 0)
        release_waiters(wg, old + ((uint64_t)delta << 32));
}

/* Sets the waiter bit unless the counter is zero.  Returns false if the
 * counter was seen at zero (the wait is over). */
static bool register_waiter(lfgo_wg *wg)
{
    /* acquire: pairs with the release of the done() that wrote a zero
     * counter, so returning "over" publishes the tasks' writes. */
    uint64_t s = lfgo_atomic_load(&wg->state, memory_order_acquire);
    for (;;) {
        if (counter_of(s) == 0)
            return false;
        if (s & LFGO__WG_WAITER)
            return true;
        /* acquire on success and failure: same pairing as the load above. */
        if (lfgo_atomic_cas_weak(&wg->state, &s, s | LFGO__WG_WAITER, memory_order_acquire,
                                 memory_order_acquire))
            return true;
    }
}

static lfgo_status wait_slow(lfgo_wg *wg, const struct timespec *deadline)
{
    /* acquire: pairs with the release increment in release_waiters; it also
     * keeps the state load in register_waiter after this sample, which is
     * what makes a release after the sample impossible to miss. */
    uint32_t e = lfgo_atomic_load(&wg->epoch, memory_order_acquire);
    if (!register_waiter(wg))
        return LFGO_OK;
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    /* acquire: pairs with the release increment in release_waiters. */
    while (lfgo_atomic_load(&wg->epoch, memory_order_acquire) == e) {
        if (lfgo__spin(&sp))
            continue;
        if (lfgo__park_wait(&wg->epoch, e, deadline) &&
            /* acquire: as above; the release may have raced the timeout. */
            lfgo_atomic_load(&wg->epoch, memory_order_acquire) == e)
            return LFGO_TIMEOUT;
    }
    return LFGO_OK;
}

void lfgo_wg_wait(lfgo_wg *wg)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_wait");
        return;
    }
    wait_slow(wg, NULL);
}

lfgo_status lfgo_wg_try_wait(lfgo_wg *wg)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_try_wait");
        return LFGO_MISUSE;
    }
    /* acquire: pairs with the release of the done() that wrote zero. */
    uint64_t s = lfgo_atomic_load(&wg->state, memory_order_acquire);
    return counter_of(s) == 0 ? LFGO_OK : LFGO_WOULDBLOCK;
}

lfgo_status lfgo_wg_wait_until(lfgo_wg *wg, const struct timespec *deadline)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_wait_until");
        return LFGO_MISUSE;
    }
    if (!deadline) {
        lfgo__misuse("lfgo_wg_wait_until", "NULL deadline");
        return LFGO_MISUSE;
    }
    if (lfgo_wg_try_wait(wg) == LFGO_OK)
        return LFGO_OK;
    if (lfgo__deadline_passed(deadline))
        return LFGO_TIMEOUT;
    return wait_slow(wg, deadline);
}

int32_t lfgo_wg_count(const lfgo_wg *wg)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_count");
        return 0;
    }
    /* relaxed: a diagnostic snapshot that orders nothing. */
    return counter_of(lfgo_atomic_load((LFGO_ATOMIC(uint64_t) *)&wg->state, memory_order_relaxed));
}

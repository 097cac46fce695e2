/*
 * lib/wg.c - WaitGroup slow paths (the fast path is inline in lfgo/wg.h).
 *
 * state = counter << 32 | epoch << 1 | waiter bit (see lfgo/wg.h).
 *
 * Invariants:
 *  - The counter is never negative in a correct program.
 *  - The waiter bit is set by a waiter only while the counter is positive,
 *    and cleared only by the releaser: the done() whose fetch_add brought the
 *    counter to zero with the bit set swaps state from exactly
 *    (0, e, bit) to (0, e+1, no bit).  That swap is the releaser's last write
 *    to the object; it is followed only by a FUTEX_WAKE on the address.
 *  - "Counter zero, bit set" means a release is in progress: nobody may treat
 *    the wait as over (try_wait says LFGO_WOULDBLOCK, waiters keep waiting),
 *    because the releaser still has to write the object.  This is what makes
 *    freeing the WaitGroup right after a wait returns safe.
 *  - A waiter returns when it sees "counter zero, bit clear", or when the
 *    epoch has moved past the one it registered in.  It parks on the low
 *    32 bits (epoch and bit) while they hold the value it registered with;
 *    the releaser changes them in the same write that ends the release, so
 *    the futex's compare-and-sleep cannot miss it.
 *  - A waiter that times out leaves the bit set: it cannot tell its own
 *    registration from a newer waiter's.  The cost is one FUTEX_WAKE with
 *    nobody asleep at the next release, which clears the bit.
 */
#include "lfgo/wg.h"

#include "deadline.h"
#include "park.h"
#include "pool_internal.h"

static int32_t counter_of(uint64_t s) { return (int32_t)(s >> 32); }
static uint32_t low_of(uint64_t s) { return (uint32_t)s; }

/* Over: the counter is zero and no release is in progress. */
static bool is_over(uint64_t s) { return counter_of(s) == 0 && !(s & LFGO__WG_WAITER); }

/* The futex word: the low 32 bits of state. */
static lfgo__word *low_word(lfgo_wg *wg)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (lfgo__word *)((char *)&wg->state + 4);
#else
    return (lfgo__word *)&wg->state;
#endif
}

_Static_assert(sizeof(lfgo_wg) == 8 && _Alignof(lfgo_wg) == 8, "lfgo_wg's size is ABI (lfgo/wg.h)");

void lfgo__wg_null(const char *func)
{
    lfgo__misuse(func, "NULL WaitGroup");
}

/* The exported out-of-line add/done: the inline fast path, called. */
void lfgo_wg_add(lfgo_wg *wg, int64_t delta)
{
    lfgo__wg_add_inline(wg, delta);
}

void lfgo_wg_done(lfgo_wg *wg)
{
    lfgo__wg_add_inline(wg, -1);
}

void lfgo_wg_init(lfgo_wg *wg)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_init");
        return;
    }
    /* relaxed: initialisation happens before the WaitGroup is shared; the
     * act of sharing it (thread creation, a release store) orders it. */
    lfgo_atomic_store_at(wg_init, &wg->state, 0, memory_order_relaxed);
}

void lfgo_wg_destroy(lfgo_wg *wg)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_destroy");
        return;
    }
    /* acquire: pairs with the release of the last done() (or the releaser's
     * swap), so the caller may free the memory after this returns. */
    uint64_t s = lfgo_atomic_load_at(wg_destroy, &wg->state, memory_order_acquire);
    if (counter_of(s) != 0)
        lfgo__misuse("lfgo_wg_destroy", "WaitGroup destroyed with a nonzero counter");
    else if (!is_over(s))
        lfgo__misuse("lfgo_wg_destroy", "WaitGroup destroyed while its last done() is still releasing waiters");
}

/* The counter reached zero with the waiter bit set: release the waiters. */
static void release_waiters(lfgo_wg *wg, uint64_t zero_with_bit)
{
    uint64_t expected = zero_with_bit;
    uint64_t next = (uint32_t)((zero_with_bit & ~LFGO__WG_WAITER) + LFGO__WG_EPOCH_ONE);
    /* release: pairs with the acquire loads of state in waiters and
     * try_wait.  This CAS is a read-modify-write, so its value continues the
     * release sequence of every earlier add()/done(): a waiter that reads it
     * synchronizes-with all of them and sees all the task writes.  relaxed
     * on failure: we only report misuse. */
    if (!lfgo_atomic_cas_strong_at(wg_release, &wg->state, &expected, next, memory_order_release,
                                memory_order_relaxed)) {
        lfgo__misuse("lfgo_wg_add", "WaitGroup misuse: Add called concurrently with Wait");
        return;
    }
    /* The object may be freed from here on: only its address is used. */
    lfgo__park_wake_all(low_word(wg));
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
        lfgo_atomic_fetch_sub_at(wg_undo, &wg->state, (uint64_t)delta << 32, memory_order_relaxed);
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

/*
 * Registers the caller as a waiter.  Returns false if the wait is over,
 * otherwise true with *low set to the low word to park on while unchanged.
 */
static bool register_waiter(lfgo_wg *wg, uint32_t *low)
{
    /* acquire: pairs with the release of the done() that wrote a zero
     * counter (or the releaser's swap), so "over" publishes the tasks'
     * writes. */
    uint64_t s = lfgo_atomic_load_at(wg_register_load, &wg->state, memory_order_acquire);
    for (;;) {
        if (is_over(s))
            return false;
        if (s & LFGO__WG_WAITER) { /* registered already, or a release in progress */
            *low = low_of(s);
            return true;
        }
        /* acquire on success and failure: same pairing as the load above. */
        if (lfgo_atomic_cas_weak_at(wg_register_cas, &wg->state, &s, s | LFGO__WG_WAITER, memory_order_acquire,
                                 memory_order_acquire)) {
            *low = low_of(s | LFGO__WG_WAITER);
            return true;
        }
    }
}

/* Whether a waiter that registered with `low` may return, given state s:
 * the wait is over, or the epoch moved (a release happened). */
static bool released(uint64_t s, uint32_t low)
{
    return is_over(s) || (low_of(s) >> 1) != (low >> 1);
}

static lfgo_status wait_slow(lfgo_wg *wg, const struct timespec *deadline)
{
    /* Spin before registering: a release that comes while we spin finds the
     * waiter bit clear and makes no FUTEX_WAKE.  (Missing a zero that a new
     * add() hides at once only means waiting for the next one, as Go's Wait
     * does when its CAS lands after such an add.)  relaxed: the spin only
     * decides when to stop spinning; register_waiter's acquire load (or
     * failing CAS) comes next and is what a return reads "over" from, so it
     * pairs with the zeroing done()'s release for the wait. */
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    while (!is_over(lfgo_atomic_load_at(wg_wait_spin, &wg->state, memory_order_relaxed)))
        if (!lfgo__spin(&sp) || lfgo__deadline_passed(deadline))
            break;
    uint32_t low;
    if (!register_waiter(wg, &low))
        return LFGO_OK;
    /* acquire (both loads): pair with the releaser's release swap (and, through
     * the release sequence it continues, with every earlier done()). */
    while (!released(lfgo_atomic_load_at(wg_wait_park, &wg->state, memory_order_acquire), low))
        if (lfgo__park_wait(low_word(wg), low, deadline) &&
            !released(lfgo_atomic_load_at(wg_wait_timeout, &wg->state, memory_order_acquire), low))
            return LFGO_TIMEOUT;
    return LFGO_OK;
}

void lfgo_wg_wait(lfgo_wg *wg)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_wait");
        return;
    }
    if (lfgo__pool_help_wg(wg)) /* on a pool worker: wait by running tasks */
        return;
    wait_slow(wg, NULL);
}

lfgo_status lfgo_wg_try_wait(lfgo_wg *wg)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_try_wait");
        return LFGO_MISUSE;
    }
    /* acquire: pairs with the release of the done() that wrote zero, or of
     * the releaser's swap. */
    return is_over(lfgo_atomic_load_at(wg_trywait, &wg->state,
                                       memory_order_acquire)) ? LFGO_OK : LFGO_WOULDBLOCK;
}

lfgo_status lfgo_wg_wait_until(lfgo_wg *wg, const struct timespec *deadline)
{
    if (!wg) {
        lfgo__wg_null("lfgo_wg_wait_until");
        return LFGO_MISUSE;
    }
    if (lfgo__bad_deadline("lfgo_wg_wait_until", deadline))
        return LFGO_MISUSE;
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
    return counter_of(lfgo_atomic_load_at(wg_count, (LFGO_ATOMIC(uint64_t) *)&wg->state, memory_order_relaxed));
}

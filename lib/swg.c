/*
 * lib/swg.c - SizedWaitGroup slow paths (the fast paths are inline in
 * lfgo/swg.h).
 *
 * Invariants:
 *  - slots = sleepers << 32 | in_flight, changed only by compare-and-swap.
 *    in_flight counts slots taken and not yet freed, 0..limit.  sleepers
 *    counts adders between their registration (a CAS that saw every slot
 *    taken) and their deregistration (a CAS after they stop parking).
 *  - An adder polls and spins without registering, so a done() pays for a
 *    wake only when an adder is about to park or parked.
 *  - Every adder samples `epoch` before its registering CAS and parks only
 *    while epoch still holds that sample.  A done() whose CAS reads a nonzero
 *    sleeper count increments epoch and wakes one parked adder.  The
 *    registering CAS is a release and the done()'s CAS an acquire, so the
 *    sample happens-before the increment: the sample cannot be the new value,
 *    and the adder either sees the increment or is asleep when the wake comes.
 *  - No done() is lost (the bug of GCC PR98033, where a release raced the
 *    waiter count and woke one waiter for several releases): each done() that
 *    frees a slot while sleepers are registered makes its own increment and
 *    its own FUTEX_WAKE of one thread, so k such done()s wake k parked adders
 *    (or stop k registered ones from parking).  A woken adder deregisters
 *    with a CAS that also takes a free slot if there is one, even when it has
 *    timed out; if it finds none, the slot went to another adder.  So a free
 *    slot never coexists with a parked adder for longer than a wakeup takes.
 *  - epoch wraps after 2^32 wakes; a sleeper misses a wake only if exactly
 *    2^32 of them happen between its sample and its futex check.
 */
#include "lfgo/swg.h"

#include "deadline.h"
#include "park.h"

_Static_assert(sizeof(lfgo_swg) == LFGO_CACHELINE, "lfgo_swg's size is ABI (lfgo/swg.h)");
_Static_assert(_Alignof(lfgo_swg) == _Alignof(LFGO_ATOMIC(uint64_t)),
               "lfgo_swg is not over-aligned: malloc must do (lfgo/swg.h)");
_Static_assert(sizeof(lfgo_wg) == 8, "lfgo_swg's layout comment assumes an 8-byte lfgo_wg");

/* The exported out-of-line calls: the inline fast paths, called. */
void lfgo_swg_add(lfgo_swg *swg)
{
    lfgo__swg_add_inline(swg);
}

lfgo_status lfgo_swg_try_add(lfgo_swg *swg)
{
    return lfgo__swg_try_add_inline(swg);
}

void lfgo_swg_done(lfgo_swg *swg)
{
    lfgo__swg_done_inline(swg);
}

static uint32_t in_flight_of(uint64_t s) { return (uint32_t)s; }

static void null_swg(const char *func)
{
    lfgo__misuse(func, "NULL SizedWaitGroup");
}

lfgo_status lfgo_swg_init(lfgo_swg *swg, int64_t limit)
{
    if (!swg || limit > INT32_MAX)
        return LFGO_EINVAL;
    /* relaxed: initialisation happens before the object is shared; the act
     * of sharing it (thread creation, a release store) orders it. */
    lfgo_atomic_store_at(swg_init_slots, &swg->slots, 0, memory_order_relaxed);
    lfgo_atomic_store_at(swg_init_epoch, &swg->epoch, 0, memory_order_relaxed);
    swg->limit = limit > 0 ? (uint32_t)limit : (uint32_t)INT32_MAX;
    lfgo_wg_init(&swg->wg);
    return LFGO_OK;
}

void lfgo_swg_destroy(lfgo_swg *swg)
{
    if (!swg) {
        null_swg("lfgo_swg_destroy");
        return;
    }
    /* acquire: pairs with the release CAS of the last done(), so the caller
     * may free the memory after this returns. */
    uint64_t s = lfgo_atomic_load_at(swg_destroy, &swg->slots, memory_order_acquire);
    if (s != 0 || lfgo_wg_count(&swg->wg) != 0) {
        lfgo__misuse("lfgo_swg_destroy", "SizedWaitGroup destroyed with tasks in flight");
        return;
    }
    lfgo_wg_destroy(&swg->wg);
}

/* Registers as a sleeper unless a slot is free, in which case it takes the
 * slot instead.  Returns true if it took a slot. */
static bool register_or_take(lfgo_swg *swg)
{
    /* relaxed: only the first guess for the CAS below. */
    uint64_t s = lfgo_atomic_load_at(swg_register_guess, &swg->slots, memory_order_relaxed);
    for (;;) {
        bool take = in_flight_of(s) < swg->limit;
        uint64_t next = take ? s + 1 : s + LFGO__SWG_SLEEPER;
        /* acq_rel: acquire pairs with done()'s release when taking; release
         * pairs with the acquire CAS of the done() that reads this
         * registration, so our epoch sample happens-before its increment. */
        if (lfgo_atomic_cas_weak_at(swg_register_cas, &swg->slots, &s, next, memory_order_acq_rel,
                                 memory_order_relaxed))
            return take;
    }
}

/* Stops being a sleeper, and takes a slot if one is free.  Returns true if
 * it took a slot. */
static bool deregister_or_take(lfgo_swg *swg)
{
    /* relaxed: only the first guess for the CAS below. */
    uint64_t s = lfgo_atomic_load_at(swg_deregister_guess, &swg->slots, memory_order_relaxed);
    for (;;) {
        bool take = in_flight_of(s) < swg->limit;
        uint64_t next = s - LFGO__SWG_SLEEPER + (take ? 1 : 0);
        /* acquire: pairs with done()'s release when taking a slot. */
        if (lfgo_atomic_cas_weak_at(swg_deregister_cas, &swg->slots, &s, next, memory_order_acquire,
                                 memory_order_relaxed))
            return take;
    }
}

/*
 * One registration: sample epoch, register (or take a free slot), park while
 * epoch holds the sample, deregister (or take a free slot).  LFGO_OK: took a
 * slot.  LFGO_TIMEOUT: the deadline passed and no slot was free.
 * LFGO_WOULDBLOCK: woken (or spurious) and no slot was free: try again.
 */
static lfgo_status park_once(lfgo_swg *swg, const struct timespec *deadline)
{
    /* acquire: pairs with the release increment in lfgo__swg_wake, so a
     * sample that is already new shows that done()'s freed slot to the CAS
     * below.  (That the sample cannot be too new: see the file comment.) */
    uint32_t e = lfgo_atomic_load_at(swg_park_sample, &swg->epoch, memory_order_acquire);
    if (register_or_take(swg))
        return LFGO_OK;
    bool timed_out = false;
    /* acquire: pairs with the release increment in lfgo__swg_wake; the woken
     * adder's CAS in deregister_or_take then sees the freed slot. */
    while (!timed_out && lfgo_atomic_load_at(swg_park_recheck, &swg->epoch, memory_order_acquire) == e)
        timed_out = lfgo__park_wait(&swg->epoch, e, deadline);
    if (deregister_or_take(swg))
        return LFGO_OK;
    return timed_out ? LFGO_TIMEOUT : LFGO_WOULDBLOCK;
}

lfgo_status lfgo__swg_add_slow(lfgo_swg *swg, const struct timespec *deadline)
{
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    for (;;) {
        if (lfgo__swg_take(swg))
            return LFGO_OK;
        if (lfgo__spin(&sp)) { /* poll without registering: no wake needed */
            if (deadline && lfgo__deadline_passed(deadline))
                return LFGO_TIMEOUT;
            continue;
        }
        lfgo_status st = park_once(swg, deadline);
        if (st != LFGO_WOULDBLOCK)
            return st;
    }
}

void lfgo__swg_wake(lfgo_swg *swg)
{
    /* release: pairs with the acquire loads of epoch in park_once; our slot
     * CAS is sequenced before, so an adder that sees the new epoch sees the
     * freed slot. */
    lfgo_atomic_fetch_add_at(swg_wake, &swg->epoch, 1u, memory_order_release);
    lfgo__park_wake_one(&swg->epoch);
}

lfgo_status lfgo_swg_add_until(lfgo_swg *swg, const struct timespec *deadline)
{
    if (!swg) {
        null_swg("lfgo_swg_add_until");
        return LFGO_MISUSE;
    }
    if (lfgo__bad_deadline("lfgo_swg_add_until", deadline))
        return LFGO_MISUSE;
    if (!lfgo__swg_take(swg)) {
        if (lfgo__deadline_passed(deadline))
            return LFGO_TIMEOUT;
        lfgo_status st = lfgo__swg_add_slow(swg, deadline);
        if (st != LFGO_OK)
            return st;
    }
    lfgo__wg_add_inline(&swg->wg, 1);
    return LFGO_OK;
}

void lfgo_swg_wait(lfgo_swg *swg)
{
    if (!swg) {
        null_swg("lfgo_swg_wait");
        return;
    }
    lfgo_wg_wait(&swg->wg);
}

lfgo_status lfgo_swg_try_wait(lfgo_swg *swg)
{
    if (!swg) {
        null_swg("lfgo_swg_try_wait");
        return LFGO_MISUSE;
    }
    return lfgo_wg_try_wait(&swg->wg);
}

lfgo_status lfgo_swg_wait_until(lfgo_swg *swg, const struct timespec *deadline)
{
    if (!swg) {
        null_swg("lfgo_swg_wait_until");
        return LFGO_MISUSE;
    }
    if (lfgo__bad_deadline("lfgo_swg_wait_until", deadline))
        return LFGO_MISUSE;
    return lfgo_wg_wait_until(&swg->wg, deadline);
}

int64_t lfgo_swg_in_flight(const lfgo_swg *swg)
{
    if (!swg) {
        null_swg("lfgo_swg_in_flight");
        return 0;
    }
    /* relaxed: a diagnostic snapshot that orders nothing. */
    uint64_t s = lfgo_atomic_load_at(swg_inflight, (LFGO_ATOMIC(uint64_t) *)&swg->slots, memory_order_relaxed);
    return in_flight_of(s);
}

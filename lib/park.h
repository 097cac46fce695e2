/*
 * lib/park.h - the parking layer (internal): how every lfgo primitive sleeps.
 *
 * A thread parks on a 32-bit atomic word while the word holds an expected
 * value, and is woken by another thread that changed the word.  Two
 * implementations share this interface:
 *  - park_futex.c: Linux futex, FUTEX_PRIVATE_FLAG, FUTEX_WAIT_BITSET for an
 *    absolute CLOCK_MONOTONIC deadline;
 *  - park_fallback.c (LFGO_PARK_FALLBACK): a hashed table of mutex+condvar
 *    buckets keyed by address, for systems without futex.
 *
 * Contract, for both:
 *  - lfgo__park_wait returns when the word was seen != expected, when woken,
 *    spuriously, or when the deadline passed.  Callers always recheck their
 *    condition: the return value only says whether the deadline has passed.
 *  - The check of the word and the sleep are atomic with respect to
 *    lfgo__park_wake on the same word: a waker that changes the word and then
 *    calls wake cannot be missed.
 *  - A wake may be issued on the address of an object that a woken thread
 *    has already freed (a primitive whose last write released the waiter
 *    wakes after that write): it then wakes nobody, or spuriously wakes a
 *    thread parked on whatever now lives there, which rechecks.  Never an
 *    error.
 *  - Neither call orders memory.  Synchronisation comes from the atomic
 *    accesses of the primitive on the word itself (an acquire load of the
 *    word after the wait pairs with the waker's release store or RMW).
 *
 * Waiter accounting (a waiter bit or count in the primitive's own state) is
 * the primitive's job: lfgo__park_wake is a system call on Linux, so a
 * primitive calls it only when its state says somebody may be asleep.
 */
#ifndef LFGO_LIB_PARK_H
#define LFGO_LIB_PARK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"

typedef LFGO_ATOMIC(uint32_t) lfgo__word;

/* Sleeps while *w == expected.  Returns true if `deadline` (absolute
 * CLOCK_MONOTONIC; NULL = none) has passed, false otherwise. */
bool lfgo__park_wait(lfgo__word *w, uint32_t expected, const struct timespec *deadline);

/* Wakes up to one / all threads parked on w. */
void lfgo__park_wake_one(lfgo__word *w);
void lfgo__park_wake_all(lfgo__word *w);

/* True if the absolute CLOCK_MONOTONIC deadline has passed (NULL: never).
 * Exported (not API) for liblfgo-twin; everything else in this header is
 * hidden (internal to liblfgo); the exported set is listed in
 * cmake/lfgo.map. */
LFGO_API bool lfgo__deadline_passed(const struct timespec *deadline);

/* lfgo_now() as nanoseconds, for the batcher's stamps and the pool's
 * statistics (which subtract and compare, never build a deadline). */
static inline uint64_t lfgo__now_ns(void)
{
    struct timespec t = lfgo_now();
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/*
 * Spin-then-park.  A waiter first spins (PAUSE), then yields the CPU, then
 * parks.  Usage:
 *
 *     lfgo__spinner s = LFGO__SPINNER_INIT;
 *     while (!ready()) {
 *         if (lfgo__spin(&s)) continue;       // budget left: look again
 *         announce_sleeper(); if (!ready()) lfgo__park_wait(...);
 *     }
 *
 * The budget (docs/design.md, "Spin budget") is LFGO__SPIN_PAUSES PAUSE
 * rounds then LFGO__SPIN_YIELDS sched_yield() calls.  Yielding hands the core
 * to a runnable thread when threads outnumber cores, so the spinner does not
 * burn the CPU the other side needs.
 */
typedef struct lfgo__spinner {
    uint32_t round;
    uint32_t fine; /* nonzero: look after every PAUSE (LFGO__SPINNER_FINE_INIT) */
} lfgo__spinner;

#define LFGO__SPINNER_INIT {0, 0}
/* For a waiter that exactly one partner releases, with one write to a word
 * only the two of them touch (the unbuffered exchange slot, a waiter's own
 * record): the same 63 PAUSEs, but a look after each instead of backing off
 * to 32 between looks, so the partner's write is seen within one PAUSE and
 * not up to ~0.8 us later.  Ring waiters keep the backoff: a receiver that
 * polls a slot the producer is filling only pulls the line back and forth. */
#define LFGO__SPINNER_FINE_INIT {0, 1}

bool lfgo__spin(lfgo__spinner *s);

#endif /* LFGO_LIB_PARK_H */

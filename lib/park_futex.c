/*
 * lib/park_futex.c - the parking layer on Linux futex (see park.h).
 *
 * FUTEX_WAIT_BITSET with FUTEX_BITSET_MATCH_ANY takes an absolute timeout on
 * CLOCK_MONOTONIC (its default clock), which is exactly lfgo's deadline form,
 * so no relative-time arithmetic (and no drift across EINTR) is needed.
 * FUTEX_PRIVATE_FLAG: objects are process-private for now.
 */
#if !defined(LFGO_PARK_FALLBACK)

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "park.h"

static long futex(lfgo__word *w, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, (void *)w, op | FUTEX_PRIVATE_FLAG, val, ts, NULL,
                   FUTEX_BITSET_MATCH_ANY);
}

bool lfgo__park_wait(lfgo__word *w, uint32_t expected, const struct timespec *deadline)
{
    /* A past deadline may have a negative tv_sec, which the futex rejects. */
    if (lfgo__deadline_passed(deadline))
        return true;
    if (futex(w, FUTEX_WAIT_BITSET, expected, deadline) == 0)
        return false;
    switch (errno) {
    case EAGAIN: /* *w != expected already */
    case EINTR:  /* a signal: the caller rechecks */
        return false;
    case ETIMEDOUT:
        return true;
    default:
        lfgo__die("lfgo__park_wait", "FUTEX_WAIT_BITSET failed", errno);
    }
}

static void wake(lfgo__word *w, int n)
{
    /* EFAULT: the waiter already returned and freed the object (see park.h);
     * nobody can be asleep on an unmapped address, so there is nothing to do. */
    if (futex(w, FUTEX_WAKE, (uint32_t)n, NULL) < 0 && errno != EFAULT)
        lfgo__die("lfgo__park_wake", "FUTEX_WAKE failed", errno);
}

void lfgo__park_wake_one(lfgo__word *w) { wake(w, 1); }
void lfgo__park_wake_all(lfgo__word *w) { wake(w, INT_MAX); }

#endif /* !LFGO_PARK_FALLBACK */

/*
 * lib/spin_time.c - the bounded spin that comes before parking, and the
 * CLOCK_MONOTONIC helpers (lfgo_now, lfgo_deadline_after_ns,
 * lfgo__deadline_passed).
 *
 * The budget is chosen from measurements on the project machine; the numbers
 * and the program that reproduces them are in docs/design.md ("Spin budget").
 * PAUSE rounds back off exponentially (1, 2, 4, ... up to 32 PAUSEs per round)
 * so that a spinner polls the shared line less often the longer it waits;
 * a waiter that exactly one partner releases looks after every PAUSE.
 */
#include <errno.h>
#include <sched.h>

#include "park.h"

/* The budget: ~1.6 us of PAUSE, then yields, about what parking costs the
 * parked thread; the measurements (bench/park_costs) are in docs/design.md,
 * "Spin budget".  Both constants may be overridden with -D for experiments. */
#ifndef LFGO__SPIN_PAUSES
#define LFGO__SPIN_PAUSES 6u /* rounds of PAUSE: 1+2+4+8+16+32 = 63 PAUSEs */
#endif
#ifndef LFGO__SPIN_YIELDS
#define LFGO__SPIN_YIELDS 16u /* then this many sched_yield() calls */
#endif

/* The fine schedule (LFGO__SPINNER_FINE_INIT): the same 63 PAUSEs, with a
 * look after every one, for a waiter that one partner releases; its reason
 * and figures are in docs/design.md ("Spin budget", "One partner"). */
#ifndef LFGO__SPIN_FINE_ROUNDS
#define LFGO__SPIN_FINE_ROUNDS 63u
#endif

bool lfgo__spin(lfgo__spinner *s)
{
    uint32_t r = s->round++;
    uint32_t pauses = s->fine ? LFGO__SPIN_FINE_ROUNDS : LFGO__SPIN_PAUSES;
    if (r < pauses) {
        uint32_t n = s->fine ? 1u : 1u << (r < 5 ? r : 5);
        for (uint32_t i = 0; i < n; i++)
            lfgo_cpu_relax();
        return true;
    }
    if (r < pauses + LFGO__SPIN_YIELDS) {
        sched_yield();
        return true;
    }
    s->round = pauses + LFGO__SPIN_YIELDS; /* stay exhausted */
    return false;
}

bool lfgo__deadline_passed(const struct timespec *deadline)
{
    if (!deadline)
        return false;
    struct timespec now = lfgo_now();
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

struct timespec lfgo_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        lfgo__die("lfgo_now", "clock_gettime(CLOCK_MONOTONIC) failed", errno);
    return ts;
}

struct timespec lfgo_deadline_after_ns(int64_t ns)
{
    struct timespec ts = lfgo_now();
    int64_t nsec = (int64_t)ts.tv_nsec + ns % 1000000000;
    int64_t sec = (int64_t)ts.tv_sec + ns / 1000000000;
    if (nsec >= 1000000000) {
        nsec -= 1000000000;
        sec++;
    } else if (nsec < 0) {
        nsec += 1000000000;
        sec--;
    }
    ts.tv_sec = (time_t)sec;
    ts.tv_nsec = (long)nsec;
    return ts;
}

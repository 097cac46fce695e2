/* bench/chan/spin_wait.h - the wait of every spinning channel peer
 * (peers.c, dpdk.c, floor.c): PAUSE, and a sched_yield every 64 failed
 * tries, so that with more threads than cores a waiter hands its core to the
 * thread it waits for.  The pass's deadline (peers.h) is read on every
 * yield only: a yield can hand the core away for a time slice, and the 63
 * PAUSEs before it take well under a microsecond. */
#pragma once
#include <sched.h>
#include <stdint.h>
#include <time.h>

static inline int64_t peer_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* One failed try: returns 0 once the deadline has passed (give up). */
static inline int peer_backoff(unsigned *n, int64_t deadline)
{
    if ((++*n & 63u) != 0) {
        __builtin_ia32_pause();
        return 1;
    }
    sched_yield();
    return peer_now_ns() < deadline;
}

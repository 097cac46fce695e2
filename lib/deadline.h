/*
 * lib/deadline.h - the one deadline check of every _until call, lfgo's and
 * the twin's (internal; no atomics).
 *
 * A deadline is an absolute CLOCK_MONOTONIC time.  Any valid time is
 * accepted: one in the past (even with a negative tv_sec) means "try once,
 * then LFGO_TIMEOUT"; one far in the future waits as long as the clock
 * allows.  NULL, or a tv_nsec outside [0, 10^9), is misuse, reported before
 * the call attempts anything.
 */
#ifndef LFGO_LIB_DEADLINE_H
#define LFGO_LIB_DEADLINE_H

#include <stdbool.h>
#include <time.h>

#include "lfgo/common.h"

/* Reports misuse for `func` and returns true if `d` is NULL or malformed. */
LFGO_API bool lfgo__bad_deadline(const char *func, const struct timespec *d);

#endif /* LFGO_LIB_DEADLINE_H */

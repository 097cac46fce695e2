/*
 * lib/select_plan.h - what lfgo's select (lib/chan_select.c) and the twin's
 * (lib/twin/chan.c) share: checking the cases, the random case order, and
 * the order in which a select takes its channels' locks (internal; no
 * atomics).
 *
 * - Case order: the enabled cases are put in a uniformly random order
 *   (Fisher-Yates over a per-thread xorshift), and tried in it, so among the
 *   cases ready at one moment each is chosen with equal probability (Go's
 *   pollorder).
 * - Lock order: a select that locks several channels locks each distinct
 *   channel once, in address order (Go's lockorder), so two selects over the
 *   same channels cannot deadlock.
 *
 * Each library that includes this header has its own copy of the generator's
 * per-thread state (the functions are static inline): nothing is exported.
 *
 * Dependency order: includes lfgo/chan.h (the op and status enums) and the C
 * library; included by chan_select.c and lib/twin/chan.c.
 */
#ifndef LFGO_LIB_SELECT_PLAN_H
#define LFGO_LIB_SELECT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "lfgo/chan.h"

/* Reports misuse and returns true if the case array or `chosen` is bad. */
static inline bool lfgo__bad_select_args(const char *func, const void *cases, size_t n,
                                         const size_t *chosen)
{
    if ((n && !cases) || !chosen) {
        lfgo__misuse(func, n && !cases ? "NULL cases" : "NULL chosen");
        return true;
    }
    return false;
}

/* Reports misuse and returns true if an enabled case is bad: an op that is
 * neither RECV nor SEND, or a NULL value to send on a channel whose elements
 * have a size. */
static inline bool lfgo__bad_select_case(const char *func, lfgo_select_op op, const void *elem,
                                         size_t elem_size)
{
    if (op != LFGO_SELECT_RECV && op != LFGO_SELECT_SEND) {
        lfgo__misuse(func, "invalid select op");
        return true;
    }
    if (op == LFGO_SELECT_SEND && !elem && elem_size != 0) {
        lfgo__misuse(func, "NULL element in an enabled send case");
        return true;
    }
    return false;
}

/* One case as the checks see it (each library's case type has these). */
typedef struct lfgo__case_view {
    const void *chan; /* NULL: the case is disabled */
    lfgo_select_op op;
    const void *elem;
    size_t elem_size; /* the channel's; read only if chan is not NULL */
} lfgo__case_view;

/* Checks a select's arguments and every enabled case (`view` gives case i);
 * *m is the number of enabled cases.  True (after the report) if bad. */
static inline bool lfgo__bad_select(const char *func, const void *cases, size_t n,
                                    const size_t *chosen,
                                    lfgo__case_view (*view)(const void *cases, size_t i),
                                    size_t *m)
{
    if (lfgo__bad_select_args(func, cases, n, chosen))
        return true;
    *m = 0;
    for (size_t i = 0; i < n; i++) {
        lfgo__case_view c = view(cases, i);
        if (!c.chan)
            continue;
        if (lfgo__bad_select_case(func, c.op, c.elem, c.elem_size))
            return true;
        (*m)++;
    }
    return false;
}

/* A per-thread pseudo-random number (xorshift64, seeded from the clock and
 * the thread's own address). */
static inline uint32_t lfgo__select_rand(void)
{
    static _Thread_local uint64_t x;
    if (x == 0) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        x = ((uint64_t)(uintptr_t)&x * 0x9E3779B97F4A7C15ull) ^ (uint64_t)t.tv_nsec ^
            ((uint64_t)t.tv_sec << 32) ^ 1u;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (uint32_t)(x >> 32);
}

/* Puts order[0..m) in a uniformly random order. */
static inline void lfgo__select_shuffle(uint32_t *order, size_t m)
{
    for (size_t k = m; k > 1; k--) {
        size_t j = lfgo__select_rand() % k;
        uint32_t t = order[k - 1];
        order[k - 1] = order[j];
        order[j] = t;
    }
}

static inline int lfgo__select_cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

/* Sorts locks[0..n) by address and drops repeats; returns how many remain:
 * the order in which to lock them. */
static inline size_t lfgo__select_lock_order(void **locks, size_t n)
{
    qsort(locks, n, sizeof *locks, lfgo__select_cmp_ptr);
    size_t u = 0;
    for (size_t k = 0; k < n; k++)
        if (u == 0 || locks[u - 1] != locks[k])
            locks[u++] = locks[k];
    return u;
}

#endif /* LFGO_LIB_SELECT_PLAN_H */

/*
 * lib/chan_batch.h - the batch calls' loops (send_many, recv_many and their
 * _until and try_ forms), shared by lfgo (lib/chan.c) and the twin
 * (lib/twin/chan.c) (internal; no atomics).  Each library passes its own
 * single send or receive; the loop gives every element the same contract as
 * that call (include/lfgo/chan.h, "Batches").
 *
 * Dependency order: includes lfgo/common.h only; included by chan.c and
 * lib/twin/chan.c.
 */
#ifndef LFGO_LIB_CHAN_BATCH_H
#define LFGO_LIB_CHAN_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lfgo/common.h"

/* One send or receive on channel `ch` (either library's). */
typedef lfgo_status (*lfgo__one_fn)(void *ch, void *elem, const struct timespec *deadline,
                                    bool try_only);

/* The i-th element of a batch array (NULL stays NULL: zero-size elements
 * or a discarding receive). */
static inline void *lfgo__batch_nth(const void *base, size_t elem_size, size_t i)
{
    return base ? (unsigned char *)(uintptr_t)base + i * elem_size : NULL;
}

/* Sends all n in order, stopping at the first status other than LFGO_OK. */
static inline lfgo_status lfgo__batch_send(void *ch, size_t elem_size, lfgo__one_fn send,
                                           const void *elems, size_t n, size_t *done,
                                           const struct timespec *deadline, bool try_only)
{
    size_t i = 0;
    lfgo_status st = LFGO_OK;
    for (; i < n; i++) {
        st = send(ch, lfgo__batch_nth(elems, elem_size, i), deadline, try_only);
        if (st != LFGO_OK)
            break;
    }
    *done = i;
    return st;
}

/* Receives one as `recv` does (waiting unless try_only), then whatever else
 * is ready without waiting, up to n. */
static inline lfgo_status lfgo__batch_recv(void *ch, size_t elem_size, lfgo__one_fn recv,
                                           void *out, size_t n, size_t *done,
                                           const struct timespec *deadline, bool try_only)
{
    *done = 0;
    if (n == 0)
        return LFGO_OK;
    lfgo_status st = recv(ch, out, deadline, try_only);
    if (st != LFGO_OK)
        return st;
    size_t i = 1;
    while (i < n && recv(ch, lfgo__batch_nth(out, elem_size, i), NULL, true) == LFGO_OK)
        i++;
    *done = i;
    return LFGO_OK;
}

#endif /* LFGO_LIB_CHAN_BATCH_H */

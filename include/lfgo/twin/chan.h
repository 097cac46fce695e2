/*
 * lfgo/twin/chan.h - the lock-based twin of lfgo_chan: one pthread mutex per
 * channel guarding a ring buffer, two condition variables (not full, not
 * empty) for blocked senders and receivers of buffered channels, and Go's
 * runtime design (queues of waiter records completed under the mutex) for
 * unbuffered channels and select.  Same API shape, semantics and misuse
 * reports as lfgo/chan.h, so tests and benchmarks run against both.
 *
 * Ordering contract: as lfgo_chan (every operation takes the channel's
 * mutex, or completes a waiter record under it, which gives the same
 * happens-before edges).  The kind hint is accepted and ignored (the mutex
 * makes every kind MPMC).
 */
#ifndef LFGO_TWIN_CHAN_H
#define LFGO_TWIN_CHAN_H

#include <stddef.h>

#include "lfgo/chan.h"
#include "lfgo/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfgo_twin_chan lfgo_twin_chan;

LFGO_API size_t lfgo_twin_chan_size(size_t elem_size, size_t capacity, lfgo_chan_kind kind);
LFGO_API lfgo_status lfgo_twin_chan_create(lfgo_twin_chan **out, size_t elem_size,
                                           size_t capacity, lfgo_chan_kind kind);
LFGO_API lfgo_status lfgo_twin_chan_init(lfgo_twin_chan **out, void *mem, size_t mem_size,
                                         size_t elem_size, size_t capacity, lfgo_chan_kind kind);
LFGO_API void lfgo_twin_chan_destroy(lfgo_twin_chan *ch);

LFGO_API lfgo_status lfgo_twin_chan_send(lfgo_twin_chan *ch, const void *elem);
LFGO_API lfgo_status lfgo_twin_chan_try_send(lfgo_twin_chan *ch, const void *elem);
LFGO_API lfgo_status lfgo_twin_chan_send_until(lfgo_twin_chan *ch, const void *elem,
                                               const struct timespec *deadline);
LFGO_API lfgo_status lfgo_twin_chan_recv(lfgo_twin_chan *ch, void *out);
LFGO_API lfgo_status lfgo_twin_chan_try_recv(lfgo_twin_chan *ch, void *out);
LFGO_API lfgo_status lfgo_twin_chan_recv_until(lfgo_twin_chan *ch, void *out,
                                               const struct timespec *deadline);

LFGO_API lfgo_status lfgo_twin_chan_send_many(lfgo_twin_chan *ch, const void *elems, size_t n,
                                              size_t *done);
LFGO_API lfgo_status lfgo_twin_chan_send_many_until(lfgo_twin_chan *ch, const void *elems,
                                                    size_t n, size_t *done,
                                                    const struct timespec *deadline);
LFGO_API lfgo_status lfgo_twin_chan_try_send_many(lfgo_twin_chan *ch, const void *elems,
                                                  size_t n, size_t *done);
LFGO_API lfgo_status lfgo_twin_chan_recv_many(lfgo_twin_chan *ch, void *out, size_t n,
                                              size_t *done);
LFGO_API lfgo_status lfgo_twin_chan_recv_many_until(lfgo_twin_chan *ch, void *out, size_t n,
                                                    size_t *done,
                                                    const struct timespec *deadline);
LFGO_API lfgo_status lfgo_twin_chan_try_recv_many(lfgo_twin_chan *ch, void *out, size_t n,
                                                  size_t *done);

LFGO_API lfgo_status lfgo_twin_chan_close(lfgo_twin_chan *ch);
LFGO_API size_t lfgo_twin_chan_len(const lfgo_twin_chan *ch);
LFGO_API size_t lfgo_twin_chan_cap(const lfgo_twin_chan *ch);
LFGO_API size_t lfgo_twin_chan_elem_size(const lfgo_twin_chan *ch);

typedef struct lfgo_twin_select_case {
    lfgo_twin_chan *chan; /* NULL: disabled */
    lfgo_select_op op;
    void *elem;
    lfgo_status status;
} lfgo_twin_select_case;

LFGO_API lfgo_status lfgo_twin_select(lfgo_twin_select_case *cases, size_t n, size_t *chosen);
LFGO_API lfgo_status lfgo_twin_select_try(lfgo_twin_select_case *cases, size_t n,
                                          size_t *chosen);
LFGO_API lfgo_status lfgo_twin_select_until(lfgo_twin_select_case *cases, size_t n,
                                            size_t *chosen, const struct timespec *deadline);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_TWIN_CHAN_H */

/*
 * lib/batch_config.h - what lfgo_batch_create and lfgo_twin_batch_create
 * accept (internal; the contract is in lfgo/batch.h, "Bad input").  Both
 * store each item with an 8-byte word beside it (lfgo: the lane element's
 * header; the twin: the add time), so every buffer either of them
 * allocates is at most (8 + item_size) times max_items or the capacity:
 * bounding both by BATCH_MAX_BYTES / (8 + item_size) keeps every size
 * computation of both creates (and of the lanes' lfgo_chan_create) from
 * wrapping.  The capacity is also bounded by the channel's 2^40 slots.
 */
#ifndef LFGO_LIB_BATCH_CONFIG_H
#define LFGO_LIB_BATCH_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "lfgo/batch.h"

#define LFGO__BATCH_MAX_BYTES (SIZE_MAX / 8)
#define LFGO__BATCH_MAX_CAP ((uint64_t)1 << 40)

/* Items buffered ahead of the flusher: cfg->capacity, or the default
 * max(4 N, 4096).  Only for a configuration lfgo__batch_config_ok accepts
 * (so that 4 N cannot wrap). */
static inline size_t lfgo__batch_capacity(const lfgo_batch_config *c)
{
    if (c->capacity)
        return c->capacity;
    return c->max_items > 1024 ? 4 * c->max_items : 4096;
}

/* The inline policies count a batch's claimed slots in 31 bits
 * (lib/batch_inline.c): N < 2^31 there. */
#define LFGO__BATCH_INLINE_MAX_N (((size_t)1 << 31) - 1)

static inline bool lfgo__batch_inline(lfgo_batch_policy p)
{
    return p == LFGO_BATCH_INLINE_BLOCK || p == LFGO_BATCH_INLINE_FAIL;
}

/* The argument checks of lfgo_batch_reserve and lfgo_twin_batch_reserve:
 * true (after the misuse report) if the call must return LFGO_MISUSE.
 * `held`: this thread already holds a reservation. */
static inline bool lfgo__batch_bad_reserve(const char *func, const void *b, void *const *slot, bool held)
{
    if (!b || !slot) {
        lfgo__misuse(func, b ? "NULL slot" : "NULL batcher");
        return true;
    }
    if (held) {
        lfgo__misuse(func, "this thread already holds a reservation");
        return true;
    }
    return false;
}

static inline bool lfgo__batch_config_ok(const lfgo_batch_config *c)
{
    if (!c || c->item_size < 1 || c->item_size > LFGO_BATCH_MAX_ITEM || c->max_items < 1 ||
        c->max_delay_ns <= 0 || !c->fn ||
        (c->policy != LFGO_BATCH_BLOCK && c->policy != LFGO_BATCH_FAIL && !lfgo__batch_inline(c->policy)))
        return false;
    if (lfgo__batch_inline(c->policy) && c->max_items > LFGO__BATCH_INLINE_MAX_N)
        return false;
    size_t most = LFGO__BATCH_MAX_BYTES / (8u + c->item_size);
    if (c->max_items > most)
        return false;
    size_t cap = lfgo__batch_capacity(c);
    return cap <= most && (uint64_t)cap <= LFGO__BATCH_MAX_CAP;
}

#endif /* LFGO_LIB_BATCH_CONFIG_H */

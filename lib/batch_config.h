/*
 * lib/batch_config.h - what lfgo_batch_create and lfgo_twin_batch_create
 * accept (internal; the contract is in lfgo/batch.h, "Bad input").  Both
 * store each item with an 8-byte word beside it (lfgo: the lane element's
 * header; the twin: the add time), hence the bound on max_items.
 */
#ifndef LFGO_LIB_BATCH_CONFIG_H
#define LFGO_LIB_BATCH_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "lfgo/batch.h"

static inline bool lfgo__batch_config_ok(const lfgo_batch_config *c)
{
    return c && c->item_size >= 1 && c->item_size <= LFGO_BATCH_MAX_ITEM &&
           c->max_items >= 1 && c->max_items <= (SIZE_MAX / 2) / (8u + c->item_size) &&
           c->max_delay_ns > 0 && c->fn &&
           (c->policy == LFGO_BATCH_BLOCK || c->policy == LFGO_BATCH_FAIL);
}

#endif /* LFGO_LIB_BATCH_CONFIG_H */

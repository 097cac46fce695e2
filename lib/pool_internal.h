/*
 * lib/pool_internal.h - what lib/pool.c offers the rest of liblfgo.
 */
#ifndef LFGO_LIB_POOL_INTERNAL_H
#define LFGO_LIB_POOL_INTERNAL_H

#include <stdbool.h>

#include "lfgo/wg.h"

/* Called by lfgo_wg_wait: if the caller is a pool worker, waits for wg
 * while running that pool's tasks (lfgo_pool_wait) and returns true;
 * otherwise returns false at once, having done nothing. */
bool lfgo__pool_help_wg(lfgo_wg *wg);

#endif /* LFGO_LIB_POOL_INTERNAL_H */

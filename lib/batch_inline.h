/*
 * lib/batch_inline.h - the engine behind the inline policies of lfgo_batch
 * (LFGO_BATCH_INLINE_BLOCK / _FAIL; internal, lib/batch_inline.c).  The
 * contract is in lfgo/batch.h; lib/batch.c checks the arguments, keeps the
 * caller's reservation and chooses the lane.
 */
#ifndef LFGO_LIB_BATCH_INLINE_H
#define LFGO_LIB_BATCH_INLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lfgo/batch.h"

typedef struct lfgo__binl lfgo__binl;

/* What a reservation needs at commit time (which batch buffer). */
typedef struct lfgo__binl_res {
    void *buf;
} lfgo__binl_res;

/* Starts the engine with `nlanes` lanes and its deadline thread.  LFGO_OK,
 * LFGO_ENOMEM. */
lfgo_status lfgo__binl_create(lfgo__binl **out, const lfgo_batch_config *cfg, size_t nlanes);

/* Claims the next slot of lane `lane` (< nlanes): *slot is item_size bytes
 * of batch memory.  LFGO_OK, LFGO_CLOSED, LFGO_WOULDBLOCK (_FAIL: the
 * lane's buffers all wait for delivery). */
lfgo_status lfgo__binl_reserve(lfgo__binl *e, size_t lane, void **slot, lfgo__binl_res *res);

/* Publishes the reserved slot; may run callbacks (the batch it completes
 * and any that are ready after it). */
void lfgo__binl_commit(lfgo__binl *e, const lfgo__binl_res *res);

lfgo_status lfgo__binl_flush(lfgo__binl *e);
/* Stops claims and seals every lane; waits for the last callback unless
 * called from inside a callback.  LFGO_OK, LFGO_CLOSED (already closed). */
lfgo_status lfgo__binl_close(lfgo__binl *e);
/* Closes, waits for every delivery and the deadline thread, frees. */
void lfgo__binl_destroy(lfgo__binl *e);
/* True if the calling thread is running this engine's callback. */
bool lfgo__binl_in_callback(const lfgo__binl *e);
/* items, batches, size, deadline, forced, close, max delay (ns). */
void lfgo__binl_stats(const lfgo__binl *e, uint64_t v[7]);

#endif /* LFGO_LIB_BATCH_INLINE_H */

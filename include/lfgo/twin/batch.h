/*
 * lfgo/twin/batch.h - the lock-based twin of lfgo_batch: the seed's design, a
 * mutex-guarded buffer and a timer (a flusher thread sleeping on a condition
 * variable until the oldest item's add time + T), with the same API,
 * configuration, statistics and edge-case behaviour as lfgo/batch.h.
 * Differences: every add() is timestamped (exact max_delay_ns, at the cost
 * of a clock read per add under the mutex).  Under the inline policies the
 * adder whose item makes N takes a delivery token (a flag under the mutex,
 * not the mutex itself: it is released around the callback) and runs the
 * callback on the batches at the head of the ring; the flusher thread waits
 * for the token before a deadline, flush or close batch.  reserve/commit
 * have the same rules and misuse checks as lfgo's, but the slot is a
 * per-thread staging area and commit copies it in as add() would; commit
 * returns what add() would (LFGO_CLOSED if close() came in between).
 */
#ifndef LFGO_TWIN_BATCH_H
#define LFGO_TWIN_BATCH_H

#include "lfgo/batch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfgo_twin_batch lfgo_twin_batch;

LFGO_API lfgo_status lfgo_twin_batch_create(lfgo_twin_batch **out, const lfgo_batch_config *cfg);
LFGO_API lfgo_status lfgo_twin_batch_add(lfgo_twin_batch *b, const void *item);
LFGO_API lfgo_status lfgo_twin_batch_reserve(lfgo_twin_batch *b, void **slot);
LFGO_API lfgo_status lfgo_twin_batch_commit(lfgo_twin_batch *b, void *slot);
LFGO_API lfgo_status lfgo_twin_batch_flush(lfgo_twin_batch *b);
LFGO_API lfgo_status lfgo_twin_batch_close(lfgo_twin_batch *b);
LFGO_API void lfgo_twin_batch_destroy(lfgo_twin_batch *b);
LFGO_API lfgo_status lfgo_twin_batch_get_stats(const lfgo_twin_batch *b, lfgo_batch_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_TWIN_BATCH_H */

/*
 * lfgo/twin/batch.h - the lock-based twin of lfgo_batch: the seed's design, a
 * mutex-guarded buffer and a timer (a flusher thread sleeping on a condition
 * variable until the oldest item's add time + T), with the same API,
 * configuration, statistics and edge-case behaviour as lfgo/batch.h.
 * Differences: every add() is timestamped (exact max_delay_ns, at the cost
 * of a clock read per add under the mutex).
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
LFGO_API lfgo_status lfgo_twin_batch_flush(lfgo_twin_batch *b);
LFGO_API lfgo_status lfgo_twin_batch_close(lfgo_twin_batch *b);
LFGO_API void lfgo_twin_batch_destroy(lfgo_twin_batch *b);
LFGO_API lfgo_status lfgo_twin_batch_get_stats(const lfgo_twin_batch *b, lfgo_batch_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_TWIN_BATCH_H */

/*
 * lfgo/twin/pool.h - the lock-based twin of lfgo_pool and lfgo_group: one
 * job queue behind one pthread mutex, with condition variables, feeding the
 * same number of worker threads, with the same API shape, so that tests and
 * benchmarks run against both.
 *
 * Differences from lfgo_pool, all from having one locked queue: every
 * submission takes the mutex (and may signal a condvar); the queue grows with
 * realloc when full, so a submission may allocate; there is no stealing:
 * idle workers run the oldest job, waiters that help run the newest.
 *
 * Ordering contract: as lfgo_pool (lfgo/pool.h): submission happens-before the
 * task starts (both take the mutex); the return of a group task happens-
 * before lfgo_twin_group_wait returns; destroy returns after every task.
 *
 * Waiting: lfgo_twin_pool_wait runs queued tasks while the lfgo_twin_wg is
 * not zero, from any thread; with nothing queued it sleeps on the pool's
 * condvar, which is signalled whenever a pool task finishes, and rechecks at
 * least every LFGO_POOL_HELP_NAP_NS (a done() from outside the pool signals
 * nothing).  lfgo_twin_wg_wait does not help: in a task, wait with
 * lfgo_twin_pool_wait.
 *
 * Misuse: as lfgo_pool, with lfgo_twin_ names.
 */
#ifndef LFGO_TWIN_POOL_H
#define LFGO_TWIN_POOL_H

#include <pthread.h>
#include <stdbool.h>

#include "lfgo/common.h"
#include "lfgo/pool.h"
#include "lfgo/twin/wg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfgo_twin_pool lfgo_twin_pool;

LFGO_API lfgo_status lfgo_twin_pool_create(lfgo_twin_pool **pool, int workers);
LFGO_API void lfgo_twin_pool_destroy(lfgo_twin_pool *pool);
LFGO_API int lfgo_twin_pool_workers(const lfgo_twin_pool *pool);
LFGO_API lfgo_twin_pool *lfgo_twin_pool_current(void);
LFGO_API void lfgo_twin_go(lfgo_twin_pool *pool, lfgo_task_fn fn, void *arg);
LFGO_API void lfgo_twin_pool_wait(lfgo_twin_pool *pool, lfgo_twin_wg *wg);

typedef struct lfgo_twin_group {
    lfgo_twin_pool *pool;
    int limit; /* 0: no limit */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a place became free */
    int inflight;
    int err;
    lfgo_twin_wg wg;
} lfgo_twin_group;

LFGO_API lfgo_status lfgo_twin_group_init(lfgo_twin_group *g, lfgo_twin_pool *pool, int limit);
LFGO_API void lfgo_twin_group_destroy(lfgo_twin_group *g);
LFGO_API void lfgo_twin_group_go(lfgo_twin_group *g, lfgo_group_fn fn, void *arg);
LFGO_API int lfgo_twin_group_wait(lfgo_twin_group *g);
LFGO_API bool lfgo_twin_group_cancelled(const lfgo_twin_group *g);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_TWIN_POOL_H */

/*
 * lfgo/twin/wg.h - the lock-based twin of lfgo_wg: a pthread mutex and a
 * condition variable, with the same API shape and semantics (including the
 * misuse reports), so that tests and benchmarks run against both.
 *
 * Ordering contract: as lfgo_wg (every add/done and the wait that sees zero
 * take the same mutex, which gives the same happens-before edges).
 */
#ifndef LFGO_TWIN_WG_H
#define LFGO_TWIN_WG_H

#include <pthread.h>
#include <stdint.h>

#include "lfgo/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfgo_twin_wg {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* waited on with CLOCK_MONOTONIC (pthread_cond_clockwait) */
    int64_t count;
    uint64_t epoch; /* incremented at each release, so reuse is safe */
} lfgo_twin_wg;

#define LFGO_TWIN_WG_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0}

LFGO_API void lfgo_twin_wg_init(lfgo_twin_wg *wg);
LFGO_API void lfgo_twin_wg_destroy(lfgo_twin_wg *wg);
LFGO_API void lfgo_twin_wg_add(lfgo_twin_wg *wg, int64_t delta);
LFGO_API void lfgo_twin_wg_done(lfgo_twin_wg *wg);
LFGO_API void lfgo_twin_wg_wait(lfgo_twin_wg *wg);
LFGO_API lfgo_status lfgo_twin_wg_try_wait(lfgo_twin_wg *wg);
LFGO_API lfgo_status lfgo_twin_wg_wait_until(lfgo_twin_wg *wg, const struct timespec *deadline);
LFGO_API int32_t lfgo_twin_wg_count(const lfgo_twin_wg *wg);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_TWIN_WG_H */

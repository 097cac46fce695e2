/*
 * lfgo/twin/swg.h - the lock-based twin of lfgo_swg: a pthread mutex and a
 * condition variable for the slots, and the WaitGroup twin for the wait part,
 * with the same API shape and semantics (limit <= 0 unlimited, LFGO_EINVAL
 * above INT32_MAX, the same misuse reports under lfgo_twin_swg_* names), so
 * that tests and benchmarks run against both.
 *
 * Ordering contract: as lfgo_swg (lfgo/swg.h).  Every done() and every
 * slot-taking add() lock the same mutex, so a done() happens-before every add
 * that takes a slot after it; the wait part is lfgo_twin_wg's.
 */
#ifndef LFGO_TWIN_SWG_H
#define LFGO_TWIN_SWG_H

#include <pthread.h>
#include <stdint.h>

#include "lfgo/common.h"
#include "lfgo/swg.h"
#include "lfgo/twin/wg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfgo_twin_swg {
    pthread_mutex_t mu;
    pthread_cond_t cv;  /* adders wait here for a slot (CLOCK_MONOTONIC clockwait) */
    int64_t in_flight;  /* guarded by mu */
    int64_t limit;      /* fixed at init; INT32_MAX for unlimited */
    lfgo_twin_wg wg;    /* the wait part */
} lfgo_twin_swg;

/* Static initialiser; `limit` is a constant, <= 0 for unlimited. */
#define LFGO_TWIN_SWG_INIT(limit) \
    {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, LFGO__SWG_LIMIT(limit), LFGO_TWIN_WG_INIT}

LFGO_API lfgo_status lfgo_twin_swg_init(lfgo_twin_swg *swg, int64_t limit);
LFGO_API void lfgo_twin_swg_destroy(lfgo_twin_swg *swg);
LFGO_API void lfgo_twin_swg_add(lfgo_twin_swg *swg);
LFGO_API lfgo_status lfgo_twin_swg_try_add(lfgo_twin_swg *swg);
LFGO_API lfgo_status lfgo_twin_swg_add_until(lfgo_twin_swg *swg, const struct timespec *deadline);
LFGO_API void lfgo_twin_swg_done(lfgo_twin_swg *swg);
LFGO_API void lfgo_twin_swg_wait(lfgo_twin_swg *swg);
LFGO_API lfgo_status lfgo_twin_swg_try_wait(lfgo_twin_swg *swg);
LFGO_API lfgo_status lfgo_twin_swg_wait_until(lfgo_twin_swg *swg, const struct timespec *deadline);
LFGO_API int64_t lfgo_twin_swg_in_flight(const lfgo_twin_swg *swg);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_TWIN_SWG_H */

/*
 * lfgo/swg.h - SizedWaitGroup: remeh/sizedwaitgroup for C.  A WaitGroup that
 * also bounds how many tasks are in flight: add() blocks while `limit` tasks
 * have been added and not yet done().  A limit <= 0 means unlimited (as remeh).
 *
 *     lfgo_swg swg;
 *     lfgo_swg_init(&swg, 6);
 *     for (...) { lfgo_swg_add(&swg); start_task(); }   // task: lfgo_swg_done(&swg)
 *     lfgo_swg_wait(&swg);
 *     lfgo_swg_destroy(&swg);
 *
 * (The full contract, ordering and misuse list is documented with the
 * implementation; see docs/memory-ordering.md, "SizedWaitGroup".)
 */
#ifndef LFGO_SWG_H
#define LFGO_SWG_H

#include <stdint.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"
#include "lfgo/wg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfgo_swg lfgo_swg; /* defined below; layout is not API */

/* Initialises with a limit (<= 0: unlimited).  LFGO_EINVAL for NULL or a
 * limit that does not fit the implementation. */
LFGO_API lfgo_status lfgo_swg_init(lfgo_swg *swg, int64_t limit);
LFGO_API void lfgo_swg_destroy(lfgo_swg *swg);

/* Takes a slot, blocking while `limit` tasks are in flight. */
LFGO_API void lfgo_swg_add(lfgo_swg *swg);
/* Takes a slot if one is free now: LFGO_OK or LFGO_WOULDBLOCK. */
LFGO_API lfgo_status lfgo_swg_try_add(lfgo_swg *swg);
/* add() with an absolute CLOCK_MONOTONIC deadline: LFGO_OK or LFGO_TIMEOUT. */
LFGO_API lfgo_status lfgo_swg_add_until(lfgo_swg *swg, const struct timespec *deadline);
/* Frees a slot and counts the task done. */
LFGO_API void lfgo_swg_done(lfgo_swg *swg);
/* Blocks until every added task is done. */
LFGO_API void lfgo_swg_wait(lfgo_swg *swg);
LFGO_API lfgo_status lfgo_swg_try_wait(lfgo_swg *swg);
LFGO_API lfgo_status lfgo_swg_wait_until(lfgo_swg *swg, const struct timespec *deadline);
/* Snapshot of the tasks in flight (added, not yet done). */
LFGO_API int64_t lfgo_swg_in_flight(const lfgo_swg *swg);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_SWG_H */

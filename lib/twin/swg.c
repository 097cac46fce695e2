/*
 * lib/twin/swg.c - the lock-based SizedWaitGroup twin (see lfgo/twin/swg.h).
 * in_flight is guarded by swg->mu; adders wait on swg->cv while it is at the
 * limit; each done() signals one of them.  The wait part is lfgo_twin_wg.
 *
 * A timed-out adder looks at the slots once more under the mutex and takes a
 * free one, so a signal it may have consumed as it timed out is not lost.
 */
#include <errno.h>
#include <stdbool.h>

#include "lfgo/twin/swg.h"
#include "../deadline.h"

#define CHECK_NULL(swg, func, ret)                         \
    do {                                                   \
        if (!(swg)) {                                      \
            lfgo__misuse((func), "NULL SizedWaitGroup");   \
            return ret;                                    \
        }                                                  \
    } while (0)

lfgo_status lfgo_twin_swg_init(lfgo_twin_swg *swg, int64_t limit)
{
    if (!swg || limit > INT32_MAX)
        return LFGO_EINVAL;
    pthread_mutex_init(&swg->mu, NULL);
    pthread_cond_init(&swg->cv, NULL);
    swg->in_flight = 0;
    swg->limit = limit > 0 ? limit : INT32_MAX;
    lfgo_twin_wg_init(&swg->wg);
    return LFGO_OK;
}

void lfgo_twin_swg_destroy(lfgo_twin_swg *swg)
{
    CHECK_NULL(swg, "lfgo_twin_swg_destroy", );
    pthread_mutex_lock(&swg->mu);
    int64_t n = swg->in_flight;
    pthread_mutex_unlock(&swg->mu);
    if (n != 0 || lfgo_twin_wg_count(&swg->wg) != 0) {
        lfgo__misuse("lfgo_twin_swg_destroy", "SizedWaitGroup destroyed with tasks in flight");
        return;
    }
    lfgo_twin_wg_destroy(&swg->wg);
    pthread_cond_destroy(&swg->cv);
    pthread_mutex_destroy(&swg->mu);
}

/* Waits under the mutex for a free slot and takes it.  NULL deadline: no
 * limit.  LFGO_OK or LFGO_TIMEOUT. */
static lfgo_status take_locked(lfgo_twin_swg *swg, const struct timespec *deadline)
{
    while (swg->in_flight >= swg->limit) {
        int rc = deadline ? pthread_cond_clockwait(&swg->cv, &swg->mu, CLOCK_MONOTONIC, deadline)
                          : pthread_cond_wait(&swg->cv, &swg->mu);
        if (rc == ETIMEDOUT && swg->in_flight >= swg->limit)
            return LFGO_TIMEOUT;
    }
    swg->in_flight++;
    return LFGO_OK;
}

static lfgo_status add(lfgo_twin_swg *swg, const struct timespec *deadline)
{
    pthread_mutex_lock(&swg->mu);
    lfgo_status st = take_locked(swg, deadline);
    pthread_mutex_unlock(&swg->mu);
    if (st == LFGO_OK)
        lfgo_twin_wg_add(&swg->wg, 1);
    return st;
}

void lfgo_twin_swg_add(lfgo_twin_swg *swg)
{
    CHECK_NULL(swg, "lfgo_twin_swg_add", );
    add(swg, NULL);
}

lfgo_status lfgo_twin_swg_try_add(lfgo_twin_swg *swg)
{
    CHECK_NULL(swg, "lfgo_twin_swg_try_add", LFGO_MISUSE);
    pthread_mutex_lock(&swg->mu);
    bool free_slot = swg->in_flight < swg->limit;
    if (free_slot)
        swg->in_flight++;
    pthread_mutex_unlock(&swg->mu);
    if (!free_slot)
        return LFGO_WOULDBLOCK;
    lfgo_twin_wg_add(&swg->wg, 1);
    return LFGO_OK;
}

lfgo_status lfgo_twin_swg_add_until(lfgo_twin_swg *swg, const struct timespec *deadline)
{
    CHECK_NULL(swg, "lfgo_twin_swg_add_until", LFGO_MISUSE);
    if (lfgo__bad_deadline("lfgo_twin_swg_add_until", deadline))
        return LFGO_MISUSE;
    return add(swg, deadline);
}

void lfgo_twin_swg_done(lfgo_twin_swg *swg)
{
    CHECK_NULL(swg, "lfgo_twin_swg_done", );
    pthread_mutex_lock(&swg->mu);
    bool ok = swg->in_flight > 0;
    if (ok) {
        swg->in_flight--;
        pthread_cond_signal(&swg->cv);
    }
    pthread_mutex_unlock(&swg->mu);
    if (!ok) {
        lfgo__misuse("lfgo_twin_swg_done", "negative SizedWaitGroup counter");
        return;
    }
    lfgo_twin_wg_done(&swg->wg);
}

void lfgo_twin_swg_wait(lfgo_twin_swg *swg)
{
    CHECK_NULL(swg, "lfgo_twin_swg_wait", );
    lfgo_twin_wg_wait(&swg->wg);
}

lfgo_status lfgo_twin_swg_try_wait(lfgo_twin_swg *swg)
{
    CHECK_NULL(swg, "lfgo_twin_swg_try_wait", LFGO_MISUSE);
    return lfgo_twin_wg_try_wait(&swg->wg);
}

lfgo_status lfgo_twin_swg_wait_until(lfgo_twin_swg *swg, const struct timespec *deadline)
{
    CHECK_NULL(swg, "lfgo_twin_swg_wait_until", LFGO_MISUSE);
    if (lfgo__bad_deadline("lfgo_twin_swg_wait_until", deadline))
        return LFGO_MISUSE;
    return lfgo_twin_wg_wait_until(&swg->wg, deadline);
}

int64_t lfgo_twin_swg_in_flight(const lfgo_twin_swg *swg)
{
    CHECK_NULL(swg, "lfgo_twin_swg_in_flight", 0);
    lfgo_twin_swg *s = (lfgo_twin_swg *)swg;
    pthread_mutex_lock(&s->mu);
    int64_t n = s->in_flight;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/*
 * lib/twin/wg.c - the lock-based WaitGroup twin (see lfgo/twin/wg.h).
 * Everything is guarded by wg->mu.
 */
#include <errno.h>

#include "lfgo/twin/wg.h"
#include "../deadline.h"

#define CHECK_NULL(wg, func, ret)                    \
    do {                                             \
        if (!(wg)) {                                 \
            lfgo__misuse((func), "NULL WaitGroup"); \
            return ret;                              \
        }                                            \
    } while (0)

void lfgo_twin_wg_init(lfgo_twin_wg *wg)
{
    CHECK_NULL(wg, "lfgo_twin_wg_init", );
    pthread_mutex_init(&wg->mu, NULL);
    pthread_cond_init(&wg->cv, NULL);
    wg->count = 0;
    wg->epoch = 0;
}

void lfgo_twin_wg_destroy(lfgo_twin_wg *wg)
{
    CHECK_NULL(wg, "lfgo_twin_wg_destroy", );
    pthread_mutex_lock(&wg->mu);
    int64_t c = wg->count;
    pthread_mutex_unlock(&wg->mu);
    if (c != 0) {
        lfgo__misuse("lfgo_twin_wg_destroy", "WaitGroup destroyed with a nonzero counter");
        return;
    }
    pthread_cond_destroy(&wg->cv);
    pthread_mutex_destroy(&wg->mu);
}

void lfgo_twin_wg_add(lfgo_twin_wg *wg, int64_t delta)
{
    CHECK_NULL(wg, "lfgo_twin_wg_add", );
    if (delta < INT32_MIN || delta > INT32_MAX) {
        lfgo__misuse("lfgo_twin_wg_add", "WaitGroup counter overflow");
        return;
    }
    pthread_mutex_lock(&wg->mu);
    int64_t v = wg->count + delta;
    const char *bad = v < 0 ? "negative WaitGroup counter"
                      : v > INT32_MAX ? "WaitGroup counter overflow" : NULL;
    if (!bad) {
        wg->count = v;
        if (v == 0) {
            wg->epoch++;
            pthread_cond_broadcast(&wg->cv);
        }
    }
    pthread_mutex_unlock(&wg->mu);
    if (bad)
        lfgo__misuse("lfgo_twin_wg_add", bad);
}

void lfgo_twin_wg_done(lfgo_twin_wg *wg)
{
    lfgo_twin_wg_add(wg, -1);
}

static lfgo_status wait_locked(lfgo_twin_wg *wg, const struct timespec *deadline)
{
    uint64_t e = wg->epoch;
    while (wg->count != 0 && wg->epoch == e) {
        int rc = deadline ? pthread_cond_clockwait(&wg->cv, &wg->mu, CLOCK_MONOTONIC, deadline)
                          : pthread_cond_wait(&wg->cv, &wg->mu);
        if (rc == ETIMEDOUT && wg->count != 0 && wg->epoch == e)
            return LFGO_TIMEOUT;
    }
    return LFGO_OK;
}

void lfgo_twin_wg_wait(lfgo_twin_wg *wg)
{
    CHECK_NULL(wg, "lfgo_twin_wg_wait", );
    pthread_mutex_lock(&wg->mu);
    wait_locked(wg, NULL);
    pthread_mutex_unlock(&wg->mu);
}

lfgo_status lfgo_twin_wg_try_wait(lfgo_twin_wg *wg)
{
    CHECK_NULL(wg, "lfgo_twin_wg_try_wait", LFGO_MISUSE);
    pthread_mutex_lock(&wg->mu);
    lfgo_status s = wg->count == 0 ? LFGO_OK : LFGO_WOULDBLOCK;
    pthread_mutex_unlock(&wg->mu);
    return s;
}

lfgo_status lfgo_twin_wg_wait_until(lfgo_twin_wg *wg, const struct timespec *deadline)
{
    CHECK_NULL(wg, "lfgo_twin_wg_wait_until", LFGO_MISUSE);
    if (lfgo__bad_deadline("lfgo_twin_wg_wait_until", deadline))
        return LFGO_MISUSE;
    pthread_mutex_lock(&wg->mu);
    lfgo_status s = wait_locked(wg, deadline);
    pthread_mutex_unlock(&wg->mu);
    return s;
}

int32_t lfgo_twin_wg_count(const lfgo_twin_wg *wg)
{
    CHECK_NULL(wg, "lfgo_twin_wg_count", 0);
    lfgo_twin_wg *w = (lfgo_twin_wg *)wg;
    pthread_mutex_lock(&w->mu);
    int32_t c = (int32_t)w->count;
    pthread_mutex_unlock(&w->mu);
    return c;
}

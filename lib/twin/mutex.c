/*
 * lib/twin/mutex.c - the pthread-based Mutex twin (see lfgo/twin/mutex.h).
 * `held` is written only by the lock holder (set after lock, cleared before
 * unlock); a second unlock finds it clear.
 */
#include <errno.h>

#include "lfgo/twin/mutex.h"
#include "../deadline.h"
#include "../park.h"

#define CHECK_NULL(m, func, ret)                 \
    do {                                         \
        if (!(m)) {                              \
            lfgo__misuse((func), "NULL mutex"); \
            return ret;                          \
        }                                        \
    } while (0)

void lfgo_twin_mutex_init(lfgo_twin_mutex *m)
{
    CHECK_NULL(m, "lfgo_twin_mutex_init", );
    lfgo_twin_mutex_init_kind(m, LFGO_TWIN_MUTEX_DEFAULT);
}

lfgo_status lfgo_twin_mutex_init_kind(lfgo_twin_mutex *m, lfgo_twin_mutex_kind kind)
{
    if (!m || (kind != LFGO_TWIN_MUTEX_DEFAULT && kind != LFGO_TWIN_MUTEX_ADAPTIVE))
        return LFGO_EINVAL;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
#if defined(PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP)
    if (kind == LFGO_TWIN_MUTEX_ADAPTIVE)
        pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#else
    if (kind == LFGO_TWIN_MUTEX_ADAPTIVE) {
        pthread_mutexattr_destroy(&a);
        return LFGO_EINVAL;
    }
#endif
    int rc = pthread_mutex_init(&m->mu, &a);
    pthread_mutexattr_destroy(&a);
    if (rc != 0)
        return rc == ENOMEM ? LFGO_ENOMEM : LFGO_EINVAL;
    /* relaxed: before the mutex is shared. */
    lfgo_atomic_store_at(twin_mutex_init, &m->held, 0u, memory_order_relaxed);
    return LFGO_OK;
}

void lfgo_twin_mutex_destroy(lfgo_twin_mutex *m)
{
    CHECK_NULL(m, "lfgo_twin_mutex_destroy", );
    if (pthread_mutex_trylock(&m->mu) != 0) {
        lfgo__misuse("lfgo_twin_mutex_destroy", "destroy of a locked mutex");
        return;
    }
    pthread_mutex_unlock(&m->mu);
    pthread_mutex_destroy(&m->mu);
}

static void mark_held(lfgo_twin_mutex *m)
{
    /* relaxed: written and read by lock holders; the pthread mutex orders
     * successive holders. */
    lfgo_atomic_store_at(twin_mutex_lock, &m->held, 1u, memory_order_relaxed);
}

void lfgo_twin_mutex_lock(lfgo_twin_mutex *m)
{
    CHECK_NULL(m, "lfgo_twin_mutex_lock", );
    int rc = pthread_mutex_lock(&m->mu);
    if (rc != 0)
        lfgo__die("lfgo_twin_mutex_lock", "pthread_mutex_lock failed", rc);
    mark_held(m);
}

lfgo_status lfgo_twin_mutex_try_lock(lfgo_twin_mutex *m)
{
    CHECK_NULL(m, "lfgo_twin_mutex_try_lock", LFGO_MISUSE);
    if (pthread_mutex_trylock(&m->mu) != 0)
        return LFGO_WOULDBLOCK;
    mark_held(m);
    return LFGO_OK;
}

/* ThreadSanitizer (gcc 12) does not intercept pthread_mutex_clocklock and
 * would then report every unlock after it; under TSan the deadline is
 * converted to CLOCK_REALTIME for pthread_mutex_timedlock instead (a wall
 * clock step during the wait then shifts the timeout). */
static int timed_lock(lfgo_twin_mutex *m, const struct timespec *deadline)
{
#if defined(LFGO_TSAN)
    struct timespec now = lfgo_now(), rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    int64_t secs = (int64_t)deadline->tv_sec - (int64_t)now.tv_sec;
    if (secs > 1000000000) /* far future: ~31 years is as long as forever */
        secs = 1000000000;
    int64_t left = secs * 1000000000 + (deadline->tv_nsec - now.tv_nsec);
    int64_t ns = (int64_t)rt.tv_nsec + (left > 0 ? left : 0);
    rt.tv_sec += (time_t)(ns / 1000000000);
    rt.tv_nsec = (long)(ns % 1000000000);
    return pthread_mutex_timedlock(&m->mu, &rt);
#else
    return pthread_mutex_clocklock(&m->mu, CLOCK_MONOTONIC, deadline);
#endif
}

lfgo_status lfgo_twin_mutex_lock_until(lfgo_twin_mutex *m, const struct timespec *deadline)
{
    CHECK_NULL(m, "lfgo_twin_mutex_lock_until", LFGO_MISUSE);
    if (lfgo__bad_deadline("lfgo_twin_mutex_lock_until", deadline))
        return LFGO_MISUSE;
    if (lfgo_twin_mutex_try_lock(m) == LFGO_OK)
        return LFGO_OK;
    if (lfgo__deadline_passed(deadline)) /* a negative tv_sec is EINVAL below */
        return LFGO_TIMEOUT;
    int rc = timed_lock(m, deadline);
    if (rc == ETIMEDOUT)
        return LFGO_TIMEOUT;
    if (rc != 0)
        lfgo__die("lfgo_twin_mutex_lock_until", "pthread_mutex_clocklock failed", rc);
    mark_held(m);
    return LFGO_OK;
}

void lfgo_twin_mutex_unlock(lfgo_twin_mutex *m)
{
    CHECK_NULL(m, "lfgo_twin_mutex_unlock", );
    /* relaxed: see mark_held; an unlocked mutex reads 0 here. */
    if (!lfgo_atomic_load_at(twin_mutex_check, &m->held, memory_order_relaxed)) {
        lfgo__misuse("lfgo_twin_mutex_unlock", "unlock of unlocked mutex");
        return;
    }
    /* relaxed: see mark_held. */
    lfgo_atomic_store_at(twin_mutex_unlock, &m->held, 0u, memory_order_relaxed);
    pthread_mutex_unlock(&m->mu);
}

lfgo_status lfgo_twin_mutex_get_stats(const lfgo_twin_mutex *m, lfgo_mutex_stats *out)
{
    if (!m || !out) {
        lfgo__misuse("lfgo_twin_mutex_get_stats", m ? "NULL stats" : "NULL mutex");
        return LFGO_MISUSE;
    }
    out->starvations = 0;
    out->handoffs = 0;
    out->starving = 0;
    /* relaxed: a diagnostic snapshot. */
    out->locked =
        lfgo_atomic_load_at(twin_mutex_stats, &((lfgo_twin_mutex *)m)->held, memory_order_relaxed) != 0;
    return LFGO_OK;
}

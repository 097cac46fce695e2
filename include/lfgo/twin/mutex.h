/*
 * lfgo/twin/mutex.h - the lock-based twin of lfgo_mutex: a pthread mutex
 * (PTHREAD_MUTEX_DEFAULT; or the glibc adaptive kind, a benchmark peer), with
 * the same API shape and misuse reports, so tests and benchmarks run on both.
 *
 * Ordering contract: as lfgo_mutex (pthread_mutex_unlock synchronizes-with
 * the next successful lock).
 * Misuse: "unlock of unlocked mutex" is detected with a `held` flag kept next
 * to the pthread mutex; as with lfgo_mutex, an unlock by a thread that does
 * not hold the lock while another does is NOT detected.  There is no
 * starvation mode: lfgo_twin_mutex_get_stats reports zero hand-offs.
 * Unlike lfgo_mutex, unlocking from a thread other than the one that locked
 * is not allowed (POSIX leaves it undefined for a default mutex).
 */
#ifndef LFGO_TWIN_MUTEX_H
#define LFGO_TWIN_MUTEX_H

#include <pthread.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"
#include "lfgo/mutex.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfgo_twin_mutex {
    pthread_mutex_t mu;
    LFGO_ATOMIC(uint32_t) held; /* 1 between lock and unlock */
} lfgo_twin_mutex;

#define LFGO_TWIN_MUTEX_INIT {PTHREAD_MUTEX_INITIALIZER, 0}

typedef enum lfgo_twin_mutex_kind {
    LFGO_TWIN_MUTEX_DEFAULT = 0,  /* PTHREAD_MUTEX_DEFAULT */
    LFGO_TWIN_MUTEX_ADAPTIVE = 1  /* PTHREAD_MUTEX_ADAPTIVE_NP (spins, then sleeps) */
} lfgo_twin_mutex_kind;

LFGO_API void lfgo_twin_mutex_init(lfgo_twin_mutex *m);
/* LFGO_EINVAL for an unknown kind or one the platform does not have. */
LFGO_API lfgo_status lfgo_twin_mutex_init_kind(lfgo_twin_mutex *m, lfgo_twin_mutex_kind kind);
LFGO_API void lfgo_twin_mutex_destroy(lfgo_twin_mutex *m);
LFGO_API void lfgo_twin_mutex_lock(lfgo_twin_mutex *m);
LFGO_API lfgo_status lfgo_twin_mutex_try_lock(lfgo_twin_mutex *m);
LFGO_API lfgo_status lfgo_twin_mutex_lock_until(lfgo_twin_mutex *m, const struct timespec *deadline);
LFGO_API void lfgo_twin_mutex_unlock(lfgo_twin_mutex *m);
LFGO_API lfgo_status lfgo_twin_mutex_get_stats(const lfgo_twin_mutex *m, lfgo_mutex_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_TWIN_MUTEX_H */

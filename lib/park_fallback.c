/*
 * lib/park_fallback.c - the portable parking layer (LFGO_PARK_FALLBACK).
 *
 * A fixed table of buckets, each a pthread mutex + condvar (on
 * CLOCK_MONOTONIC) and a count of sleepers, keyed by a hash of the word's
 * address.  Addresses that share a bucket share its condvar, so a wake
 * broadcasts: extra wakeups are allowed by the contract (callers recheck).
 *
 * Why no wakeup is lost: the waiter compares the word with `expected` while
 * holding the bucket mutex and sleeps on the condvar in the same critical
 * section; the waker changed the word before calling wake, and wake takes the
 * same mutex.  So either the waiter's comparison comes after the mutex was
 * released by the waker (and sees the new value), or the waiter is already
 * asleep when the broadcast comes.
 */
#if defined(LFGO_PARK_FALLBACK)

#include <errno.h>
#include <pthread.h>

#include "park.h"

#define NBUCKETS 64u /* a power of two */

struct bucket {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned sleepers; /* guarded by mu */
} __attribute__((aligned(LFGO_CACHELINE)));

static struct bucket table[NBUCKETS];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) || pthread_condattr_setclock(&attr, CLOCK_MONOTONIC))
        lfgo__die("lfgo__park", "condattr setup failed", errno);
    for (unsigned i = 0; i < NBUCKETS; i++) {
        pthread_mutex_init(&table[i].mu, NULL);
        pthread_cond_init(&table[i].cv, &attr);
    }
    pthread_condattr_destroy(&attr);
}

static struct bucket *bucket_of(const lfgo__word *w)
{
    pthread_once(&table_once, table_init);
    uintptr_t a = (uintptr_t)w;
    a ^= a >> 17;
    a *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return &table[(a >> 20) & (NBUCKETS - 1)];
}

bool lfgo__park_wait(lfgo__word *w, uint32_t expected, const struct timespec *deadline)
{
    /* A past deadline may have a negative tv_sec, which timedwait rejects. */
    if (lfgo__deadline_passed(deadline))
        return true;
    struct bucket *b = bucket_of(w);
    bool timed_out = false;
    pthread_mutex_lock(&b->mu);
    /* relaxed: the bucket mutex orders this load against the waker's
     * change-then-lock (see the file comment); the caller's own acquire
     * load after return provides the memory ordering. */
    if (lfgo_atomic_load_at(park_fallback_compare, w, memory_order_relaxed) == expected) {
        b->sleepers++;
        int rc = deadline ? pthread_cond_timedwait(&b->cv, &b->mu, deadline)
                          : pthread_cond_wait(&b->cv, &b->mu);
        b->sleepers--;
        if (rc == ETIMEDOUT)
            timed_out = true;
        else if (rc != 0)
            lfgo__die("lfgo__park_wait", "pthread_cond_wait failed", rc);
    } else if (deadline) {
        timed_out = lfgo__deadline_passed(deadline);
    }
    pthread_mutex_unlock(&b->mu);
    return timed_out || lfgo__deadline_passed(deadline);
}

static void wake(lfgo__word *w)
{
    struct bucket *b = bucket_of(w);
    pthread_mutex_lock(&b->mu);
    if (b->sleepers)
        pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

void lfgo__park_wake_one(lfgo__word *w) { wake(w); }
void lfgo__park_wake_all(lfgo__word *w) { wake(w); }

#endif /* LFGO_PARK_FALLBACK */

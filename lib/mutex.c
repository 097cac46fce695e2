/*
 * lib/mutex.c - Mutex: the exported lock/unlock (the fast paths, called) and
 * the slow paths.  The fast paths are in lfgo/mutex.h (inline with
 * LFGO_INLINE).
 *
 * State word bits (lfgo/mutex.h): LOCKED, PARKED, STARVING, WOKEN and QLOCK.
 * The number of threads spinning for the lock is a word of its own
 * (`spinners`), so that spinners entering and leaving do not make the
 * lock/unlock CAS on `state` fail.  Waiters sleep on their own word
 * (struct lfgo__mutex_waiter, on their stack), not on `state`.
 *
 * Invariants:
 *  - head/tail, the waiters' links and every waiter's `word` change only while
 *    QLOCK is held.  PARKED == (queue not empty) whenever QLOCK is clear.
 *  - WOKEN is set by whoever takes on the duty of waking a waiter (an unlock
 *    that releases the lock with waiters queued and WOKEN clear), in the same
 *    CAS, and before that waiter's word says WOKEN.  It is cleared by the
 *    woken waiter when it acquires the lock, queues again, or gives up.  So at
 *    most one woken waiter races for the lock, and an unlock that sees WOKEN
 *    can leave the next wake to it: it will find the lock free or queue.
 *  - STARVING implies LOCKED and PARKED: it is set only by a woken waiter that
 *    found the lock held (in the CAS that queues it), and cleared when the
 *    queue drains (by hand-off of the last waiter, or a timeout that empties
 *    the queue) or by a grantee that waited less than LFGO_MUTEX_STARVE_NS.
 *    While STARVING, LOCKED is never cleared: unlock hands the lock over.
 *  - A queued waiter leaves the queue only under QLOCK: popped by a waker
 *    (word becomes WOKEN or GRANTED) or unlinked by itself on timeout (word
 *    still WAITING).  A waker touches the waiter after releasing QLOCK only
 *    through the address of its word for FUTEX_WAKE, which is harmless if the
 *    waiter has already returned (a private futex wake reads no memory).
 */
#include <sched.h>
#include <stddef.h>
#include <unistd.h>

#include "lfgo/mutex.h"

#include "deadline.h"
#include "park.h"

#define LOCKED LFGO__MUTEX_LOCKED
#define PARKED LFGO__MUTEX_PARKED
#define STARVING LFGO__MUTEX_STARVING
#define WOKEN LFGO__MUTEX_WOKEN
#define QLOCK LFGO__MUTEX_QLOCK

/* A waiter's word. */
enum { WAITING = 0, W_WOKEN = 1, W_GRANTED = 2 };

/* What lock_slow's steps report. */
enum { GOT_LOCK, GRANTED, WOKEN_UP, TIMED_OUT };

/* Spinning budget: up to LFGO__MUTEX_SPIN_ROUNDS polls of `state`, one every
 * LFGO__MUTEX_SPIN_PAUSES PAUSEs (384 PAUSEs, ~10 us); the measurements
 * behind both numbers are in docs/design.md, "Spinning policy". */
#ifndef LFGO__MUTEX_SPIN_ROUNDS
#define LFGO__MUTEX_SPIN_ROUNDS 12u
#endif
#ifndef LFGO__MUTEX_SPIN_PAUSES
#define LFGO__MUTEX_SPIN_PAUSES 32u
#endif

struct lfgo__mutex_waiter {
    struct lfgo__mutex_waiter *next, *prev; /* guarded by QLOCK */
    lfgo__word word;                        /* WAITING, W_WOKEN, W_GRANTED */
    struct timespec since;                  /* when it first queued */
    bool queued_before;
};

_Static_assert(offsetof(lfgo_mutex, state) == 0, "state must be first");
_Static_assert(sizeof(lfgo_mutex) <= LFGO_CACHELINE / 2, "a mutex fits half a line");
_Static_assert(sizeof(lfgo_mutex) == 24 + 2 * sizeof(void *) &&
                   _Alignof(lfgo_mutex) == _Alignof(LFGO_ATOMIC(uint64_t)),
               "lfgo_mutex's size is ABI (lfgo/mutex.h)");

/* The exported out-of-line calls: the inline fast paths, called. */
void lfgo_mutex_lock(lfgo_mutex *m)
{
    lfgo__mutex_lock_inline(m);
}

lfgo_status lfgo_mutex_try_lock(lfgo_mutex *m)
{
    return lfgo__mutex_try_lock_inline(m);
}

void lfgo_mutex_unlock(lfgo_mutex *m)
{
    lfgo__mutex_unlock_inline(m);
}

/* ------------------------------------------------------------ helpers */

static uint32_t ncpu(void)
{
    static LFGO_ATOMIC(uint32_t) cached;
    /* relaxed: an idempotent cache of a constant; racing writers agree. */
    uint32_t n = lfgo_atomic_load_at(mutex_ncpu_load, &cached, memory_order_relaxed);
    if (n == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c < 1 ? 1u : c > 255 ? 255u : (uint32_t)c;
        /* relaxed: see the load. */
        lfgo_atomic_store_at(mutex_ncpu_store, &cached, n, memory_order_relaxed);
    }
    return n;
}

static int64_t ns_since(const struct timespec *t)
{
    struct timespec now = lfgo_now();
    return (int64_t)(now.tv_sec - t->tv_sec) * 1000000000 + (now.tv_nsec - t->tv_nsec);
}

static void null_mutex(const char *func)
{
    lfgo__misuse(func, "NULL mutex");
}

/* Takes QLOCK; returns the state with QLOCK set. */
static uint32_t qlock(lfgo_mutex *m)
{
    /* relaxed: only a hint for the CAS below. */
    uint32_t s = lfgo_atomic_load_at(mutex_qlock_guess, &m->state, memory_order_relaxed);
    for (uint32_t i = 0;; i++) {
        /* acquire: pairs with the release in qunlock, so the queue as the
         * previous QLOCK holder left it is visible. */
        if (!(s & QLOCK) && lfgo_atomic_cas_weak_at(mutex_qlock_cas, &m->state, &s, s | QLOCK,
                                                 memory_order_acquire, memory_order_relaxed))
            return s | QLOCK;
        if (i < 64) {
            lfgo_cpu_relax();
        } else {
            sched_yield(); /* the holder may be preempted: let it run */
        }
        /* relaxed: a hint, as above. */
        s = lfgo_atomic_load_at(mutex_qlock_poll, &m->state, memory_order_relaxed);
    }
}

/* Releases QLOCK, setting and clearing other bits in the same CAS. */
static void qunlock(lfgo_mutex *m, uint32_t set, uint32_t clear)
{
    /* relaxed: the CAS below validates it. */
    uint32_t s = lfgo_atomic_load_at(mutex_qunlock_guess, &m->state, memory_order_relaxed);
    /* release: pairs with the acquire in qlock (queue changes) and, when it
     * clears LOCKED, with the acquire CAS of the next locker. */
    while (!lfgo_atomic_cas_weak_at(mutex_qunlock_cas, &m->state, &s, ((s | set) & ~clear) & ~QLOCK,
                                 memory_order_release, memory_order_relaxed)) { /* failure: retried */
    }
}

static void link_waiter(lfgo_mutex *m, struct lfgo__mutex_waiter *w, bool at_head)
{
    w->prev = w->next = NULL;
    if (!m->head) {
        m->head = m->tail = w;
    } else if (at_head) {
        w->next = m->head;
        m->head->prev = w;
        m->head = w;
    } else {
        w->prev = m->tail;
        m->tail->next = w;
        m->tail = w;
    }
}

static void unlink_waiter(lfgo_mutex *m, struct lfgo__mutex_waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        m->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        m->tail = w->prev;
}

/* ------------------------------------------------------------ waking */

/* Pops the oldest waiter and sets its word to `how` (QLOCK held). */
static struct lfgo__mutex_waiter *pop_and_mark(lfgo_mutex *m, uint32_t how)
{
    struct lfgo__mutex_waiter *w = m->head;
    unlink_waiter(m, w);
    /* release: pairs with the acquire load of the word in sleep_queued.
     * For W_GRANTED it carries the unlocker's critical section to the
     * grantee; for W_WOKEN it orders the WOKEN bit (set earlier) before. */
    lfgo_atomic_store_at(mutex_wake_mark, &w->word, how, memory_order_release);
    return w;
}

/* The caller set WOKEN (took the duty): wake the oldest waiter, if any. */
static void wake_next(lfgo_mutex *m)
{
    qlock(m);
    if (!m->head) {
        /* everyone timed out meanwhile: give the duty back */
        qunlock(m, 0, WOKEN | PARKED | STARVING);
        return;
    }
    struct lfgo__mutex_waiter *w = pop_and_mark(m, W_WOKEN);
    lfgo__word *word = &w->word; /* w may be gone after qunlock */
    qunlock(m, 0, m->head ? 0 : PARKED);
    lfgo__park_wake_one(word);
}

/* Starvation mode unlock: hand the lock (still LOCKED) to the oldest waiter. */
static void hand_off(lfgo_mutex *m)
{
    qlock(m);
    if (!m->head) {
        /* the queue drained by timeouts: an ordinary release */
        qunlock(m, 0, LOCKED | PARKED | STARVING);
        return;
    }
    struct lfgo__mutex_waiter *w = pop_and_mark(m, W_GRANTED);
    lfgo__word *word = &w->word;
    /* relaxed: a statistic, read only as a snapshot. */
    lfgo_atomic_fetch_add_at(mutex_stat_handoff, &m->handoffs, 1u, memory_order_relaxed);
    qunlock(m, 0, m->head ? 0 : PARKED | STARVING);
    lfgo__park_wake_one(word);
}

void lfgo__mutex_unlock_slow(lfgo_mutex *m)
{
    if (!m) {
        null_mutex("lfgo_mutex_unlock");
        return;
    }
    /* relaxed: a hint for the CAS. */
    uint32_t s = lfgo_atomic_load_at(mutex_unlock_guess, &m->state, memory_order_relaxed);
    bool wake;
    for (;;) {
        if (!(s & LOCKED)) {
            lfgo__misuse("lfgo_mutex_unlock", "unlock of unlocked mutex");
            return;
        }
        if (s & STARVING) {
            hand_off(m);
            return;
        }
        wake = (s & PARKED) && !(s & WOKEN);
        uint32_t n = (s & ~LOCKED) | (wake ? WOKEN : 0);
        /* release: pairs with the acquire CAS of the next locker. */
        if (lfgo_atomic_cas_weak_at(mutex_unlock_cas, &m->state, &s, n, memory_order_release,
                                    memory_order_relaxed))
            break;
    }
    if (wake)
        wake_next(m);
}

/* ------------------------------------------------------------ locking */

/* One attempt: CAS LOCKED in if it is free and not reserved for waiters. */
static bool try_acquire(lfgo_mutex *m, bool woken)
{
    /* relaxed: a hint for the CAS. */
    uint32_t s = lfgo_atomic_load_at(mutex_acquire_guess, &m->state, memory_order_relaxed);
    while (!(s & (LOCKED | STARVING))) {
        uint32_t n = (s | LOCKED) & ~(woken ? WOKEN : 0u);
        /* acquire: pairs with the release of the unlock that freed it. */
        if (lfgo_atomic_cas_weak_at(mutex_acquire_cas, &m->state, &s, n, memory_order_acquire,
                                    memory_order_relaxed))
            return true;
    }
    return false;
}

/* Registers as a spinner if spinning can pay off: there are more CPUs than
 * spinners + the holder, nobody is queued ahead of us, no starvation.  The
 * count lives in its own word, not in `state`: a spinner must not change
 * the word the holder's inline unlock and lock CAS against, or every one of
 * the holder's operations would fail its fast path while someone spins. */
static bool spin_enter(lfgo_mutex *m, bool woken)
{
    uint32_t cpus = ncpu();
    /* relaxed: a hint; the lock is taken only by an acquire CAS. */
    uint32_t s = lfgo_atomic_load_at(mutex_spin_state, &m->state, memory_order_relaxed);
    if (cpus < 2 || (s & STARVING) || ((s & PARKED) && !woken) || !(s & LOCKED))
        return false;
    /* relaxed: a hint for the CAS. */
    uint32_t n = lfgo_atomic_load_at(mutex_spinners_guess, &m->spinners, memory_order_relaxed);
    do {
        if (n + 1 >= cpus)
            return false;
        /* relaxed: the spinner count orders nothing; the lock is taken by
         * try_acquire's acquire CAS. */
    } while (!lfgo_atomic_cas_weak_at(mutex_spinners_cas, &m->spinners, &n, n + 1, memory_order_relaxed,
                                   memory_order_relaxed));
    return true;
}

/* Spins a bounded while, polling with plain loads (test-and-test-and-set:
 * a load leaves the holder's line shared, a CAS would take it away), and
 * CASes the lock in as soon as a poll sees it free.  True if it got it. */
static bool spin_acquire(lfgo_mutex *m, bool woken)
{
    bool got = false;
    for (uint32_t r = 0; r < LFGO__MUTEX_SPIN_ROUNDS; r++) {
        for (uint32_t i = 0; i < LFGO__MUTEX_SPIN_PAUSES; i++)
            lfgo_cpu_relax();
        /* relaxed: a poll; the acquire is in try_acquire. */
        uint32_t s = lfgo_atomic_load_at(mutex_spin_poll, &m->state, memory_order_relaxed);
        if (s & STARVING)
            break;
        if (!(s & LOCKED) && try_acquire(m, woken)) {
            got = true;
            break;
        }
    }
    /* relaxed: see spin_enter. */
    lfgo_atomic_fetch_sub_at(mutex_spinners_leave, &m->spinners, 1u, memory_order_relaxed);
    return got;
}

/* Sleeps until the word leaves WAITING or the deadline passes. */
static int sleep_queued(lfgo_mutex *m, struct lfgo__mutex_waiter *w,
                        const struct timespec *deadline);

/* Queues (at the tail, or at the head when woken before) and sleeps.  Under
 * QLOCK it first retries the lock, which closes the race with an unlock
 * that saw no waiter. */
static int queue_and_sleep(lfgo_mutex *m, struct lfgo__mutex_waiter *w, bool woken,
                           const struct timespec *deadline)
{
    uint32_t s = qlock(m);
    uint32_t clear = woken ? WOKEN : 0u;
    if (!w->queued_before)
        w->since = lfgo_now();
    bool starve;
    for (;;) {
        if (!(s & (LOCKED | STARVING))) {
            /* acq_rel: acquire pairs with the release of the unlock that
             * freed the lock; release ends our QLOCK section (qlock's
             * acquire).  A CAS, not qunlock: LOCKED may be taken by others
             * while we hold QLOCK. */
            if (lfgo_atomic_cas_weak_at(mutex_queue_take, &m->state, &s, (s | LOCKED) & ~(clear | QLOCK),
                                     memory_order_acq_rel, memory_order_relaxed))
                return GOT_LOCK;
            continue;
        }
        starve = woken && !(s & STARVING) && ns_since(&w->since) > LFGO_MUTEX_STARVE_NS;
        uint32_t n = (s | PARKED | (starve ? STARVING : 0u)) & ~clear;
        /* relaxed: we hold QLOCK; PARKED is set while LOCKED is seen set in
         * this same CAS, so the holder's unlock cannot miss us, and it
         * reaches the queue through qlock's acquire. */
        if (lfgo_atomic_cas_weak_at(mutex_queue_park, &m->state, &s, n, memory_order_relaxed,
                                    memory_order_relaxed))
            break;
    }
    link_waiter(m, w, w->queued_before);
    w->queued_before = true;
    /* relaxed: published by qunlock's release, read under QLOCK or by the
     * owner itself. */
    lfgo_atomic_store_at(mutex_queue_word, &w->word, WAITING, memory_order_relaxed);
    if (starve) /* relaxed: a statistic */
        lfgo_atomic_fetch_add_at(mutex_stat_starve, &m->starvations, 1u, memory_order_relaxed);
    qunlock(m, 0, 0);
    return sleep_queued(m, w, deadline);
}

/* A queued waiter's deadline passed: leave the queue unless a waker has
 * already popped it (then its word says what it got). */
static int cancel_wait(lfgo_mutex *m, struct lfgo__mutex_waiter *w)
{
    qlock(m);
    /* relaxed: QLOCK's acquire orders it after the waker's store. */
    uint32_t v = lfgo_atomic_load_at(mutex_cancel_word, &w->word, memory_order_relaxed);
    if (v != WAITING) {
        qunlock(m, 0, 0);
        return v == W_GRANTED ? GRANTED : WOKEN_UP;
    }
    unlink_waiter(m, w);
    qunlock(m, 0, m->head ? 0u : PARKED | STARVING);
    return TIMED_OUT;
}

static int sleep_queued(lfgo_mutex *m, struct lfgo__mutex_waiter *w,
                        const struct timespec *deadline)
{
    uint32_t v;
    /* acquire: pairs with the release store in pop_and_mark. */
    while ((v = lfgo_atomic_load_at(mutex_sleep_word, &w->word, memory_order_acquire)) == WAITING) {
        if (lfgo__park_wait(&w->word, WAITING, deadline) &&
            /* acquire: as above. */
            lfgo_atomic_load_at(mutex_sleep_timeout, &w->word, memory_order_acquire) == WAITING)
            return cancel_wait(m, w);
    }
    return v == W_GRANTED ? GRANTED : WOKEN_UP;
}

/* A woken waiter gives up (deadline): drop WOKEN, or pass the duty on when
 * the lock is free and others are queued. */
static void leave_woken(lfgo_mutex *m)
{
    /* relaxed: a hint for the CAS. */
    uint32_t s = lfgo_atomic_load_at(mutex_leave_guess, &m->state, memory_order_relaxed);
    bool pass;
    for (;;) {
        pass = !(s & LOCKED) && (s & PARKED);
        uint32_t n = pass ? s : s & ~WOKEN;
        /* relaxed: orders no data; the queue is reached through QLOCK. */
        if (lfgo_atomic_cas_weak_at(mutex_leave_cas, &m->state, &s, n, memory_order_relaxed,
                                    memory_order_relaxed))
            break;
    }
    if (pass)
        wake_next(m);
}

/* A grantee that waited less than the threshold ends starvation mode. */
static void granted(lfgo_mutex *m, const struct lfgo__mutex_waiter *w)
{
    if (ns_since(&w->since) < LFGO_MUTEX_STARVE_NS)
        /* relaxed: we hold the lock; the bit only steers later unlocks,
         * which read it with their own CAS. */
        lfgo_atomic_fetch_and_at(mutex_granted, &m->state, ~STARVING, memory_order_relaxed);
}

lfgo_status lfgo__mutex_lock_slow(lfgo_mutex *m, const struct timespec *deadline,
                                  const char *func)
{
    if (!m) {
        null_mutex(func);
        return LFGO_MISUSE;
    }
    struct lfgo__mutex_waiter w = {NULL, NULL, WAITING, {0, 0}, false};
    bool woken = false, spun = false;
    for (;;) {
        if (try_acquire(m, woken))
            return LFGO_OK;
        if (lfgo__deadline_passed(deadline)) {
            if (woken)
                leave_woken(m);
            return LFGO_TIMEOUT;
        }
        if (!spun && spin_enter(m, woken)) {
            if (spin_acquire(m, woken))
                return LFGO_OK;
            spun = true;
            continue;
        }
        int r = queue_and_sleep(m, &w, woken, deadline);
        if (r == GRANTED)
            granted(m, &w);
        if (r == GOT_LOCK || r == GRANTED)
            return LFGO_OK;
        if (r == TIMED_OUT)
            return LFGO_TIMEOUT;
        woken = true;
        spun = false;
    }
}

lfgo_status lfgo__mutex_try_lock_slow(lfgo_mutex *m)
{
    if (!m) {
        null_mutex("lfgo_mutex_try_lock");
        return LFGO_MISUSE;
    }
    return try_acquire(m, false) ? LFGO_OK : LFGO_WOULDBLOCK;
}

lfgo_status lfgo_mutex_lock_until(lfgo_mutex *m, const struct timespec *deadline)
{
    if (!m) {
        null_mutex("lfgo_mutex_lock_until");
        return LFGO_MISUSE;
    }
    if (lfgo__bad_deadline("lfgo_mutex_lock_until", deadline))
        return LFGO_MISUSE;
    if (lfgo__mutex_try_lock_inline(m) == LFGO_OK)
        return LFGO_OK;
    if (lfgo__deadline_passed(deadline))
        return LFGO_TIMEOUT;
    return lfgo__mutex_lock_slow(m, deadline, "lfgo_mutex_lock_until");
}

/* ------------------------------------------------------------ the rest */

void lfgo_mutex_init(lfgo_mutex *m)
{
    if (!m) {
        null_mutex("lfgo_mutex_init");
        return;
    }
    /* relaxed: initialisation happens before the mutex is shared; sharing
     * it (thread creation, a release store) orders it. */
    lfgo_atomic_store_at(mutex_init_state, &m->state, 0u, memory_order_relaxed);
    lfgo_atomic_store_at(mutex_init_spinners, &m->spinners, 0u, memory_order_relaxed);
    m->head = m->tail = NULL;
    /* relaxed: as above (statistics, before the mutex is shared). */
    lfgo_atomic_store_at(mutex_init_starve, &m->starvations, 0u, memory_order_relaxed);
    lfgo_atomic_store_at(mutex_init_handoff, &m->handoffs, 0u, memory_order_relaxed);
}

void lfgo_mutex_destroy(lfgo_mutex *m)
{
    if (!m) {
        null_mutex("lfgo_mutex_destroy");
        return;
    }
    /* An unlock that took the duty of waking a waiter (WOKEN) goes on
     * through the queue (QLOCK) after it released LOCKED, so the thread that
     * locked after it may unlock and destroy while it is still inside
     * (glibc bug 13690's shape).  Wait for it: its last access is the
     * release CAS that clears QLOCK, or WOKEN (then the woken waiter clears
     * it).  acquire: pairs with that release and with the last unlock's, so
     * the caller may free the memory once this returns. */
    uint32_t s;
    while ((s = lfgo_atomic_load_at(mutex_destroy, &m->state, memory_order_acquire)) & (QLOCK | WOKEN))
        sched_yield();
    if (s & (LOCKED | PARKED))
        lfgo__misuse("lfgo_mutex_destroy", "destroy of a locked mutex");
}

lfgo_status lfgo_mutex_get_stats(const lfgo_mutex *m, lfgo_mutex_stats *out)
{
    if (!m || !out) {
        lfgo__misuse("lfgo_mutex_get_stats", m ? "NULL stats" : "NULL mutex");
        return LFGO_MISUSE;
    }
    lfgo_mutex *mm = (lfgo_mutex *)m;
    /* relaxed (all four): a diagnostic snapshot that orders nothing. */
    uint32_t s = lfgo_atomic_load_at(mutex_stats_state, &mm->state, memory_order_relaxed);
    out->starvations = lfgo_atomic_load_at(mutex_stats_starve, &mm->starvations, memory_order_relaxed);
    out->handoffs = lfgo_atomic_load_at(mutex_stats_handoff, &mm->handoffs, memory_order_relaxed);
    out->starving = (s & STARVING) != 0;
    out->locked = (s & LOCKED) != 0;
    return LFGO_OK;
}

uint32_t lfgo__mutex_debug_queued(lfgo_mutex *m)
{
    if (!m) {
        null_mutex("lfgo__mutex_debug_queued");
        return 0;
    }
    qlock(m);
    uint32_t n = 0;
    for (const struct lfgo__mutex_waiter *w = m->head; w; w = w->next)
        n++;
    qunlock(m, 0, 0);
    return n;
}

/*
 * lib/pool.c - the work-stealing task pool and task groups (lfgo/pool.h).
 *
 * Structures:
 *  - each worker owns a Chase-Lev deque (pool_deque.h) of pointers to task
 *    records, and a slab of LFGO_POOL_SLAB records: a private free list, plus
 *    a "returned" stack onto which other threads push the records of tasks
 *    they stole (Treiber push; the owner takes the whole stack with one
 *    exchange, so there is no pop and no ABA);
 *  - the pool has one injection queue for submissions from other threads:
 *    a bounded MPMC ring of jobs, each cell with a sequence number (Vyukov's
 *    design), that carries the job itself, so it needs no record.
 *
 * Invariants:
 *  - A record is in at most one place: a free list, the returned stack, a
 *    deque slot that has not been removed, or the hands of the thread that
 *    removed it (which copies the job out and frees the record before it
 *    runs the job).
 *  - `idle` counts spinning workers (low 16 bits) and parked workers (high
 *    16 bits).  A worker sleeps only after announcing itself in `idle` and
 *    then finding no work (the announce-then-check handshake below).
 *  - `stopping` goes 0 -> STOP_BEGUN (destroy) -> STOP_EXIT (the last worker
 *    to go idle with no work anywhere, so no task is running and none can be
 *    submitted any more).  Workers leave only on STOP_EXIT.
 *
 * The wake-up handshake (Dekker-shaped): a submitter publishes its job, then
 * reads `idle`; a worker going to sleep announces itself in `idle`, then
 * looks for jobs.  Each side orders its write before its read with a seq_cst
 * fence, so at least one sees the other: the submitter wakes the worker, or
 * the worker finds the job.  Under ThreadSanitizer, which does not model
 * fences, the submitter reads `idle` with a seq_cst RMW instead, so the two
 * sides are RMWs on one word and the edge is one TSan sees.  A worker pushing
 * onto its own deque skips the fence: it runs its own deque before it ever
 * idles, so a wake-up it misses costs parallelism until its next push, never
 * progress.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lfgo/pool.h"
#include "park.h"
#include "pool_deque.h"
#include "pool_internal.h"

_Static_assert(LFGO_POOL_SLAB == LFGO__DEQUE_CAP, "a worker's slab and deque have the same bound");
_Static_assert((LFGO_POOL_INJECT & (LFGO_POOL_INJECT - 1)) == 0, "the injection ring is a power of two");

/* What runs: fn(arg), or gfn(arg) reported to grp. */
struct job {
    lfgo_task_fn fn;
    lfgo_group_fn gfn;
    void *arg;
    lfgo_group *grp;
};

struct worker;

struct task {
    struct job job;
    struct task *next;   /* free list / returned stack link */
    struct worker *home; /* whose slab it belongs to */
};

struct cell {
    LFGO_ATOMIC(uint64_t) seq; /* pos: free for the producer of pos; pos+1: holds its job */
    struct job job;
};

struct inject {
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint64_t) tail; /* next position to fill */
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint64_t) head; /* next position to empty */
    _Alignas(LFGO_CACHELINE) struct cell cell[LFGO_POOL_INJECT];
};

#if defined(LFGO_POOL_STATS)
/* The scheduler's counters (lfgo__pool_stats in lfgo/pool.h, same order). */
enum {
    PS_SPINS, PS_SPIN_FOUND, PS_SPIN_NS, PS_SPIN_REFUSED, PS_PARKS, PS_PARK_ABORTED,
    PS_SUBMITS, PS_SUBMITS_LOCAL, PS_NOTIFY_SPINNER, PS_NOTIFY_WAKE, PS_NOTIFY_BUSY, PS_HELP_NAPS, PS_N
};
struct pstats {
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint64_t) v[PS_N];
};
#endif

struct worker {
    lfgo__deque dq;
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uintptr_t) returned; /* records freed by other threads */
    _Alignas(LFGO_CACHELINE) struct task *free;               /* owner only */
    lfgo_pool *pool;
    pthread_t thread;
#if defined(LFGO_POOL_STATS)
    struct pstats st; /* events of this worker's thread */
#endif
    struct task slab[LFGO_POOL_SLAB];
};

#define SPIN_ONE 1u
#define PARKED_ONE (1u << 16)
#define SPINNING(v) ((v) & 0xffffu)
#define PARKED(v) ((v) >> 16)

enum { STOP_NONE = 0, STOP_BEGUN = 1, STOP_EXIT = 2 };

struct lfgo_pool {
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint32_t) idle; /* SPINNING | PARKED << 16 */
    _Alignas(LFGO_CACHELINE) lfgo__word wake;            /* +1 per wake-up; workers park on it */
    LFGO_ATOMIC(uint32_t) stopping;
    LFGO_ATOMIC(uint32_t) live; /* workers started (the exit check counts them) */
    uint32_t max_spin;
    int nworkers;
    struct worker *w;
#if defined(LFGO_POOL_STATS)
    struct pstats ext; /* events of threads outside the pool */
#endif
    struct inject inj;
};

static _Thread_local struct worker *self; /* the worker running on this thread */
static _Thread_local uint64_t rng;        /* victim choice */

static struct worker *self_in(const lfgo_pool *p)
{
    return self && self->pool == p ? self : NULL;
}

static uint32_t next_rand(void)
{
    if (!rng)
        rng = (uint64_t)(uintptr_t)&rng | 1u;
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* ----------------------------------------------------------- statistics */

#if defined(LFGO_POOL_STATS)
static void pstat(lfgo_pool *p, int k, uint64_t d)
{
    struct worker *w = self_in(p);
    /* relaxed: a counter; the snapshot that reads it orders nothing. */
    lfgo_atomic_fetch_add_at(pool_stat_add, &(w ? &w->st : &p->ext)->v[k], d, memory_order_relaxed);
}
#define PSTAT(p, k, d) pstat((p), (k), (d))

static uint64_t stat_clock(void) { return lfgo__now_ns(); }
#else
#define PSTAT(p, k, d) ((void)sizeof(d)) /* (nothing evaluated) */
static uint64_t stat_clock(void) { return 0; }
#endif

/* ------------------------------------------------------ injection queue */

static void inject_init(struct inject *q)
{
    /* relaxed (tail, head and every cell's seq): the pool is not shared
     * yet; pthread_create in lfgo_pool_create publishes these stores to the
     * workers; other threads get the pool by a hand-over that orders them. */
    lfgo_atomic_store_at(pool_inject_init_tail, &q->tail, 0, memory_order_relaxed);
    lfgo_atomic_store_at(pool_inject_init_head, &q->head, 0, memory_order_relaxed);
    for (uint64_t i = 0; i < LFGO_POOL_INJECT; i++)
        lfgo_atomic_store_at(pool_inject_init_seq, &q->cell[i].seq, i, memory_order_relaxed);
}

static bool inject_push(struct inject *q, const struct job *j)
{
    /* relaxed: a position to try; the cell's seq decides. */
    uint64_t pos = lfgo_atomic_load_at(pool_push_tail, &q->tail, memory_order_relaxed);
    for (;;) {
        struct cell *c = &q->cell[pos & (LFGO_POOL_INJECT - 1)];
        /* acquire: pairs with the release store of seq by the consumer that
         * emptied the cell, so its read of the old job came first. */
        int64_t dif = (int64_t)(lfgo_atomic_load_at(pool_push_seq, &c->seq, memory_order_acquire) - pos);
        if (dif < 0)
            return false; /* full */
        if (dif > 0) {
            /* relaxed: another producer took pos; a new guess, which the
             * acquire load of that cell's seq checks as it did this one. */
            pos = lfgo_atomic_load_at(pool_push_reload, &q->tail, memory_order_relaxed);
            continue;
        }
        /* relaxed: the CAS only claims the cell; the job is published by the
         * release store of seq below. */
        if (lfgo_atomic_cas_weak_at(pool_push_claim, &q->tail, &pos, pos + 1, memory_order_relaxed,
                                    memory_order_relaxed)) {
            c->job = *j;
            /* release: pairs with the consumer's acquire load of seq. */
            lfgo_atomic_store_at(pool_push_publish, &c->seq, pos + 1, memory_order_release);
            return true;
        }
    }
}

static bool inject_pop(struct inject *q, struct job *j)
{
    /* relaxed: a position to try; the cell's seq decides. */
    uint64_t pos = lfgo_atomic_load_at(pool_pop_head, &q->head, memory_order_relaxed);
    for (;;) {
        struct cell *c = &q->cell[pos & (LFGO_POOL_INJECT - 1)];
        /* acquire: pairs with the producer's release store of seq: the job. */
        int64_t dif = (int64_t)(lfgo_atomic_load_at(pool_pop_seq, &c->seq, memory_order_acquire) - (pos + 1));
        if (dif < 0)
            return false; /* empty, or its producer is still writing */
        if (dif > 0) {
            /* relaxed: another consumer took pos; a new guess, which the
             * acquire load of that cell's seq checks as it did this one. */
            pos = lfgo_atomic_load_at(pool_pop_reload, &q->head, memory_order_relaxed);
            continue;
        }
        /* relaxed: claims the cell; its seq carries the data both ways. */
        if (lfgo_atomic_cas_weak_at(pool_pop_claim, &q->head, &pos, pos + 1, memory_order_relaxed,
                                    memory_order_relaxed)) {
            *j = c->job;
            /* release: pairs with the next producer's acquire load of seq. */
            lfgo_atomic_store_at(pool_pop_free, &c->seq, pos + LFGO_POOL_INJECT, memory_order_release);
            return true;
        }
    }
}

static bool inject_nonempty(struct inject *q)
{
    /* relaxed: a hint, read after the handshake's fence (see the file
     * comment); a claimed cell whose job is not yet written counts as work,
     * and the caller goes to take it. */
    return lfgo_atomic_load_at(pool_nonempty_tail, &q->tail, memory_order_relaxed) !=
           lfgo_atomic_load_at(pool_nonempty_head, &q->head, memory_order_relaxed);
}

/* -------------------------------------------------------- task records */

/* Owner only: a free record of w's slab, or NULL if all are in use. */
static struct task *task_alloc(struct worker *w)
{
    struct task *t = w->free;
    if (!t) {
        /* acquire: pairs with the release CAS in task_release, so the
         * returners' reads of the jobs came before we reuse the records,
         * and their `next` links are visible. */
        t = (struct task *)lfgo_atomic_xchg_at(pool_returned_take, &w->returned, (uintptr_t)0,
                                               memory_order_acquire);
        if (!t)
            return NULL;
    }
    w->free = t->next;
    return t;
}

/* Gives a record back to its slab; `me` is the caller's worker (or NULL). */
static void task_release(struct worker *me, struct task *t)
{
    struct worker *h = t->home;
    if (h == me) {
        t->next = me->free;
        me->free = t;
        return;
    }
    /* relaxed: the CAS below rereads it. */
    uintptr_t old = lfgo_atomic_load_at(pool_returned_guess, &h->returned, memory_order_relaxed);
    do
        t->next = (struct task *)old;
    /* release: pairs with the owner's acquire exchange in task_alloc. */
    while (!lfgo_atomic_cas_weak_at(pool_returned_push, &h->returned, &old, (uintptr_t)t, memory_order_release,
                                 memory_order_relaxed)); /* failure: retry with the new head */
}

/* ------------------------------------------------------------- finding work */

static bool from_record(struct worker *me, uintptr_t x, struct job *j)
{
    struct task *t = (struct task *)x;
    *j = t->job;
    task_release(me, t);
    return true;
}

static bool steal_any(lfgo_pool *p, struct worker *me, struct job *j)
{
    int n = p->nworkers;
    int start = (int)(next_rand() % (uint32_t)n);
    for (int pass = 0; pass < 4; pass++) {
        bool lost = false;
        for (int i = 0; i < n; i++) {
            struct worker *v = &p->w[(start + i) % n];
            uintptr_t x;
            if (v == me)
                continue;
            lfgo__steal s = lfgo__deque_steal(&v->dq, &x);
            if (s == LFGO__STEAL_OK)
                return from_record(me, x, j);
            lost |= s == LFGO__STEAL_LOST;
        }
        if (!lost)
            return false;
    }
    return false;
}

/* Own deque (newest first), then the injection queue, then other deques. */
static bool find_work(lfgo_pool *p, struct worker *me, struct job *j)
{
    uintptr_t x;
    if (me && lfgo__deque_take(&me->dq, &x))
        return from_record(me, x, j);
    if (inject_pop(&p->inj, j))
        return true;
    return steal_any(p, me, j);
}

static bool work_visible(lfgo_pool *p)
{
    if (inject_nonempty(&p->inj))
        return true;
    for (int i = 0; i < p->nworkers; i++)
        if (lfgo__deque_size(&p->w[i].dq) > 0)
            return true;
    return false;
}

static void group_finish(lfgo_group *g, int r);

static void run_job(const struct job *j)
{
    if (j->grp)
        group_finish(j->grp, j->gfn(j->arg));
    else
        j->fn(j->arg);
}

/* ------------------------------------------------------- waking and idling */

static void wake_one(lfgo_pool *p)
{
    /* release: pairs with the acquire load of wake in park(): a worker that
     * reads this increment also sees the job that caused it. */
    lfgo_atomic_fetch_add_at(pool_wake_one, &p->wake, 1u, memory_order_release);
    lfgo__park_wake_one(&p->wake);
}

static void wake_all(lfgo_pool *p)
{
    /* release: as in wake_one. */
    lfgo_atomic_fetch_add_at(pool_wake_all, &p->wake, 1u, memory_order_release);
    lfgo__park_wake_all(&p->wake);
}

static void maybe_wake(lfgo_pool *p, uint32_t v)
{
    if (SPINNING(v) == 0 && PARKED(v) > 0) {
        PSTAT(p, PS_NOTIFY_WAKE, 1);
        wake_one(p);
    } else {
        PSTAT(p, SPINNING(v) ? PS_NOTIFY_SPINNER : PS_NOTIFY_BUSY, 1);
    }
}

/* After a push onto the caller's own deque: no fence (file comment). */
static void notify_local(lfgo_pool *p)
{
    /* relaxed: a hint; the owner runs its deque itself if nobody wakes. */
    maybe_wake(p, lfgo_atomic_load_at(pool_notify_local, &p->idle, memory_order_relaxed));
}

/* After a push onto the injection queue: the submitter's half of the
 * handshake (file comment). */
static void notify_fenced(lfgo_pool *p)
{
#if defined(LFGO_TSAN)
    maybe_wake(p, lfgo_atomic_fetch_add_at(pool_notify_fence, &p->idle, 0u, memory_order_seq_cst));
#else
    lfgo_atomic_fence_at(pool_notify_fence, memory_order_seq_cst);
    /* relaxed: ordered after the push by the fence above. */
    maybe_wake(p, lfgo_atomic_load_at(pool_notify_idle, &p->idle, memory_order_relaxed));
#endif
}

static bool become_spinner(lfgo_pool *p)
{
    /* relaxed (load and CAS): the spinner count only decides whether a
     * submitter calls wake; no data depends on it, and a spinner goes
     * through the parking handshake before it can sleep. */
    uint32_t v = lfgo_atomic_load_at(pool_spinner_guess, &p->idle, memory_order_relaxed);
    while (SPINNING(v) < p->max_spin)
        if (lfgo_atomic_cas_weak_at(pool_spinner_cas, &p->idle, &v, v + SPIN_ONE, memory_order_relaxed,
                                    memory_order_relaxed))
            return true;
    return false;
}

/* Spins (bounded, lfgo__spin's budget) while nothing is visible; true if
 * work appeared.  False at once if enough workers spin already. */
static bool spin_for_work(lfgo_pool *p)
{
    if (!become_spinner(p)) {
        PSTAT(p, PS_SPIN_REFUSED, 1);
        return false;
    }
    uint64_t t0 = stat_clock();
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    bool found = false;
    do
        found = work_visible(p);
    while (!found && lfgo__spin(&sp));
    PSTAT(p, PS_SPINS, 1);
    PSTAT(p, PS_SPIN_FOUND, found);
    PSTAT(p, PS_SPIN_NS, stat_clock() - t0);
    /* relaxed: see become_spinner. */
    lfgo_atomic_fetch_sub_at(pool_spinner_leave, &p->idle, SPIN_ONE, memory_order_relaxed);
    return found;
}

/* The last worker to go idle during shutdown, with no work left: no task
 * runs (every worker is here) and none can be submitted; tell all to leave. */
static void maybe_exit(lfgo_pool *p, uint32_t v)
{
    /* seq_cst: read after our announce, so destroy's store is seen by the
     * last announcer (destroy wakes everyone after storing). */
    if (lfgo_atomic_load_at(pool_exit_stopping, &p->stopping, memory_order_seq_cst) == STOP_BEGUN &&
        PARKED(v) == lfgo_atomic_load_at(pool_exit_live, &p->live, memory_order_seq_cst) && !work_visible(p)) {
        lfgo_atomic_store_at(pool_exit_store, &p->stopping, (uint32_t)STOP_EXIT, memory_order_seq_cst);
        wake_all(p);
    }
}

/* The announce's order.  Normal builds: relaxed, because the seq_cst fence
 * after it is the worker's half of the handshake (fence against
 * notify_fenced's fence: either the submitter's load of idle after its fence
 * reads this announce or a later RMW, all of which keep our PARKED, or our
 * loads after our fence see its push).  TSan builds (no fences): the announce
 * and notify_fenced's seq_cst RMW of idle are both RMWs, so one reads the
 * other; if ours reads its (or a later RMW of its release sequence), acquire
 * makes its push visible to work_visible below.  Nothing is released: the
 * submitter reads no data of ours. */
#if defined(LFGO_TSAN)
#define LFGO__ANNOUNCE_ORD memory_order_acquire
#else
#define LFGO__ANNOUNCE_ORD memory_order_relaxed
#endif

/* Announce, look once more, sleep until woken. */
static void park(lfgo_pool *p)
{
    /* acquire: pairs with wake_one's release increment: if we read it, the
     * job behind it is visible to the check below and we do not sleep. */
    uint32_t seq = lfgo_atomic_load_at(pool_park_wake, &p->wake, memory_order_acquire);
    /* The announce, then the fence: the worker's half of the handshake
     * (LFGO__ANNOUNCE_ORD above). */
    uint32_t v = lfgo_atomic_fetch_add_at(pool_park_announce, &p->idle, PARKED_ONE,
                                          LFGO__ANNOUNCE_ORD) + PARKED_ONE;
#if !defined(LFGO_TSAN)
    lfgo_atomic_fence_at(pool_park_fence, memory_order_seq_cst);
#endif
    maybe_exit(p, v);
    /* seq_cst: as in maybe_exit. */
    if (!work_visible(p) && lfgo_atomic_load_at(pool_park_stopping, &p->stopping,
                                                memory_order_seq_cst) != STOP_EXIT) {
        PSTAT(p, PS_PARKS, 1);
        lfgo__park_wait(&p->wake, seq, NULL);
    } else {
        PSTAT(p, PS_PARK_ABORTED, 1);
    }
    /* relaxed: a stale count only costs a submitter one needless wake. */
    lfgo_atomic_fetch_sub_at(pool_park_unannounce, &p->idle, PARKED_ONE, memory_order_relaxed);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    lfgo_pool *p = w->pool;
    self = w;
    for (;;) {
        struct job j;
        if (find_work(p, w, &j)) {
            run_job(&j);
            continue;
        }
        /* seq_cst: written once by the exiting worker, after the check. */
        if (lfgo_atomic_load_at(pool_worker_stopping, &p->stopping, memory_order_seq_cst) == STOP_EXIT)
            break;
        if (!spin_for_work(p))
            park(p);
    }
    self = NULL;
    return NULL;
}

/* ----------------------------------------------------------- submission */

/* Onto the injection queue; while it is full, run its jobs here. */
static void inject_submit(lfgo_pool *p, const struct job *j)
{
    while (!inject_push(&p->inj, j)) {
        struct job o;
        if (inject_pop(&p->inj, &o))
            run_job(&o);
        else
            lfgo_cpu_relax();
    }
    notify_fenced(p);
}

static void submit(lfgo_pool *p, const struct job *j)
{
    struct worker *w = self_in(p);
    PSTAT(p, PS_SUBMITS, 1);
    if (w) {
        struct task *t = task_alloc(w);
        if (t) {
            t->job = *j;
            if (lfgo__deque_push(&w->dq, (uintptr_t)t)) {
                PSTAT(p, PS_SUBMITS_LOCAL, 1);
                notify_local(p);
                return;
            }
            task_release(w, t);
        }
    }
    inject_submit(p, j);
}

/* Whether a submission is refused: NULL arguments, or from outside the pool
 * after destroy began. */
static bool refused(lfgo_pool *p, bool fn_null, const char *func)
{
    if (!p) {
        lfgo__misuse(func, "NULL pool");
        return true;
    }
    if (fn_null) {
        lfgo__misuse(func, "NULL task function");
        return true;
    }
    /* relaxed: misuse detection only; a submission racing with destroy is
     * the misuse itself. */
    if (!self_in(p) && lfgo_atomic_load_at(pool_refused, &p->stopping, memory_order_relaxed) != STOP_NONE) {
        lfgo__misuse(func, "submit to a pool that is being destroyed");
        return true;
    }
    return false;
}

void lfgo_go(lfgo_pool *pool, lfgo_task_fn fn, void *arg)
{
    if (refused(pool, !fn, "lfgo_go"))
        return;
    struct job j = {fn, NULL, arg, NULL};
    submit(pool, &j);
}

/* ------------------------------------------------------------- helping */

/* Nothing to run and wg not zero: spin, then nap on wg. */
static void help_idle(lfgo_pool *p, lfgo_wg *wg)
{
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    while (lfgo__spin(&sp))
        if (lfgo_wg_try_wait(wg) == LFGO_OK || work_visible(p))
            return;
    struct timespec d = lfgo_deadline_after_ns(LFGO_POOL_HELP_NAP_NS);
    PSTAT(p, PS_HELP_NAPS, 1);
    lfgo_wg_wait_until(wg, &d);
}

/* The happens-before edge of the wait is lfgo_wg_try_wait's (or
 * lfgo_wg_wait_until's) acquire of the zero counter. */
static void help(lfgo_pool *p, struct worker *me, lfgo_wg *wg)
{
    while (lfgo_wg_try_wait(wg) != LFGO_OK) {
        struct job j;
        if (find_work(p, me, &j))
            run_job(&j);
        else
            help_idle(p, wg);
    }
}

void lfgo_pool_wait(lfgo_pool *pool, lfgo_wg *wg)
{
    if (!pool || !wg) {
        lfgo__misuse("lfgo_pool_wait", pool ? "NULL WaitGroup" : "NULL pool");
        return;
    }
    help(pool, self_in(pool), wg);
}

bool lfgo__pool_help_wg(lfgo_wg *wg)
{
    if (!self)
        return false;
    help(self->pool, self, wg);
    return true;
}

/* ------------------------------------------------------ create, destroy */

static void *alloc_lines(size_t size)
{
    size_t rounded = (size + LFGO_CACHELINE - 1) / LFGO_CACHELINE * LFGO_CACHELINE;
    void *m = aligned_alloc(LFGO_CACHELINE, rounded);
    if (m)
        memset(m, 0, rounded);
    return m;
}

static void worker_init(struct worker *w, lfgo_pool *p)
{
    lfgo__deque_init(&w->dq);
    /* relaxed: not shared yet; pthread_create publishes it. */
    lfgo_atomic_store_at(pool_worker_init, &w->returned, (uintptr_t)0, memory_order_relaxed);
    w->pool = p;
    w->free = NULL;
    for (int i = LFGO_POOL_SLAB - 1; i >= 0; i--) {
        w->slab[i].home = w;
        w->slab[i].next = w->free;
        w->free = &w->slab[i];
    }
}

static int default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN) - 1;
    return n < 1 ? 1 : n > LFGO_POOL_MAX_WORKERS ? LFGO_POOL_MAX_WORKERS : (int)n;
}

/* Stops the first `started` workers (after they drain) and frees the pool. */
static void stop_and_free(lfgo_pool *p, int started)
{
    /* seq_cst: paired with the seq_cst loads in maybe_exit and park. */
    lfgo_atomic_store_at(pool_stop_live, &p->live, (uint32_t)started, memory_order_seq_cst);
    lfgo_atomic_store_at(pool_stop_begin, &p->stopping, (uint32_t)STOP_BEGUN, memory_order_seq_cst);
    wake_all(p);
    for (int i = 0; i < started; i++)
        if (pthread_join(p->w[i].thread, NULL) != 0)
            lfgo__die("lfgo_pool_destroy", "pthread_join failed", EINVAL);
    free(p->w);
    free(p);
}

lfgo_status lfgo_pool_create(lfgo_pool **out, int workers)
{
    if (!out || workers > LFGO_POOL_MAX_WORKERS)
        return LFGO_EINVAL;
    int n = workers > 0 ? workers : default_workers();
    lfgo_pool *p = alloc_lines(sizeof *p);
    struct worker *w = p ? alloc_lines((size_t)n * sizeof *w) : NULL;
    if (!w) {
        free(p);
        return LFGO_ENOMEM;
    }
    p->w = w;
    p->nworkers = n;
    p->max_spin = (uint32_t)((n + 1) / 2); /* Go: at most GOMAXPROCS/2 spin */
    inject_init(&p->inj);
    /* relaxed (idle, wake, stopping, live): the pool is not shared yet;
     * pthread_create below publishes these stores to each worker; other
     * threads get the pool from this one by a hand-over that orders them. */
    lfgo_atomic_store_at(pool_init_idle, &p->idle, 0u, memory_order_relaxed);
    lfgo_atomic_store_at(pool_init_wake, &p->wake, 0u, memory_order_relaxed);
    lfgo_atomic_store_at(pool_init_stopping, &p->stopping, (uint32_t)STOP_NONE, memory_order_relaxed);
    lfgo_atomic_store_at(pool_init_live, &p->live, (uint32_t)n, memory_order_relaxed);
    for (int i = 0; i < n; i++)
        worker_init(&w[i], p);
    for (int i = 0; i < n; i++) {
        if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
            stop_and_free(p, i);
            return LFGO_ENOMEM;
        }
    }
    *out = p;
    return LFGO_OK;
}

void lfgo_pool_destroy(lfgo_pool *pool)
{
    if (!pool) {
        lfgo__misuse("lfgo_pool_destroy", "NULL pool");
        return;
    }
    if (self_in(pool)) {
        lfgo__misuse("lfgo_pool_destroy", "pool destroyed from one of its own tasks");
        return;
    }
    stop_and_free(pool, pool->nworkers);
}

int lfgo_pool_workers(const lfgo_pool *pool)
{
    if (!pool) {
        lfgo__misuse("lfgo_pool_workers", "NULL pool");
        return 0;
    }
    return pool->nworkers;
}

lfgo_pool *lfgo_pool_current(void)
{
    return self ? self->pool : NULL;
}

bool lfgo__pool_debug_stats(const lfgo_pool *pool, lfgo__pool_stats *out)
{
    memset(out, 0, sizeof *out);
#if defined(LFGO_POOL_STATS)
    uint64_t v[PS_N] = {0};
    for (int i = -1; i < pool->nworkers; i++) {
        const struct pstats *s = i < 0 ? &pool->ext : &pool->w[i].st;
        for (int k = 0; k < PS_N; k++) /* relaxed: see pstat */
            v[k] += lfgo_atomic_load_at(pool_stat_read, (LFGO_ATOMIC(uint64_t) *)&s->v[k], memory_order_relaxed);
    }
    *out = (lfgo__pool_stats){v[PS_SPINS], v[PS_SPIN_FOUND], v[PS_SPIN_NS], v[PS_SPIN_REFUSED],
                              v[PS_PARKS], v[PS_PARK_ABORTED], v[PS_SUBMITS], v[PS_SUBMITS_LOCAL],
                              v[PS_NOTIFY_SPINNER], v[PS_NOTIFY_WAKE], v[PS_NOTIFY_BUSY], v[PS_HELP_NAPS]};
    return true;
#else
    (void)pool;
    return false;
#endif
}

/* ---------------------------------------------------------------- groups */

lfgo_status lfgo_group_init(lfgo_group *g, lfgo_pool *pool, int limit)
{
    if (!g || !pool)
        return LFGO_EINVAL;
    g->pool = pool;
    g->limit = limit > 0 ? (uint32_t)limit : 0u;
    /* relaxed (inflight, blocked, err): the group is not shared yet; what
     * hands it to another thread publishes these stores (a submission,
     * which happens-before the task it starts, see lfgo/pool.h, or the
     * caller's own synchronisation). */
    lfgo_atomic_store_at(group_init_inflight, &g->inflight, 0u, memory_order_relaxed);
    lfgo_atomic_store_at(group_init_blocked, &g->blocked, 0u, memory_order_relaxed);
    lfgo_atomic_store_at(group_init_err, &g->err, 0u, memory_order_relaxed);
    lfgo_wg_init(&g->wg);
    return LFGO_OK;
}

void lfgo_group_destroy(lfgo_group *g)
{
    if (!g) {
        lfgo__misuse("lfgo_group_destroy", "NULL group");
        return;
    }
    if (lfgo_wg_count(&g->wg) != 0) {
        lfgo__misuse("lfgo_group_destroy", "group destroyed with tasks in flight");
        return;
    }
    lfgo_wg_destroy(&g->wg);
}

/* The limit is reached: spin, then sleep on inflight (bounded, so that a
 * worker comes back to look for tasks to run). */
static void group_nap(lfgo_group *g)
{
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    while (lfgo__spin(&sp))
        /* relaxed: a hint; the caller's CAS decides. */
        if (lfgo_atomic_load_at(group_nap_guess, &g->inflight,
                                memory_order_relaxed) < g->limit || work_visible(g->pool))
            return;
    /* seq_cst (both): announce, then recheck; group_finish decrements, then
     * reads `blocked`, also seq_cst, so one of the two sees the other. */
    lfgo_atomic_fetch_add_at(group_nap_announce, &g->blocked, 1u, memory_order_seq_cst);
    uint32_t now = lfgo_atomic_load_at(group_nap_check, &g->inflight, memory_order_seq_cst);
    if (now >= g->limit) {
        struct timespec d = lfgo_deadline_after_ns(LFGO_POOL_HELP_NAP_NS);
        lfgo__park_wait(&g->inflight, now, &d);
    }
    /* relaxed: a stale count costs one needless wake. */
    lfgo_atomic_fetch_sub_at(group_nap_unannounce, &g->blocked, 1u, memory_order_relaxed);
}

/* Takes one of the `limit` places, running queued tasks while none is free. */
static void group_enter(lfgo_group *g)
{
    struct worker *me = self_in(g->pool);
    /* relaxed: a first guess for the CAS below. */
    uint32_t c = lfgo_atomic_load_at(group_enter_guess, &g->inflight, memory_order_relaxed);
    for (;;) {
        if (c < g->limit) {
            /* acquire: pairs with the seq_cst (release) decrement in
             * group_finish, so the task that freed the place happens-before
             * the task that takes it (as Go's channel-based limit does);
             * relaxed on failure: we only retry. */
            if (lfgo_atomic_cas_weak_at(group_enter_cas, &g->inflight, &c, c + 1, memory_order_acquire,
                                        memory_order_relaxed))
                return;
            continue;
        }
        struct job j;
        if (find_work(g->pool, me, &j))
            run_job(&j);
        else
            group_nap(g);
        /* relaxed: a new guess for the CAS. */
        c = lfgo_atomic_load_at(group_enter_reload, &g->inflight, memory_order_relaxed);
    }
}

void lfgo_group_go(lfgo_group *g, lfgo_group_fn fn, void *arg)
{
    if (!g) {
        lfgo__misuse("lfgo_group_go", "NULL group");
        return;
    }
    if (refused(g->pool, !fn, "lfgo_group_go"))
        return;
    if (g->limit)
        group_enter(g);
    lfgo_wg_add(&g->wg, 1);
    struct job j = {NULL, fn, arg, g};
    submit(g->pool, &j);
}

static void group_finish(lfgo_group *g, int r)
{
    if (r != 0) {
        uint32_t none = 0;
        /* release: pairs with the acquire load in lfgo_group_cancelled;
         * relaxed on failure: an earlier error is kept. */
        lfgo_atomic_cas_strong_at(group_err_set, &g->err, &none, (uint32_t)r, memory_order_release,
                                  memory_order_relaxed);
    }
    if (g->limit) {
        /* seq_cst (both): the other half of group_nap's handshake. */
        lfgo_atomic_fetch_sub_at(group_finish_dec, &g->inflight, 1u, memory_order_seq_cst);
        if (lfgo_atomic_load_at(group_finish_blocked, &g->blocked, memory_order_seq_cst))
            lfgo__park_wake_one(&g->inflight);
    }
    lfgo_wg_done(&g->wg); /* the last touch: the group may be freed after it */
}

int lfgo_group_wait(lfgo_group *g)
{
    if (!g) {
        lfgo__misuse("lfgo_group_wait", "NULL group");
        return 0;
    }
    help(g->pool, self_in(g->pool), &g->wg);
    /* relaxed: every task's CAS of err comes before its done(), which
     * happens-before the end of the wait above. */
    return (int)lfgo_atomic_load_at(group_err_wait, &g->err, memory_order_relaxed);
}

bool lfgo_group_cancelled(const lfgo_group *g)
{
    if (!g) {
        lfgo__misuse("lfgo_group_cancelled", "NULL group");
        return false;
    }
    /* acquire: pairs with the release CAS in group_finish. */
    return lfgo_atomic_load_at(group_cancelled, (LFGO_ATOMIC(uint32_t) *)&g->err, memory_order_acquire) != 0;
}

/*
 * lib/twin/pool.c - the lock-based pool twin (see lfgo/twin/pool.h).
 * Everything in struct lfgo_twin_pool is guarded by mu; a group's fields by
 * the group's mu.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lfgo/twin/pool.h"

struct tjob {
    lfgo_task_fn fn;
    lfgo_group_fn gfn;
    void *arg;
    lfgo_twin_group *grp;
};

struct lfgo_twin_pool {
    pthread_mutex_t mu;
    pthread_cond_t work;  /* a job was queued, or shutdown can finish */
    pthread_cond_t ended; /* a job ended (for helpers) */
    struct tjob *q;       /* ring of cap jobs, n of them from head */
    size_t cap, head, n;
    int running; /* jobs being run */
    int helpers; /* threads asleep on `ended` */
    bool stopping;
    int nworkers;
    pthread_t *threads;
};

static _Thread_local lfgo_twin_pool *self;

static void die_if(int rc, const char *what)
{
    if (rc != 0)
        lfgo__die("lfgo_twin_pool", what, rc);
}

/* Caller holds mu. */
static void push_locked(lfgo_twin_pool *p, const struct tjob *j)
{
    if (p->n == p->cap) {
        size_t cap = p->cap * 2;
        struct tjob *q = malloc(cap * sizeof *q);
        if (!q)
            lfgo__die("lfgo_twin_go", "out of memory for the job queue", ENOMEM);
        for (size_t i = 0; i < p->n; i++)
            q[i] = p->q[(p->head + i) % p->cap];
        free(p->q);
        p->q = q, p->cap = cap, p->head = 0;
    }
    p->q[(p->head + p->n) % p->cap] = *j;
    p->n++;
}

/* Caller holds mu and has checked n > 0.  The oldest job. */
static struct tjob pop_locked(lfgo_twin_pool *p)
{
    struct tjob j = p->q[p->head];
    p->head = (p->head + 1) % p->cap;
    p->n--;
    return j;
}

/* The newest job: what a helping waiter runs, as lfgo_pool's owner takes
 * the newest from its deque.  Running the oldest instead nests unrelated
 * waits on the helper's stack without bound (recursive fork/join). */
static struct tjob pop_newest_locked(lfgo_twin_pool *p)
{
    p->n--;
    return p->q[(p->head + p->n) % p->cap];
}

static void group_finish(lfgo_twin_group *g, int r);

/* Runs j with mu released; returns with mu held again. */
static void run_unlocked(lfgo_twin_pool *p, const struct tjob *j)
{
    p->running++;
    pthread_mutex_unlock(&p->mu);
    if (j->grp)
        group_finish(j->grp, j->gfn(j->arg));
    else
        j->fn(j->arg);
    pthread_mutex_lock(&p->mu);
    p->running--;
    if (p->helpers)
        pthread_cond_broadcast(&p->ended);
    if (p->stopping && p->n == 0 && p->running == 0)
        pthread_cond_broadcast(&p->work);
}

static void *worker_main(void *arg)
{
    lfgo_twin_pool *p = arg;
    self = p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->n > 0) {
            struct tjob j = pop_locked(p);
            run_unlocked(p, &j);
        } else if (p->stopping && p->running == 0) {
            break;
        } else {
            pthread_cond_wait(&p->work, &p->mu);
        }
    }
    pthread_mutex_unlock(&p->mu);
    self = NULL;
    return NULL;
}

lfgo_status lfgo_twin_pool_create(lfgo_twin_pool **out, int workers)
{
    if (!out || workers > LFGO_POOL_MAX_WORKERS)
        return LFGO_EINVAL;
    if (workers <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN) - 1;
        workers = c < 1 ? 1 : c > LFGO_POOL_MAX_WORKERS ? LFGO_POOL_MAX_WORKERS : (int)c;
    }
    lfgo_twin_pool *p = calloc(1, sizeof *p);
    if (!p)
        return LFGO_ENOMEM;
    p->cap = 1024;
    p->q = malloc(p->cap * sizeof *p->q);
    p->threads = calloc((size_t)workers, sizeof *p->threads);
    if (!p->q || !p->threads) {
        free(p->q), free(p->threads), free(p);
        return LFGO_ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->ended, NULL);
    for (; p->nworkers < workers; p->nworkers++)
        if (pthread_create(&p->threads[p->nworkers], NULL, worker_main, p) != 0) {
            lfgo_twin_pool_destroy(p);
            return LFGO_ENOMEM;
        }
    *out = p;
    return LFGO_OK;
}

void lfgo_twin_pool_destroy(lfgo_twin_pool *p)
{
    if (!p) {
        lfgo__misuse("lfgo_twin_pool_destroy", "NULL pool");
        return;
    }
    if (self == p) {
        lfgo__misuse("lfgo_twin_pool_destroy", "pool destroyed from one of its own tasks");
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++)
        die_if(pthread_join(p->threads[i], NULL), "pthread_join failed");
    pthread_cond_destroy(&p->ended);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p->q);
    free(p);
}

int lfgo_twin_pool_workers(const lfgo_twin_pool *p)
{
    if (!p) {
        lfgo__misuse("lfgo_twin_pool_workers", "NULL pool");
        return 0;
    }
    return p->nworkers; /* fixed at creation */
}

lfgo_twin_pool *lfgo_twin_pool_current(void)
{
    return self;
}

/* Queues j unless the submission is misuse (then reports it, returns false). */
static bool submit(lfgo_twin_pool *p, const struct tjob *j, const char *func)
{
    pthread_mutex_lock(&p->mu);
    bool refused = p->stopping && self != p;
    if (!refused) {
        push_locked(p, j);
        pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->mu);
    if (refused)
        lfgo__misuse(func, "submit to a pool that is being destroyed");
    return !refused;
}

void lfgo_twin_go(lfgo_twin_pool *p, lfgo_task_fn fn, void *arg)
{
    if (!p || !fn) {
        lfgo__misuse("lfgo_twin_go", p ? "NULL task function" : "NULL pool");
        return;
    }
    struct tjob j = {fn, NULL, arg, NULL};
    submit(p, &j, "lfgo_twin_go");
}

static struct timespec nap_deadline(void)
{
    return lfgo_deadline_after_ns(LFGO_POOL_HELP_NAP_NS);
}

/* Runs one queued job if there is one. */
static bool help_one(lfgo_twin_pool *p)
{
    pthread_mutex_lock(&p->mu);
    bool any = p->n > 0;
    if (any) {
        struct tjob j = pop_newest_locked(p);
        run_unlocked(p, &j);
    }
    pthread_mutex_unlock(&p->mu);
    return any;
}

void lfgo_twin_pool_wait(lfgo_twin_pool *p, lfgo_twin_wg *wg)
{
    if (!p || !wg) {
        lfgo__misuse("lfgo_twin_pool_wait", p ? "NULL WaitGroup" : "NULL pool");
        return;
    }
    pthread_mutex_lock(&p->mu);
    while (lfgo_twin_wg_try_wait(wg) != LFGO_OK) {
        if (p->n > 0) {
            struct tjob j = pop_newest_locked(p);
            run_unlocked(p, &j);
            continue;
        }
        struct timespec d = nap_deadline();
        p->helpers++;
        pthread_cond_clockwait(&p->ended, &p->mu, CLOCK_MONOTONIC, &d);
        p->helpers--;
    }
    pthread_mutex_unlock(&p->mu);
}

/* ---------------------------------------------------------------- groups */

lfgo_status lfgo_twin_group_init(lfgo_twin_group *g, lfgo_twin_pool *pool, int limit)
{
    if (!g || !pool)
        return LFGO_EINVAL;
    g->pool = pool;
    g->limit = limit > 0 ? limit : 0;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->inflight = 0;
    g->err = 0;
    lfgo_twin_wg_init(&g->wg);
    return LFGO_OK;
}

void lfgo_twin_group_destroy(lfgo_twin_group *g)
{
    if (!g) {
        lfgo__misuse("lfgo_twin_group_destroy", "NULL group");
        return;
    }
    if (lfgo_twin_wg_count(&g->wg) != 0) {
        lfgo__misuse("lfgo_twin_group_destroy", "group destroyed with tasks in flight");
        return;
    }
    lfgo_twin_wg_destroy(&g->wg);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
}

/* Takes a place; while none is free, runs queued jobs or naps. */
static void group_enter(lfgo_twin_group *g)
{
    for (;;) {
        pthread_mutex_lock(&g->mu);
        if (g->inflight < g->limit) {
            g->inflight++;
            pthread_mutex_unlock(&g->mu);
            return;
        }
        pthread_mutex_unlock(&g->mu);
        if (help_one(g->pool))
            continue;
        struct timespec d = nap_deadline();
        pthread_mutex_lock(&g->mu);
        if (g->inflight >= g->limit)
            pthread_cond_clockwait(&g->cv, &g->mu, CLOCK_MONOTONIC, &d);
        pthread_mutex_unlock(&g->mu);
    }
}

void lfgo_twin_group_go(lfgo_twin_group *g, lfgo_group_fn fn, void *arg)
{
    if (!g || !g->pool || !fn) {
        lfgo__misuse("lfgo_twin_group_go", !g ? "NULL group" : g->pool ? "NULL task function" : "NULL pool");
        return;
    }
    if (g->limit)
        group_enter(g);
    lfgo_twin_wg_add(&g->wg, 1);
    struct tjob j = {NULL, fn, arg, g};
    if (!submit(g->pool, &j, "lfgo_twin_group_go"))
        group_finish(g, 0);
}

static void group_finish(lfgo_twin_group *g, int r)
{
    pthread_mutex_lock(&g->mu);
    if (r != 0 && g->err == 0)
        g->err = r;
    if (g->limit) {
        g->inflight--;
        pthread_cond_signal(&g->cv);
    }
    pthread_mutex_unlock(&g->mu);
    lfgo_twin_wg_done(&g->wg); /* the last touch: the group may be freed after it */
}

int lfgo_twin_group_wait(lfgo_twin_group *g)
{
    if (!g) {
        lfgo__misuse("lfgo_twin_group_wait", "NULL group");
        return 0;
    }
    lfgo_twin_pool_wait(g->pool, &g->wg);
    pthread_mutex_lock(&g->mu);
    int e = g->err;
    pthread_mutex_unlock(&g->mu);
    return e;
}

bool lfgo_twin_group_cancelled(const lfgo_twin_group *g)
{
    if (!g) {
        lfgo__misuse("lfgo_twin_group_cancelled", "NULL group");
        return false;
    }
    lfgo_twin_group *m = (lfgo_twin_group *)g;
    pthread_mutex_lock(&m->mu);
    bool c = m->err != 0;
    pthread_mutex_unlock(&m->mu);
    return c;
}

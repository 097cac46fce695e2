/*
 * lfgo/pool.h - goroutines for C: a work-stealing task pool (lfgo_pool,
 * lfgo_go) and task groups with a limit and first-error cancel (lfgo_group,
 * Go's errgroup.Group with SetLimit).
 *
 *     lfgo_pool *pool;
 *     lfgo_pool_create(&pool, 0);          // one worker per CPU, less the caller
 *     lfgo_wg wg = LFGO_WG_INIT;
 *     lfgo_wg_add(&wg, 2);
 *     lfgo_go(pool, left, &wg);            // go left()
 *     lfgo_go(pool, right, &wg);           // go right()
 *     lfgo_pool_wait(pool, &wg);           // runs queued tasks until wg is zero
 *     lfgo_pool_destroy(pool);
 *
 * Scheduling (docs/design.md, "Pool"): each worker thread owns a Chase-Lev
 * deque; a task submitted from a worker goes to the bottom of that worker's
 * deque, a task submitted from any other thread goes to the pool's injection
 * queue.  Idle workers take from their own deque, then the injection queue,
 * then steal from the top of another worker's deque; with nothing found, at
 * most half of the threads spin for a while, the others park.  A submission
 * wakes a parked worker only when nobody spins.
 *
 * Memory ordering contract (C11 terms):
 *  - lfgo_go (and lfgo_group_go) happens-before the start of the task it
 *    submits: everything the submitter wrote before the call is visible to
 *    the task.
 *  - Nothing orders tasks against each other, or a task against the
 *    submitter's writes after the call; use a WaitGroup, a group, a channel
 *    or a mutex for that.  A task's completion is made visible by whatever
 *    it signals: with lfgo_wg_done at its end, the task's writes happen-
 *    before the return of the wait that sees the counter at zero (lfgo/wg.h).
 *  - The return of a group task happens-before the return of lfgo_group_wait.
 *  - lfgo_pool_destroy returns after every submitted task has returned: their
 *    writes are visible to the caller of destroy.
 *
 * Blocking inside a task: a task that blocks (a channel receive, a mutex, a
 * sleep, lfgo_wg_wait_until) blocks its worker thread; the pool does not
 * start another thread to take its place, as Go hands its processor to a new
 * thread.  Doing so would need a thread per blocked task and a way to learn
 * that a task blocked, which C cannot observe without wrapping every
 * blocking call.  So size the pool for it: with k tasks that can block at
 * once, create the pool with workers >= k + (threads wanted for the rest).
 * Waits that help do not count: lfgo_wg_wait on a pool worker,
 * lfgo_pool_wait and lfgo_group_go/lfgo_group_wait run other tasks while
 * they wait, so nested fork/join cannot deadlock a pool of any size.
 *
 * Memory: submission never allocates.  Each worker has a slab of
 * LFGO_POOL_SLAB task records and a deque of as many slots; the injection
 * queue is a ring of LFGO_POOL_INJECT entries.  When a worker's deque is full
 * or its slab is exhausted, the task goes to the injection queue instead;
 * when the injection queue is full, the submitter runs queued tasks itself
 * until there is room (so a submission can take as long as a task).
 *
 * Misuse (lfgo_set_misuse_handler): a NULL pool, function or WaitGroup;
 * submitting from outside the pool after lfgo_pool_destroy has begun;
 * destroying a pool from one of its own tasks.
 */
#ifndef LFGO_POOL_H
#define LFGO_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"
#include "lfgo/wg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of the fixed-size structures (docs/design.md, "Pool"). */
#define LFGO_POOL_SLAB 1024      /* task records per worker (= its deque's slots) */
#define LFGO_POOL_INJECT 4096    /* entries of the injection queue */
#define LFGO_POOL_MAX_WORKERS 1024

typedef struct lfgo_pool lfgo_pool;

/* A task: fn(arg), run once on some pool thread. */
typedef void (*lfgo_task_fn)(void *arg);

/*
 * Creates a pool of `workers` threads; workers <= 0 means the number of
 * online CPUs minus one (at least one): the thread that waits with
 * lfgo_pool_wait is the last CPU's runner.  LFGO_OK, LFGO_EINVAL (more than
 * LFGO_POOL_MAX_WORKERS, NULL out) or LFGO_ENOMEM (memory or threads).
 */
LFGO_API lfgo_status lfgo_pool_create(lfgo_pool **pool, int workers);

/*
 * Runs every task already submitted (and every task those tasks submit), then
 * joins the workers and frees the pool.  After destroy has begun, only the
 * pool's own tasks may submit; any other submission is misuse.  Must not be
 * called from one of the pool's tasks.
 */
LFGO_API void lfgo_pool_destroy(lfgo_pool *pool);

/* The number of worker threads. */
LFGO_API int lfgo_pool_workers(const lfgo_pool *pool);

/* The pool whose worker is the calling thread, or NULL. */
LFGO_API lfgo_pool *lfgo_pool_current(void);

/*
 * go fn(arg): submits a task; returns without waiting for it.  From a worker
 * of this pool it is pushed on the worker's own deque (no system call, no
 * fence); from any other thread onto the injection queue, followed by a
 * seq_cst fence and a wake-up of a parked worker if none is spinning.
 */
LFGO_API void lfgo_go(lfgo_pool *pool, lfgo_task_fn fn, void *arg);

/*
 * Waits until wg's counter is zero, running the pool's queued tasks meanwhile
 * (any thread may call it).  On return, as after lfgo_wg_wait, the writes of
 * every task before its done() are visible, and wg may be freed.  With no
 * task to run it spins, then sleeps on wg at most LFGO_POOL_HELP_NAP_NS at a
 * time before it looks for tasks again.
 *
 * lfgo_wg_wait called on a worker of any pool behaves like lfgo_pool_wait on
 * that pool; lfgo_wg_wait_until and lfgo_wg_try_wait never help.
 */
LFGO_API void lfgo_pool_wait(lfgo_pool *pool, lfgo_wg *wg);

#define LFGO_POOL_HELP_NAP_NS 1000000 /* 1 ms */

/* ------------------------------------------------------------ task groups */

/* A group task: returns 0 for success, anything else is an error. */
typedef int (*lfgo_group_fn)(void *arg);

typedef struct lfgo_group {
    lfgo_pool *pool;
    uint32_t limit;                 /* 0: no limit */
    LFGO_ATOMIC(uint32_t) inflight; /* tasks submitted and not finished (futex word) */
    LFGO_ATOMIC(uint32_t) blocked;  /* submitters parked on inflight */
    LFGO_ATOMIC(uint32_t) err;      /* the first non-zero result, as unsigned; 0: none */
    lfgo_wg wg;
} lfgo_group;

/*
 * Initialises a group running on `pool`, with at most `limit` tasks in flight
 * (limit <= 0: no limit).  LFGO_OK, or LFGO_EINVAL for a NULL group or pool.
 * The group lives in caller memory and must outlive its tasks: it may be
 * destroyed or freed once lfgo_group_wait has returned.
 */
LFGO_API lfgo_status lfgo_group_init(lfgo_group *g, lfgo_pool *pool, int limit);

/* Reports misuse if tasks are still in flight. */
LFGO_API void lfgo_group_destroy(lfgo_group *g);

/*
 * Submits fn(arg) as a task of the group.  While `limit` tasks are in flight
 * it blocks, running the pool's queued tasks meanwhile.  Tasks submitted
 * after the group was cancelled still run (they can poll
 * lfgo_group_cancelled and return at once), as in Go.  Happens-before the
 * start of the task, as lfgo_go.
 */
LFGO_API void lfgo_group_go(lfgo_group *g, lfgo_group_fn fn, void *arg);

/*
 * Waits (helping, as lfgo_pool_wait) until every task of the group has
 * returned; returns the first non-zero result a task returned, or 0.  The
 * returns of all tasks happen-before the return of wait.
 */
LFGO_API int lfgo_group_wait(lfgo_group *g);

/*
 * Whether a task of the group has returned non-zero.  The first non-zero
 * return (a release) synchronizes-with a call that returns true (an
 * acquire), so what that task wrote before returning is visible.
 */
LFGO_API bool lfgo_group_cancelled(const lfgo_group *g);

/*
 * Debug hook, NOT part of the API (the lfgo__ prefix) and not exported from
 * the shared library (link liblfgo.a): what the scheduler decided, counted
 * when the library is built with LFGO_POOL_STATS (the CMake option; always
 * on in Debug and sanitizer builds).  Fills *out with a snapshot summed over
 * the workers and the outside submitters and returns true; without the
 * counters it zero-fills *out and returns false.  Orders nothing; read it
 * after lfgo_pool_wait (or a wait on a WaitGroup the tasks signal) for
 * figures that add up.  scripts/pool-spin.sh prints them per workload.
 */
typedef struct lfgo__pool_stats {
    uint64_t spins;          /* idle episodes in which a worker spun */
    uint64_t spin_found;     /* ... that ended because work appeared */
    uint64_t spin_ns;        /* time spent in all of them */
    uint64_t spin_refused;   /* idle workers that did not spin: enough spun */
    uint64_t parks;          /* futex sleeps of idle workers */
    uint64_t park_aborted;   /* announced idle, then found work (no sleep) */
    uint64_t submits;        /* lfgo_go and lfgo_group_go */
    uint64_t submits_local;  /* ... onto the submitting worker's own deque */
    uint64_t notify_spinner; /* submissions that saw a spinner: no wake */
    uint64_t notify_wake;    /* ... that woke a parked worker (a system call) */
    uint64_t notify_busy;    /* ... that saw nobody idle: nothing to do */
    uint64_t help_naps;      /* helping waits that slept on their WaitGroup */
} lfgo__pool_stats;

bool lfgo__pool_debug_stats(const lfgo_pool *pool, lfgo__pool_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_POOL_H */

/*
 * lib/chan_select.c - Go's select over lfgo channels.
 *
 * Dependency order: chan_internal.h, select_plan.h (the case checks, the
 * random order and the lock order, shared with the twin) and deadline.h;
 * calls the ring (chan_ring.c), the rendezvous (chan_sync.c), the waiter
 * queue (chan_wait.c) and the barrier.  Nothing calls into it but the
 * program (its lfgo_select* entry points).
 *
 * 1. The enabled cases are put in a uniformly random order (select_plan.h),
 *    and tried once each in that order without blocking: the first that
 *    completes is chosen.  So among the cases ready at that moment each is
 *    chosen with equal probability (Go's pollorder).
 *    When a failed pass is the answer (select_try, or a deadline that has
 *    passed), "no case was ready" must hold at one instant, as Go's select
 *    decides under all the channels' locks.  Buffered cases are tried
 *    without a lock, one after another, so a pass can see case B before it
 *    became ready and case A after it stopped being ready.  So the pass is
 *    bracketed: a snapshot of every case (lfgo__ring_snap, lfgo__sync_snap:
 *    words that only grow, or change counts, which change whenever the
 *    case's answer may have) is taken before the tries and again after them;
 *    only if every snapshot is unchanged is the pass's "nothing ready" true
 *    at one instant (the last read of the first snapshot: each case was then
 *    in the state its failed try saw).  Otherwise the pass runs again.  See
 *    docs/memory-ordering.md, "Select".
 * 2. If none was ready (and the call may block): every distinct unbuffered
 *    channel of the select is locked in address order (Go's lockorder), its
 *    nq is incremented (so no new plain waiter enters its exchange slot, and
 *    one already there is seen: chan_sync.c), the unbuffered cases are tried
 *    again under the locks (slot first, then queue), and if still none is
 *    ready one waiter record per case is queued: on the unbuffered channel's
 *    sendq/recvq, or on the buffered channel's selq (to be notified of
 *    changes), with the waiter bit set on the eventcount the case waits for.
 *    The locks are dropped; the heavy barrier runs; the buffered cases are
 *    peeked (the "recheck" half of the handshake).
 * 3. The thread waits on its sel until a partner claims one of its records
 *    (that case completed: exactly one claim can win), or a buffered channel
 *    notifies it, or the deadline passes.  Unless claimed, it cancels its sel
 *    (which fails if a partner claimed it meanwhile: then that case is the
 *    result), unlinks its records and starts again at 1.
 * Wakes come after the locks are dropped (lfgo__wakes, chan_wait.h).  A
 * select that blocks is counted in the nin of each of its channels until it
 * returns (lfgo_chan_destroy).
 * Records of one select never pair with each other (a partner skips records
 * whose sel is its own), so a send and a receive on the same unbuffered
 * channel in one select cannot complete each other.
 */
#include <sched.h>
#include <stdlib.h>

#include "chan_internal.h"
#include "deadline.h"
#include "select_plan.h"

/* Exported for liblfgo-twin 0.1 binaries, whose select called it for its
 * shuffle; 0.2's twin has its own (select_plan.h).  Removing an exported
 * symbol is an incompatible change: it goes with a SONAME bump (docs/abi.md). */
LFGO_API uint32_t lfgo__chan_rand(void);
LFGO_API uint32_t lfgo__chan_rand(void) { return lfgo__select_rand(); }

#define STACK_CASES 64u

struct snap {
    uint64_t a, b;
};

struct sel_ctx {
    lfgo_select_case *cases;
    uint32_t *order;     /* enabled case indices, random order */
    void **locks;        /* distinct unbuffered channels, address order */
    lfgo__waiter *recs;  /* one per enabled case, parallel to order */
    struct snap *snaps;  /* one per enabled case, parallel to order */
    size_t m, nlocks;
    bool counted;        /* in the nin of every case's channel */
    lfgo__sel sel;
};

static lfgo_status try_case(lfgo_select_case *c)
{
    lfgo_chan *ch = c->chan;
    if (ch->cap != 0)
        return c->op == LFGO_SELECT_SEND ? lfgo__ring_try_send(ch, c->elem)
                                         : lfgo__ring_try_recv(ch, c->elem);
    lfgo__wakes wk = LFGO__WAKES_INIT;
    lfgo__chlock_lock(&ch->lock);
    lfgo_status st = c->op == LFGO_SELECT_SEND ? lfgo__sync_send_locked(ch, c->elem, NULL, &wk)
                                               : lfgo__sync_recv_locked(ch, c->elem, NULL, &wk);
    lfgo__chlock_unlock(&ch->lock);
    lfgo__wakes_run(&wk);
    return st;
}

/* Case k's snapshot; false if it does not tell (look again). */
static bool snap_case(struct sel_ctx *x, size_t k, struct snap *s)
{
    lfgo_select_case *c = &x->cases[x->order[k]];
    if (c->chan->cap != 0) {
        lfgo__ring_snap(c->chan, c->op, &s->a, &s->b);
        return true;
    }
    return lfgo__sync_snap(c->chan, &s->a, &s->b);
}

static void chose(struct sel_ctx *x, size_t k, lfgo_status st, size_t *chosen)
{
    lfgo_select_case *c = &x->cases[x->order[k]];
    if (st == LFGO_CLOSED && c->op == LFGO_SELECT_RECV)
        lfgo__chan_zero(c->chan, c->elem);
    c->status = st;
    *chosen = x->order[k];
}

/* One pass of tries in the random order.  True if a case completed. */
static bool try_all(struct sel_ctx *x, size_t *chosen)
{
    for (size_t k = 0; k < x->m; k++) {
        lfgo_status st = try_case(&x->cases[x->order[k]]);
        if (st != LFGO_WOULDBLOCK) {
            chose(x, k, st, chosen);
            return true;
        }
    }
    return false;
}

/*
 * A pass whose failure is the answer: snapshots before and after the tries
 * (see the top).  The first snapshot's loads are seq_cst, so the tries'
 * loads come after them; the acquire fence keeps the tries' loads (some
 * relaxed) before the second snapshot's.  Only this path pays for it: no
 * send or receive does anything extra.
 */
static bool pass_decisive(struct sel_ctx *x, size_t *chosen)
{
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    for (;;) {
        bool sure = true;
        for (size_t k = 0; k < x->m; k++)
            sure &= snap_case(x, k, &x->snaps[k]);
        if (try_all(x, chosen))
            return true;
#if !defined(LFGO_TSAN) /* TSan has no fences; it checks races, not this */
        lfgo_atomic_fence_at(chan_select_snap_fence, memory_order_acquire);
#endif
        for (size_t k = 0; k < x->m && sure; k++) {
            struct snap s;
            sure = snap_case(x, k, &s) && s.a == x->snaps[k].a && s.b == x->snaps[k].b;
        }
        if (sure)
            return false;
        if (!lfgo__spin(&sp))
            sched_yield(); /* a hand-off in flight: let its owner run */
    }
}

static void prepare(struct sel_ctx *x)
{
    lfgo__select_shuffle(x->order, x->m);
    size_t n = 0;
    for (size_t k = 0; k < x->m; k++)
        if (x->cases[x->order[k]].chan->cap == 0)
            x->locks[n++] = x->cases[x->order[k]].chan;
    x->nlocks = lfgo__select_lock_order(x->locks, n);
}

/* The k-th channel to lock. */
static lfgo_chan *lock_chan(struct sel_ctx *x, size_t k)
{
    return x->locks[k];
}

static void lock_all(struct sel_ctx *x, bool lock)
{
    for (size_t k = 0; k < x->nlocks; k++) {
        if (lock)
            lfgo__chlock_lock(&lock_chan(x, k)->lock);
        else
            lfgo__chlock_unlock(&lock_chan(x, k)->lock);
    }
}

static void enter_leave_all(struct sel_ctx *x, bool enter)
{
    for (size_t k = 0; k < x->nlocks; k++) {
        if (enter)
            lfgo__sync_select_enter(lock_chan(x, k));
        else
            lfgo__sync_select_leave(lock_chan(x, k));
    }
}

static lfgo__waitq *queue_of(lfgo_select_case *c)
{
    if (c->chan->cap != 0)
        return &c->chan->selq;
    return c->op == LFGO_SELECT_SEND ? &c->chan->sendq : &c->chan->recvq;
}

/* Under all locks: the unbuffered cases once more, then queue the records
 * of the unbuffered cases.  True if a case completed. */
static bool register_sync(struct sel_ctx *x, size_t *chosen, lfgo__wakes *wk)
{
    for (size_t k = 0; k < x->m; k++) {
        lfgo_select_case *c = &x->cases[x->order[k]];
        if (c->chan->cap != 0)
            continue;
        lfgo_status st = c->op == LFGO_SELECT_SEND
                             ? lfgo__sync_send_locked(c->chan, c->elem, &x->sel, wk)
                             : lfgo__sync_recv_locked(c->chan, c->elem, &x->sel, wk);
        if (st != LFGO_WOULDBLOCK) {
            chose(x, k, st, chosen);
            return true;
        }
    }
    for (size_t k = 0; k < x->m; k++) {
        lfgo_select_case *c = &x->cases[x->order[k]];
        x->recs[k] = lfgo__wrec_make(&x->sel, c->elem, x->order[k]);
        if (c->chan->cap == 0)
            lfgo__waitq_push(queue_of(c), &x->recs[k]);
    }
    return false;
}

/* Queues the records of the buffered cases and announces them. */
static bool register_ring(struct sel_ctx *x)
{
    bool any = false;
    for (size_t k = 0; k < x->m; k++) {
        lfgo_select_case *c = &x->cases[x->order[k]];
        lfgo_chan *ch = c->chan;
        if (ch->cap == 0)
            continue;
        LFGO_ATOMIC(uint32_t) *nsl;
        lfgo__word *ev = lfgo__ring_ev(ch, c->op, &nsl);
        lfgo__chlock_lock(&ch->lock);
        lfgo__waitq_push(&ch->selq, &x->recs[k]);
        lfgo_atomic_fetch_add_at(chan_select_reg_nsel, &ch->nsel, 1u, memory_order_seq_cst);
        lfgo__chlock_unlock(&ch->lock);
        lfgo_atomic_fetch_add_at(chan_select_reg_nsl, nsl, 1u, memory_order_seq_cst);
        lfgo_atomic_fetch_or_at(chan_select_reg_announce, ev, 1u, memory_order_seq_cst);
        any = true;
    }
    return any;
}

static bool ring_ready_any(struct sel_ctx *x)
{
    lfgo__chan_heavy_barrier();
    for (size_t k = 0; k < x->m; k++) {
        lfgo_select_case *c = &x->cases[x->order[k]];
        if (c->chan->cap != 0 && lfgo__ring_ready(c->chan, c->op))
            return true;
    }
    return false;
}

static void unregister(struct sel_ctx *x)
{
    for (size_t k = 0; k < x->m; k++) {
        lfgo_chan *ch = x->cases[x->order[k]].chan;
        lfgo__chlock_lock(&ch->lock);
        if (x->recs[k].queued) {
            lfgo_select_case *c = &x->cases[x->order[k]];
            lfgo__waitq_unlink(queue_of(c), &x->recs[k]);
            if (ch->cap != 0) {
                LFGO_ATOMIC(uint32_t) *nsl;
                lfgo__ring_ev(ch, c->op, &nsl);
                lfgo_atomic_fetch_sub_at(chan_select_unreg_nsel, &ch->nsel, 1u,
                                         memory_order_seq_cst);
                lfgo_atomic_fetch_sub_at(chan_select_unreg_nsl, nsl, 1u, memory_order_seq_cst);
            }
        }
        lfgo__chlock_unlock(&ch->lock);
    }
}

/* Steps 2 and 3.  True if a case completed (*chosen set). */
static void count_in(struct sel_ctx *x, bool in)
{
    for (size_t k = 0; k < x->m; k++) {
        if (in)
            lfgo__chan_enter(x->cases[x->order[k]].chan);
        else
            lfgo__chan_leave(x->cases[x->order[k]].chan);
    }
    x->counted = in;
}

static bool block_once(struct sel_ctx *x, size_t *chosen, const struct timespec *deadline)
{
    if (!x->counted)
        count_in(x, true);
    lfgo__sel_init(&x->sel);
    lfgo__wakes wk = LFGO__WAKES_INIT;
    lock_all(x, true);
    /* Before trying the unbuffered cases again: keep new waiters out of
     * their exchange slots (the Dekker pair of chan_sync.c). */
    enter_leave_all(x, true);
    bool done = register_sync(x, chosen, &wk);
    lock_all(x, false);
    lfgo__wakes_run(&wk);
    if (done) {
        enter_leave_all(x, false);
        return true;
    }
    bool rings = register_ring(x);
    uint32_t seen = lfgo__sel_word(&x->sel);
    if (!(rings && ring_ready_any(x)))
        lfgo__sel_wait(&x->sel, seen, deadline);
    bool claimed = !lfgo__sel_cancel(&x->sel);
    if (claimed)
        lfgo__sel_wait_done(&x->sel);
    unregister(x);
    enter_leave_all(x, false);
    if (claimed) {
        *chosen = x->sel.chosen;
        lfgo_select_case *c = &x->cases[*chosen];
        if (x->sel.status == LFGO_CLOSED && c->op == LFGO_SELECT_RECV)
            lfgo__chan_zero(c->chan, c->elem);
        c->status = x->sel.status;
    }
    return claimed;
}

/* A select with no enabled case: Go's `select {}` blocks forever, parked
 * (deadline NULL); with a deadline it sleeps until then. */
static lfgo_status sleep_until(const struct timespec *deadline)
{
    lfgo__word w = 0;
    while (!lfgo__park_wait(&w, 0u, deadline))
        ;
    return LFGO_TIMEOUT;
}

static lfgo_status run(struct sel_ctx *x, size_t *chosen, const struct timespec *deadline,
                       bool try_only)
{
    prepare(x);
    for (;;) {
        bool last = try_only || lfgo__deadline_passed(deadline);
        if (last ? pass_decisive(x, chosen) : try_all(x, chosen))
            return LFGO_OK;
        if (last)
            return try_only ? LFGO_WOULDBLOCK : LFGO_TIMEOUT;
        if (block_once(x, chosen, deadline))
            return LFGO_OK;
    }
}

static lfgo__case_view view_case(const void *cases, size_t i)
{
    const lfgo_select_case *c = (const lfgo_select_case *)cases + i;
    lfgo__case_view v = {c->chan, c->op, c->elem, c->chan ? c->chan->elem_size : 0};
    return v;
}

/* Debug builds: every case's channel counts the call (lfgo__chan_call). */
static void calls(lfgo_select_case *cases, size_t n, bool in)
{
    for (size_t i = 0; i < n; i++) {
        if (!cases[i].chan)
            continue;
        if (in)
            lfgo__chan_call(cases[i].chan);
        else
            lfgo__chan_left(cases[i].chan, LFGO_OK);
    }
}

static int side_of(const lfgo_select_case *c)
{
    return c->op == LFGO_SELECT_SEND ? LFGO__SIDE_SEND : LFGO__SIDE_RECV;
}

static void leave_sides(lfgo_select_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cases[i].chan)
            lfgo__kind_leave(cases[i].chan, side_of(&cases[i]));
}

/* LFGO_CHECK_KIND: each case takes its side of its channel (chan_internal.h);
 * false (after the report, and with the sides taken so far left) if one is
 * taken by another thread. */
static bool enter_sides(const char *func, lfgo_select_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (cases[i].chan && !lfgo__kind_enter(cases[i].chan, side_of(&cases[i]), func)) {
            leave_sides(cases, i);
            return false;
        }
    }
    return true;
}

static lfgo_status select_cases(lfgo_select_case *cases, size_t n, size_t m, size_t *chosen,
                                const struct timespec *deadline, bool try_only)
{
    uint32_t order_s[STACK_CASES];
    void *locks_s[STACK_CASES];
    lfgo__waiter recs_s[STACK_CASES];
    struct snap snaps_s[STACK_CASES];
    struct sel_ctx x = {cases, order_s, locks_s, recs_s, snaps_s, m, 0, false, {0, 0, LFGO_OK}};
    void *heap = NULL;
    if (m > STACK_CASES) {
        heap = malloc(m * (sizeof(struct snap) + sizeof(lfgo__waiter) + sizeof(void *) +
                           sizeof(uint32_t)));
        if (!heap)
            return LFGO_ENOMEM;
        x.snaps = heap;
        x.recs = (lfgo__waiter *)(x.snaps + m);
        x.locks = (void **)(x.recs + m);
        x.order = (uint32_t *)(x.locks + m);
    }
    for (size_t i = 0, k = 0; i < n; i++)
        if (cases[i].chan)
            x.order[k++] = (uint32_t)i;
    lfgo_status st = run(&x, chosen, deadline, try_only);
    if (x.counted)
        count_in(&x, false);
    free(heap);
    return st;
}

static lfgo_status select_impl(const char *func, lfgo_select_case *cases, size_t n,
                               size_t *chosen, const struct timespec *deadline, bool try_only)
{
    size_t m;
    if (lfgo__bad_select(func, cases, n, chosen, view_case, &m))
        return LFGO_MISUSE;
    if (m == 0)
        return try_only ? LFGO_WOULDBLOCK : sleep_until(deadline);
    calls(cases, n, true);
    lfgo_status st = LFGO_MISUSE;
    if (enter_sides(func, cases, n)) {
        st = select_cases(cases, n, m, chosen, deadline, try_only);
        leave_sides(cases, n);
    }
    calls(cases, n, false);
    return st;
}

lfgo_status lfgo_select(lfgo_select_case *cases, size_t n, size_t *chosen)
{
    return select_impl("lfgo_select", cases, n, chosen, NULL, false);
}

lfgo_status lfgo_select_try(lfgo_select_case *cases, size_t n, size_t *chosen)
{
    return select_impl("lfgo_select_try", cases, n, chosen, NULL, true);
}

lfgo_status lfgo_select_until(lfgo_select_case *cases, size_t n, size_t *chosen,
                              const struct timespec *deadline)
{
    if (lfgo__bad_deadline("lfgo_select_until", deadline))
        return LFGO_MISUSE;
    return select_impl("lfgo_select_until", cases, n, chosen, deadline, false);
}

/*
 * lib/chan_sync.c - unbuffered channels (capacity 0): Go's rendezvous.
 *
 * Dependency order: chan_internal.h (layout, chan_wait.h); calls the waiter
 * queue (chan_wait.c) and the parking layer.  Called by chan.c and
 * chan_select.c; never calls them, nor chan_ring.c.
 *
 * Two ways to meet, and every arriving thread looks at both:
 *
 * 1. The exchange slot (lock-free; elements of at most LFGO__XBUF bytes).
 *    One 64-bit state word `xs` and one value buffer `xbuf` on their own
 *    line.  A plain (non-select) send or receive that finds the slot empty,
 *    and nobody in the locked path (nq == 0), waits *in* the slot; a partner
 *    that finds a waiter there completes the hand-off with one CAS and a copy
 *    through xbuf.  With one waiter at a time on each side (pingpong, 1:1
 *    pipelines) no lock is taken at all.  States (low 3 bits of xs):
 *
 *      EMPTY  --receiver CAS-->  RWAIT  --sender CAS--> BUSY --copy in--> FILLED
 *             FILLED --receiver copies out--> EMPTY (gen + 1)
 *      EMPTY  --sender CAS-->    BUSY --copy in--> SWAIT --receiver CAS--> BUSY
 *             --copy out--> EMPTY (gen + 1)            (the sender sees gen + 1: done)
 *      RWAIT / SWAIT --owner's deadline CAS--> EMPTY (gen + 1)
 *
 *    Bit 3 PARKED: the waiter may sleep on the futex word (the low 32 bits);
 *    whoever changes the state from a PARKED value wakes it (every change is
 *    a read-modify-write, so the bit is never missed).  Bit 4 CLOSED: set
 *    once by close; a slot with CLOSED takes no new waiter and no new
 *    hand-off (CAS from a value without CLOSED fails), while a hand-off
 *    already BUSY completes.  Bits 5..63: a generation, bumped each time the
 *    slot returns to EMPTY, so a sender can tell "taken" from "still
 *    waiting" and no CAS can succeed on a recycled state (2^59 hand-offs).
 *    BUSY belongs to the one thread that moved the slot into it; it copies
 *    xbuf and moves on within a few instructions.
 *
 * 2. The locked path (Go's sudog queues, guarded by ch->lock).
 *    sendq holds records of blocked senders, recvq of blocked receivers
 *    (plain ones that could not use the slot, and selects).  A record whose
 *    sel is no longer WAITING is stale and is unlinked by whoever meets it.
 *    An arriving sender claims the first live receiver record (never one of
 *    its own select) and copies its value into the receiver's buffer before
 *    finishing it; an arriving receiver copies out of a claimed sender record.
 *    closed is set once; close finishes every queued record with LFGO_CLOSED.
 *
 * The two never strand a pair (a waiter in the slot and a partner queued):
 * a thread that will queue increments nq and *then* looks at the slot (under
 * the lock); a thread that enters the slot as a waiter CASes the state and
 * *then* reads nq, and leaves the slot again (to the locked path) if it is
 * non-zero.  Both sides are seq_cst, so at least one sees the other (Dekker):
 * either the queuer pairs with the slot's waiter, or the slot's waiter moves
 * to the locked path and pairs with the record there.
 *
 * Ordering: every access to xs and nq is seq_cst (on x86 the RMWs are locked
 * instructions anyway and loads are plain moves).  The value in xbuf is
 * written while its writer owns BUSY and read after the reader's RMW/load
 * of the state that follows it: FILLED (receiver), or the CAS SWAIT -> BUSY
 * (taker).  A receiver's start happens-before the send completes (the
 * sender's CAS reads the receiver's RWAIT, or the sender sees the taker's
 * gen + 1), and the send happens-before the receive completes, as Go
 * requires; see docs/memory-ordering.md, "Channel: unbuffered".
 */
#include <string.h>

#include "chan_internal.h"

/* ------------------------------------------------------------ slot */

enum {
    X_EMPTY = 0u,
    X_RWAIT = 1u,
    X_SWAIT = 2u,
    X_BUSY = 3u,
    X_FILLED = 4u,
    X_MODE = 7u,
    X_PARKED = 8u,
    X_CLOSED = 16u,
    X_GEN_SHIFT = 5u
};

/* What the fast path tells lfgo__sync_op besides a final status. */
enum { X_SLOW = -1, X_RETRY = -2 };

static unsigned mode_of(uint64_t v) { return (unsigned)(v & X_MODE); }
static uint64_t gen_of(uint64_t v) { return v >> X_GEN_SHIFT; }
static uint64_t with_mode(uint64_t v, unsigned m) { return (v & ~(uint64_t)X_MODE) | m; }

/* EMPTY, next generation, CLOSED kept, PARKED dropped. */
static uint64_t next_empty(uint64_t v)
{
    return (((v >> X_GEN_SHIFT) + 1u) << X_GEN_SHIFT) | (v & X_CLOSED);
}

static uint64_t xs_load(lfgo_chan *ch)
{
    return lfgo_atomic_load_at(chan_sync_xs_load, &ch->xs, memory_order_seq_cst);
}

static bool xs_cas(lfgo_chan *ch, uint64_t *expected, uint64_t desired)
{
    return lfgo_atomic_cas_strong_at(chan_sync_xs_cas, &ch->xs, expected, desired,
                                     memory_order_seq_cst, memory_order_seq_cst);
}

/* The futex word: the low 32 bits of xs (mode, PARKED, CLOSED, low gen). */
static lfgo__word *xs_word(lfgo_chan *ch)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (lfgo__word *)((char *)&ch->xs + 4);
#else
    return (lfgo__word *)&ch->xs;
#endif
}

/* Leaves BUSY for `mode` (FILLED, or EMPTY of the next generation when
 * mode == X_EMPTY), keeping CLOSED (and PARKED for FILLED); wakes the waiter
 * if it may be asleep: at once, or through wk after the caller's unlock. */
static void leave_busy(lfgo_chan *ch, unsigned mode, lfgo__wakes *wk)
{
    uint64_t old = xs_load(ch);
    for (;;) {
        uint64_t nv = mode == X_EMPTY ? next_empty(old) : with_mode(old, mode);
        if (xs_cas(ch, &old, nv))
            break;
    }
    if (!(old & X_PARKED))
        return;
    if (wk)
        lfgo__wakes_word(wk, xs_word(ch));
    else
        lfgo__park_wake_all(xs_word(ch));
}

/* A receiver waits in the slot (RWAIT at v): fill it.  False if the state
 * moved on (the caller looks again). */
static bool slot_fill(lfgo_chan *ch, uint64_t v, const void *elem, lfgo__wakes *wk)
{
    if (!xs_cas(ch, &v, with_mode(v, X_BUSY)))
        return false;
    lfgo__chan_copy(ch->xbuf, elem, ch->elem_size);
    leave_busy(ch, X_FILLED, wk);
    return true;
}

/* A sender's value waits in the slot (SWAIT at v): take it. */
static bool slot_take(lfgo_chan *ch, uint64_t v, void *out, lfgo__wakes *wk)
{
    if (!xs_cas(ch, &v, with_mode(v, X_BUSY)))
        return false;
    lfgo__chan_copy_out(out, ch->xbuf, ch->elem_size);
    leave_busy(ch, X_EMPTY, wk); /* gen + 1 tells the sender it was taken */
    return true;
}

/* Sleeps until xs changes from v (setting PARKED first); returns at once
 * if it already changed. */
static void slot_park(lfgo_chan *ch, uint64_t v, const struct timespec *deadline)
{
    if (!(v & X_PARKED)) {
        uint64_t p = v | X_PARKED;
        if (!xs_cas(ch, &v, p))
            return;
        v = p;
    }
    lfgo__park_wait(xs_word(ch), (uint32_t)v, deadline);
}

static bool locked_path_busy(lfgo_chan *ch)
{
    return lfgo_atomic_load_at(chan_sync_nq_load, &ch->nq, memory_order_seq_cst) != 0;
}

/* A receiver waits in the slot, which was EMPTY at v0. */
static int slot_recv_wait(lfgo_chan *ch, uint64_t v0, void *out, const struct timespec *deadline)
{
    uint64_t mine = with_mode(v0, X_RWAIT);
    if (!xs_cas(ch, &v0, mine))
        return X_RETRY;
    /* Dekker with the locked path: it increments nq, then looks here. */
    if (locked_path_busy(ch)) {
        uint64_t v = mine;
        if (xs_cas(ch, &v, next_empty(mine)))
            return X_SLOW;
    }
    lfgo__spinner sp = LFGO__SPINNER_FINE_INIT;
    for (;;) {
        uint64_t v = xs_load(ch);
        unsigned m = mode_of(v);
        if (m == X_FILLED) {
            lfgo__chan_copy_out(out, ch->xbuf, ch->elem_size);
            while (!xs_cas(ch, &v, next_empty(v)))
                ; /* only close can change it meanwhile (CLOSED is kept) */
            return LFGO_OK;
        }
        if (m == X_RWAIT && (v & X_CLOSED))
            return LFGO_CLOSED;
        if (m == X_RWAIT && lfgo__deadline_passed(deadline)) {
            if (xs_cas(ch, &v, next_empty(v)))
                return LFGO_TIMEOUT;
            continue;
        }
        if (lfgo__spin(&sp))
            continue;
        /* RWAIT, or BUSY: a sender is filling (it wakes us; no deadline
         * applies to a hand-off already under way). */
        slot_park(ch, v, m == X_BUSY ? NULL : deadline);
    }
}

/* A sender deposits its value in the slot, which was EMPTY at v0, and waits
 * for a receiver to take it. */
static int slot_send_wait(lfgo_chan *ch, uint64_t v0, const void *elem,
                          const struct timespec *deadline)
{
    uint64_t busy = with_mode(v0, X_BUSY);
    if (!xs_cas(ch, &v0, busy))
        return X_RETRY;
    lfgo__chan_copy(ch->xbuf, elem, ch->elem_size);
    uint64_t mine, v = busy;
    for (;;) {
        if (v & X_CLOSED) { /* closed while we deposited: nothing sent */
            while (!xs_cas(ch, &v, next_empty(v)))
                ;
            return LFGO_CLOSED;
        }
        mine = with_mode(v, X_SWAIT);
        if (xs_cas(ch, &v, mine))
            break;
    }
    if (locked_path_busy(ch)) { /* Dekker, as in slot_recv_wait */
        v = mine;
        if (xs_cas(ch, &v, next_empty(mine)))
            return X_SLOW;
    }
    lfgo__spinner sp = LFGO__SPINNER_FINE_INIT;
    for (;;) {
        v = xs_load(ch);
        if (gen_of(v) != gen_of(mine))
            return LFGO_OK; /* a receiver took it */
        unsigned m = mode_of(v);
        if (m == X_SWAIT && (v & X_CLOSED))
            return LFGO_CLOSED; /* not delivered; the slot stays closed */
        if (m == X_SWAIT && lfgo__deadline_passed(deadline)) {
            if (xs_cas(ch, &v, next_empty(v)))
                return LFGO_TIMEOUT; /* offer withdrawn */
            continue;
        }
        if (lfgo__spin(&sp))
            continue;
        /* SWAIT, or BUSY: a receiver is taking (it wakes us). */
        slot_park(ch, v, m == X_BUSY ? NULL : deadline);
    }
}

/* The lock-free attempt: a final status, or X_SLOW for the locked path. */
static int slot_op(lfgo_chan *ch, void *elem, bool send, const struct timespec *deadline,
                   bool try_only, bool *counted)
{
    unsigned transient = 0;
    for (;;) {
        uint64_t v = xs_load(ch);
        if (v & X_CLOSED)
            return X_SLOW; /* the locked path reports LFGO_CLOSED */
        unsigned m = mode_of(v);
        if (send && m == X_RWAIT) {
            if (slot_fill(ch, v, elem, NULL))
                return LFGO_OK;
            continue;
        }
        if (!send && m == X_SWAIT) {
            if (slot_take(ch, v, elem, NULL))
                return LFGO_OK;
            continue;
        }
        if (try_only)
            return X_SLOW; /* a queued partner may still be there */
        if (m == X_EMPTY) {
            if (locked_path_busy(ch) || lfgo__deadline_passed(deadline))
                return X_SLOW;
            if (!*counted) {
                lfgo__chan_enter(ch);
                *counted = true;
            }
            int r = send ? slot_send_wait(ch, v, elem, deadline)
                         : slot_recv_wait(ch, v, elem, deadline);
            if (r != X_RETRY)
                return r;
            continue;
        }
        /* A hand-off is finishing (BUSY, FILLED) or a thread of our side
         * waits here: look again briefly, then queue. */
        if ((m == X_BUSY || m == X_FILLED) && transient++ < 64) {
            lfgo_cpu_relax();
            continue;
        }
        return X_SLOW;
    }
}

bool lfgo__sync_slot_busy(lfgo_chan *ch)
{
    if (ch->cap != 0 || !(ch->flags & LFGO__CHAN_XFAST))
        return false;
    uint64_t v = xs_load(ch);
    return !(v & X_CLOSED) && mode_of(v) != X_EMPTY;
}

void lfgo__sync_select_enter(lfgo_chan *ch)
{
    lfgo_atomic_fetch_add_at(chan_sync_nq_sel_add, &ch->nq, 1u, memory_order_seq_cst);
}

/* seq_cst (this and the locked path's two decrements of nq), although only
 * the increment is half of the Dekker pair (a decrement is a queuer that
 * has left; a waiter that reads it needs nothing from it): with relaxed
 * decrements, that a waiter's seq_cst load after another queuer's seq_cst
 * increment in the single order S reads it or a later value follows from
 * C++20's coherence rule for S (P0668), which C11's text does not state. */
void lfgo__sync_select_leave(lfgo_chan *ch)
{
    lfgo_atomic_fetch_sub_at(chan_sync_nq_sel_sub, &ch->nq, 1u, memory_order_seq_cst);
}

/* ------------------------------------------------------------ locked path */

lfgo_status lfgo__sync_send_locked(lfgo_chan *ch, const void *elem, const lfgo__sel *self,
                                   lfgo__wakes *wk)
{
    if (ch->closed)
        return LFGO_CLOSED;
    if (ch->flags & LFGO__CHAN_XFAST) {
        uint64_t v;
        while (mode_of(v = xs_load(ch)) == X_RWAIT && !(v & X_CLOSED))
            if (slot_fill(ch, v, elem, wk))
                return LFGO_OK;
    }
    lfgo__waiter *w = lfgo__waitq_claim(&ch->recvq, self);
    if (!w)
        return LFGO_WOULDBLOCK;
    lfgo__chan_copy_out(w->elem, elem, ch->elem_size);
    lfgo__wakes_claimed(wk, w, LFGO_OK);
    return LFGO_OK;
}

lfgo_status lfgo__sync_recv_locked(lfgo_chan *ch, void *out, const lfgo__sel *self,
                                   lfgo__wakes *wk)
{
    if (ch->flags & LFGO__CHAN_XFAST) {
        uint64_t v;
        while (mode_of(v = xs_load(ch)) == X_SWAIT && !(v & X_CLOSED))
            if (slot_take(ch, v, out, wk))
                return LFGO_OK;
    }
    lfgo__waiter *w = lfgo__waitq_claim(&ch->sendq, self);
    if (w) {
        lfgo__chan_copy_out(out, w->elem, ch->elem_size);
        lfgo__wakes_claimed(wk, w, LFGO_OK);
        return LFGO_OK;
    }
    return ch->closed ? LFGO_CLOSED : LFGO_WOULDBLOCK;
}

bool lfgo__sync_snap(lfgo_chan *ch, uint64_t *a, uint64_t *b)
{
    *a = xs_load(ch);
    *b = (uint64_t)lfgo__waitq_ver(&ch->sendq) << 32 | lfgo__waitq_ver(&ch->recvq);
    /* BUSY is the one state the slot passes through twice in a generation
     * (a sender depositing, then a receiver taking). */
    return mode_of(*a) != X_BUSY;
}

/* Waits on a queued record; unlinks it if the deadline wins. */
static lfgo_status wait_record(lfgo_chan *ch, lfgo__waitq *q, lfgo__waiter *w,
                               const struct timespec *deadline)
{
    lfgo__sel *sel = w->sel;
    uint32_t st = lfgo__sel_wait(sel, LFGO__SEL_WAITING, deadline);
    if (st != LFGO__SEL_DONE && lfgo__sel_cancel(sel)) {
        lfgo__chlock_lock(&ch->lock);
        lfgo__waitq_unlink(q, w);
        lfgo__chlock_unlock(&ch->lock);
        return LFGO_TIMEOUT;
    }
    lfgo__sel_wait_done(sel);
    return sel->status;
}

/* The locked path: take a partner, or queue a record and wait on it. */
static lfgo_status locked_op(lfgo_chan *ch, void *elem, bool send,
                             const struct timespec *deadline, bool try_only)
{
    lfgo__wakes wk = LFGO__WAKES_INIT;
    lfgo__chlock_lock(&ch->lock);
    /* nq first, then the slot (inside the _locked calls): see the top. */
    if (!try_only)
        lfgo_atomic_fetch_add_at(chan_sync_nq_add, &ch->nq, 1u, memory_order_seq_cst);
    lfgo_status st = send ? lfgo__sync_send_locked(ch, elem, NULL, &wk)
                          : lfgo__sync_recv_locked(ch, elem, NULL, &wk);
    if (st != LFGO_WOULDBLOCK || try_only || lfgo__deadline_passed(deadline)) {
        if (!try_only) /* seq_cst: see lfgo__sync_select_leave */
            lfgo_atomic_fetch_sub_at(chan_sync_nq_sub_now, &ch->nq, 1u, memory_order_seq_cst);
        lfgo__chlock_unlock(&ch->lock);
        lfgo__wakes_run(&wk);
        return (st == LFGO_WOULDBLOCK && !try_only) ? LFGO_TIMEOUT : st;
    }
    lfgo__sel sel;
    lfgo__sel_init(&sel);
    lfgo__waiter w = lfgo__wrec_make(&sel, elem, 0);
    lfgo__waitq *q = send ? &ch->sendq : &ch->recvq;
    lfgo__waitq_push(q, &w);
    lfgo__chlock_unlock(&ch->lock);
    st = wait_record(ch, q, &w, deadline);
    /* seq_cst: see lfgo__sync_select_leave. */
    lfgo_atomic_fetch_sub_at(chan_sync_nq_sub_waited, &ch->nq, 1u, memory_order_seq_cst);
    return st;
}

/* A blocking call is counted in nin (lfgo_chan_destroy) from the moment it
 * decides to wait, in the slot or on the locked path; a try_ call never
 * waits and is not counted. */
lfgo_status lfgo__sync_op(lfgo_chan *ch, void *elem, bool send, const struct timespec *deadline,
                          bool try_only)
{
    bool counted = false;
    lfgo_status st;
    int r = X_SLOW;
    if (ch->flags & LFGO__CHAN_XFAST)
        r = slot_op(ch, elem, send, deadline, try_only, &counted);
    if (r != X_SLOW) {
        st = (lfgo_status)r;
    } else {
        if (!try_only && !counted) {
            lfgo__chan_enter(ch);
            counted = true;
        }
        st = locked_op(ch, elem, send, deadline, try_only);
    }
    if (counted)
        lfgo__chan_leave(ch);
    return st;
}

lfgo_status lfgo__sync_close(lfgo_chan *ch)
{
    lfgo__chlock_lock(&ch->lock);
    if (ch->closed) {
        lfgo__chlock_unlock(&ch->lock);
        lfgo__misuse("lfgo_chan_close", "close of closed channel");
        return LFGO_MISUSE;
    }
    ch->closed = 1;
    lfgo__wakes wk = LFGO__WAKES_INIT;
    if (ch->flags & LFGO__CHAN_XFAST) {
        uint64_t old = lfgo_atomic_fetch_or_at(chan_sync_close, &ch->xs, (uint64_t)X_CLOSED,
                                               memory_order_seq_cst);
        if (old & X_PARKED)
            lfgo__wakes_word(&wk, xs_word(ch));
    }
    lfgo__waitq_claim_all(&ch->recvq, LFGO_CLOSED, &wk);
    lfgo__waitq_claim_all(&ch->sendq, LFGO_CLOSED, &wk);
    lfgo__waitq_touch(&ch->recvq);
    lfgo__waitq_touch(&ch->sendq);
    lfgo__chlock_unlock(&ch->lock);
    lfgo__wakes_run(&wk);
    return LFGO_OK;
}

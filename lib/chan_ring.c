/*
 * lib/chan_ring.c - the buffered channel (capacity >= 1): the ring, the
 * eventcounts its sleepers wait on, blocking, close and the views select
 * takes of it.  A reader who wants the buffered path needs this file, the
 * layout (chan_internal.h) and the barrier (chan_barrier.c).
 *
 * Dependency order: chan_internal.h (layout, chan_wait.h) and deadline.h;
 * calls chan_barrier.c (the heavy barrier), chan_wait.c (the selects
 * registered on selq) and the parking layer.  Called by chan.c (the public
 * layer) and chan_select.c.  Never calls either of them, nor chan_sync.c.
 *
 * The ring is Vyukov's bounded queue.  Invariants:
 *  - slot i starts with seq = 2i.  A producer at position p may fill the
 *    slot iff seq == 2p; it writes the value, then stores seq = 2p + 1
 *    (release).  A consumer at position p may empty it iff seq == 2p + 1; it
 *    reads the value, then stores seq = 2(p + cap) (release), handing the
 *    slot to the producer of position p + cap.  (Vyukov's original uses p,
 *    p + 1 and p + cap, which cannot tell "full" from "free on the next lap"
 *    when cap == 1; doubling keeps the two apart for every capacity.)  So
 *    neither side ever reads the other's index on the fast path: each reads
 *    only the slot it is about to use (FastForward's property: no shared
 *    index written per item).
 *  - tail = producer position << 1 | closed.  Multi-producer kinds claim a
 *    position with a CAS on tail, which fails once the closed bit is set: a
 *    send either claimed its position before the close (and will be
 *    delivered) or returns LFGO_CLOSED.  Single-producer kinds store tail
 *    plainly; close is a producer-side call for them (the kind hint,
 *    checked in LFGO_CHECK_KIND builds: chan_internal.h).
 *  - head = consumer position; multi-consumer kinds claim with a CAS.
 *  - A receiver that finds its slot not ready returns LFGO_CLOSED only if
 *    tail is closed and its final position equals head: every position below
 *    it was claimed before the close and will be (or was) published.
 *  - SPSC look ahead: the producer keeps tail_free, every position below
 *    which is free for its lap, and writes those slots without reading
 *    their seq.  It learns it from one slot further on (spsc_room_ahead):
 *    the one consumer frees slots in position order, so seeing that slot
 *    free (acquire) also orders the consumer's reads of every slot before
 *    it ahead of our writes.  So the producer reads a line the consumer
 *    wrote once per `ahead` slots instead of once per slot, and not the
 *    line the consumer is emptying (docs/design.md, "SPSC look ahead").
 *  - Sleepers: a thread that must wait counts itself in the eventcount's
 *    waiter count (recv_nsl / send_nsl), sets bit 0 of the eventcount it
 *    sleeps on (recv_ev for receivers, send_ev for senders), runs the heavy
 *    side of the asymmetric barrier, rechecks, and parks while the word is
 *    unchanged.  The other side, after publishing, reads the eventcount
 *    (light side); only if the bit is set does it enter ev_wake, which wakes
 *    one sleeper per publish while the count is nonzero (and notifies the
 *    selects in selq), or clears a stale bit when it is zero.
 */
#include <stdint.h>

#include "chan_batch.h"
#include "chan_internal.h"
#include "deadline.h"

static struct lfgo__slot *slot_at(lfgo_chan *ch, uint64_t pos);

/* The ring's part of creating a channel: index arithmetic and the slots'
 * initial sequence numbers (chan.c's setup has filled in the shape).  Slots
 * are packed for every kind (8 to a 128-byte line for an 8-byte value):
 * spreading an MPMC channel's neighbouring positions over lines, so that two
 * producers never write one line, was measured slower (docs/design.md,
 * "Ring layout"). */
void lfgo__ring_setup(lfgo_chan *ch)
{
    uint64_t cap = ch->cap;
    if ((cap & (cap - 1)) == 0) {
        ch->flags |= LFGO__CHAN_POW2;
        ch->mask = cap - 1;
    }
    for (uint64_t i = 0; i < cap; i++)
        /* relaxed: before the channel is shared (sharing it orders this). */
        lfgo_atomic_store_at(chan_ring_setup, &slot_at(ch, i)->seq, 2u * i, memory_order_relaxed);
}

/* ------------------------------------------------------------ ring */

static struct lfgo__slot *slot_at(lfgo_chan *ch, uint64_t pos)
{
    uint64_t i = ch->flags & LFGO__CHAN_POW2 ? pos & ch->mask : pos % ch->cap;
    return (struct lfgo__slot *)(ch->ring + i * ch->stride);
}

/* Tells the selects registered on the channel that it changed; their
 * futex wakes come after the unlock. */
static void notify_selects(lfgo_chan *ch)
{
    lfgo__wakes wk = LFGO__WAKES_INIT;
    lfgo__chlock_lock(&ch->lock);
    lfgo__waitq_notify_all(&ch->selq, &wk);
    lfgo__chlock_unlock(&ch->lock);
    lfgo__wakes_run(&wk);
}

/* Wakes everything waiting on `ev`: its parked threads and the selects
 * registered on the channel. */
static void wake_everyone(lfgo_chan *ch, lfgo__word *ev)
{
    lfgo__park_wake_all(ev);
    if (lfgo_atomic_load_at(chan_ev_all_nsel, &ch->nsel, memory_order_seq_cst))
        notify_selects(ch);
}

/* Close: bump the epoch, clear the bit, wake everyone. */
static void ev_close(lfgo_chan *ch, lfgo__word *ev)
{
    /* relaxed: only the CAS's first guess; the CAS rereads and carries the
     * order. */
    uint32_t v = lfgo_atomic_load_at(chan_ev_close_load, ev, memory_order_relaxed);
    while (!lfgo_atomic_cas_weak_at(chan_ev_close_cas, ev, &v, (v + 2u) & ~1u,
                                    memory_order_seq_cst, memory_order_seq_cst))
        ;
    wake_everyone(ch, ev);
}

/*
 * The waiter bit was seen after a publish.  If threads wait (nsl > 0), bump
 * the epoch and wake one of them (one value or slot was published, so one
 * waiter can use it); the bit stays set so that the next publish wakes the
 * next one, and the selects are notified.  If nobody waits, the bit is stale
 * (its sleeper got what it wanted or timed out): clear it, and if a waiter
 * arrived meanwhile, wake everyone (it may have parked on the value the
 * clear replaced).  Measured here: an empty FUTEX_WAKE costs ~0.2 us, a
 * membarrier ~2.2 us, so a wake per publish while someone sleeps is cheaper
 * than making each woken thread re-arm for the others (which needs the heavy
 * barrier again).
 */
static void ev_wake(lfgo_chan *ch, lfgo__word *ev, LFGO_ATOMIC(uint32_t) *nsl, size_t k)
{
    if (lfgo_atomic_load_at(chan_ev_wake_nsl, nsl, memory_order_seq_cst) != 0) {
        lfgo_atomic_fetch_add_at(chan_ev_wake_bump, ev, 2u, memory_order_seq_cst);
        if (k == 1)
            lfgo__park_wake_one(ev);
        else /* a batch published k values (freed k slots): k may use them */
            lfgo__park_wake_all(ev);
        if (lfgo_atomic_load_at(chan_ev_wake_nsel, &ch->nsel, memory_order_seq_cst))
            notify_selects(ch);
        return;
    }
    /* relaxed: the CAS's first guess.  It reads the bit wake_check saw or a
     * later value (coherence); a later value without the bit means another
     * waker's CAS cleared it, and that waker rereads nsl after its clear, so
     * the store-buffering argument is its, not ours. */
    uint32_t v = lfgo_atomic_load_at(chan_ev_clear_load, ev, memory_order_relaxed);
    while ((v & 1u) && !lfgo_atomic_cas_weak_at(chan_ev_clear_cas, ev, &v, (v + 2u) & ~1u,
                                                memory_order_seq_cst, memory_order_seq_cst))
        ;
    if (lfgo_atomic_load_at(chan_ev_clear_nsl, nsl, memory_order_seq_cst) != 0)
        wake_everyone(ch, ev);
}

/* The light side of the handshake, after publishing k values (or freeing
 * k slots): wake sleepers on `ev` if any announced themselves (see
 * chan_barrier.c).  One check covers a batch: the barrier orders it after
 * every publish before it. */
static inline void wake_check(lfgo_chan *ch, lfgo__word *ev, LFGO_ATOMIC(uint32_t) *nsl, size_t k)
{
#if defined(LFGO_TSAN)
    uint32_t v = lfgo_atomic_fetch_add_at(chan_ev_check_rmw, ev, 0u, memory_order_seq_cst);
#else
    /* relaxed: the mode is fixed before the channel was shared. */
    if (lfgo_atomic_load_at(chan_ev_check_mode, &lfgo__chan_asym, memory_order_relaxed))
        lfgo_compiler_barrier(); /* the sleeper's membarrier orders us */
    else
        lfgo_atomic_fence_at(chan_ev_check_fence, memory_order_seq_cst); /* sleeper's fence */
    /* relaxed: the barrier above orders this load after our publish; a
     * sleeper's bit is either seen here or its recheck sees the publish. */
    uint32_t v = lfgo_atomic_load_at(chan_ev_check_load, ev, memory_order_relaxed);
#endif
    if (__builtin_expect(v & 1u, 0))
        ev_wake(ch, ev, nsl, k);
}

/* The slot at `h` was not ready: closed and drained, or just empty. */
static lfgo_status ring_empty(lfgo_chan *ch, uint64_t h)
{
    /* acquire: pairs with close's seq_cst RMW on tail, so close
     * happens-before a receive that returns LFGO_CLOSED. */
    uint64_t t = lfgo_atomic_load_at(chan_ring_closed, &ch->tail, memory_order_acquire);
    return ((t & 1u) && (t >> 1) == h) ? LFGO_CLOSED : LFGO_WOULDBLOCK;
}

/* ------------------------------------------------------------ SPSC look ahead */

#ifndef LFGO__SPSC_AHEAD_MAX
#define LFGO__SPSC_AHEAD_MAX 32u
#endif

/* How far the producer looks: an eighth of the ring, at most
 * LFGO__SPSC_AHEAD_MAX; 0 (no look ahead) below 64 slots. */
static inline uint64_t spsc_ahead(const lfgo_chan *ch)
{
    if (ch->cap < 64u)
        return 0;
    uint64_t a = ch->cap >> 3;
    return a < LFGO__SPSC_AHEAD_MAX ? a : LFGO__SPSC_AHEAD_MAX;
}

/* relaxed (load and store): tail_free is the single producer's own, like
 * the relaxed tail it sits beside; a hand-over of the sending side between
 * threads needs a happens-before edge anyway (the kind contract). */
static inline uint64_t spsc_known_free(lfgo_chan *ch)
{
    return lfgo_atomic_load_at(chan_ring_spsc_free_load, &ch->tail_free, memory_order_relaxed);
}

/* True if the producer at position p may write without reading its slot's
 * seq: p is below tail_free, or the slot `ahead` positions on is free for
 * its lap, which then becomes the new bound.  False: read the seq. */
static bool spsc_room_ahead(lfgo_chan *ch, uint64_t p)
{
    if (p < spsc_known_free(ch))
        return true;
    uint64_t ahead = spsc_ahead(ch);
    if (!ahead)
        return false;
    uint64_t q = p + ahead;
    /* acquire: pairs with the consumer's release of this slot's seq
     * (chan.ring.consume); the one consumer emptied every slot before it
     * earlier in its own order, so this orders those reads too before our
     * writes to positions p..q. */
    if (lfgo_atomic_load_at(chan_ring_spsc_ahead_seq, &slot_at(ch, q)->seq,
                            memory_order_acquire) != 2u * q)
        return false;
    lfgo_atomic_store_at(chan_ring_spsc_free_store, &ch->tail_free, q + 1u, memory_order_relaxed);
    return true;
}

/* ------------------------------------------------------------ claims */

/* Claims a producer position; NULL with *st set if full or closed. */
static struct lfgo__slot *claim_send(lfgo_chan *ch, uint64_t *posp, lfgo_status *st)
{
    /* relaxed: tail only names a position; the slot's seq (acquire) orders
     * the slot, and the closed bit is rechecked by the CAS. */
    uint64_t t = lfgo_atomic_load_at(chan_ring_send_tail, &ch->tail, memory_order_relaxed);
    for (;;) {
        if (t & 1u) {
            *st = LFGO_CLOSED;
            return NULL;
        }
        struct lfgo__slot *s = slot_at(ch, t >> 1);
        int64_t d = 0; /* SPSC, known free (the look ahead) */
        if (!lfgo__chan_spsc(ch) || !spsc_room_ahead(ch, t >> 1))
            /* acquire: pairs with the release of seq by the consumer that
             * emptied this slot one lap ago, so our write cannot race its
             * read. */
            d = (int64_t)(lfgo_atomic_load_at(chan_ring_send_seq, &s->seq, memory_order_acquire) -
                          (t & ~(uint64_t)1));
        if (d == 0 && !lfgo__chan_multi_prod(ch)) {
            /* relaxed: single producer; tail is read only for close and len. */
            lfgo_atomic_store_at(chan_ring_send_claim_store, &ch->tail, t + 2u,
                                 memory_order_relaxed);
        } else if (d == 0) {
            /* relaxed: the CAS only arbitrates positions (see claim above). */
            if (!lfgo_atomic_cas_weak_at(chan_ring_send_claim_cas, &ch->tail, &t, t + 2u,
                                         memory_order_relaxed, memory_order_relaxed))
                continue;
        } else {
            /* relaxed: as the first load of tail. */
            uint64_t t2 =
                lfgo_atomic_load_at(chan_ring_send_tail_reload, &ch->tail, memory_order_relaxed);
            if (d < 0 && t2 == t) {
                *st = LFGO_WOULDBLOCK;
                return NULL;
            }
            t = t2;
            continue;
        }
        *posp = t >> 1;
        return s;
    }
}

lfgo_status lfgo__ring_try_send(lfgo_chan *ch, const void *elem)
{
    uint64_t pos;
    lfgo_status st;
    struct lfgo__slot *s = claim_send(ch, &pos, &st);
    if (!s)
        return st;
    lfgo__chan_copy(s->data, elem, ch->elem_size);
    /* release: publishes the value to the consumer's acquire load of seq. */
    lfgo_atomic_store_at(chan_ring_publish, &s->seq, 2u * pos + 1u, memory_order_release);
    wake_check(ch, &ch->recv_ev, &ch->recv_nsl, 1);
    return LFGO_OK;
}

/* Claims a consumer position; NULL with *st set if empty or closed. */
static struct lfgo__slot *claim_recv(lfgo_chan *ch, uint64_t *posp, lfgo_status *st)
{
    /* relaxed: head only names a position; the slot's seq orders the slot. */
    uint64_t h = lfgo_atomic_load_at(chan_ring_recv_head, &ch->head, memory_order_relaxed);
    for (;;) {
        struct lfgo__slot *s = slot_at(ch, h);
        /* acquire: pairs with the producer's release of seq = 2h + 1. */
        int64_t d = (int64_t)(lfgo_atomic_load_at(chan_ring_recv_seq, &s->seq,
                                                  memory_order_acquire) -
                              (2u * h + 1u));
        if (d == 0 && !lfgo__chan_multi_cons(ch)) {
            /* relaxed: single consumer; head is read only by len. */
            lfgo_atomic_store_at(chan_ring_recv_claim_store, &ch->head, h + 1u,
                                 memory_order_relaxed);
        } else if (d == 0) {
            /* relaxed: the CAS only arbitrates positions. */
            if (!lfgo_atomic_cas_weak_at(chan_ring_recv_claim_cas, &ch->head, &h, h + 1u,
                                         memory_order_relaxed, memory_order_relaxed))
                continue;
        } else {
            /* relaxed: as the first load of head. */
            uint64_t h2 =
                lfgo_atomic_load_at(chan_ring_recv_head_reload, &ch->head, memory_order_relaxed);
            if (d < 0 && h2 == h) {
                *st = ring_empty(ch, h);
                return NULL;
            }
            h = h2;
            continue;
        }
        *posp = h;
        return s;
    }
}

lfgo_status lfgo__ring_try_recv(lfgo_chan *ch, void *out)
{
    uint64_t pos;
    lfgo_status st;
    struct lfgo__slot *s = claim_recv(ch, &pos, &st);
    if (!s)
        return st;
    lfgo__chan_copy_out(out, s->data, ch->elem_size);
    /* release: hands the slot to the producer of pos + cap (its acquire load
     * of seq), which is what makes the k-th receive happen-before the
     * (k+cap)-th send completes. */
    lfgo_atomic_store_at(chan_ring_consume, &s->seq, 2u * (pos + ch->cap), memory_order_release);
    wake_check(ch, &ch->send_ev, &ch->send_nsl, 1);
    return LFGO_OK;
}

bool lfgo__ring_ready(lfgo_chan *ch, lfgo_select_op op)
{
    uint64_t t = lfgo_atomic_load_at(chan_ring_ready_tail, &ch->tail, memory_order_seq_cst);
    if (op == LFGO_SELECT_SEND)
        return (t & 1u) || lfgo_atomic_load_at(chan_ring_ready_send_seq, &slot_at(ch, t >> 1)->seq,
                                               memory_order_seq_cst) == t;
    uint64_t h = lfgo_atomic_load_at(chan_ring_ready_head, &ch->head, memory_order_seq_cst);
    if (lfgo_atomic_load_at(chan_ring_ready_recv_seq, &slot_at(ch, h)->seq, memory_order_seq_cst) ==
        2u * h + 1u)
        return true;
    return (t & 1u) && (t >> 1) == h;
}

/*
 * What decides whether a case can proceed, in two words that change whenever
 * the answer may have (select's "nothing was ready" check, chan_select.c).
 * A receive depends on head, the seq of the slot at head and the closed bit
 * (tail does not move once closed); a send on tail (with the closed bit) and
 * the seq of the slot at tail.  Every one of them only grows, so equal values
 * at two looks mean no change in between.
 */
void lfgo__ring_snap(lfgo_chan *ch, lfgo_select_op op, uint64_t *a, uint64_t *b)
{
    if (op == LFGO_SELECT_SEND) {
        *a = lfgo_atomic_load_at(chan_ring_snap_send_tail, &ch->tail, memory_order_seq_cst);
        *b = lfgo_atomic_load_at(chan_ring_snap_send_seq, &slot_at(ch, *a >> 1)->seq,
                                 memory_order_seq_cst);
        return;
    }
    *a = lfgo_atomic_load_at(chan_ring_snap_recv_head, &ch->head, memory_order_seq_cst);
    uint64_t seq =
        lfgo_atomic_load_at(chan_ring_snap_recv_seq, &slot_at(ch, *a)->seq, memory_order_seq_cst);
    *b = seq << 1 |
         (lfgo_atomic_load_at(chan_ring_snap_recv_tail, &ch->tail, memory_order_seq_cst) & 1u);
}

/* ------------------------------------------------------------ blocking */

typedef lfgo_status (*ring_fn)(lfgo_chan *ch, void *elem);

static lfgo_status try_send_fn(lfgo_chan *ch, void *elem)
{
    return lfgo__ring_try_send(ch, elem);
}

lfgo__word *lfgo__ring_ev(lfgo_chan *ch, lfgo_select_op op, LFGO_ATOMIC(uint32_t) **nsl)
{
    *nsl = op == LFGO_SELECT_SEND ? &ch->send_nsl : &ch->recv_nsl;
    return op == LFGO_SELECT_SEND ? &ch->send_ev : &ch->recv_ev;
}

/*
 * After a close, a publish still wakes only one sleeper (a send that claimed
 * its slot before the close publishes afterwards), and the close's own
 * wake-all may have come before later sleepers announced themselves.  So a
 * waiter that leaves the park on a closed channel passes the wake on to every
 * other counted sleeper: each wake reaches somebody, who wakes the rest, and
 * nobody stays parked on a closed, drained channel.  (Found by
 * ChanCloseMidstream under ASan: a consumer slept forever after close.)
 */
static void pass_on_close(lfgo_chan *ch, lfgo__word *ev, LFGO_ATOMIC(uint32_t) *nsl)
{
    if ((lfgo_atomic_load_at(chan_ev_pass_tail, &ch->tail, memory_order_seq_cst) & 1u) &&
        lfgo_atomic_load_at(chan_ev_pass_nsl, nsl, memory_order_seq_cst) != 0) {
        lfgo_atomic_fetch_add_at(chan_ev_pass_bump, ev, 2u, memory_order_seq_cst);
        wake_everyone(ch, ev);
    }
}

/* Spin; then count ourselves, announce on `ev`, run the heavy barrier,
 * recheck and park. */
static lfgo_status ring_wait_loop(lfgo_chan *ch, lfgo_select_op op, ring_fn fn, void *elem,
                                  const struct timespec *deadline)
{
    LFGO_ATOMIC(uint32_t) *nsl;
    lfgo__word *ev = lfgo__ring_ev(ch, op, &nsl);
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    for (;;) {
        lfgo_status st = fn(ch, elem);
        if (st != LFGO_WOULDBLOCK)
            return st;
        if (lfgo__deadline_passed(deadline))
            return LFGO_TIMEOUT;
        if (lfgo__spin(&sp))
            continue;
        lfgo_atomic_fetch_add_at(chan_ev_wait_count, nsl, 1u, memory_order_seq_cst);
        uint32_t e =
            lfgo_atomic_fetch_or_at(chan_ev_wait_announce, ev, 1u, memory_order_seq_cst) | 1u;
        lfgo__chan_heavy_barrier();
        st = fn(ch, elem);
        if (st == LFGO_WOULDBLOCK)
            lfgo__park_wait(ev, e, deadline);
        lfgo_atomic_fetch_sub_at(chan_ev_wait_uncount, nsl, 1u, memory_order_seq_cst);
        pass_on_close(ch, ev, nsl);
        if (st != LFGO_WOULDBLOCK)
            return st;
    }
}

/* A thread that waits is counted in nin for all of its wait (see
 * lfgo_chan_destroy). */
static lfgo_status ring_wait(lfgo_chan *ch, lfgo_select_op op, ring_fn fn, void *elem,
                             const struct timespec *deadline)
{
    lfgo__chan_enter(ch);
    lfgo_status st = ring_wait_loop(ch, op, fn, elem, deadline);
    lfgo__chan_leave(ch);
    return st;
}

/* ------------------------------------------------------------ entry */

lfgo_status lfgo__ring_send(lfgo_chan *ch, const void *elem, const struct timespec *deadline,
                            bool try_only)
{
    lfgo_status st = lfgo__ring_try_send(ch, elem);
    if (st != LFGO_WOULDBLOCK || try_only)
        return st;
    return ring_wait(ch, LFGO_SELECT_SEND, try_send_fn, (void *)(uintptr_t)elem, deadline);
}

lfgo_status lfgo__ring_recv(lfgo_chan *ch, void *out, const struct timespec *deadline,
                            bool try_only)
{
    lfgo_status st = lfgo__ring_try_recv(ch, out);
    if (st == LFGO_WOULDBLOCK && !try_only)
        st = ring_wait(ch, LFGO_SELECT_RECV, lfgo__ring_try_recv, out, deadline);
    return st;
}

/* ------------------------------------------------------------ batches */

/*
 * send_many / recv_many on a ring (issue 12, part 2): one claim of the
 * index for as many slots as are ready (one CAS, or one store on a single
 * side), a publication per slot (its seq, on a line the caller writes
 * anyway), and one wake check for the whole run.  Same contract per element
 * as the single calls; positions are consecutive, so per-producer order
 * holds.
 */

/* How many slots from position p on, up to n, are free for that lap. */
static size_t run_free(lfgo_chan *ch, uint64_t p, size_t n)
{
    size_t k = 0;
    /* acquire: as chan.ring.send.seq, slot by slot: the consumer that
     * emptied each one read it before our write. */
    while (k < n && lfgo_atomic_load_at(chan_ring_send_run_seq, &slot_at(ch, p + k)->seq,
                                        memory_order_acquire) == 2u * (p + k))
        k++;
    return k;
}

/* How many slots from position h on, up to n, hold their lap's value. */
static size_t run_full(lfgo_chan *ch, uint64_t h, size_t n)
{
    size_t k = 0;
    /* acquire: as chan.ring.recv.seq, slot by slot: each producer's
     * publish. */
    while (k < n && lfgo_atomic_load_at(chan_ring_recv_run_seq, &slot_at(ch, h + k)->seq,
                                        memory_order_acquire) == 2u * (h + k) + 1u)
        k++;
    return k;
}

/*
 * Claims the free run of up to n producer positions at tail; returns its
 * length (0 with *st set: full or closed).  Checking each slot before one
 * CAS is enough: a slot free for its lap stays free until a producer claims
 * its position, and that would move tail and fail our CAS.  An empty run
 * (full, or a stale tail) is decided as a single claim decides it.
 */
static size_t claim_send_run(lfgo_chan *ch, size_t n, uint64_t *posp, lfgo_status *st)
{
    /* relaxed: names a position; the slots' seq (acquire) order the slots,
     * and the CAS rechecks tail with its closed bit. */
    uint64_t t = lfgo_atomic_load_at(chan_ring_send_run_tail, &ch->tail, memory_order_relaxed);
    for (;;) {
        if (t & 1u) {
            *st = LFGO_CLOSED;
            return 0;
        }
        size_t k = run_free(ch, t >> 1, n);
        if (k == 0)
            return claim_send(ch, posp, st) != NULL;
        if (!lfgo__chan_multi_prod(ch)) {
            /* relaxed: as chan.ring.send.claim.store. */
            lfgo_atomic_store_at(chan_ring_send_run_store, &ch->tail, t + 2u * k, memory_order_relaxed);
        } else if (!lfgo_atomic_cas_weak_at(chan_ring_send_run_cas, &ch->tail, &t, t + 2u * k,
                                            memory_order_relaxed, memory_order_relaxed)) {
            continue; /* relaxed (both): as chan.ring.send.claim.cas */
        }
        *posp = t >> 1;
        return k;
    }
}

/* The receiving side of claim_send_run. */
static size_t claim_recv_run(lfgo_chan *ch, size_t n, uint64_t *posp, lfgo_status *st)
{
    /* relaxed: names a position; the slots' seq order the slots. */
    uint64_t h = lfgo_atomic_load_at(chan_ring_recv_run_head, &ch->head, memory_order_relaxed);
    for (;;) {
        size_t k = run_full(ch, h, n);
        if (k == 0)
            return claim_recv(ch, posp, st) != NULL;
        if (!lfgo__chan_multi_cons(ch)) {
            /* relaxed: as chan.ring.recv.claim.store. */
            lfgo_atomic_store_at(chan_ring_recv_run_store, &ch->head, h + k, memory_order_relaxed);
        } else if (!lfgo_atomic_cas_weak_at(chan_ring_recv_run_cas, &ch->head, &h, h + k,
                                            memory_order_relaxed, memory_order_relaxed)) {
            continue; /* relaxed (both): as chan.ring.recv.claim.cas */
        }
        *posp = h;
        return k;
    }
}

/* Sends what fits now, up to n, in order; *done says how many. */
static lfgo_status try_send_run(lfgo_chan *ch, const void *elems, size_t n, size_t *done)
{
    uint64_t pos;
    lfgo_status st = LFGO_OK;
    size_t k = claim_send_run(ch, n, &pos, &st);
    *done = k;
    if (k == 0)
        return st;
    for (size_t i = 0; i < k; i++) {
        struct lfgo__slot *s = slot_at(ch, pos + i);
        lfgo__chan_copy(s->data, lfgo__batch_nth(elems, ch->elem_size, i), ch->elem_size);
        /* release: as chan.ring.publish, for each value. */
        lfgo_atomic_store_at(chan_ring_publish_run, &s->seq, 2u * (pos + i) + 1u, memory_order_release);
    }
    wake_check(ch, &ch->recv_ev, &ch->recv_nsl, k);
    return LFGO_OK;
}

/* Receives what is there now, up to n, in order; *done says how many. */
static lfgo_status try_recv_run(lfgo_chan *ch, void *out, size_t n, size_t *done)
{
    uint64_t pos;
    lfgo_status st = LFGO_OK;
    size_t k = claim_recv_run(ch, n, &pos, &st);
    *done = k;
    if (k == 0)
        return st;
    for (size_t i = 0; i < k; i++) {
        struct lfgo__slot *s = slot_at(ch, pos + i);
        lfgo__chan_copy_out(lfgo__batch_nth(out, ch->elem_size, i), s->data, ch->elem_size);
        /* release: as chan.ring.consume, for each slot. */
        lfgo_atomic_store_at(chan_ring_consume_run, &s->seq, 2u * (pos + i + ch->cap),
                             memory_order_release);
    }
    wake_check(ch, &ch->send_ev, &ch->send_nsl, k);
    return LFGO_OK;
}

lfgo_status lfgo__ring_send_many(lfgo_chan *ch, const void *elems, size_t n, size_t *done,
                                 const struct timespec *deadline, bool try_only)
{
    size_t i = 0;
    lfgo_status st = LFGO_OK;
    while (i < n) {
        size_t k;
        st = try_send_run(ch, lfgo__batch_nth(elems, ch->elem_size, i), n - i, &k);
        i += k;
        if (st == LFGO_WOULDBLOCK && !try_only) {
            /* full: wait for one slot as send does, then batch again */
            void *e = lfgo__batch_nth(elems, ch->elem_size, i);
            st = ring_wait(ch, LFGO_SELECT_SEND, try_send_fn, e, deadline);
            i += st == LFGO_OK;
        }
        if (st != LFGO_OK)
            break;
    }
    *done = i;
    return st;
}

lfgo_status lfgo__ring_recv_many(lfgo_chan *ch, void *out, size_t n, size_t *done,
                                 const struct timespec *deadline, bool try_only)
{
    *done = 0;
    if (n == 0)
        return LFGO_OK;
    size_t k = 0;
    lfgo_status st = try_recv_run(ch, out, n, &k);
    if (st == LFGO_WOULDBLOCK && !try_only) {
        /* empty: wait for one value as recv does, then take what else is there */
        st = ring_wait(ch, LFGO_SELECT_RECV, lfgo__ring_try_recv, out, deadline);
        if (st == LFGO_OK && n > 1) {
            try_recv_run(ch, lfgo__batch_nth(out, ch->elem_size, 1), n - 1, &k);
            k++;
        } else {
            k = st == LFGO_OK;
        }
    }
    if (st == LFGO_OK)
        *done = k;
    return st;
}

lfgo_status lfgo__ring_close(lfgo_chan *ch)
{
    uint64_t old;
    if (lfgo__chan_multi_prod(ch)) {
        old = lfgo_atomic_fetch_or_at(chan_ring_close_rmw, &ch->tail, 1u, memory_order_seq_cst);
    } else {
        /* relaxed: single producer side; close is one of its calls. */
        old = lfgo_atomic_load_at(chan_ring_close_load, &ch->tail, memory_order_relaxed);
        if (!(old & 1u))
            lfgo_atomic_store_at(chan_ring_close_store, &ch->tail, old | 1u, memory_order_seq_cst);
    }
    if (old & 1u) {
        lfgo__misuse("lfgo_chan_close", "close of closed channel");
        return LFGO_MISUSE;
    }
    ev_close(ch, &ch->recv_ev);
    ev_close(ch, &ch->send_ev);
    notify_selects(ch);
    return LFGO_OK;
}

size_t lfgo__ring_len(lfgo_chan *ch)
{
    /* relaxed: a snapshot that orders nothing (documented). */
    uint64_t h = lfgo_atomic_load_at(chan_ring_len_head, &ch->head, memory_order_relaxed);
    uint64_t t = lfgo_atomic_load_at(chan_ring_len_tail, &ch->tail, memory_order_relaxed) >> 1;
    if (t <= h)
        return 0;
    return (size_t)(t - h > ch->cap ? ch->cap : t - h);
}

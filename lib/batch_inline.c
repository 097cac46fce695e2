/*
 * lib/batch_inline.c - the inline policies of lfgo_batch: the thread that
 * completes a batch runs the callback (see lfgo/batch.h, "Policies", and
 * docs/design.md, "Batcher").
 *
 * Shape.  One lane per online CPU (at most 8, as the flusher policy's
 * channels); a thread always claims slots in the same lane.  A lane owns K
 * (a power of two) batch buffers of N items, used in turn: generation g of
 * the lane lives in buffer g mod K.  `pos` is the lane's one claim word:
 *
 *     bits 63..32  g, the generation being filled (mod 2^32)
 *     bit  31      CLOSED: no more claims
 *     bits 30..0   c, slots of g claimed so far (< N)
 *
 * A claim is a CAS c -> c + 1; the claim of slot N - 1 moves pos to
 * (g + 1, 0) in the same CAS and so seals g with N items.  The deadline
 * thread, flush() and close() seal a partly filled g the same way, with
 * c items.  The claimer then writes its item into the buffer (reserve
 * returns the slot; add copies into it) and commits.
 *
 * A buffer's `commits` word counts commits; its sealer adds SEAL - size.
 * It equals SEAL exactly when the batch is sealed and all `size` items are
 * committed, and exactly one RMW (a commit or the seal) produces that value:
 * that thread completes the batch.
 *
 * The token.  `pending` counts completions not yet looked at.  A completer
 * increments it; the one that finds it 0 holds the token and drains: it
 * delivers, lane by lane, each lane's batches in generation order while the
 * next one is complete, then subtracts what it had seen; if more came in
 * meanwhile it drains again, else the token is free.  A batch that completes
 * while an older one of its lane is still incomplete waits; the older one's
 * completion comes later and makes someone drain both.  Nobody waits for
 * the token: a completer that does not get it returns at once.
 *
 * Invariants:
 *  - Callbacks run only inside drain(), on the token holder, one at a time;
 *    successive holders are ordered by the acq_rel RMWs on `pending`.
 *  - `released` of a lane = generations delivered; only the holder writes
 *    it.  Buffer g mod K may be claimed (slot 0 of g) only when
 *    g - released < K; the holder empties a buffer before releasing it.
 *  - A buffer's size and reason are written by its unique sealer (the one
 *    whose CAS ended g) before its seal RMW; first_ns by the claimer of
 *    slot 0 before its commit.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "batch_config.h"
#include "batch_inline.h"
#include "park.h"

#define CNT_MASK ((UINT64_C(1) << 31) - 1)
#define CLOSED_BIT (UINT64_C(1) << 31)
#define SEAL (UINT64_C(1) << 62)
#define LANES_MAX 8u

enum { ST_ITEMS, ST_BATCHES, ST_SIZE, ST_DEADLINE, ST_FORCED, ST_CLOSE, ST_MAXDELAY };

typedef struct buf {
    _Alignas(64) LFGO_ATOMIC(uint64_t) commits; /* commits, + SEAL - size once sealed */
    LFGO_ATOMIC(uint64_t) first_ns; /* claim time of slot 0; 0: not yet */
    size_t size;                    /* the sealer's; read after completion */
    int reason;                     /* ST_SIZE .. ST_CLOSE, likewise */
    unsigned char *items;
} buf;

typedef struct lane {
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint64_t) pos; /* claimers' line */
    buf *bufs;
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint32_t) released; /* holder's line */
} lane;

struct lfgo__binl {
    lfgo_batch_config cfg;
    size_t nlanes, k;
    lane *lanes;
    buf *bufs;
    unsigned char *items;
    pthread_t thread;
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint64_t) pending; /* the token */
    _Alignas(LFGO_CACHELINE) lfgo__word seq; /* waiters for `released` park here */
    LFGO_ATOMIC(uint32_t) waiters;
    _Alignas(LFGO_CACHELINE) lfgo__word fl_word; /* the deadline thread parks here */
    LFGO_ATOMIC(uint32_t) fl_idle; /* it sleeps with no deadline */
    LFGO_ATOMIC(uint32_t) stop;
    LFGO_ATOMIC(uint32_t) closed;
    LFGO_ATOMIC(uint64_t) st[7];
};

/* The engine whose callback the calling thread is running (else NULL). */
static _Thread_local const lfgo__binl *tls_in_cb;

static uint32_t gen_of(uint64_t p) { return (uint32_t)(p >> 32); }
static uint64_t cnt_of(uint64_t p) { return p & CNT_MASK; }
static uint64_t next_gen(uint64_t p) { return (uint64_t)(gen_of(p) + 1u) << 32 | (p & CLOSED_BIT); }
static buf *buf_of(const lfgo__binl *e, const lane *l, uint32_t g) { return &l->bufs[g & (e->k - 1)]; }

/* ------------------------------------------------------------ waiting */

/* `released` and the CLOSED bits are what waiters wait for.  Dekker-shaped
 * handshake, all seq_cst: a waiter counts itself in `waiters`, reads `seq`,
 * then checks its condition; a changer stores (released, pos), then reads
 * `waiters` and, if set, bumps `seq` and wakes.  If the waiter's check missed
 * the change, the changer's read of `waiters` comes after the waiter's
 * increment, and its bump after the waiter's read of `seq`: the park
 * returns at once. */
static void wake_waiters(lfgo__binl *e)
{
    if (lfgo_atomic_load_at(batch_inl_wake_waiters, &e->waiters, memory_order_seq_cst)) {
        lfgo_atomic_fetch_add_at(batch_inl_wake_seq, &e->seq, 1u, memory_order_seq_cst);
        lfgo__park_wake_all(&e->seq);
    }
}

static bool released_reached(lfgo__binl *e, size_t i, uint32_t target)
{
    /* seq_cst: the waiter's side of the handshake above; acquire is what
     * orders: pairs with the holder's store after the callback, so the
     * callback happens-before flush/close return (and a buffer's emptying
     * before its next claim). */
    uint32_t r = lfgo_atomic_load_at(batch_inl_reached, &e->lanes[i].released, memory_order_seq_cst);
    return (int32_t)(r - target) >= 0;
}

/* Waits until every lane i has delivered generations < target[i]. */
static void wait_released(lfgo__binl *e, const uint32_t *target)
{
    lfgo__spinner spin = LFGO__SPINNER_INIT;
    for (size_t i = 0; i < e->nlanes;) {
        if (released_reached(e, i, target[i])) {
            i++;
            continue;
        }
        if (lfgo__spin(&spin))
            continue;
        lfgo_atomic_fetch_add_at(batch_inl_wait_count, &e->waiters, 1u, memory_order_seq_cst);
        uint32_t seen = lfgo_atomic_load_at(batch_inl_wait_seq, &e->seq, memory_order_seq_cst);
        if (!released_reached(e, i, target[i]))
            lfgo__park_wait(&e->seq, seen, NULL);
        /* relaxed: only a hint for wakers; a stale nonzero costs a wake. */
        lfgo_atomic_fetch_sub_at(batch_inl_wait_uncount, &e->waiters, 1u, memory_order_relaxed);
    }
}

/* ------------------------------------------------------------ delivery */

static void stat_add(lfgo__binl *e, int which, uint64_t v)
{
    /* relaxed (both): only the token holder writes (holders are ordered by
     * `pending`); readers take a snapshot. */
    uint64_t old = lfgo_atomic_load_at(batch_inl_stat_load, &e->st[which], memory_order_relaxed);
    lfgo_atomic_store_at(batch_inl_stat_store, &e->st[which], old + v, memory_order_relaxed);
}

/* Raises the longest-delay statistic to v.  relaxed (both), as stat_add:
 * only the token holder writes it (successive holders are ordered by the
 * acq_rel RMWs on `pending`, so each sees the last holder's store), and a
 * reader's snapshot orders nothing. */
static void stat_max(lfgo__binl *e, uint64_t v)
{
    if (v > lfgo_atomic_load_at(batch_inl_maxdelay_load, &e->st[ST_MAXDELAY], memory_order_relaxed))
        lfgo_atomic_store_at(batch_inl_maxdelay_store, &e->st[ST_MAXDELAY], v, memory_order_relaxed);
}

/* Delivers lane l's next generation if it is complete. */
static bool deliver_next(lfgo__binl *e, lane *l)
{
    /* relaxed: the holder is the only writer of `released`. */
    uint32_t g = lfgo_atomic_load_at(batch_inl_next_gen, &l->released, memory_order_relaxed);
    buf *b = buf_of(e, l, g);
    /* acquire: pairs with the release half of the RMW that completed the
     * batch and, through the release sequence of `commits`, every commit
     * and the seal: the items, size, reason and first_ns are visible. */
    if (lfgo_atomic_load_at(batch_inl_complete, &b->commits, memory_order_acquire) != SEAL)
        return false;
    /* relaxed: written before the slot-0 commit, ordered by the acquire. */
    uint64_t first = lfgo_atomic_load_at(batch_inl_first_read, &b->first_ns, memory_order_relaxed);
    uint64_t delay = lfgo__now_ns() - first;
    tls_in_cb = e;
    e->cfg.fn(e->cfg.user, b->items, b->size);
    tls_in_cb = NULL;
    stat_add(e, ST_ITEMS, b->size);
    stat_add(e, ST_BATCHES, 1);
    stat_add(e, b->reason, 1);
    stat_max(e, delay);
    /* relaxed (both): published by the release below. */
    lfgo_atomic_store_at(batch_inl_reset_commits, &b->commits, 0, memory_order_relaxed);
    lfgo_atomic_store_at(batch_inl_reset_first, &b->first_ns, 0, memory_order_relaxed);
    /* seq_cst: release for the next claimer of this buffer and for flush/
     * close (their acquire loads); seq_cst for the handshake with waiters. */
    lfgo_atomic_store_at(batch_inl_release, &l->released, g + 1u, memory_order_seq_cst);
    return true;
}

static void drain(lfgo__binl *e)
{
    for (;;) {
        /* acquire: pairs with the completers' increments (their batches'
         * completion happens-before the scan). */
        uint64_t seen = lfgo_atomic_load_at(batch_inl_pending_load, &e->pending, memory_order_acquire);
        bool any = false;
        for (size_t i = 0; i < e->nlanes; i++)
            while (deliver_next(e, &e->lanes[i]))
                any = true;
        if (any)
            wake_waiters(e);
        /* acq_rel: release hands this holder's deliveries to the next holder
         * (its increment reads this); acquire as the load above. */
        if (lfgo_atomic_fetch_sub_at(batch_inl_pending_sub, &e->pending, seen, memory_order_acq_rel) == seen)
            return;
    }
}

/* A batch is complete (the caller's RMW made its `commits` SEAL). */
static void complete(lfgo__binl *e)
{
    /* acq_rel: release publishes the completion to the holder's scan;
     * acquire takes over the previous holder's work if this one drains. */
    if (lfgo_atomic_fetch_add_at(batch_inl_pending_add, &e->pending, 1u, memory_order_acq_rel) == 0)
        drain(e);
}

static void seal_buf(lfgo__binl *e, buf *b, uint64_t size, int reason)
{
    b->size = size;
    b->reason = reason;
    /* acq_rel: release publishes size and reason to the completer; acquire:
     * if this completes the batch, the committed items (for the holder). */
    uint64_t old = lfgo_atomic_fetch_add_at(batch_inl_seal, &b->commits, SEAL - size, memory_order_acq_rel);
    if (old == size)
        complete(e);
}

/* Ends lane l's generation (sealing it if it has items) and, with `closing`
 * = CLOSED_BIT, the lane.  Returns the generation that is then current:
 * everything claimed before is in older ones. */
static uint32_t seal_lane(lfgo__binl *e, lane *l, int reason, uint64_t closing)
{
    /* relaxed: the CAS validates it. */
    uint64_t p = lfgo_atomic_load_at(batch_inl_seal_lane_load, &l->pos, memory_order_relaxed), np;
    do {
        np = cnt_of(p) ? next_gen(p) | closing : p | closing;
        if (np == p)
            return gen_of(p);
        /* seq_cst: as the claim CAS (it is one of the pos RMWs), and the
         * handshake with waiters for a close. */
    } while (!lfgo_atomic_cas_weak_at(batch_inl_seal_lane_cas, &l->pos, &p, np, memory_order_seq_cst,
                                      memory_order_relaxed));
    if (cnt_of(p))
        seal_buf(e, buf_of(e, l, gen_of(p)), cnt_of(p), reason);
    return gen_of(np);
}

/* ------------------------------------------------------------ deadlines */

/* Seals lane l's generation g if it still has items and is due. */
static void seal_due(lfgo__binl *e, lane *l, uint64_t p)
{
    uint32_t g = gen_of(p);
    while (gen_of(p) == g && cnt_of(p) && !(p & CLOSED_BIT)) {
        /* seq_cst: one of the pos RMWs (see the claim).  Its acquire half
         * is not needed (scan_deadlines' seq_cst load of pos already took
         * the claim chain), but the start_batch handshake relies on the
         * next scan reading a claim CAS that precedes it in S, which with
         * a relaxed CAS here holds by C++20's coherence rule for S, not by
         * C11's text (as chan_sync.c's nq decrements). */
        if (lfgo_atomic_cas_weak_at(batch_inl_seal_due_cas, &l->pos, &p, next_gen(p), memory_order_seq_cst,
                                    memory_order_relaxed)) {
            seal_buf(e, buf_of(e, l, g), cnt_of(p), ST_DEADLINE);
            return;
        }
    }
}

/* Seals what is due; returns the soonest deadline still ahead (0: none).
 * The loads are seq_cst for the handshake with start_batch. */
static uint64_t scan_deadlines(lfgo__binl *e)
{
    uint64_t now = lfgo__now_ns(), soonest = 0;
    for (size_t i = 0; i < e->nlanes; i++) {
        lane *l = &e->lanes[i];
        uint64_t p = lfgo_atomic_load_at(batch_inl_scan_pos, &l->pos, memory_order_seq_cst);
        if (!cnt_of(p) || (p & CLOSED_BIT))
            continue;
        uint64_t first = lfgo_atomic_load_at(batch_inl_scan_first, &buf_of(e, l, gen_of(p))->first_ns,
                                             memory_order_seq_cst);
        if (!first)
            continue; /* its claimer wakes us if we sleep with no deadline */
        uint64_t due = first + (uint64_t)e->cfg.max_delay_ns;
        if (now >= due)
            seal_due(e, l, p);
        else if (!soonest || due < soonest)
            soonest = due;
    }
    return soonest;
}

/* The deadline thread sleeps until the soonest deadline of the lanes'
 * current batches.  With none it sleeps until a claimer starts a batch:
 * `fl_idle` says so, so only that case costs a claimer a wake (a later
 * batch's deadline is never sooner than one it already sleeps for). */
static void *deadline_main(void *arg)
{
    lfgo__binl *e = arg;
    for (;;) {
        /* The word is read before `stop`: destroy stores stop, then bumps
         * the word.  A bump this read misses makes the park return; one it
         * sees carries the stop with it (the check below then ends the
         * loop).  Read the other way round, a stop landing between the two
         * reads was a lost wake-up that hung destroy in pthread_join. */
        uint32_t w = lfgo_atomic_load_at(batch_inl_fl_load, &e->fl_word, memory_order_seq_cst);
        /* relaxed (and destroy's store): no data is handed over, the thread
         * only has to end.  If the read above saw destroy's bump (a seq_cst
         * RMW read by a seq_cst load: release/acquire), destroy's earlier
         * store of stop happens-before this load whatever their order; if
         * it did not, the park below returns on the bump. */
        if (lfgo_atomic_load_at(batch_inl_stop_load, &e->stop, memory_order_relaxed))
            break;
        lfgo_atomic_store_at(batch_inl_idle_set, &e->fl_idle, 1u, memory_order_seq_cst);
        uint64_t due = scan_deadlines(e);
        if (due) {
            /* relaxed: a deadline is set; a missed wake costs nothing. */
            lfgo_atomic_store_at(batch_inl_idle_clear, &e->fl_idle, 0u, memory_order_relaxed);
            struct timespec d = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
            lfgo__park_wait(&e->fl_word, w, &d);
        } else {
            lfgo__park_wait(&e->fl_word, w, NULL);
        }
    }
    return NULL;
}

static void poke_deadline_thread(lfgo__binl *e)
{
    lfgo_atomic_fetch_add_at(batch_inl_fl_poke, &e->fl_word, 1u, memory_order_seq_cst);
    lfgo__park_wake_one(&e->fl_word);
}

/* Slot 0 of a generation was claimed: its arrival time, and a wake for the
 * deadline thread if it sleeps with no deadline.  seq_cst (all three):
 * Dekker with deadline_main (idle, then scan): either its scan sees this
 * batch, or this load sees it idle and the bump makes its park return. */
static void start_batch(lfgo__binl *e, buf *b)
{
    lfgo_atomic_store_at(batch_inl_first_write, &b->first_ns, lfgo__now_ns(), memory_order_seq_cst);
    if (lfgo_atomic_load_at(batch_inl_idle_check, &e->fl_idle, memory_order_seq_cst))
        poke_deadline_thread(e);
}

/* ------------------------------------------------------------ claims */

static bool buf_free(lfgo__binl *e, lane *l, uint32_t g)
{
    /* seq_cst: acquire pairs with the holder's store after it emptied the
     * buffer (its reads in the callback happen-before our writes); seq_cst
     * for the handshake with waiters (wait_free). */
    uint32_t r = lfgo_atomic_load_at(batch_inl_buf_free, &l->released, memory_order_seq_cst);
    return (uint32_t)(g - r) < e->k;
}

static bool free_or_closed(lfgo__binl *e, lane *l, uint32_t g)
{
    uint64_t p = lfgo_atomic_load_at(batch_inl_free_pos, &l->pos, memory_order_seq_cst);
    return (p & CLOSED_BIT) || gen_of(p) != g || buf_free(e, l, g);
}

/* Waits until generation g's buffer is free, the lane closed or moved on. */
static void wait_free(lfgo__binl *e, lane *l, uint32_t g)
{
    lfgo__spinner spin = LFGO__SPINNER_INIT;
    while (!free_or_closed(e, l, g)) {
        if (lfgo__spin(&spin))
            continue;
        lfgo_atomic_fetch_add_at(batch_inl_wfree_count, &e->waiters, 1u, memory_order_seq_cst);
        uint32_t seen = lfgo_atomic_load_at(batch_inl_wfree_seq, &e->seq, memory_order_seq_cst);
        if (!free_or_closed(e, l, g))
            lfgo__park_wait(&e->seq, seen, NULL);
        /* relaxed: as in wait_released; `waiters` only tells changers to
         * wake, and RMWs on it are totally ordered, so a waker never reads
         * it as 0 while this waiter is still counted; a stale non-zero costs
         * one needless wake. */
        lfgo_atomic_fetch_sub_at(batch_inl_wfree_uncount, &e->waiters, 1u, memory_order_relaxed);
    }
}

lfgo_status lfgo__binl_reserve(lfgo__binl *e, size_t li, void **slot, lfgo__binl_res *res)
{
    lane *l = &e->lanes[li];
    /* relaxed: the CAS validates it. */
    uint64_t p = lfgo_atomic_load_at(batch_inl_claim_load, &l->pos, memory_order_relaxed);
    for (;;) {
        if (p & CLOSED_BIT)
            return LFGO_CLOSED;
        if (cnt_of(p) == 0 && !buf_free(e, l, gen_of(p))) {
            if (e->cfg.policy == LFGO_BATCH_INLINE_FAIL || tls_in_cb == e)
                return LFGO_WOULDBLOCK; /* the callback cannot wait for itself */
            wait_free(e, l, gen_of(p));
            p = lfgo_atomic_load_at(batch_inl_claim_reload, &l->pos, memory_order_relaxed);
            continue;
        }
        uint64_t np = cnt_of(p) + 1 == e->cfg.max_items ? next_gen(p) : p + 1;
        /* seq_cst: acquire takes the buffer from slot 0's claimer (who saw
         * it free), release passes it on; seq_cst for the handshake of
         * start_batch with the deadline thread's scan. */
        if (lfgo_atomic_cas_weak_at(batch_inl_claim, &l->pos, &p, np, memory_order_seq_cst, memory_order_relaxed))
            break;
    }
    buf *b = buf_of(e, l, gen_of(p));
    uint64_t c = cnt_of(p);
    if (c == 0)
        start_batch(e, b);
    if (c + 1 == e->cfg.max_items)
        seal_buf(e, b, c + 1, ST_SIZE); /* cannot complete: our commit is due */
    *slot = b->items + c * e->cfg.item_size;
    res->buf = b;
    return LFGO_OK;
}

void lfgo__binl_commit(lfgo__binl *e, const lfgo__binl_res *res)
{
    buf *b = res->buf;
    /* acq_rel: release publishes the item (and first_ns); acquire: if this
     * completes the batch, everyone else's items and the sealer's size. */
    if (lfgo_atomic_fetch_add_at(batch_inl_commit, &b->commits, 1u, memory_order_acq_rel) + 1u == SEAL)
        complete(e);
}

/* ------------------------------------------------------------ flush/close */

lfgo_status lfgo__binl_flush(lfgo__binl *e)
{
    /* relaxed: a flag that orders no data; the seals decide. */
    if (lfgo_atomic_load_at(batch_inl_flush_closed, &e->closed, memory_order_relaxed))
        return LFGO_CLOSED;
    uint32_t target[LANES_MAX];
    for (size_t i = 0; i < e->nlanes; i++)
        target[i] = seal_lane(e, &e->lanes[i], ST_FORCED, 0);
    if (tls_in_cb != e) /* from the callback: the holder delivers after it */
        wait_released(e, target);
    return LFGO_OK;
}

static void wait_all_delivered(lfgo__binl *e)
{
    uint32_t target[LANES_MAX];
    /* relaxed: closed, so pos no longer moves; the closer reads its own
     * CLOSED seal or later, and any other caller (destroy) runs after a
     * close that returned, which its own edge orders before these loads. */
    for (size_t i = 0; i < e->nlanes; i++)
        target[i] = gen_of(lfgo_atomic_load_at(batch_inl_final_pos, &e->lanes[i].pos, memory_order_relaxed));
    wait_released(e, target);
}

lfgo_status lfgo__binl_close(lfgo__binl *e)
{
    /* relaxed: one closer wins by the exchange's atomicity; the others
     * return LFGO_CLOSED at once, a status that promises no edge. */
    if (lfgo_atomic_xchg_at(batch_inl_closed, &e->closed, 1u, memory_order_relaxed) != 0)
        return LFGO_CLOSED;
    for (size_t i = 0; i < e->nlanes; i++)
        seal_lane(e, &e->lanes[i], ST_CLOSE, CLOSED_BIT);
    /* seq_cst: the changer's side of the handshake (CLOSED set above). */
    lfgo_atomic_fetch_add_at(batch_inl_close_seq, &e->seq, 1u, memory_order_seq_cst);
    lfgo__park_wake_all(&e->seq); /* adders waiting for a buffer: CLOSED */
    if (tls_in_cb != e)
        wait_all_delivered(e);
    return LFGO_OK;
}

bool lfgo__binl_in_callback(const lfgo__binl *e) { return tls_in_cb == e; }

void lfgo__binl_stats(const lfgo__binl *e, uint64_t v[7])
{
    lfgo__binl *m = (lfgo__binl *)e;
    for (int i = 0; i < 7; i++) /* relaxed: a snapshot that orders nothing */
        v[i] = lfgo_atomic_load_at(batch_inl_stats, &m->st[i], memory_order_relaxed);
}

/* ------------------------------------------------------------ lifetime */

static void free_engine(lfgo__binl *e)
{
    free(e->lanes);
    free(e->bufs);
    free(e->items);
    free(e);
}

static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* K: at least 2 (one filling while one is delivered) and enough for the
 * configured capacity, a power of two (the generation maps by a mask). */
static size_t buffers_per_lane(const lfgo_batch_config *cfg, size_t nlanes, size_t cap)
{
    size_t per_lane = cap / nlanes + (cap % nlanes != 0);
    size_t want = per_lane / cfg->max_items + (per_lane % cfg->max_items != 0);
    size_t k = 2;
    while (k < want && k < ((size_t)1 << 30))
        k <<= 1;
    return k;
}

static lfgo_status make_buffers(lfgo__binl *e, size_t cap)
{
    e->k = buffers_per_lane(&e->cfg, e->nlanes, cap);
    size_t nb = e->nlanes * e->k, batch_bytes, all;
    if (__builtin_mul_overflow(e->cfg.max_items, e->cfg.item_size, &batch_bytes) ||
        __builtin_mul_overflow(batch_bytes, nb, &all) || all > SIZE_MAX - 64)
        return LFGO_ENOMEM;
    e->lanes = aligned_alloc(LFGO_CACHELINE, round_up(e->nlanes * sizeof(lane), LFGO_CACHELINE));
    e->bufs = aligned_alloc(64, nb * sizeof(buf));
    e->items = aligned_alloc(64, round_up(all, 64));
    if (!e->lanes || !e->bufs || !e->items)
        return LFGO_ENOMEM;
    memset(e->lanes, 0, e->nlanes * sizeof(lane));
    memset(e->bufs, 0, nb * sizeof(buf));
    for (size_t i = 0; i < nb; i++)
        e->bufs[i].items = e->items + i * batch_bytes;
    for (size_t i = 0; i < e->nlanes; i++)
        e->lanes[i].bufs = e->bufs + i * e->k;
    return LFGO_OK;
}

lfgo_status lfgo__binl_create(lfgo__binl **out, const lfgo_batch_config *cfg, size_t nlanes)
{
    lfgo__binl *e = aligned_alloc(LFGO_CACHELINE, round_up(sizeof *e, LFGO_CACHELINE));
    if (!e)
        return LFGO_ENOMEM;
    memset(e, 0, sizeof *e);
    e->cfg = *cfg;
    e->nlanes = nlanes;
    if (make_buffers(e, lfgo__batch_capacity(cfg)) != LFGO_OK || pthread_create(&e->thread, NULL, deadline_main, e) != 0) {
        free_engine(e);
        return LFGO_ENOMEM;
    }
    *out = e;
    return LFGO_OK;
}

void lfgo__binl_destroy(lfgo__binl *e)
{
    lfgo__binl_close(e);
    wait_all_delivered(e); /* also after a close from inside the callback */
    /* relaxed: deadline_main's comment; pthread_join gives the teardown's
     * edge. */
    lfgo_atomic_store_at(batch_inl_stop_store, &e->stop, 1u, memory_order_relaxed);
    poke_deadline_thread(e);
    pthread_join(e->thread, NULL);
    free_engine(e);
}

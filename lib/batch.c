/*
 * lib/batch.c - the batcher on striped MPSC lfgo channels (see lfgo/batch.h).
 *
 * Producers do not share one channel: the batcher has one MPSC channel (a
 * "lane") per online CPU, at most LANES_MAX, and each thread always adds
 * into the same lane (lane_of: a process-wide thread number modulo the lane
 * count).  Two producers on two cores therefore do not fight over one
 * enqueue index: measured on the project machine, one shared MPSC channel
 * cost ~45 ns per add with 2 producers; see docs/design.md, "Batcher".
 * A thread's items stay in one lane, in order, so per-producer order holds.
 *
 * Lane elements are an 8-byte header followed by the item:
 *   header 0                  an item whose add() was not timestamped;
 *   header t (0 < t < 2^63)   an item added at CLOCK_MONOTONIC time t ns;
 *   header 2^63 | k           not an item: the marker of the k-th flush(),
 *                             sent into every lane.
 *
 * Invariants:
 *  - Everything below "flusher-only" in struct lfgo_batch is touched only by
 *    the flusher thread (and by create/destroy, before it starts / after it
 *    was joined).  The current batch, its deadline and its arrival time are
 *    such fields: the deadline is never stored anywhere else, so delivering
 *    a batch (for whatever reason) ends its deadline with it.
 *  - count < N between steps of the flusher loop: a batch that reaches N
 *    items is delivered at once.
 *  - flush markers are sent one flush at a time (flush_mu), a marker into
 *    each lane; the flusher acknowledges ticket k once it has taken k's
 *    marker out of every lane, i.e. after every item that was in a lane
 *    ahead of its marker.  flush_done only grows.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lfgo/batch.h"
#include "lfgo/chan.h"
#include "lfgo/mutex.h"

#include "park.h"
#include "batch_config.h"
#include "batch_inline.h"

#define MARKER (UINT64_C(1) << 63)
#define HDR 8u
_Static_assert(HDR == 8u, "batch_config.h bounds max_items with an 8-byte header");
#define SAMPLE_MASK 63u /* a thread timestamps one add() in 64 */
#define LANES_MAX 8u

struct lfgo_batch {
    lfgo_batch_config cfg;
    size_t elem; /* HDR + item_size */
    size_t nlanes;
    lfgo__binl *inl; /* the inline policies' engine (then no lanes/flusher) */
    lfgo_chan *lane[LANES_MAX];
    pthread_t thread;
    LFGO_ATOMIC(uint32_t) closed; /* close() has started */
    LFGO_ATOMIC(uint32_t) joined; /* the flusher thread was joined */
    lfgo_mutex flush_mu;          /* serialises flush() */
    uint32_t flush_ticket;        /* guarded by flush_mu */
    lfgo__word flush_done;        /* ticket of the last marker handled */
    /* statistics: written by the flusher only, read as snapshots */
    LFGO_ATOMIC(uint64_t) st[7];
    /* flusher-only */
    unsigned char *scratch; /* N lane elements */
    unsigned char *selbuf;  /* one lane element per lane, for the select */
    unsigned char *items;   /* the current batch: count items */
    size_t count;
    uint64_t arrival_ns; /* the current batch's first arrival (deadline - T) */
    uint64_t oldest_ns;  /* earliest add/receive time seen in this batch */
    bool self_flush;     /* flush() was called from the callback */
    size_t open;         /* lanes not yet closed and drained */
    bool lane_open[LANES_MAX];
    size_t rr;              /* the lane the next gather pass starts with */
    uint32_t marker_ticket; /* the flush whose markers are being collected */
    size_t markers;         /* how many of its markers were taken */
};

enum { ST_ITEMS, ST_BATCHES, ST_SIZE, ST_DEADLINE, ST_FORCED, ST_CLOSE, ST_MAXDELAY };

/* The batcher whose flusher is the calling thread (NULL elsewhere). */
static _Thread_local lfgo_batch *tls_flusher_of;
/* Per-thread add() counter for timestamp sampling. */
static _Thread_local uint32_t tls_adds;
/* This thread's number + 1 (0: not drawn yet); its lane is number % nlanes,
 * kept for the lane count it was computed for (every batcher of a process
 * has the same count unless its capacity is below the CPU count). */
static _Thread_local uint32_t tls_lane_no;
static _Thread_local size_t tls_lane_n, tls_lane_i;
static LFGO_ATOMIC(uint32_t) lane_numbers;
/* This thread's reservation (lfgo_batch_reserve): its batcher (NULL: none),
 * the slot handed out, what the inline engine needs at commit, and the
 * flusher policies' staging element (header + item). */
static _Thread_local lfgo_batch *tls_res_b;
static _Thread_local void *tls_res_slot;
static _Thread_local lfgo__binl_res tls_res;
static _Thread_local _Alignas(16) unsigned char tls_stage[HDR + LFGO_BATCH_MAX_ITEM];

static size_t my_lane(const lfgo_batch *b);
static lfgo_status send_item(lfgo_batch *b, size_t lane_i, const void *item);
static lfgo_status add_inline(lfgo_batch *b, const void *item);

/* Misuse: a call on the batcher this thread holds a reservation on. */
static bool holds_reservation(const lfgo_batch *b, const char *func)
{
    if (__builtin_expect(tls_res_b != b, 1))
        return false;
    lfgo__misuse(func, "this thread holds a reservation (commit it first)");
    return true;
}

static struct timespec ts_of(uint64_t ns)
{
    struct timespec t = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    return t;
}

static void stat_add(lfgo_batch *b, int which, uint64_t v)
{
    /* relaxed (both): only the flusher writes; readers take a snapshot. */
    uint64_t old = lfgo_atomic_load_at(batch_stat_load, &b->st[which], memory_order_relaxed);
    lfgo_atomic_store_at(batch_stat_store, &b->st[which], old + v, memory_order_relaxed);
}

/* ------------------------------------------------------------ flusher */

static void deliver(lfgo_batch *b, int reason)
{
    if (b->count == 0)
        return; /* never an empty batch */
    uint64_t t = lfgo__now_ns();
    /* relaxed: flusher-only field, see stat_add. */
    if (t - b->oldest_ns > lfgo_atomic_load_at(batch_maxdelay_load, &b->st[ST_MAXDELAY], memory_order_relaxed))
        lfgo_atomic_store_at(batch_maxdelay_store, &b->st[ST_MAXDELAY], t - b->oldest_ns, memory_order_relaxed);
    b->cfg.fn(b->cfg.user, b->items, b->count);
    stat_add(b, ST_ITEMS, b->count);
    stat_add(b, ST_BATCHES, 1);
    stat_add(b, reason, 1);
    b->count = 0;
}

static void ack_flush(lfgo_batch *b, uint32_t ticket)
{
    /* release: pairs with the acquire load in lfgo_batch_flush, so the
     * callback that delivered the forced batch happens-before its return. */
    lfgo_atomic_store_at(batch_flush_ack, &b->flush_done, ticket, memory_order_release);
    lfgo__park_wake_all(&b->flush_done); /* one per flush(): cheap enough */
}

/* A flush marker came out of a lane: once the flush's marker has come out
 * of every lane, everything added before that flush() has been taken. */
static void on_marker(lfgo_batch *b, uint32_t ticket)
{
    if (ticket != b->marker_ticket) {
        b->marker_ticket = ticket;
        b->markers = 0;
    }
    if (++b->markers == b->nlanes) {
        deliver(b, ST_FORCED);
        ack_flush(b, ticket);
    }
}

static void append(lfgo_batch *b, const unsigned char *e, uint64_t hdr, uint64_t now)
{
    if (b->count == 0)
        b->arrival_ns = b->oldest_ns = now;
    if (hdr && hdr < b->oldest_ns) {
        b->oldest_ns = hdr;
        if (b->count == 0)
            b->arrival_ns = hdr;
    }
    memcpy(b->items + b->count * b->cfg.item_size, e + HDR, b->cfg.item_size);
    if (++b->count == b->cfg.max_items)
        deliver(b, ST_SIZE);
}

/* Takes n received lane elements in order: items and flush markers. */
static void ingest(lfgo_batch *b, const unsigned char *buf, size_t n, uint64_t now)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned char *e = buf + i * b->elem;
        uint64_t hdr;
        memcpy(&hdr, e, sizeof hdr);
        if (hdr & MARKER)
            on_marker(b, (uint32_t)hdr);
        else
            append(b, e, hdr, now);
    }
}

/* One pass over the open lanes without blocking, each lane once, up to
 * N - count elements from each; `now` stands in for their arrival time.
 * True if it took anything (or saw a lane end). */
static bool gather(lfgo_batch *b, uint64_t now)
{
    bool took = false;
    for (size_t k = 0; k < b->nlanes; k++) {
        size_t i = (b->rr + k) % b->nlanes;
        if (!b->lane_open[i])
            continue;
        size_t n = 0;
        lfgo_status st = lfgo_chan_try_recv_many(b->lane[i], b->scratch, b->cfg.max_items - b->count, &n);
        if (st == LFGO_OK) {
            ingest(b, b->scratch, n, now);
            took = true;
        } else if (st == LFGO_CLOSED) {
            b->lane_open[i] = false;
            b->open--;
            took = true;
        }
    }
    b->rr++;
    return took;
}

/* Nothing is ready in any lane: sleeps in a select over the open lanes,
 * without limit for a batch's first item, until its deadline for the rest;
 * then takes what woke it. */
static void wait_lanes(lfgo_batch *b)
{
    lfgo_select_case cases[LANES_MAX];
    size_t lane_of_case[LANES_MAX], m = 0;
    for (size_t i = 0; i < b->nlanes; i++) {
        if (!b->lane_open[i])
            continue;
        cases[m] = (lfgo_select_case){b->lane[i], LFGO_SELECT_RECV, b->selbuf + i * b->elem, LFGO_OK};
        lane_of_case[m++] = i;
    }
    size_t c = 0;
    lfgo_status st;
    if (b->count == 0) {
        st = lfgo_select(cases, m, &c);
    } else {
        struct timespec d = ts_of(b->arrival_ns + (uint64_t)b->cfg.max_delay_ns);
        st = lfgo_select_until(cases, m, &c, &d);
    }
    if (st == LFGO_TIMEOUT) {
        deliver(b, ST_DEADLINE);
    } else if (st == LFGO_OK && cases[c].status == LFGO_CLOSED) {
        b->lane_open[lane_of_case[c]] = false;
        b->open--;
    } else if (st == LFGO_OK) {
        ingest(b, cases[c].elem, 1, lfgo__now_ns());
    }
}

static void *flusher_main(void *arg)
{
    lfgo_batch *b = arg;
    tls_flusher_of = b;
    lfgo__spinner spin = LFGO__SPINNER_INIT;
    while (b->open > 0) {
        /* One clock read per pass: it dates what this pass takes (before
         * it arrived, so a deadline can only come early, by less than a
         * pass) and checks the current batch's deadline. */
        uint64_t now = lfgo__now_ns();
        if (b->self_flush) {
            /* flush() from the callback: what has arrived goes out now. */
            b->self_flush = false;
            gather(b, now);
            deliver(b, ST_FORCED);
            continue;
        }
        if (b->count && now >= b->arrival_ns + (uint64_t)b->cfg.max_delay_ns)
            deliver(b, ST_DEADLINE);
        if (gather(b, now)) {
            spin = (lfgo__spinner)LFGO__SPINNER_INIT;
            continue;
        }
        /* Poll a little before sleeping: the select's sleep costs the
         * producers a wake-up and this thread a heavy barrier. */
        if (lfgo__spin(&spin))
            continue;
        spin = (lfgo__spinner)LFGO__SPINNER_INIT;
        wait_lanes(b);
    }
    deliver(b, ST_CLOSE);
    tls_flusher_of = NULL;
    return NULL;
}

/* ------------------------------------------------------------ lifetime */

static void free_parts(lfgo_batch *b)
{
    for (size_t i = 0; i < b->nlanes; i++)
        if (b->lane[i])
            lfgo_chan_destroy(b->lane[i]);
    free(b->scratch);
    free(b->selbuf);
    free(b->items);
    free(b);
}

static size_t lane_count(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        return 1;
    return (size_t)cpus < LANES_MAX ? (size_t)cpus : LANES_MAX;
}

/* Creates the lanes and the flusher's buffers, stopping at the first
 * failure (free_parts frees whatever was made). */
static lfgo_status make_parts(lfgo_batch *b)
{
    /* Items buffered ahead of the flusher, in all lanes together, split
     * evenly and rounded up without forming total + nlanes - 1 (which wraps
     * for a capacity near SIZE_MAX); never more lanes than items. */
    size_t total = lfgo__batch_capacity(&b->cfg);
    b->nlanes = lane_count() < total ? lane_count() : total;
    size_t per_lane = total / b->nlanes + (total % b->nlanes != 0);
    for (size_t i = 0; i < b->nlanes; i++) {
        lfgo_status st = lfgo_chan_create(&b->lane[i], b->elem, per_lane, LFGO_CHAN_MPSC);
        if (st != LFGO_OK)
            return st;
        b->lane_open[i] = true;
    }
    b->open = b->nlanes;
    /* No overflow: lfgo__batch_config_ok bounds max_items by
     * LFGO__BATCH_MAX_BYTES / elem, and nlanes <= LANES_MAX. */
    if (!(b->scratch = malloc(b->elem * b->cfg.max_items)) ||
        !(b->selbuf = malloc(b->elem * b->nlanes)) ||
        !(b->items = malloc(b->cfg.item_size * b->cfg.max_items)))
        return LFGO_ENOMEM;
    return LFGO_OK;
}

/* The inline policies: lanes (as many as for the flusher policy, so the
 * thread -> lane numbering is shared) over lib/batch_inline.c's engine. */
static lfgo_status create_inline(lfgo_batch *b, lfgo_batch **out)
{
    b->nlanes = lane_count();
    if (lfgo__binl_create(&b->inl, &b->cfg, b->nlanes) != LFGO_OK) {
        free(b);
        return LFGO_ENOMEM;
    }
    *out = b;
    return LFGO_OK;
}

lfgo_status lfgo_batch_create(lfgo_batch **out, const lfgo_batch_config *cfg)
{
    if (!out || !lfgo__batch_config_ok(cfg))
        return LFGO_EINVAL;
    lfgo_batch *b = calloc(1, sizeof *b);
    if (!b)
        return LFGO_ENOMEM;
    b->cfg = *cfg;
    b->elem = HDR + cfg->item_size;
    lfgo_mutex_init(&b->flush_mu);
    if (lfgo__batch_inline(cfg->policy))
        return create_inline(b, out);
    lfgo_status st = make_parts(b);
    if (st == LFGO_OK && pthread_create(&b->thread, NULL, flusher_main, b) != 0)
        st = LFGO_ENOMEM;
    if (st != LFGO_OK) {
        free_parts(b);
        return st == LFGO_EINVAL ? LFGO_EINVAL : LFGO_ENOMEM;
    }
    *out = b;
    return LFGO_OK;
}

/* Waits for the flusher thread to end (once). */
static void join_flusher(lfgo_batch *b)
{
    /* relaxed: "exactly one joins" is the exchange's atomicity; the edge
     * from the flusher's last callback is pthread_join's, and a caller that
     * lost the exchange has its edge from the joiner's return (destroy's
     * contract), not from this word. */
    if (lfgo_atomic_xchg_at(batch_joined, &b->joined, 1u, memory_order_relaxed) == 0)
        pthread_join(b->thread, NULL);
}

lfgo_status lfgo_batch_close(lfgo_batch *b)
{
    if (!b) {
        lfgo__misuse("lfgo_batch_close", "NULL batcher");
        return LFGO_MISUSE;
    }
    if (holds_reservation(b, "lfgo_batch_close"))
        return LFGO_MISUSE;
    if (b->inl)
        return lfgo__binl_close(b->inl);
    /* relaxed: one closer wins by the exchange's atomicity; the others
     * return LFGO_CLOSED at once, a status that promises no edge (the
     * contract's edges are the winner's join and the lanes' close). */
    if (lfgo_atomic_xchg_at(batch_closed, &b->closed, 1u, memory_order_relaxed) != 0)
        return LFGO_CLOSED;
    for (size_t i = 0; i < b->nlanes; i++)
        lfgo_chan_close(b->lane[i]);
    if (tls_flusher_of != b)
        join_flusher(b); /* join: the last callback happens-before this */
    return LFGO_OK;
}

void lfgo_batch_destroy(lfgo_batch *b)
{
    if (!b) {
        lfgo__misuse("lfgo_batch_destroy", "NULL batcher");
        return;
    }
    if (tls_flusher_of == b || (b->inl && lfgo__binl_in_callback(b->inl))) {
        lfgo__misuse("lfgo_batch_destroy", "destroy from inside the flush callback");
        return;
    }
    if (holds_reservation(b, "lfgo_batch_destroy"))
        return;
    if (b->inl) {
        lfgo__binl_destroy(b->inl);
        lfgo_mutex_destroy(&b->flush_mu);
        free(b);
        return;
    }
    lfgo_batch_close(b);
    join_flusher(b);
    lfgo_mutex_destroy(&b->flush_mu);
    free_parts(b);
}

/* ------------------------------------------------------------ producers */

lfgo_status lfgo_batch_add(lfgo_batch *b, const void *item)
{
    if (!b || !item) {
        lfgo__misuse("lfgo_batch_add", b ? "NULL item" : "NULL batcher");
        return LFGO_MISUSE;
    }
    if (holds_reservation(b, "lfgo_batch_add"))
        return LFGO_MISUSE;
    if (b->inl)
        return add_inline(b, item);
    return send_item(b, my_lane(b), item);
}

/* The calling thread's lane: a process-wide thread number mod nlanes. */
static size_t my_lane(const lfgo_batch *b)
{
    if (__builtin_expect(tls_lane_n != b->nlanes, 0)) {
        if (tls_lane_no == 0)
            /* relaxed: only a number to spread threads over lanes; pairs
             * with nothing (any value is correct). */
            tls_lane_no = lfgo_atomic_fetch_add_at(batch_lane, &lane_numbers, 1u, memory_order_relaxed) + 1u;
        tls_lane_n = b->nlanes;
        tls_lane_i = (tls_lane_no - 1u) % b->nlanes; /* no division per add */
    }
    return tls_lane_i;
}

/* Flusher policies: header + item into the lane (item == e + HDR when it
 * is already in place: the reservation's staging element). */
static lfgo_status send_item(lfgo_batch *b, size_t lane_i, const void *item)
{
    lfgo_chan *lane = b->lane[lane_i];
    unsigned char buf[HDR + LFGO_BATCH_MAX_ITEM];
    unsigned char *e = item == tls_stage + HDR ? tls_stage : buf;
    uint64_t hdr = (tls_adds++ & SAMPLE_MASK) == 0 ? lfgo__now_ns() : 0;
    memcpy(e, &hdr, HDR);
    if (e == buf)
        memcpy(e + HDR, item, b->cfg.item_size);
    if (b->cfg.policy == LFGO_BATCH_FAIL)
        return lfgo_chan_try_send(lane, e);
    return lfgo_chan_send(lane, e);
}

/* Inline policies: claim a slot in the batch, copy, commit. */
static lfgo_status add_inline(lfgo_batch *b, const void *item)
{
    void *slot;
    lfgo__binl_res res;
    lfgo_status st = lfgo__binl_reserve(b->inl, my_lane(b), &slot, &res);
    if (st != LFGO_OK)
        return st;
    memcpy(slot, item, b->cfg.item_size);
    lfgo__binl_commit(b->inl, &res);
    return LFGO_OK;
}

lfgo_status lfgo_batch_reserve(lfgo_batch *b, void **slot)
{
    if (lfgo__batch_bad_reserve("lfgo_batch_reserve", b, slot, tls_res_b != NULL))
        return LFGO_MISUSE;
    lfgo_status st = LFGO_OK;
    if (b->inl) {
        st = lfgo__binl_reserve(b->inl, my_lane(b), slot, &tls_res);
    } else {
        /* relaxed: a flag that orders no data; the send at commit decides
         * (it may still find the lane closed). */
        if (lfgo_atomic_load_at(batch_reserve_closed, &b->closed, memory_order_relaxed))
            return LFGO_CLOSED;
        *slot = tls_stage + HDR;
    }
    if (st == LFGO_OK) {
        tls_res_b = b;
        tls_res_slot = *slot;
    }
    return st;
}

lfgo_status lfgo_batch_commit(lfgo_batch *b, void *slot)
{
    if (!b || !slot) {
        lfgo__misuse("lfgo_batch_commit", b ? "NULL slot" : "NULL batcher");
        return LFGO_MISUSE;
    }
    if (tls_res_b != b || tls_res_slot != slot) {
        lfgo__misuse("lfgo_batch_commit", "commit without a matching reserve");
        return LFGO_MISUSE;
    }
    tls_res_b = NULL;
    tls_res_slot = NULL;
    if (b->inl) {
        lfgo__binl_commit(b->inl, &tls_res);
        return LFGO_OK;
    }
    return send_item(b, my_lane(b), slot);
}

lfgo_status lfgo_batch_flush(lfgo_batch *b)
{
    if (!b) {
        lfgo__misuse("lfgo_batch_flush", "NULL batcher");
        return LFGO_MISUSE;
    }
    if (holds_reservation(b, "lfgo_batch_flush"))
        return LFGO_MISUSE;
    if (b->inl)
        return lfgo__binl_flush(b->inl);
    if (tls_flusher_of == b) {
        b->self_flush = true; /* flusher-only: we are the flusher */
        return LFGO_OK;
    }
    lfgo_mutex_lock(&b->flush_mu);
    uint32_t ticket = ++b->flush_ticket & 0x7fffffffu;
    uint64_t hdr = MARKER | ticket;
    unsigned char e[HDR + LFGO_BATCH_MAX_ITEM];
    memset(e, 0, b->elem);
    memcpy(e, &hdr, HDR);
    lfgo_status st = LFGO_OK;
    for (size_t i = 0; i < b->nlanes && st == LFGO_OK; i++)
        st = lfgo_chan_send(b->lane[i], e); /* a marker into every lane */
    uint32_t seen;
    /* acquire: pairs with the release store in ack_flush. */
    while (st == LFGO_OK && (seen = lfgo_atomic_load_at(batch_flush_wait, &b->flush_done, memory_order_acquire)) != ticket)
        lfgo__park_wait(&b->flush_done, seen, NULL);
    lfgo_mutex_unlock(&b->flush_mu);
    return st == LFGO_OK ? LFGO_OK : LFGO_CLOSED;
}

lfgo_status lfgo_batch_get_stats(const lfgo_batch *b, lfgo_batch_stats *out)
{
    if (!b || !out) {
        lfgo__misuse("lfgo_batch_get_stats", b ? "NULL stats" : "NULL batcher");
        return LFGO_MISUSE;
    }
    lfgo_batch *m = (lfgo_batch *)b;
    uint64_t v[7];
    if (m->inl)
        lfgo__binl_stats(m->inl, v);
    for (int i = 0; i < 7 && !m->inl; i++) /* relaxed: a snapshot that orders nothing */
        v[i] = lfgo_atomic_load_at(batch_stats, &m->st[i], memory_order_relaxed);
    out->items = v[ST_ITEMS];
    out->batches = v[ST_BATCHES];
    out->flushes_size = v[ST_SIZE];
    out->flushes_deadline = v[ST_DEADLINE];
    out->flushes_forced = v[ST_FORCED];
    out->flushes_close = v[ST_CLOSE];
    out->max_delay_ns = v[ST_MAXDELAY];
    return LFGO_OK;
}

/*
 * lib/batch.c - the batcher on an MPSC lfgo channel (see lfgo/batch.h).
 *
 * Channel elements are an 8-byte header followed by the item:
 *   header 0                  an item whose add() was not timestamped;
 *   header t (0 < t < 2^63)   an item added at CLOCK_MONOTONIC time t ns;
 *   header 2^63 | k           not an item: the marker of the k-th flush().
 *
 * Invariants:
 *  - Everything below "flusher-only" in struct lfgo_batch is touched only by
 *    the flusher thread (and by create/destroy, before it starts / after it
 *    was joined).  The current batch, its deadline and its arrival time are
 *    such fields: the deadline is never stored anywhere else, so delivering
 *    a batch (for whatever reason) ends its deadline with it.
 *  - count < N between steps of the flusher loop: a batch that reaches N
 *    items is delivered at once.
 *  - flush markers are sent one at a time (flush_mu), so the marker with
 *    ticket k is received after every marker with a smaller ticket, and
 *    flush_done only grows.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lfgo/batch.h"
#include "lfgo/chan.h"
#include "lfgo/mutex.h"

#include "park.h"

#define MARKER (UINT64_C(1) << 63)
#define HDR 8u
#define SAMPLE_MASK 63u /* a thread timestamps one add() in 64 */

struct lfgo_batch {
    lfgo_batch_config cfg;
    size_t elem; /* HDR + item_size */
    lfgo_chan *ch;
    pthread_t thread;
    LFGO_ATOMIC(uint32_t) closed; /* close() has started */
    LFGO_ATOMIC(uint32_t) joined; /* the flusher thread was joined */
    lfgo_mutex flush_mu;          /* serialises flush() */
    uint32_t flush_ticket;        /* guarded by flush_mu */
    lfgo__word flush_done;        /* ticket of the last marker handled */
    /* statistics: written by the flusher only, read as snapshots */
    LFGO_ATOMIC(uint64_t) st[7];
    /* flusher-only */
    unsigned char *scratch; /* N channel elements */
    unsigned char *items;   /* the current batch: count items */
    size_t count;
    uint64_t arrival_ns; /* the current batch's first arrival (deadline - T) */
    uint64_t oldest_ns;  /* earliest add/receive time seen in this batch */
    bool self_flush;     /* flush() was called from the callback */
};

enum { ST_ITEMS, ST_BATCHES, ST_SIZE, ST_DEADLINE, ST_FORCED, ST_CLOSE, ST_MAXDELAY };

/* The batcher whose flusher is the calling thread (NULL elsewhere). */
static _Thread_local lfgo_batch *tls_flusher_of;
/* Per-thread add() counter for timestamp sampling. */
static _Thread_local uint32_t tls_adds;

static uint64_t now_ns(void)
{
    struct timespec t = lfgo_now();
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static struct timespec ts_of(uint64_t ns)
{
    struct timespec t = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    return t;
}

static void stat_add(lfgo_batch *b, int which, uint64_t v)
{
    /* relaxed (both): only the flusher writes; readers take a snapshot. */
    uint64_t old = lfgo_atomic_load(&b->st[which], memory_order_relaxed);
    lfgo_atomic_store(&b->st[which], old + v, memory_order_relaxed);
}

/* ------------------------------------------------------------ flusher */

static void deliver(lfgo_batch *b, int reason)
{
    if (b->count == 0)
        return; /* never an empty batch */
    uint64_t t = now_ns();
    /* relaxed: flusher-only field, see stat_add. */
    if (t - b->oldest_ns > lfgo_atomic_load(&b->st[ST_MAXDELAY], memory_order_relaxed))
        lfgo_atomic_store(&b->st[ST_MAXDELAY], t - b->oldest_ns, memory_order_relaxed);
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
    lfgo_atomic_store(&b->flush_done, ticket, memory_order_release);
    lfgo__park_wake_all(&b->flush_done); /* one per flush(): cheap enough */
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

/* Takes n received elements in order: items and flush markers. */
static void ingest(lfgo_batch *b, size_t n, uint64_t now)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned char *e = b->scratch + i * b->elem;
        uint64_t hdr;
        memcpy(&hdr, e, sizeof hdr);
        if (hdr & MARKER) {
            deliver(b, ST_FORCED);
            ack_flush(b, (uint32_t)hdr);
        } else {
            append(b, e, hdr, now);
        }
    }
}

/* Receives the next chunk: waits without limit for a batch's first item,
 * until its deadline for the rest, not at all for a forced flush. */
static lfgo_status receive(lfgo_batch *b, size_t *n, bool forced)
{
    size_t want = b->cfg.max_items - b->count;
    if (forced)
        return lfgo_chan_try_recv_many(b->ch, b->scratch, want, n);
    if (b->count == 0)
        return lfgo_chan_recv_many(b->ch, b->scratch, want, n);
    struct timespec d = ts_of(b->arrival_ns + (uint64_t)b->cfg.max_delay_ns);
    return lfgo_chan_recv_many_until(b->ch, b->scratch, want, n, &d);
}

/* One step of the flusher loop; false once the channel is closed and
 * drained (after delivering the last batch).  A flush() from the callback
 * (self_flush) is served by the step after that callback returned. */
static bool flusher_step(lfgo_batch *b)
{
    bool forced = b->self_flush;
    b->self_flush = false;
    size_t n = 0;
    lfgo_status st = receive(b, &n, forced);
    uint64_t now = now_ns();
    if (st == LFGO_OK)
        ingest(b, n, now);
    if (st == LFGO_CLOSED) {
        deliver(b, ST_CLOSE);
        return false;
    }
    if (forced)
        deliver(b, ST_FORCED);
    else if (st == LFGO_TIMEOUT || (b->count && now >= b->arrival_ns + (uint64_t)b->cfg.max_delay_ns))
        deliver(b, ST_DEADLINE);
    return true;
}

static void *flusher_main(void *arg)
{
    lfgo_batch *b = arg;
    tls_flusher_of = b;
    while (flusher_step(b)) {
    }
    tls_flusher_of = NULL;
    return NULL;
}

/* ------------------------------------------------------------ lifetime */

static bool config_ok(const lfgo_batch_config *c)
{
    return c && c->item_size >= 1 && c->item_size <= LFGO_BATCH_MAX_ITEM &&
           c->max_items >= 1 && c->max_items <= (SIZE_MAX / 2) / (HDR + c->item_size) &&
           c->max_delay_ns > 0 && c->fn &&
           (c->policy == LFGO_BATCH_BLOCK || c->policy == LFGO_BATCH_FAIL);
}

static void free_parts(lfgo_batch *b)
{
    if (b->ch)
        lfgo_chan_destroy(b->ch);
    free(b->scratch);
    free(b->items);
    free(b);
}

static size_t default_capacity(const lfgo_batch_config *c)
{
    if (c->capacity)
        return c->capacity;
    return c->max_items > 1024 ? 4 * c->max_items : 4096;
}

lfgo_status lfgo_batch_create(lfgo_batch **out, const lfgo_batch_config *cfg)
{
    if (!out || !config_ok(cfg))
        return LFGO_EINVAL;
    lfgo_batch *b = calloc(1, sizeof *b);
    if (!b)
        return LFGO_ENOMEM;
    b->cfg = *cfg;
    b->elem = HDR + cfg->item_size;
    lfgo_mutex_init(&b->flush_mu);
    lfgo_status st = lfgo_chan_create(&b->ch, b->elem, default_capacity(cfg), LFGO_CHAN_MPSC);
    b->scratch = malloc(b->elem * cfg->max_items);
    b->items = malloc(cfg->item_size * cfg->max_items);
    if (st != LFGO_OK || !b->scratch || !b->items) {
        free_parts(b);
        return st == LFGO_EINVAL ? LFGO_EINVAL : LFGO_ENOMEM;
    }
    if (pthread_create(&b->thread, NULL, flusher_main, b) != 0) {
        free_parts(b);
        return LFGO_ENOMEM;
    }
    *out = b;
    return LFGO_OK;
}

/* Waits for the flusher thread to end (once). */
static void join_flusher(lfgo_batch *b)
{
    /* acq_rel: only one caller joins; acquire pairs with nothing else. */
    if (lfgo_atomic_xchg(&b->joined, 1u, memory_order_acq_rel) == 0)
        pthread_join(b->thread, NULL);
}

lfgo_status lfgo_batch_close(lfgo_batch *b)
{
    if (!b) {
        lfgo__misuse("lfgo_batch_close", "NULL batcher");
        return LFGO_MISUSE;
    }
    /* acq_rel: one closer wins; the others return at once. */
    if (lfgo_atomic_xchg(&b->closed, 1u, memory_order_acq_rel) != 0)
        return LFGO_CLOSED;
    lfgo_chan_close(b->ch);
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
    if (tls_flusher_of == b) {
        lfgo__misuse("lfgo_batch_destroy", "destroy from inside the flush callback");
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
    unsigned char e[HDR + LFGO_BATCH_MAX_ITEM];
    uint64_t hdr = (tls_adds++ & SAMPLE_MASK) == 0 ? now_ns() : 0;
    memcpy(e, &hdr, HDR);
    memcpy(e + HDR, item, b->cfg.item_size);
    if (b->cfg.policy == LFGO_BATCH_FAIL)
        return lfgo_chan_try_send(b->ch, e);
    return lfgo_chan_send(b->ch, e);
}

lfgo_status lfgo_batch_flush(lfgo_batch *b)
{
    if (!b) {
        lfgo__misuse("lfgo_batch_flush", "NULL batcher");
        return LFGO_MISUSE;
    }
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
    lfgo_status st = lfgo_chan_send(b->ch, e);
    uint32_t seen;
    /* acquire: pairs with the release store in ack_flush. */
    while (st == LFGO_OK && (seen = lfgo_atomic_load(&b->flush_done, memory_order_acquire)) != ticket)
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
    for (int i = 0; i < 7; i++) /* relaxed: a snapshot that orders nothing */
        v[i] = lfgo_atomic_load(&m->st[i], memory_order_relaxed);
    out->items = v[ST_ITEMS];
    out->batches = v[ST_BATCHES];
    out->flushes_size = v[ST_SIZE];
    out->flushes_deadline = v[ST_DEADLINE];
    out->flushes_forced = v[ST_FORCED];
    out->flushes_close = v[ST_CLOSE];
    out->max_delay_ns = v[ST_MAXDELAY];
    return LFGO_OK;
}

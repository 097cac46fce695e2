/*
 * lib/twin/batch.c - the lock-based batcher twin (see lfgo/twin/batch.h).
 * Everything shared is guarded by b->mu (`self_flush` too: the flusher
 * reads it while an adder's callback may set it); `items` belongs to
 * whoever holds the delivery token (`delivering`, under mu): the flusher
 * thread, or under the inline policies an adder that filled a batch.  The
 * ring holds items in add() order with each one's add time; the token
 * holder takes at most N from its head, so batches stay in order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lfgo/twin/batch.h"
#include "../batch_config.h"

struct lfgo_twin_batch {
    lfgo_batch_config cfg;
    pthread_mutex_t mu;
    pthread_cond_t work, space, flushed; /* CLOCK_MONOTONIC waits */
    unsigned char *ring;
    uint64_t *stamps;
    size_t cap, head, len;
    bool closed, joined;
    uint64_t flush_req, flush_done;
    uint64_t forcing_req; /* the flush_req being served, 0 = none */
    size_t forced_left;   /* items still to deliver for it */
    lfgo_batch_stats st;
    pthread_t thread;
    bool delivering; /* the token: a callback is running (or about to) */
    bool self_flush; /* flush() from inside the callback */
    /* the token holder's */
    unsigned char *items;
};

/* The batcher whose callback this thread runs (the flusher: always). */
static _Thread_local lfgo_twin_batch *tls_flusher_of;
/* This thread's reservation: batcher (NULL: none), slot. */
static _Thread_local lfgo_twin_batch *tls_res_b;
static _Thread_local _Alignas(16) unsigned char tls_stage[LFGO_BATCH_MAX_ITEM];

static bool inline_policy(const lfgo_twin_batch *b)
{
    return lfgo__batch_inline(b->cfg.policy);
}

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

/* Why the flusher should deliver now, or -1 (mu held). */
enum { R_SIZE, R_DEADLINE, R_FORCED, R_CLOSE };
static int reason(lfgo_twin_batch *b)
{
    if (b->self_flush || b->forcing_req || b->flush_req != b->flush_done)
        return R_FORCED; /* first, so that flush() ends under any load */
    if (b->len >= b->cfg.max_items)
        return R_SIZE;
    if (b->len && now_ns() >= b->stamps[b->head] + (uint64_t)b->cfg.max_delay_ns)
        return R_DEADLINE;
    if (b->closed)
        return R_CLOSE;
    return -1;
}

static void wait_work(lfgo_twin_batch *b)
{
    if (!b->len) {
        pthread_cond_wait(&b->work, &b->mu);
        return;
    }
    struct timespec d = ts_of(b->stamps[b->head] + (uint64_t)b->cfg.max_delay_ns);
    pthread_cond_timedwait(&b->work, &b->mu, &d);
}

/* Moves up to N items out of the ring into b->items (mu held). */
static size_t take(lfgo_twin_batch *b, size_t limit, uint64_t *oldest)
{
    size_t n = b->len < limit ? b->len : limit;
    size_t sz = b->cfg.item_size;
    *oldest = n ? b->stamps[b->head] : 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(b->items + i * sz, b->ring + ((b->head + i) % b->cap) * sz, sz);
    }
    b->head = (b->head + n) % b->cap;
    b->len -= n;
    if (n)
        pthread_cond_broadcast(&b->space);
    return n;
}

static void count(lfgo_twin_batch *b, int r, size_t n, uint64_t delay)
{
    uint64_t *by[] = {&b->st.flushes_size, &b->st.flushes_deadline, &b->st.flushes_forced,
                      &b->st.flushes_close};
    (*by[r])++;
    b->st.items += n;
    b->st.batches++;
    if (delay > b->st.max_delay_ns)
        b->st.max_delay_ns = delay;
}

/* A forced flush delivers what was buffered when the flusher saw it (for
 * flush() until that is gone, in batches of <= N; for a flush from the
 * callback one batch).  Returns how many items this step may take. */
static size_t forced_limit(lfgo_twin_batch *b)
{
    if (b->self_flush) {
        b->self_flush = false;
        return b->cfg.max_items;
    }
    if (!b->forcing_req) {
        b->forcing_req = b->flush_req;
        b->forced_left = b->len;
    }
    size_t n = b->forced_left < b->cfg.max_items ? b->forced_left : b->cfg.max_items;
    b->forced_left -= n < b->len ? n : b->len;
    return n;
}

static void forced_done(lfgo_twin_batch *b)
{
    if (b->forcing_req && b->forced_left == 0) {
        b->flush_done = b->forcing_req;
        b->forcing_req = 0;
        pthread_cond_broadcast(&b->flushed);
    }
}

/* One delivery; false when closed and drained (mu held throughout, except
 * around the callback). */
/* Runs the callback on n taken items (mu held, token held; mu released
 * around the call). */
static void run_callback(lfgo_twin_batch *b, int r, size_t n, uint64_t oldest)
{
    pthread_mutex_unlock(&b->mu);
    uint64_t delay = now_ns() - oldest;
    b->cfg.fn(b->cfg.user, b->items, n);
    pthread_mutex_lock(&b->mu);
    count(b, r, n, delay);
}

static bool flusher_step(lfgo_twin_batch *b)
{
    int r;
    while ((r = reason(b)) < 0 || b->delivering) {
        if (b->delivering) /* an adder runs the callback (inline) */
            pthread_cond_wait(&b->work, &b->mu);
        else
            wait_work(b);
    }
    uint64_t oldest;
    size_t n = take(b, r == R_FORCED ? forced_limit(b) : b->cfg.max_items, &oldest);
    if (n) {
        b->delivering = true;
        run_callback(b, r, n, oldest);
        b->delivering = false;
    }
    if (r == R_FORCED)
        forced_done(b);
    return !(r == R_CLOSE && b->len == 0);
}

static void *flusher_main(void *arg)
{
    lfgo_twin_batch *b = arg;
    tls_flusher_of = b;
    pthread_mutex_lock(&b->mu);
    while (flusher_step(b)) {
    }
    b->flush_done = b->flush_req; /* release any flush() racing with close */
    pthread_cond_broadcast(&b->flushed);
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static void free_parts(lfgo_twin_batch *b)
{
    free(b->ring);
    free(b->stamps);
    free(b->items);
    free(b);
}

static void init_sync(lfgo_twin_batch *b)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->work, &a);
    pthread_cond_init(&b->space, &a);
    pthread_cond_init(&b->flushed, &a);
    pthread_condattr_destroy(&a);
}

lfgo_status lfgo_twin_batch_create(lfgo_twin_batch **out, const lfgo_batch_config *cfg)
{
    if (!out || !lfgo__batch_config_ok(cfg))
        return LFGO_EINVAL;
    lfgo_twin_batch *b = calloc(1, sizeof *b);
    if (!b)
        return LFGO_ENOMEM;
    b->cfg = *cfg;
    /* The ring also holds the batch being collected (lfgo keeps that in the
     * flusher's own buffer): `capacity` items ahead of it plus up to N - 1
     * of it.  With a ring of only `capacity` < N items a batch could never
     * reach N, and add() would wait (or fail) until T (found by
     * tests/fuzz/fuzz_batch).  No overflow: lfgo__batch_config_ok bounds
     * both terms by LFGO__BATCH_MAX_BYTES / (8 + item_size), so the sum
     * times 8 or item_size stays below SIZE_MAX / 2.  Stops at the first
     * failure. */
    b->cap = lfgo__batch_capacity(cfg) + (cfg->max_items - 1);
    if (!(b->ring = malloc(b->cap * cfg->item_size)) ||
        !(b->stamps = malloc(b->cap * sizeof *b->stamps)) ||
        !(b->items = malloc(cfg->max_items * cfg->item_size))) {
        free_parts(b);
        return LFGO_ENOMEM;
    }
    init_sync(b);
    if (pthread_create(&b->thread, NULL, flusher_main, b) != 0) {
        free_parts(b);
        return LFGO_ENOMEM;
    }
    *out = b;
    return LFGO_OK;
}

/* Inline policies: the adder that filled a batch takes the token and
 * delivers every full batch (and a flush from its callback), in ring
 * order; a holder already busy delivers this one after its own. */
static void deliver_inline(lfgo_twin_batch *b)
{
    lfgo_twin_batch *outer = tls_flusher_of;
    b->delivering = true;
    tls_flusher_of = b;
    while (b->len >= b->cfg.max_items || b->self_flush) {
        int r = b->self_flush ? R_FORCED : R_SIZE;
        b->self_flush = false;
        uint64_t oldest;
        size_t n = take(b, b->cfg.max_items, &oldest);
        if (n)
            run_callback(b, r, n, oldest);
    }
    tls_flusher_of = outer;
    b->delivering = false;
    pthread_cond_broadcast(&b->work); /* the flusher may wait for the token */
}

static lfgo_status add_locked(lfgo_twin_batch *b, const void *item)
{
    while (!b->closed && b->len == b->cap) {
        if (b->cfg.policy == LFGO_BATCH_FAIL || b->cfg.policy == LFGO_BATCH_INLINE_FAIL ||
            (inline_policy(b) && tls_flusher_of == b))
            return LFGO_WOULDBLOCK; /* (the callback cannot wait for itself) */
        pthread_cond_wait(&b->space, &b->mu);
    }
    if (b->closed)
        return LFGO_CLOSED;
    size_t at = (b->head + b->len) % b->cap;
    memcpy(b->ring + at * b->cfg.item_size, item, b->cfg.item_size);
    b->stamps[at] = now_ns();
    if (b->len++ == 0 || b->len == b->cfg.max_items)
        pthread_cond_signal(&b->work); /* a new deadline, or a full batch */
    if (inline_policy(b) && b->len >= b->cfg.max_items && !b->delivering)
        deliver_inline(b);
    return LFGO_OK;
}

/* Misuse: a call on the batcher this thread holds a reservation on. */
static bool holds_reservation(const lfgo_twin_batch *b, const char *func)
{
    if (tls_res_b != b)
        return false;
    lfgo__misuse(func, "this thread holds a reservation (commit it first)");
    return true;
}

lfgo_status lfgo_twin_batch_reserve(lfgo_twin_batch *b, void **slot)
{
    if (lfgo__batch_bad_reserve("lfgo_twin_batch_reserve", b, slot, tls_res_b != NULL))
        return LFGO_MISUSE;
    pthread_mutex_lock(&b->mu);
    bool closed = b->closed;
    pthread_mutex_unlock(&b->mu);
    if (closed)
        return LFGO_CLOSED;
    tls_res_b = b;
    *slot = tls_stage;
    return LFGO_OK;
}

/* The twin stages the item per thread and adds it at commit (a copy: the
 * twin is the reference, not the fast path). */
lfgo_status lfgo_twin_batch_commit(lfgo_twin_batch *b, void *slot)
{
    if (!b || !slot) {
        lfgo__misuse("lfgo_twin_batch_commit", b ? "NULL slot" : "NULL batcher");
        return LFGO_MISUSE;
    }
    if (tls_res_b != b || slot != (void *)tls_stage) {
        lfgo__misuse("lfgo_twin_batch_commit", "commit without a matching reserve");
        return LFGO_MISUSE;
    }
    tls_res_b = NULL;
    pthread_mutex_lock(&b->mu);
    lfgo_status st = add_locked(b, slot);
    pthread_mutex_unlock(&b->mu);
    return st;
}

lfgo_status lfgo_twin_batch_add(lfgo_twin_batch *b, const void *item)
{
    if (!b || !item) {
        lfgo__misuse("lfgo_twin_batch_add", b ? "NULL item" : "NULL batcher");
        return LFGO_MISUSE;
    }
    if (holds_reservation(b, "lfgo_twin_batch_add"))
        return LFGO_MISUSE;
    pthread_mutex_lock(&b->mu);
    lfgo_status st = add_locked(b, item);
    pthread_mutex_unlock(&b->mu);
    return st;
}

lfgo_status lfgo_twin_batch_flush(lfgo_twin_batch *b)
{
    if (!b) {
        lfgo__misuse("lfgo_twin_batch_flush", "NULL batcher");
        return LFGO_MISUSE;
    }
    if (holds_reservation(b, "lfgo_twin_batch_flush"))
        return LFGO_MISUSE;
    if (tls_flusher_of == b) { /* under mu: the flusher's reason() reads it */
        pthread_mutex_lock(&b->mu);
        b->self_flush = true;
        pthread_mutex_unlock(&b->mu);
        return LFGO_OK;
    }
    pthread_mutex_lock(&b->mu);
    lfgo_status st = b->closed ? LFGO_CLOSED : LFGO_OK;
    if (st == LFGO_OK) {
        uint64_t t = ++b->flush_req;
        pthread_cond_signal(&b->work);
        while (b->flush_done < t)
            pthread_cond_wait(&b->flushed, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return st;
}

static void join_flusher(lfgo_twin_batch *b)
{
    pthread_mutex_lock(&b->mu);
    bool join = !b->joined;
    b->joined = true;
    pthread_mutex_unlock(&b->mu);
    if (join)
        pthread_join(b->thread, NULL);
}

lfgo_status lfgo_twin_batch_close(lfgo_twin_batch *b)
{
    if (!b) {
        lfgo__misuse("lfgo_twin_batch_close", "NULL batcher");
        return LFGO_MISUSE;
    }
    if (holds_reservation(b, "lfgo_twin_batch_close"))
        return LFGO_MISUSE;
    pthread_mutex_lock(&b->mu);
    bool was = b->closed;
    b->closed = true;
    pthread_cond_broadcast(&b->work);
    pthread_cond_broadcast(&b->space);
    pthread_mutex_unlock(&b->mu);
    if (was)
        return LFGO_CLOSED;
    if (tls_flusher_of != b)
        join_flusher(b);
    return LFGO_OK;
}

void lfgo_twin_batch_destroy(lfgo_twin_batch *b)
{
    if (!b) {
        lfgo__misuse("lfgo_twin_batch_destroy", "NULL batcher");
        return;
    }
    if (tls_flusher_of == b) {
        lfgo__misuse("lfgo_twin_batch_destroy", "destroy from inside the flush callback");
        return;
    }
    if (holds_reservation(b, "lfgo_twin_batch_destroy"))
        return;
    lfgo_twin_batch_close(b);
    join_flusher(b);
    pthread_cond_destroy(&b->work);
    pthread_cond_destroy(&b->space);
    pthread_cond_destroy(&b->flushed);
    pthread_mutex_destroy(&b->mu);
    free_parts(b);
}

lfgo_status lfgo_twin_batch_get_stats(const lfgo_twin_batch *b, lfgo_batch_stats *out)
{
    if (!b || !out) {
        lfgo__misuse("lfgo_twin_batch_get_stats", b ? "NULL stats" : "NULL batcher");
        return LFGO_MISUSE;
    }
    lfgo_twin_batch *m = (lfgo_twin_batch *)b;
    pthread_mutex_lock(&m->mu);
    *out = m->st;
    pthread_mutex_unlock(&m->mu);
    return LFGO_OK;
}

/*
 * Message-passing probes for the weakened-site rows (scripts/weakened.py,
 * tests/weakened/sites.txt): each probe passes plain data through exactly one
 * happens-before edge of lfgo and nothing else (no other atomics, locks or
 * joins between the write and the read), so that ThreadSanitizer reports a
 * race as soon as one order on that edge is weakened.  The suite's own tests
 * often synchronize in more than one way (a tracker's seq_cst counter, a
 * mutex in the sink, destroy() after try_wait()), which hides a weakened
 * site; these do not.
 *
 *   lfgo-edges PROBE [rounds]      PROBE: swg-slot wg-park wg-trywait misuse
 *                                         batch-flush group-cancel chan-close
 *                                         batch-inline
 *
 * In a normal build every probe passes silently (the ctest edges_*, tsan
 * preset); with the site weakened TSan reports a data race.
 */
#define _POSIX_C_SOURCE 200809L
#include <lfgo/lfgo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long rounds = 200;

static void nap_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    if (pthread_create(t, NULL, fn, arg) != 0) {
        perror("pthread_create");
        exit(2);
    }
}

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "lfgo-edges: %s\n", what);
        exit(1);
    }
}

/* swg-slot: a SizedWaitGroup of limit 1 used as a lock around a plain
 * counter.  Edges: done()'s release CAS (swg.done.cas) -> the slot-taking
 * add's acquire (swg.take.cas on the fast path, swg.register.cas or
 * swg.deregister.cas on the slow one). */
static lfgo_swg slot_swg;
static long slot_counter;

static void *slot_thread(void *arg)
{
    (void)arg;
    for (long i = 0; i < rounds * 50; i++) {
        lfgo_swg_add(&slot_swg);
        slot_counter++;
        lfgo_swg_done(&slot_swg);
    }
    return NULL;
}

static void probe_swg_slot(void)
{
    pthread_t t[4];
    check(lfgo_swg_init(&slot_swg, 1) == LFGO_OK, "swg init");
    for (int i = 0; i < 4; i++)
        start(&t[i], slot_thread, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    check(slot_counter == 4 * rounds * 50, "swg-slot: lost an increment");
    lfgo_swg_destroy(&slot_swg);
}

/* wg-park: the waiter parks (the task naps first), then reads what the task
 * wrote.  Edge: done() -> the releaser's swap -> the woken waiter's load
 * (wg.wait.park). */
struct wg_round {
    lfgo_wg wg;
    long data;
    long value;
};

static void *wg_park_task(void *arg)
{
    struct wg_round *r = arg;
    nap_us(2000); /* longer than the waiter's spin: it parks */
    r->data = r->value;
    lfgo_wg_done(&r->wg);
    return NULL;
}

static void probe_wg_park(void)
{
    for (long i = 0; i < rounds; i++) {
        struct wg_round *r = calloc(1, sizeof *r);
        pthread_t t;
        lfgo_wg_init(&r->wg);
        r->value = i + 1;
        lfgo_wg_add(&r->wg, 1);
        start(&t, wg_park_task, r);
        lfgo_wg_wait(&r->wg);
        check(r->data == i + 1, "wg-park: data not visible after wait");
        pthread_detach(t);
        /* not freed: the task may still be inside done() (no destroy, whose
         * acquire would supply the edge itself) */
    }
}

/* wg-trywait: poll try_wait, then read.  Edge: done() -> try_wait's load
 * (wg.trywait). */
static void *wg_trywait_task(void *arg)
{
    struct wg_round *r = arg;
    r->data = r->value;
    lfgo_wg_done(&r->wg);
    return NULL;
}

static void probe_wg_trywait(void)
{
    for (long i = 0; i < rounds; i++) {
        struct wg_round *r = calloc(1, sizeof *r);
        pthread_t t;
        lfgo_wg_init(&r->wg);
        r->value = i + 1;
        lfgo_wg_add(&r->wg, 1);
        start(&t, wg_trywait_task, r);
        while (lfgo_wg_try_wait(&r->wg) != LFGO_OK)
            ;
        check(r->data == i + 1, "wg-trywait: data not visible");
        pthread_detach(t);
    }
}

/* misuse, first half: two installers race; the handler slots are plain
 * memory, so installers must be ordered by the `writing` flag (edge:
 * misuse.set.unlock -> misuse.set.lock).  Second half: a reporter thread
 * keeps reporting misuse while the main thread installs a new handler
 * context each round and waits until the reporter has used it (edge:
 * misuse.set.publish -> misuse.call; the context is plain data).  The wait
 * is a release/acquire from the reporter to the main thread: it orders the
 * reporter's reads of the old slot before the main thread rewrites that slot
 * two rounds later (the header asks for handlers to be installed before
 * threads use lfgo; the double buffer alone does not order that), and gives
 * no edge in the direction under test. */
struct hctx {
    long round;
};
static long seen_round; /* reporter -> main only (release/acquire) */
static int reporter_stop;

static void handler(const char *func, const char *what, void *ctx)
{
    (void)func;
    (void)what;
    __atomic_store_n(&seen_round, ((struct hctx *)ctx)->round, __ATOMIC_RELEASE);
}

static void *installer(void *arg)
{
    static struct hctx quiet = {-1};
    (void)arg;
    for (long i = 0; i < rounds * 5; i++)
        lfgo_set_misuse_handler(handler, &quiet);
    return NULL;
}

static void *reporter(void *arg)
{
    (void)arg;
    lfgo_wg wg;
    lfgo_wg_init(&wg);
    while (!__atomic_load_n(&reporter_stop, __ATOMIC_RELAXED))
        lfgo_wg_done(&wg); /* negative counter: reported, then undone */
    return NULL;
}

static void probe_misuse(void)
{
    pthread_t a, b, c;
    start(&a, installer, NULL);
    start(&b, installer, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    struct hctx *ctx = calloc((size_t)rounds + 1, sizeof *ctx);
    lfgo_set_misuse_handler(handler, &ctx[0]);
    start(&c, reporter, NULL);
    for (long i = 1; i <= rounds; i++) {
        ctx[i].round = i; /* plain, published by the install */
        lfgo_set_misuse_handler(handler, &ctx[i]);
        while (__atomic_load_n(&seen_round, __ATOMIC_ACQUIRE) != i)
            ;
    }
    __atomic_store_n(&reporter_stop, 1, __ATOMIC_RELAXED);
    pthread_join(c, NULL);
    lfgo_set_misuse_handler(NULL, NULL);
    free(ctx);
}

/* batch-flush: the callback (on the flusher thread) writes plain data;
 * flush() returns, the caller reads it.  Edge: ack_flush's store
 * (batch.flush.ack) -> flush()'s load (batch.flush.wait). */
static long flushed_sum;

/* The batch probes' callback: adds the items (longs) into the plain long at
 * `user`, which the probe then reads. */
static void sum_fn(void *user, const void *items, size_t n)
{
    long *sum = user;
    const long *v = items;
    for (size_t i = 0; i < n; i++)
        *sum += v[i];
}

/* A batcher of longs that flushes only on demand (1000 items, 60 s). */
static lfgo_batch_config sum_config(lfgo_batch_policy policy, long *sum)
{
    lfgo_batch_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.item_size = sizeof(long);
    cfg.max_items = 1000;
    cfg.max_delay_ns = 60LL * 1000000000;
    cfg.fn = sum_fn;
    cfg.user = sum;
    cfg.policy = policy;
    return cfg;
}

static void probe_batch_flush(void)
{
    lfgo_batch *b;
    lfgo_batch_config cfg = sum_config(LFGO_BATCH_BLOCK, &flushed_sum);
    check(lfgo_batch_create(&b, &cfg) == LFGO_OK, "batch create");
    long want = 0;
    for (long i = 0; i < rounds; i++) {
        long x = i + 1;
        want += x;
        check(lfgo_batch_add(b, &x) == LFGO_OK, "batch add");
        check(lfgo_batch_flush(b) == LFGO_OK, "batch flush");
        check(flushed_sum == want, "batch-flush: flush returned before its callback");
    }
    lfgo_batch_close(b);
    lfgo_batch_destroy(b);
}

/* group-cancel: the failing task writes plain data, then fails; tasks that
 * see the group cancelled read it.  Edge: group_finish's error CAS
 * (group.err.set) -> lfgo_group_cancelled (group.cancelled). */
struct gstate {
    lfgo_group g;
    long why;
};

static int failing(void *arg)
{
    struct gstate *s = arg;
    s->why = 7;
    return 1;
}

static int watcher(void *arg)
{
    struct gstate *s = arg;
    for (int i = 0; i < 100000 && !lfgo_group_cancelled(&s->g); i++)
        nap_us(1);
    if (lfgo_group_cancelled(&s->g) && s->why != 7)
        abort();
    return 0;
}

static void probe_group_cancel(void)
{
    lfgo_pool *p;
    check(lfgo_pool_create(&p, 2) == LFGO_OK, "pool create");
    for (long i = 0; i < rounds / 4 + 1; i++) {
        struct gstate *s = calloc(1, sizeof *s);
        check(lfgo_group_init(&s->g, p, 0) == LFGO_OK, "group init");
        lfgo_group_go(&s->g, watcher, s);
        lfgo_group_go(&s->g, failing, s);
        lfgo_group_wait(&s->g);
        lfgo_group_destroy(&s->g);
        free(s);
    }
    lfgo_pool_destroy(p);
}

/* chan-close: the closer writes plain data, then closes; a receiver that was
 * already inside lfgo_chan_recv returns LFGO_CLOSED and reads it (close
 * happens-before a receive that returns LFGO_CLOSED, include/lfgo/chan.h).
 * Edges: on a ring with several producers close's RMW on tail
 * (chan.ring.close.rmw), with one producer its store (chan.ring.close.store),
 * -> the receiver's load of tail (chan.ring.closed); on an unbuffered channel
 * close's RMW on the exchange slot (chan.sync.close) -> the slot waiter's
 * load (chan.sync.xs.load).  The receiver says "about to receive" through a
 * relaxed flag (no edge), and the closer closes after a short, varying delay:
 * a receiver that is already counted in the channel's call counter
 * (LFGO_CHECK_LIFETIME) gets no edge from the closer there, and one that
 * sees the close before it parks returns without pass_on_close's load of
 * tail, the second edge that would otherwise hide a relaxed
 * chan.ring.closed. */
struct close_round {
    lfgo_chan *ch;
    long data;
    int ready; /* relaxed */
};

static void spin_ns(long ns)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < ns);
}

static void *close_receiver(void *arg)
{
    struct close_round *r = arg;
    long v = 0;
    __atomic_store_n(&r->ready, 1, __ATOMIC_RELAXED);
    check(lfgo_chan_recv(r->ch, &v) == LFGO_CLOSED, "chan-close: receive did not see the close");
    check(r->data == 42, "chan-close: data written before close not visible");
    return NULL;
}

static void probe_chan_close(void)
{
    static const struct {
        size_t cap;
        lfgo_chan_kind kind;
    } shapes[] = {{1, LFGO_CHAN_MPMC}, {1, LFGO_CHAN_SPMC}, {0, LFGO_CHAN_MPMC}};
    for (long i = 0; i < rounds; i++)
        for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
            struct close_round *r = calloc(1, sizeof *r);
            pthread_t t;
            check(lfgo_chan_create(&r->ch, sizeof(long), shapes[k].cap, shapes[k].kind) == LFGO_OK,
                  "chan create");
            start(&t, close_receiver, r);
            while (!__atomic_load_n(&r->ready, __ATOMIC_RELAXED))
                ;
            spin_ns((i % 8) * 2000); /* 0..14 us: into the receiver's spin, or its park */
            r->data = 42;
            check(lfgo_chan_close(r->ch) == LFGO_OK, "chan close");
            pthread_join(t, NULL);
            lfgo_chan_destroy(r->ch);
            free(r);
        }
}

/* batch-inline: an inline-policy batcher (the thread that completes a batch
 * runs the callback).  Each round a helper reserves a slot and writes its
 * item; the main thread flushes (sealing the batch with the helper's slot
 * still uncommitted) and waits; the helper commits a little later, which
 * completes the batch, so the callback runs on the helper; it writes plain
 * data that the main thread reads when flush returns.  Edges: the sealer's
 * size (plain) -> the completer: the seal RMW (batch.inl.seal) -> the commit
 * RMW's acquire half (batch.inl.commit); the callback -> flush's return: the
 * holder's store of `released` (batch.inl.release) -> the waiter's load
 * (batch.inl.reached).  The helper and the main thread meet only through
 * relaxed flags. */
struct inl_round {
    lfgo_batch *b;
    long item;
    int reserved, go; /* relaxed */
};
static long inl_sum;

static void *inl_helper(void *arg)
{
    struct inl_round *r = arg;
    void *slot = NULL;
    check(lfgo_batch_reserve(r->b, &slot) == LFGO_OK, "batch reserve");
    memcpy(slot, &r->item, sizeof r->item);
    __atomic_store_n(&r->reserved, 1, __ATOMIC_RELAXED);
    while (!__atomic_load_n(&r->go, __ATOMIC_RELAXED))
        ;
    nap_us(500); /* the main thread seals first and parks in flush */
    check(lfgo_batch_commit(r->b, slot) == LFGO_OK, "batch commit");
    return NULL;
}

static void probe_batch_inline(void)
{
    lfgo_batch_config cfg = sum_config(LFGO_BATCH_INLINE_BLOCK, &inl_sum);
    struct inl_round r;
    check(lfgo_batch_create(&r.b, &cfg) == LFGO_OK, "batch create");
    long want = 0;
    for (long i = 0; i < rounds; i++) {
        pthread_t t;
        r.item = i + 1;
        r.reserved = r.go = 0;
        want += r.item;
        start(&t, inl_helper, &r);
        while (!__atomic_load_n(&r.reserved, __ATOMIC_RELAXED))
            ;
        __atomic_store_n(&r.go, 1, __ATOMIC_RELAXED);
        check(lfgo_batch_flush(r.b) == LFGO_OK, "batch flush");
        check(inl_sum == want, "batch-inline: flush returned before the callback's effects");
        pthread_join(t, NULL);
    }
    lfgo_batch_close(r.b);
    lfgo_batch_destroy(r.b);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } probes[] = {{"swg-slot", probe_swg_slot},         {"wg-park", probe_wg_park},
                  {"wg-trywait", probe_wg_trywait},     {"misuse", probe_misuse},
                  {"batch-flush", probe_batch_flush},   {"group-cancel", probe_group_cancel},
                  {"chan-close", probe_chan_close},     {"batch-inline", probe_batch_inline}};
    const char *which = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--gtest_filter=", 15) == 0)
            which = argv[i] + 15; /* scripts/weakened.py passes the filter so */
        else if (strncmp(argv[i], "--", 2) == 0)
            continue; /* other GoogleTest flags */
        else if (!which)
            which = argv[i];
        else
            rounds = atol(argv[i]);
    }
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        if (which && strcmp(which, probes[i].name) == 0) {
            probes[i].fn();
            printf("lfgo-edges %s: ok\n", which);
            return 0;
        }
    fprintf(stderr, "usage: lfgo-edges swg-slot|wg-park|wg-trywait|misuse|batch-flush|group-cancel|"
                    "chan-close|batch-inline [rounds]\n");
    return 2;
}

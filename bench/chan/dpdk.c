/*
 * bench/chan/dpdk.c - DPDK's rte_ring as a channel peer (issue 12), driven
 * from bench_chan.cpp through peers.h, without EAL: the ring lives in our
 * own cache-aligned memory (rte_ring_get_memsize + rte_ring_init), which
 * needs librte_ring and librte_eal (rte_ring_init logs through it) but no
 * rte_eal_init.
 *
 * Modes: SP/SC, MP/MC, HTS (head/tail sync: one thread at a time moves
 * the head) and RTS (relaxed tail sync).  rte_ring never blocks: a full or
 * empty ring is retried with peer_backoff (spin, yield every 64 tries), and
 * every wait gives up at the pass's deadline.  The MP/MC modes also spin
 * inside rte_ring, where a producer waits for earlier producers to publish
 * (as ck's commit does); that spin does not look at the clock, but it ends
 * as soon as the descheduled thread runs again, so a collapsing pass still
 * ends, at the producers' next look at the clock.
 */
#if LFGO_BENCH_HAVE_DPDK
#include <rte_config.h>
#include <rte_ring.h>
#include <stdio.h>
#include <stdlib.h>

#include "peers.h"
#include "spin_wait.h"

struct peer_dpdk {
    struct rte_ring *ring;
    int64_t deadline;
};

static unsigned dpdk_flags(int mode)
{
    switch (mode) {
    case PEER_DPDK_SP_SC: return RING_F_SP_ENQ | RING_F_SC_DEQ;
    case PEER_DPDK_HTS: return RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ;
    case PEER_DPDK_RTS: return RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ;
    default: return 0; /* MP/MC */
    }
}

/* RING_F_EXACT_SZ: room for exactly `capacity` items, as the other rows.
 * A ring that cannot be made ends the program (bench.sh: an error row). */
void *peer_dpdk_create(unsigned capacity, int mode, int64_t deadline_ns)
{
    unsigned flags = dpdk_flags(mode) | RING_F_EXACT_SZ;
    /* an exact-size ring of `capacity` has the next power of two above it
     * as its slot count */
    ssize_t size = rte_ring_get_memsize_elem(sizeof(void *), rte_align32pow2(capacity + 1));
    struct peer_dpdk *p = calloc(1, sizeof *p);
    if (!p || size < 0)
        goto fail;
    p->ring = aligned_alloc(RTE_CACHE_LINE_SIZE, ((size_t)size + RTE_CACHE_LINE_SIZE - 1) &
                                                     ~(size_t)(RTE_CACHE_LINE_SIZE - 1));
    if (!p->ring || rte_ring_init(p->ring, "lfgo_bench", capacity, flags) != 0)
        goto fail;
    p->deadline = deadline_ns;
    return p;
fail:
    fprintf(stderr, "bench: rte_ring of %u items could not be made\n", capacity);
    abort();
}

void peer_dpdk_destroy(void *h)
{
    struct peer_dpdk *p = h;
    if (p)
        free(p->ring);
    free(p);
}

int peer_dpdk_send(void *h, uint64_t v)
{
    struct peer_dpdk *p = h;
    unsigned n = 0;
    while (rte_ring_enqueue(p->ring, (void *)(uintptr_t)v) != 0)
        if (!peer_backoff(&n, p->deadline))
            return 0;
    return 1;
}

int peer_dpdk_recv(void *h, uint64_t *v)
{
    struct peer_dpdk *p = h;
    void *e;
    unsigned n = 0;
    while (rte_ring_dequeue(p->ring, &e) != 0)
        if (!peer_backoff(&n, p->deadline))
            return 0;
    *v = (uint64_t)(uintptr_t)e;
    return 1;
}

/* All `count` items, in bursts of whatever fits. */
int peer_dpdk_send_burst(void *h, const uint64_t *v, unsigned count)
{
    struct peer_dpdk *p = h;
    void *const *objs = (void *const *)(const void *)v; /* 8-byte items = pointers here */
    unsigned sent = 0, n = 0;
    while (sent < count) {
        unsigned k = rte_ring_enqueue_burst(p->ring, objs + sent, count - sent, NULL);
        sent += k;
        if (k == 0 && !peer_backoff(&n, p->deadline))
            return 0;
    }
    return 1;
}

/* 1..max items, or 0 when it gave up at the deadline. */
unsigned peer_dpdk_recv_burst(void *h, uint64_t *v, unsigned max)
{
    struct peer_dpdk *p = h;
    void **objs = (void **)(void *)v;
    unsigned got, n = 0;
    while ((got = rte_ring_dequeue_burst(p->ring, objs, max, NULL)) == 0)
        if (!peer_backoff(&n, p->deadline))
            return 0;
    return got;
}
#endif

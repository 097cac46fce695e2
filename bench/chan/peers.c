/*
 * bench/chan/peers.c - the channel workloads' C peers, driven from
 * bench_chan.cpp through peers.h: Concurrency Kit's ck_ring (SPSC and MPMC,
 * spin then sched_yield when full or empty; ck_ring cannot block) and
 * liburcu's wfcqueue (unbounded, nodes preallocated, consumers poll).
 *
 * Every wait looks at the pass's deadline (peers.h) and gives up past it.
 * That matters most for ck_ring MPMC with more threads than cores: a
 * producer that reserved a slot must wait, spinning inside ck without ever
 * yielding, until every earlier producer has committed its slot, so one
 * producer descheduled between reserve and commit stalls all the others for
 * its whole time slice.  With 8 producers and 8 consumers on 2 vCPUs a pass
 * of 1e7 items then ran for more than 150 s (all eight producers found in
 * that commit spin).  So the MPMC send calls ck's public reserve and does
 * the publication step itself (wait for our ticket, then advance p_tail,
 * which is what ck's commit does), looking at the clock while it waits.
 */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peers.h"

static inline int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Spin a little, then yield: the peers cannot block.  Returns 0 once the
 * deadline has passed.  The clock is read on every yield only: a yield can
 * hand the core away for a time slice, and the 63 PAUSEs before the first
 * one take well under a microsecond. */
static inline int backoff(unsigned *n, int64_t deadline)
{
    if (++*n < 64) {
        __builtin_ia32_pause();
        return 1;
    }
    sched_yield();
    return now_ns() < deadline;
}

#if LFGO_BENCH_HAVE_CK
#include <ck_ring.h>

struct peer_ck {
    ck_ring_t ring;
    ck_ring_buffer_t *buf;
    int mpmc;
    int64_t deadline;
};

void *peer_ck_create(unsigned capacity, int mpmc, int64_t deadline_ns)
{
    struct peer_ck *p = calloc(1, sizeof *p);
    p->buf = calloc(capacity, sizeof *p->buf);
    ck_ring_init(&p->ring, capacity);
    p->mpmc = mpmc;
    p->deadline = deadline_ns;
    return p;
}

void peer_ck_destroy(void *h)
{
    struct peer_ck *p = h;
    free(p->buf);
    free(p);
}

/* ck_ring_enqueue_mpmc in two halves: ck's public
 * ck_ring_enqueue_reserve_mpmc claims a slot; the publication is ours: wait
 * until p_tail reaches our ticket (every earlier producer has published),
 * then advance it past our slot, checking the deadline every 4096 waits.  A
 * producer that gives up leaves its slot unpublished, so every later
 * producer gives up too: the pass is over. */
static int ck_send_mpmc(struct peer_ck *p, void *e)
{
    unsigned n = 0, ticket;
    void *slot;
    while ((slot = ck_ring_enqueue_reserve_mpmc(&p->ring, p->buf, &ticket)) == NULL)
        if (!backoff(&n, p->deadline))
            return 0;
    memcpy(slot, &e, sizeof e);
    for (unsigned spins = 0; ck_pr_load_uint(&p->ring.p_tail) != ticket;) {
        ck_pr_stall();
        if ((++spins & 4095u) == 0 && now_ns() >= p->deadline)
            return 0;
    }
    ck_pr_fence_store();
    ck_pr_store_uint(&p->ring.p_tail, ticket + 1);
    return 1;
}

int peer_ck_send(void *h, uint64_t v)
{
    struct peer_ck *p = h;
    void *e = (void *)(uintptr_t)v;
    if (p->mpmc)
        return ck_send_mpmc(p, e);
    unsigned n = 0;
    while (!ck_ring_enqueue_spsc(&p->ring, p->buf, e))
        if (!backoff(&n, p->deadline))
            return 0;
    return 1;
}

int peer_ck_recv(void *h, uint64_t *v)
{
    struct peer_ck *p = h;
    void *e;
    unsigned n = 0;
    while (!(p->mpmc ? ck_ring_dequeue_mpmc(&p->ring, p->buf, &e)
                     : ck_ring_dequeue_spsc(&p->ring, p->buf, &e)))
        if (!backoff(&n, p->deadline))
            return 0;
    *v = (uint64_t)(uintptr_t)e;
    return 1;
}
#endif

#if LFGO_BENCH_HAVE_URCU
#define _LGPL_SOURCE
#include <urcu/wfcqueue.h>

struct unode {
    struct cds_wfcq_node node;
    uint64_t v;
};

struct peer_urcu {
    struct cds_wfcq_head head;
    struct cds_wfcq_tail tail;
    struct unode *nodes;
    int64_t deadline;
};

void *peer_urcu_create(size_t items, int64_t deadline_ns)
{
    struct peer_urcu *p = calloc(1, sizeof *p);
    cds_wfcq_init(&p->head, &p->tail);
    p->nodes = calloc(items, sizeof *p->nodes);
    p->deadline = deadline_ns;
    return p;
}

void peer_urcu_destroy(void *h)
{
    struct peer_urcu *p = h;
    free(p->nodes);
    free(p);
}

/* Item i uses node i (each producer owns a disjoint range of i). */
void peer_urcu_send(void *h, size_t i, uint64_t v)
{
    struct peer_urcu *p = h;
    cds_wfcq_node_init(&p->nodes[i].node);
    p->nodes[i].v = v;
    cds_wfcq_enqueue(&p->head, &p->tail, &p->nodes[i].node);
}

/* Enqueue is wait-free, so this poll cannot collapse the way ck's commit
 * can; it honours the deadline anyway, like every peer wait. */
int peer_urcu_recv(void *h, uint64_t *v)
{
    struct peer_urcu *p = h;
    unsigned n = 0;
    for (;;) {
        struct cds_wfcq_node *nd = cds_wfcq_dequeue_blocking(&p->head, &p->tail);
        if (nd) {
            *v = caa_container_of(nd, struct unode, node)->v;
            return 1;
        }
        if (!backoff(&n, p->deadline))
            return 0;
    }
}
#endif

/*
 * bench/chan/peers.c - the channel workloads' C peers, driven from
 * bench_chan.cpp through peers.h: Concurrency Kit's ck_ring (SPSC and MPMC,
 * spin then sched_yield when full or empty; ck_ring cannot block) and
 * liburcu's wfcqueue (unbounded, nodes preallocated, consumers poll).
 */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "peers.h"

/* Spin a little, then yield: the peers cannot block. */
static inline void backoff(unsigned *n)
{
    if (++*n < 64)
        __builtin_ia32_pause();
    else
        sched_yield();
}

#if LFGO_BENCH_HAVE_CK
#include <ck_ring.h>

struct peer_ck {
    ck_ring_t ring;
    ck_ring_buffer_t *buf;
    int mpmc;
};

void *peer_ck_create(unsigned capacity, int mpmc)
{
    struct peer_ck *p = calloc(1, sizeof *p);
    p->buf = calloc(capacity, sizeof *p->buf);
    ck_ring_init(&p->ring, capacity);
    p->mpmc = mpmc;
    return p;
}

void peer_ck_destroy(void *h)
{
    struct peer_ck *p = h;
    free(p->buf);
    free(p);
}

void peer_ck_send(void *h, uint64_t v)
{
    struct peer_ck *p = h;
    void *e = (void *)(uintptr_t)v;
    unsigned n = 0;
    while (!(p->mpmc ? ck_ring_enqueue_mpmc(&p->ring, p->buf, e)
                     : ck_ring_enqueue_spsc(&p->ring, p->buf, e)))
        backoff(&n);
}

uint64_t peer_ck_recv(void *h)
{
    struct peer_ck *p = h;
    void *e;
    unsigned n = 0;
    while (!(p->mpmc ? ck_ring_dequeue_mpmc(&p->ring, p->buf, &e)
                     : ck_ring_dequeue_spsc(&p->ring, p->buf, &e)))
        backoff(&n);
    return (uint64_t)(uintptr_t)e;
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
};

void *peer_urcu_create(size_t items)
{
    struct peer_urcu *p = calloc(1, sizeof *p);
    cds_wfcq_init(&p->head, &p->tail);
    p->nodes = calloc(items, sizeof *p->nodes);
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

uint64_t peer_urcu_recv(void *h)
{
    struct peer_urcu *p = h;
    unsigned n = 0;
    for (;;) {
        struct cds_wfcq_node *nd = cds_wfcq_dequeue_blocking(&p->head, &p->tail);
        if (nd)
            return caa_container_of(nd, struct unode, node)->v;
        backoff(&n);
    }
}
#endif

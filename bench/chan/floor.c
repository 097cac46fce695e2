/*
 * bench/chan/floor.c - the `floor` of the MPMC rows (issue 14): a bounded
 * MPMC ring in Vyukov's style that only spins.  No close, no parking, no
 * deadlines of its own; what lfgo's MPMC channel costs beyond its data
 * structure is its ratio to this row.
 *
 * Invariants.  Cell i of the power-of-two ring carries a sequence number:
 * seq == pos means "free for the send that claims position pos", seq ==
 * pos + 1 means "holds the item of position pos, for the recv that claims
 * pos", and a recv returns the cell with seq = pos + capacity (free for the
 * send one lap later).  Senders claim positions by CAS on `head`, receivers
 * on `tail`; a claim happens only after seeing the cell in the state it
 * needs, so a claimed cell is never waited on.  Waiting (ring full or
 * empty, or a CAS lost) is PAUSE with a sched_yield every 64 failed tries
 * (spin_wait.h), which also gives up at the pass's deadline.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"
#include "peers.h"
#include "spin_wait.h"

struct floor_cell {
    LFGO_ATOMIC(size_t) seq;
    uint64_t v;
};

struct peer_floor {
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(size_t) head; /* next send position */
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(size_t) tail; /* next recv position */
    _Alignas(LFGO_CACHELINE) size_t mask;
    int64_t deadline;
    struct floor_cell *cells;
};
_Static_assert(sizeof(struct peer_floor) >= 3 * LFGO_CACHELINE, "head, tail and the rest on own lines");

/* A ring that cannot be made ends the program (bench.sh: an error row). */
void *peer_floor_create(unsigned capacity, int64_t deadline_ns)
{
    struct peer_floor *p = aligned_alloc(LFGO_CACHELINE, sizeof *p);
    if (!p || capacity == 0 || (capacity & (capacity - 1)) != 0 ||
        !(p->cells = aligned_alloc(LFGO_CACHELINE, capacity * sizeof *p->cells))) {
        fprintf(stderr, "bench: floor ring of %u items could not be made\n", capacity);
        abort();
    }
    for (size_t i = 0; i < capacity; i++)
        lfgo_atomic_store(&p->cells[i].seq, i, memory_order_relaxed);
    lfgo_atomic_store(&p->head, 0, memory_order_relaxed);
    lfgo_atomic_store(&p->tail, 0, memory_order_relaxed);
    p->mask = capacity - 1;
    p->deadline = deadline_ns;
    return p;
}

void peer_floor_destroy(void *h)
{
    struct peer_floor *p = h;
    if (p)
        free(p->cells);
    free(p);
}

/* Claims the position on *pos_word whose cell has seq == pos + lag; returns
 * the cell (pos in *pos), or NULL at the deadline.  The CAS is relaxed: the
 * cell's seq, not the position word, carries the item (the acquire load of
 * seq below pairs with the release store that handed the cell over). */
static struct floor_cell *floor_claim(struct peer_floor *p, LFGO_ATOMIC(size_t) *pos_word, size_t lag,
                                      size_t *pos)
{
    unsigned fails = 0;
    size_t at = lfgo_atomic_load(pos_word, memory_order_relaxed);
    for (;;) {
        struct floor_cell *c = &p->cells[at & p->mask];
        size_t seq = lfgo_atomic_load(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)(seq - (at + lag));
        if (dif == 0 && lfgo_atomic_cas_weak(pos_word, &at, at + 1, memory_order_relaxed,
                                              memory_order_relaxed)) {
            *pos = at;
            return c;
        }
        if (dif != 0)
            at = lfgo_atomic_load(pos_word, memory_order_relaxed);
        if (!peer_backoff(&fails, p->deadline))
            return NULL;
    }
}

int peer_floor_send(void *h, uint64_t v)
{
    struct peer_floor *p = h;
    size_t pos;
    struct floor_cell *c = floor_claim(p, &p->head, 0, &pos);
    if (!c)
        return 0;
    c->v = v;
    /* release: hands the item to the recv whose acquire load of seq sees it. */
    lfgo_atomic_store(&c->seq, pos + 1, memory_order_release);
    return 1;
}

int peer_floor_recv(void *h, uint64_t *v)
{
    struct peer_floor *p = h;
    size_t pos;
    struct floor_cell *c = floor_claim(p, &p->tail, 1, &pos);
    if (!c)
        return 0;
    *v = c->v;
    /* release: our read of v happens before the next lap's send writes it. */
    lfgo_atomic_store(&c->seq, pos + p->mask + 1, memory_order_release);
    return 1;
}

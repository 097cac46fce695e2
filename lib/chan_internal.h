/*
 * lib/chan_internal.h - the layout of lfgo_chan, the small helpers every
 * channel room uses, and the entry points of each room (internal).
 *
 * Dependency order: chan_wait.h (the waiter queue) -> this header; included
 * by chan_barrier.c, chan_ring.c, chan_sync.c, chan_select.c and chan.c,
 * which call each other only downwards in that list (see chan.c's top).
 *
 * Layout (each block starts on its own LFGO_CACHELINE line):
 *   shape     read-mostly: capacity, element size, stride, kind, flags
 *   slow      the lock, the waiter queues, counters of sleepers
 *   xs        unbuffered: the exchange slot's state and value
 *   recv_ev   eventcount receivers sleep on (producers read it per item)
 *   send_ev   eventcount senders sleep on (consumers read it per item)
 *   tail      producer index << 1 | closed bit; SPSC: the producer's tail_free
 *   head      consumer index
 *   ring      cap slots of {seq, value}, stride = 8 + elem_size rounded to 8
 * An eventcount word is (epoch << 1) | waiter bit; its count (recv_nsl,
 * send_nsl) says how many threads or select cases wait on it.
 */
#ifndef LFGO_LIB_CHAN_INTERNAL_H
#define LFGO_LIB_CHAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "chan_wait.h"
#include "lfgo/chan.h"

/* The kind check leaves its side after the call's last wait, so a channel
 * destroyed right after a close must also wait for whole calls: it needs
 * the lifetime check's call count. */
#if defined(LFGO_CHECK_KIND) && !defined(LFGO_CHECK_LIFETIME)
#define LFGO_CHECK_LIFETIME 1
#endif

enum { LFGO__CHAN_OWNED = 1u, LFGO__CHAN_POW2 = 2u, LFGO__CHAN_XFAST = 8u };

/* Unbuffered channels with elements of at most this many bytes hand values
 * over through the lock-free exchange slot (chan_sync.c). */
#define LFGO__XBUF 48u

struct lfgo_chan {
    _Alignas(LFGO_CACHELINE) uint64_t cap;
    uint64_t mask; /* cap - 1 when cap is a power of two */
    size_t elem_size;
    size_t stride;
    void *mem;      /* what create malloc'd (freed by destroy) */
    uint32_t kind;  /* lfgo_chan_kind */
    uint32_t flags; /* LFGO__CHAN_* */

    _Alignas(LFGO_CACHELINE) lfgo__chlock lock;
    uint32_t closed; /* unbuffered only; guarded by lock */
    lfgo__waitq sendq, recvq; /* unbuffered: blocked senders / receivers */
    lfgo__waitq selq;          /* buffered: selects waiting for a change */
    LFGO_ATOMIC(uint32_t) nsel; /* records in selq (written under lock) */
    /* Unbuffered: threads in the locked path that may queue a record (plain
     * waiters and blocking selects); while non-zero, the exchange slot takes
     * no new waiter (chan_sync.c). */
    LFGO_ATOMIC(uint32_t) nq;
    /* Threads waiting in the channel (ring_wait, the unbuffered wait, a
     * blocked select) and the closer: see lfgo_chan_destroy. */
    LFGO_ATOMIC(uint32_t) nin;
#if defined(LFGO_CHECK_LIFETIME)
    LFGO_ATOMIC(uint32_t) ncalls; /* calls inside the channel (debug builds) */
#endif
#if defined(LFGO_CHECK_KIND)
    /* The thread inside each single side (0: none) and how many of its
     * calls (select cases) are in it: see lfgo__kind_enter. */
    LFGO_ATOMIC(uintptr_t) side_owner[2];
    uint32_t side_depth[2]; /* written only by the side's owner */
#endif

    /* Unbuffered, LFGO__CHAN_XFAST: the exchange slot, a state word and one
     * value on their own line (chan_sync.c). */
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint64_t) xs;
    unsigned char xbuf[LFGO__XBUF];

    /* Each eventcount sits with the number of threads (and select cases)
     * waiting on it, on a line written only by sleepers. */
    _Alignas(LFGO_CACHELINE) lfgo__word recv_ev;
    LFGO_ATOMIC(uint32_t) recv_nsl;
    _Alignas(LFGO_CACHELINE) lfgo__word send_ev;
    LFGO_ATOMIC(uint32_t) send_nsl;
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint64_t) tail;
    /* SPSC only, the producer's own: every position below it is known free
     * for its lap (the look ahead, chan_ring.c). */
    LFGO_ATOMIC(uint64_t) tail_free;
    _Alignas(LFGO_CACHELINE) LFGO_ATOMIC(uint64_t) head;
    _Alignas(LFGO_CACHELINE) unsigned char ring[];
};

_Static_assert(offsetof(struct lfgo_chan, lock) % LFGO_CACHELINE == 0, "slow block aligned");
_Static_assert(offsetof(struct lfgo_chan, tail) - offsetof(struct lfgo_chan, recv_ev) >=
                   2 * LFGO_CACHELINE,
               "eventcounts and indices on separate lines");
_Static_assert(offsetof(struct lfgo_chan, head) - offsetof(struct lfgo_chan, tail) ==
                   LFGO_CACHELINE,
               "producer and consumer indices never share a line");
_Static_assert(offsetof(struct lfgo_chan, ring) % LFGO_CACHELINE == 0, "ring aligned");

struct lfgo__slot {
    LFGO_ATOMIC(uint64_t) seq;
    unsigned char data[];
};

static inline bool lfgo__chan_multi_prod(const lfgo_chan *ch)
{
    return ch->kind == LFGO_CHAN_MPMC || ch->kind == LFGO_CHAN_MPSC;
}

static inline bool lfgo__chan_spsc(const lfgo_chan *ch) { return ch->kind == LFGO_CHAN_SPSC; }

static inline bool lfgo__chan_multi_cons(const lfgo_chan *ch)
{
    return ch->kind == LFGO_CHAN_MPMC || ch->kind == LFGO_CHAN_SPMC;
}

/* Copies one element; the common sizes become single moves (a variable-size
 * memcpy is a library call that costs more than the rest of the fast path).
 * n == 0 (Go's struct{}) copies nothing, so src and dst may then be NULL. */
static inline void lfgo__chan_copy(void *dst, const void *src, size_t n)
{
    switch (n) {
    case 8: memcpy(dst, src, 8); break;
    case 4: memcpy(dst, src, 4); break;
    case 16: memcpy(dst, src, 16); break;
    case 0: break;
    default: memcpy(dst, src, n); break;
    }
}

/* A receive's copy: a NULL destination drops the value (Go's `<-c`). */
static inline void lfgo__chan_copy_out(void *out, const void *src, size_t n)
{
    if (out)
        lfgo__chan_copy(out, src, n);
}

/* Zero-fills a receive's destination: Go's zero value after a receive from
 * a closed, drained channel. */
static inline void lfgo__chan_zero(const lfgo_chan *ch, void *out)
{
    if (out && ch->elem_size)
        memset(out, 0, ch->elem_size);
}

/*
 * Lifetime.  A thread about to wait counts itself in nin; the decrement is
 * its last access to the channel.  seq_cst on the increment: a waiter counted
 * before the close is seen by any thread that saw the close (the close is a
 * seq_cst RMW, or is made under the lock after the closer's own increment).
 * release on the decrement: pairs with destroy's load, so the leaver's
 * accesses happen-before the free.
 */
static inline void lfgo__chan_enter(lfgo_chan *ch)
{
    lfgo_atomic_fetch_add_at(chan_nin_enter, &ch->nin, 1u, memory_order_seq_cst);
}

static inline void lfgo__chan_leave(lfgo_chan *ch)
{
    /* release: the leaver's last access; destroy's load pairs with it. */
    lfgo_atomic_fetch_sub_at(chan_nin_leave, &ch->nin, 1u, memory_order_release);
}

/* LFGO_CHECK_LIFETIME (debug and sanitizer builds): every public call is
 * counted, so destroy can report a call still inside (the "last value"
 * window of include/lfgo/chan.h) instead of a silent use-after-free.  The
 * same orders as nin, for the same reasons. */
#if defined(LFGO_CHECK_LIFETIME)
static inline void lfgo__chan_call(lfgo_chan *ch)
{
    lfgo_atomic_fetch_add_at(chan_calls_enter, &ch->ncalls, 1u, memory_order_seq_cst);
}

static inline lfgo_status lfgo__chan_left(lfgo_chan *ch, lfgo_status st)
{
    /* release: as lfgo__chan_leave. */
    lfgo_atomic_fetch_sub_at(chan_calls_leave, &ch->ncalls, 1u, memory_order_release);
    return st;
}

static inline uint32_t lfgo__chan_calls(lfgo_chan *ch)
{
    return lfgo_atomic_load_at(chan_calls_load, &ch->ncalls, memory_order_seq_cst);
}
#else
static inline void lfgo__chan_call(lfgo_chan *ch) { (void)ch; }
static inline lfgo_status lfgo__chan_left(lfgo_chan *ch, lfgo_status st)
{
    (void)ch;
    return st;
}
static inline uint32_t lfgo__chan_calls(lfgo_chan *ch)
{
    (void)ch;
    return 0;
}
#endif

/*
 * LFGO_CHECK_KIND (debug and sanitizer builds): the kind hint checked.  A
 * call on a single side of a buffered channel (sending on SPSC/SPMC, close
 * included; receiving on SPSC/MPSC) takes the side: a CAS of side_owner
 * from 0 to the calling thread's id; the same thread may take it again (a
 * select with two cases on the side), and its last leave stores 0.  A second
 * thread that finds the side taken is overlapping the owner's call, which is
 * what the hint forbids (include/lfgo/chan.h, "Kind hint"): misuse.  Calls
 * that do not overlap are a hand-over and pass.  seq_cst throughout: debug
 * builds only.
 */
enum { LFGO__SIDE_SEND = 0, LFGO__SIDE_RECV = 1 };

#if defined(LFGO_CHECK_KIND)
static inline bool lfgo__kind_single(const lfgo_chan *ch, int side)
{
    return ch->cap != 0 &&
           (side == LFGO__SIDE_SEND ? !lfgo__chan_multi_prod(ch) : !lfgo__chan_multi_cons(ch));
}

static inline uintptr_t lfgo__kind_me(void)
{
    static _Thread_local char me;
    return (uintptr_t)&me;
}

/* False (after the report) if another thread is inside the side. */
static inline bool lfgo__kind_enter(lfgo_chan *ch, int side, const char *func)
{
    if (!lfgo__kind_single(ch, side))
        return true;
    uintptr_t none = 0, me = lfgo__kind_me();
    /* relaxed (and chan.kind.drop): telling a second thread inside the side
     * from a hand-over needs only the CAS's atomicity; a hand-over of a
     * single side needs a happens-before edge of its own anyway (its
     * relaxed index stores rely on it), and that edge orders side_depth. */
    if (lfgo_atomic_cas_strong_at(chan_kind_take, &ch->side_owner[side], &none, me,
                                  memory_order_relaxed, memory_order_relaxed) ||
        none == me) {
        ch->side_depth[side]++;
        return true;
    }
    lfgo__misuse(func, side == LFGO__SIDE_SEND
                           ? "two threads in the sending side of a single-producer channel"
                           : "two threads in the receiving side of a single-consumer channel");
    return false;
}

static inline void lfgo__kind_leave(lfgo_chan *ch, int side)
{
    if (lfgo__kind_single(ch, side) && --ch->side_depth[side] == 0)
        lfgo_atomic_store_at(chan_kind_drop, &ch->side_owner[side], (uintptr_t)0,
                             memory_order_relaxed);
}
#else
static inline bool lfgo__kind_enter(lfgo_chan *ch, int side, const char *func)
{
    (void)ch;
    (void)side;
    (void)func;
    return true;
}
static inline void lfgo__kind_leave(lfgo_chan *ch, int side)
{
    (void)ch;
    (void)side;
}
#endif

/* ---- The buffered ring (chan_ring.c); called by chan.c and chan_select.c. */

/* The ring's part of creation (capacity >= 1), before the channel is shared. */
void lfgo__ring_setup(lfgo_chan *ch);
/* A send or receive that may wait (unless try_only) until the deadline. */
lfgo_status lfgo__ring_send(lfgo_chan *ch, const void *elem, const struct timespec *deadline,
                            bool try_only);
lfgo_status lfgo__ring_recv(lfgo_chan *ch, void *out, const struct timespec *deadline,
                            bool try_only);
lfgo_status lfgo__ring_close(lfgo_chan *ch);
/* send_many / recv_many on a ring: runs of slots per claim (chan_ring.c). */
lfgo_status lfgo__ring_send_many(lfgo_chan *ch, const void *elems, size_t n, size_t *done,
                                 const struct timespec *deadline, bool try_only);
lfgo_status lfgo__ring_recv_many(lfgo_chan *ch, void *out, size_t n, size_t *done,
                                 const struct timespec *deadline, bool try_only);
size_t lfgo__ring_len(lfgo_chan *ch);
/* select's views: one try that never waits, a readiness peek, and the
 * eventcount a case waits on with its waiter count. */
lfgo_status lfgo__ring_try_send(lfgo_chan *ch, const void *elem);
lfgo_status lfgo__ring_try_recv(lfgo_chan *ch, void *out);
bool lfgo__ring_ready(lfgo_chan *ch, lfgo_select_op op);
lfgo__word *lfgo__ring_ev(lfgo_chan *ch, lfgo_select_op op, LFGO_ATOMIC(uint32_t) **nsl);
/* What decides whether a buffered case can proceed, as two words that change
 * whenever it may have (chan_select.c); always conclusive. */
void lfgo__ring_snap(lfgo_chan *ch, lfgo_select_op op, uint64_t *a, uint64_t *b);

/* ---- The rendezvous (chan_sync.c); called by chan.c and chan_select.c. */

lfgo_status lfgo__sync_op(lfgo_chan *ch, void *elem, bool send, const struct timespec *deadline,
                          bool try_only);
lfgo_status lfgo__sync_close(lfgo_chan *ch);
/* True if a thread is using the exchange slot of an open channel. */
bool lfgo__sync_slot_busy(lfgo_chan *ch);
/* _locked: the caller holds ch->lock; `self` is the caller's own sel (never
 * paired with), or NULL. */
lfgo_status lfgo__sync_send_locked(lfgo_chan *ch, const void *elem, const lfgo__sel *self,
                                   lfgo__wakes *wk);
lfgo_status lfgo__sync_recv_locked(lfgo_chan *ch, void *out, const lfgo__sel *self,
                                   lfgo__wakes *wk);
/* What decides whether an unbuffered case can proceed, as two words that
 * change whenever it may have (chan_select.c); false if the slot is in a
 * state that does not tell (BUSY): look again. */
bool lfgo__sync_snap(lfgo_chan *ch, uint64_t *a, uint64_t *b);
/* A select is about to try and queue on unbuffered channel ch (under its
 * lock): keeps new waiters out of the exchange slot until select_leave. */
void lfgo__sync_select_enter(lfgo_chan *ch);
void lfgo__sync_select_leave(lfgo_chan *ch);

/* ---- The asymmetric barrier (chan_barrier.c): see docs/memory-ordering.md.
 * Called by chan.c (init) and the ring and select (the heavy side). */
void lfgo__chan_barrier_init(void);
void lfgo__chan_heavy_barrier(void);
extern LFGO_ATOMIC(uint32_t) lfgo__chan_asym; /* 1: membarrier registered */

#endif /* LFGO_LIB_CHAN_INTERNAL_H */

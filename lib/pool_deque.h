/*
 * lib/pool_deque.h - the work-stealing deque of one pool worker (internal):
 * a fixed-capacity Chase-Lev deque with the C11 orderings of Le, Pop, Cohen
 * and Zappa Nardelli, "Correct and Efficient Work-Stealing for Weak Memory
 * Models" (PPoPP 2013), holding pointers to task records.
 *
 * The owner pushes and takes at the bottom (LIFO: the newest task, still warm
 * in its cache); any other thread steals at the top (FIFO: the oldest task,
 * usually the biggest piece of a recursive split).
 *
 * Invariants:
 *  - Only the owner writes `bottom` and the slots; `top` only grows, and only
 *    by a CAS (a thief's steal, or the owner's take of the last element).
 *  - The elements are the slots top..bottom-1 (indices mod LFGO__DEQUE_CAP).
 *    top <= bottom, except for the instant inside take() when the owner has
 *    claimed bottom-1 and the deque was empty (bottom = top - 1), which take
 *    itself undoes.
 *  - Each element is removed exactly once: by take() without a CAS when at
 *    least one element stays behind it (thieves, ordered by the seq_cst
 *    handshake below, cannot reach it), and otherwise by whichever of the
 *    owner and the thieves wins the CAS of `top` from t to t+1.
 *
 * Differences from the paper, each on purpose:
 *  - No growth: the capacity is fixed, push() fails when the deque is full,
 *    and the pool sends the task to its injection queue instead.  This spares
 *    the paper's array replacement and its reclamation problem.
 *  - Every store of `bottom` is a release store (the paper: a release fence
 *    before push's relaxed store, relaxed stores in take).  The elements are
 *    pointers a thief dereferences, so whichever `bottom` value a thief reads
 *    must carry the owner's writes of the task record it then reads; a relaxed
 *    store from take() would not (it heads no release sequence).  A release
 *    store is a plain store on x86 and an STLR on Arm, and ThreadSanitizer
 *    models it, which it does not for the paper's fence.
 *  - The paper's seq_cst fences (take: between the store of bottom and the
 *    load of top; steal: between the load of top and the load of bottom) are
 *    lfgo_atomic_fence(seq_cst) in ordinary builds.  ThreadSanitizer does not
 *    model fences, so under LFGO_TSAN the four accesses they order are seq_cst
 *    accesses instead (an exchange for take's store of bottom, seq_cst loads
 *    for the other three), which give the same store-load ordering through
 *    the single total order of seq_cst operations, in a form TSan models.
 */
#ifndef LFGO_LIB_POOL_DEQUE_H
#define LFGO_LIB_POOL_DEQUE_H

#include <stdbool.h>
#include <stdint.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"

#ifndef LFGO__DEQUE_CAP
#define LFGO__DEQUE_CAP 1024 /* a power of two; see docs/design.md, "Pool" */
#endif

#ifdef __cplusplus
#define LFGO__DEQUE_ALIGNED alignas(LFGO_CACHELINE)
#else
#define LFGO__DEQUE_ALIGNED _Alignas(LFGO_CACHELINE)
#endif

typedef struct lfgo__deque {
    LFGO__DEQUE_ALIGNED LFGO_ATOMIC(int64_t) top;    /* CAS by thieves and the owner */
    LFGO__DEQUE_ALIGNED LFGO_ATOMIC(int64_t) bottom; /* written by the owner only */
    LFGO__DEQUE_ALIGNED LFGO_ATOMIC(uintptr_t) slot[LFGO__DEQUE_CAP];
} lfgo__deque;

/* What steal() found. */
typedef enum lfgo__steal {
    LFGO__STEAL_EMPTY = 0, /* nothing to steal */
    LFGO__STEAL_OK = 1,    /* *out is the stolen element */
    LFGO__STEAL_LOST = 2   /* lost a race for the top element: try again */
} lfgo__steal;

#define LFGO__DEQUE_SLOT(d, i) (&(d)->slot[(uint64_t)(i) & (LFGO__DEQUE_CAP - 1)])

/* The handshake accesses: fence-based normally, seq_cst accesses under TSan
 * (see the file comment).  DQ_ORD is the order of an access the fence orders. */
#if defined(LFGO_TSAN)
#define LFGO__DQ_ORD memory_order_seq_cst
#define LFGO__DQ_FENCE(site) ((void)0)
#else
#define LFGO__DQ_ORD memory_order_relaxed /* ordered by LFGO__DQ_FENCE */
#define LFGO__DQ_FENCE(site) lfgo_atomic_fence_at(site, memory_order_seq_cst)
#endif

/* Empties the deque.  Call before it is shared. */
static inline void lfgo__deque_init(lfgo__deque *d)
{
    /* relaxed (top and bottom): the deque is not shared yet; creating the
     * threads that use it (pthread_create) publishes both stores. */
    lfgo_atomic_store_at(deque_init_top, &d->top, 0, memory_order_relaxed);
    lfgo_atomic_store_at(deque_init_bottom, &d->bottom, 0, memory_order_relaxed);
}

/* Owner only.  Appends x at the bottom; false if the deque is full. */
static inline bool lfgo__deque_push(lfgo__deque *d, uintptr_t x)
{
    /* relaxed: only the owner writes bottom. */
    int64_t b = lfgo_atomic_load_at(deque_push_bottom, &d->bottom, memory_order_relaxed);
    /* acquire: pairs with the seq_cst CAS of top by the thief that freed the
     * slot we may overwrite, so its relaxed read of that slot came first. */
    int64_t t = lfgo_atomic_load_at(deque_push_top, &d->top, memory_order_acquire);
    if (b - t >= LFGO__DEQUE_CAP)
        return false;
    /* relaxed: published by the release store of bottom just below. */
    lfgo_atomic_store_at(deque_push_slot, LFGO__DEQUE_SLOT(d, b), x, memory_order_relaxed);
    /* release: pairs with the thieves' acquire load of bottom, publishing the
     * slot and the task record it points to. */
    lfgo_atomic_store_at(deque_push_publish, &d->bottom, b + 1, memory_order_release);
    return true;
}

/* Owner only.  Removes the newest element into *out; false if empty. */
static inline bool lfgo__deque_take(lfgo__deque *d, uintptr_t *out)
{
    /* relaxed: only the owner writes bottom. */
    int64_t b = lfgo_atomic_load_at(deque_take_bottom, &d->bottom, memory_order_relaxed) - 1;
    /* Claim slot b before looking at top.  The store and the load of top are
     * ordered by a seq_cst fence (or are seq_cst, under TSan): a thief either
     * sees the smaller bottom and leaves slot b alone, or its CAS of top
     * came first and we see the larger top. */
#if defined(LFGO_TSAN)
    lfgo_atomic_xchg_at(deque_take_reserve, &d->bottom, b, memory_order_seq_cst);
#else
    /* release: see the file comment (every bottom value a thief can read
     * carries the owner's writes); the fence below orders it before the load. */
    lfgo_atomic_store_at(deque_take_reserve, &d->bottom, b, memory_order_release);
#endif
    LFGO__DQ_FENCE(deque_take_fence);
    int64_t t = lfgo_atomic_load_at(deque_take_top, &d->top, LFGO__DQ_ORD);
    if (t > b) { /* it was empty: undo the claim */
        /* release: as for every store of bottom. */
        lfgo_atomic_store_at(deque_take_undo, &d->bottom, b + 1, memory_order_release);
        return false;
    }
    /* relaxed: the owner wrote this slot itself. */
    *out = lfgo_atomic_load_at(deque_take_slot, LFGO__DEQUE_SLOT(d, b), memory_order_relaxed);
    if (t < b)
        return true; /* more than one element: no thief can reach slot b */
    /* The last element: race the thieves for it with the CAS of top.
     * seq_cst as in the paper; relaxed on failure: we only learn we lost. */
    bool won = lfgo_atomic_cas_strong_at(deque_take_cas, &d->top, &t, t + 1, memory_order_seq_cst,
                                         memory_order_relaxed);
    /* release: as for every store of bottom. */
    lfgo_atomic_store_at(deque_take_restore, &d->bottom, b + 1, memory_order_release);
    return won;
}

/* Any thread but the owner.  Removes the oldest element into *out. */
static inline lfgo__steal lfgo__deque_steal(lfgo__deque *d, uintptr_t *out)
{
    /* acquire (seq_cst under TSan): pairs with the seq_cst CAS of top by the
     * previous thief, so the slot we read below was written after it. */
#if defined(LFGO_TSAN)
    int64_t t = lfgo_atomic_load_at(deque_steal_top, &d->top, memory_order_seq_cst);
#else
    int64_t t = lfgo_atomic_load_at(deque_steal_top, &d->top, memory_order_acquire);
#endif
    LFGO__DQ_FENCE(deque_steal_fence); /* the other half of take()'s handshake */
#if defined(LFGO_TSAN)
    int64_t b = lfgo_atomic_load_at(deque_steal_bottom, &d->bottom, memory_order_seq_cst);
#else
    /* acquire: pairs with the owner's release stores of bottom, publishing
     * slot t and the task record it points to. */
    int64_t b = lfgo_atomic_load_at(deque_steal_bottom, &d->bottom, memory_order_acquire);
#endif
    if (t >= b)
        return LFGO__STEAL_EMPTY;
    /* relaxed: published by the bottom store read above; if the owner has
     * overwritten it since, top moved past t and the CAS below fails. */
    uintptr_t x = lfgo_atomic_load_at(deque_steal_slot, LFGO__DEQUE_SLOT(d, t), memory_order_relaxed);
    /* seq_cst as in the paper (orders the claim against take()'s handshake);
     * relaxed on failure: we only learn we lost. */
    if (!lfgo_atomic_cas_strong_at(deque_steal_cas, &d->top, &t, t + 1, memory_order_seq_cst,
                                   memory_order_relaxed))
        return LFGO__STEAL_LOST;
    *out = x;
    return LFGO__STEAL_OK;
}

/* A snapshot of the number of elements (diagnostics and idle checks). */
static inline int64_t lfgo__deque_size(lfgo__deque *d)
{
    /* relaxed (both loads): a hint that publishes nothing; a caller that
     * acts on it steals or takes, whose own orderings decide, and the idle
     * handshake orders these loads after its seq_cst fence, or its seq_cst
     * RMW under TSan (lib/pool.c). */
    int64_t b = lfgo_atomic_load_at(deque_size_bottom, &d->bottom, memory_order_relaxed);
    int64_t t = lfgo_atomic_load_at(deque_size_top, &d->top, memory_order_relaxed);
    return b > t ? b - t : 0;
}

#endif /* LFGO_LIB_POOL_DEQUE_H */

/*
 * lib/chan.c - channels: the public layer.  Creation and destruction (the
 * lifetime rules of include/lfgo/chan.h), the argument checks of every
 * send, receive, batch and close, and the dispatch to the room that does the
 * work: the ring for buffered channels (chan_ring.c), the rendezvous for
 * unbuffered ones (chan_sync.c).  Select has its own entry points
 * (chan_select.c).
 *
 * Dependency order of the channel rooms (each calls only rooms above it;
 * no include or call cycles):
 *   park.h, deadline.h, chan_args.h, chan_batch.h, waitlist.h,
 *   select_plan.h                  leaves (no atomics but park.h's word)
 *   chan_wait.h / chan_wait.c      the waiter queue, wake after unlock, lock
 *   chan_internal.h                the layout; declares the rooms below
 *   chan_barrier.c                 the asymmetric barrier
 *   chan_ring.c                    buffered: ring, eventcounts, close
 *   chan_sync.c                    unbuffered: exchange slot, locked path
 *   chan_select.c                  select (calls ring and sync)
 *   chan.c                         this file (calls ring, sync, barrier)
 * The twin (lib/twin/chan.c) uses the leaves only.
 */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chan_args.h"
#include "chan_batch.h"
#include "chan_internal.h"
#include "deadline.h"

#define MAX_CAP ((uint64_t)1 << 40)

/* ------------------------------------------------------------ lifetime */

static size_t stride_of(size_t elem_size)
{
    return (sizeof(uint64_t) + elem_size + 7u) & ~(size_t)7u;
}

/* Bytes of the channel itself (aligned), or 0 for an invalid shape. */
static size_t bytes_of(size_t elem_size, size_t cap, lfgo_chan_kind kind)
{
    if (elem_size > SIZE_MAX / 4 || cap > MAX_CAP || (unsigned)kind > 3u)
        return 0;
    size_t stride = stride_of(elem_size);
    if (cap != 0 && stride > (SIZE_MAX / 4) / cap)
        return 0;
    size_t n = sizeof(struct lfgo_chan) + cap * stride;
    return (n + LFGO_CACHELINE - 1) & ~(size_t)(LFGO_CACHELINE - 1);
}

size_t lfgo_chan_size(size_t elem_size, size_t capacity, lfgo_chan_kind kind)
{
    size_t b = bytes_of(elem_size, capacity, kind);
    return b ? b + LFGO_CACHELINE - 1 : 0;
}

static void setup(lfgo_chan *ch, size_t elem_size, size_t cap, lfgo_chan_kind kind)
{
    memset(ch, 0, sizeof *ch);
    ch->cap = cap;
    ch->elem_size = elem_size;
    ch->stride = stride_of(elem_size);
    ch->kind = (uint32_t)kind;
    if (cap == 0 && elem_size <= LFGO__XBUF)
        ch->flags |= LFGO__CHAN_XFAST;
    if (cap != 0)
        lfgo__ring_setup(ch);
    lfgo__chan_barrier_init();
}

lfgo_status lfgo_chan_create(lfgo_chan **out, size_t elem_size, size_t capacity,
                             lfgo_chan_kind kind)
{
    size_t b = bytes_of(elem_size, capacity, kind);
    if (!out || !b)
        return LFGO_EINVAL;
    lfgo_chan *ch = aligned_alloc(LFGO_CACHELINE, b);
    if (!ch)
        return LFGO_ENOMEM;
    setup(ch, elem_size, capacity, kind);
    ch->mem = ch;
    ch->flags |= LFGO__CHAN_OWNED;
    *out = ch;
    return LFGO_OK;
}

lfgo_status lfgo_chan_init(lfgo_chan **out, void *mem, size_t mem_size, size_t elem_size,
                           size_t capacity, lfgo_chan_kind kind)
{
    size_t need = lfgo_chan_size(elem_size, capacity, kind);
    if (!out || !mem || !need || mem_size < need)
        return LFGO_EINVAL;
    uintptr_t a = ((uintptr_t)mem + LFGO_CACHELINE - 1) & ~(uintptr_t)(LFGO_CACHELINE - 1);
    lfgo_chan *ch = (lfgo_chan *)a;
    setup(ch, elem_size, capacity, kind);
    *out = ch;
    return LFGO_OK;
}

static bool is_closed(lfgo_chan *ch)
{
    if (ch->cap != 0)
        return lfgo_atomic_load_at(chan_closed_tail, &ch->tail, memory_order_seq_cst) & 1u;
    lfgo__chlock_lock(&ch->lock);
    bool c = ch->closed != 0;
    lfgo__chlock_unlock(&ch->lock);
    return c;
}

/* Destroy's misuse check: is a thread still waiting in the channel? */
static bool has_blocked(lfgo_chan *ch)
{
    lfgo__chlock_lock(&ch->lock);
    bool q = lfgo__waitq_any(&ch->sendq) || lfgo__waitq_any(&ch->recvq) ||
             lfgo__waitq_any(&ch->selq) || lfgo__sync_slot_busy(ch);
    lfgo__chlock_unlock(&ch->lock);
    /* relaxed (the three loads): they pair with nothing, since a value read
     * here only decides whether destroy reports misuse and orders no data.
     * On a closed channel they come after wait_for_leavers' acquire of nin
     * (chan.destroy.nin, pairing with each leaver's release, chan.nin.leave),
     * so a waiter that has left reads as gone; on an open one the caller's
     * own edge from the last call is destroy's contract. */
    return q || lfgo_atomic_load_at(chan_blocked_nin, &ch->nin, memory_order_relaxed) != 0 ||
           lfgo_atomic_load_at(chan_blocked_recvnsl, &ch->recv_nsl, memory_order_relaxed) != 0 ||
           lfgo_atomic_load_at(chan_blocked_sendnsl, &ch->send_nsl, memory_order_relaxed) != 0;
}

/*
 * On a closed channel every thread still counted in nin (the closer, and the
 * threads that were waiting) is on its way out: wait for them (and, with
 * LFGO_CHECK_LIFETIME, for every counted call, which is then the last
 * access).  Their last access is nin's release decrement, which this load
 * (seq_cst, so an acquire) pairs with, so freeing afterwards cannot overlap
 * one of their accesses.
 */
static void wait_for_leavers(lfgo_chan *ch)
{
    while (lfgo_atomic_load_at(chan_destroy_nin, &ch->nin, memory_order_seq_cst) != 0 ||
           lfgo__chan_calls(ch) != 0)
        sched_yield();
}

/* Test-only (tests/test_chan_lifetime.cpp): threads counted in nin.
 * relaxed: tests poll it until their waiters are counted; what they do next
 * is ordered by the channel's own sites. */
uint32_t lfgo__chan_debug_waiters(lfgo_chan *ch);
uint32_t lfgo__chan_debug_waiters(lfgo_chan *ch)
{
    return lfgo_atomic_load_at(chan_debug_nin, &ch->nin, memory_order_relaxed);
}

void lfgo_chan_destroy(lfgo_chan *ch)
{
    if (lfgo__bad_chan("lfgo_chan_destroy", ch))
        return;
    if (is_closed(ch))
        wait_for_leavers(ch);
    if (has_blocked(ch)) {
        lfgo__misuse("lfgo_chan_destroy", "channel destroyed with blocked threads");
        return;
    }
    if (lfgo__chan_calls(ch) != 0) {
        lfgo__misuse("lfgo_chan_destroy", "channel destroyed while a call is still using it");
        return;
    }
    if (ch->flags & LFGO__CHAN_OWNED)
        free(ch->mem);
}

static lfgo_status send_impl(lfgo_chan *ch, const void *elem, const struct timespec *deadline,
                             bool try_only)
{
    if (ch->cap == 0)
        return lfgo__sync_op(ch, (void *)(uintptr_t)elem, true, deadline, try_only);
    return lfgo__ring_send(ch, elem, deadline, try_only);
}

static lfgo_status recv_impl(lfgo_chan *ch, void *out, const struct timespec *deadline,
                             bool try_only)
{
    lfgo_status st = ch->cap == 0 ? lfgo__sync_op(ch, out, false, deadline, try_only)
                                   : lfgo__ring_recv(ch, out, deadline, try_only);
    if (st == LFGO_CLOSED)
        lfgo__chan_zero(ch, out);
    return st;
}

/* ------------------------------------------------------------ public */

/*
 * Every public call: check the arguments (chan_args.h), count the call
 * (LFGO_CHECK_LIFETIME), take the side (LFGO_CHECK_KIND), dispatch, and leave
 * in the reverse order: lfgo__chan_left is the call's last access.
 */
typedef lfgo_status (*call_fn)(lfgo_chan *ch, void *a, size_t n, size_t *done,
                               const struct timespec *deadline, bool try_only);

static lfgo_status call(const char *func, lfgo_chan *ch, int side, call_fn fn, void *a, size_t n,
                        size_t *done, const struct timespec *deadline, bool try_only)
{
    lfgo__chan_call(ch);
    if (!lfgo__kind_enter(ch, side, func))
        return lfgo__chan_left(ch, LFGO_MISUSE);
    lfgo_status st = fn(ch, a, n, done, deadline, try_only);
    lfgo__kind_leave(ch, side);
    return lfgo__chan_left(ch, st);
}

static lfgo_status send_one(lfgo_chan *ch, void *elem, size_t n, size_t *done,
                            const struct timespec *deadline, bool try_only)
{
    (void)n;
    (void)done;
    return send_impl(ch, elem, deadline, try_only);
}

static lfgo_status recv_one(lfgo_chan *ch, void *out, size_t n, size_t *done,
                            const struct timespec *deadline, bool try_only)
{
    (void)n;
    (void)done;
    return recv_impl(ch, out, deadline, try_only);
}

/* Misuse checks of the public calls; true (after the report) if bad.  A send
 * may pass a NULL element only for a zero-size element type; a receive may
 * always pass NULL (the value is discarded, as Go's `<-c`). */
static bool bad_send(const char *func, const lfgo_chan *ch, const void *elem)
{
    return lfgo__bad_chan(func, ch) || lfgo__bad_send_elem(func, elem, ch->elem_size);
}

#define CHECK(bad)               \
    do {                         \
        if (bad)                 \
            return LFGO_MISUSE;  \
    } while (0)

#define SEND(func, ch, elem, deadline, try_only)                                              \
    call(func, ch, LFGO__SIDE_SEND, send_one, (void *)(uintptr_t)(elem), 0, NULL, deadline, \
         try_only)
#define RECV(func, ch, out, deadline, try_only) \
    call(func, ch, LFGO__SIDE_RECV, recv_one, out, 0, NULL, deadline, try_only)

lfgo_status lfgo_chan_send(lfgo_chan *ch, const void *elem)
{
    CHECK(bad_send("lfgo_chan_send", ch, elem));
    return SEND("lfgo_chan_send", ch, elem, NULL, false);
}

lfgo_status lfgo_chan_try_send(lfgo_chan *ch, const void *elem)
{
    CHECK(bad_send("lfgo_chan_try_send", ch, elem));
    return SEND("lfgo_chan_try_send", ch, elem, NULL, true);
}

lfgo_status lfgo_chan_send_until(lfgo_chan *ch, const void *elem, const struct timespec *deadline)
{
    CHECK(bad_send("lfgo_chan_send_until", ch, elem) ||
          lfgo__bad_deadline("lfgo_chan_send_until", deadline));
    return SEND("lfgo_chan_send_until", ch, elem, deadline, false);
}

lfgo_status lfgo_chan_recv(lfgo_chan *ch, void *out)
{
    CHECK(lfgo__bad_chan("lfgo_chan_recv", ch));
    return RECV("lfgo_chan_recv", ch, out, NULL, false);
}

lfgo_status lfgo_chan_try_recv(lfgo_chan *ch, void *out)
{
    CHECK(lfgo__bad_chan("lfgo_chan_try_recv", ch));
    return RECV("lfgo_chan_try_recv", ch, out, NULL, true);
}

lfgo_status lfgo_chan_recv_until(lfgo_chan *ch, void *out, const struct timespec *deadline)
{
    CHECK(lfgo__bad_chan("lfgo_chan_recv_until", ch) ||
          lfgo__bad_deadline("lfgo_chan_recv_until", deadline));
    return RECV("lfgo_chan_recv_until", ch, out, deadline, false);
}

/* ------------------------------------------------------------ batches */

static lfgo_status send_fn(void *ch, void *elem, const struct timespec *deadline, bool try_only)
{
    return send_impl(ch, elem, deadline, try_only);
}

static lfgo_status recv_fn(void *ch, void *out, const struct timespec *deadline, bool try_only)
{
    return recv_impl(ch, out, deadline, try_only);
}

/* Buffered: the ring takes runs of slots per claim; unbuffered: one
 * hand-off per element (chan_batch.h). */
static lfgo_status send_many(lfgo_chan *ch, void *elems, size_t n, size_t *done,
                             const struct timespec *deadline, bool try_only)
{
    if (ch->cap)
        return lfgo__ring_send_many(ch, elems, n, done, deadline, try_only);
    return lfgo__batch_send(ch, ch->elem_size, send_fn, elems, n, done, deadline, try_only);
}

static lfgo_status recv_many(lfgo_chan *ch, void *out, size_t n, size_t *done,
                             const struct timespec *deadline, bool try_only)
{
    if (!ch->cap)
        return lfgo__batch_recv(ch, ch->elem_size, recv_fn, out, n, done, deadline, try_only);
    lfgo_status st = lfgo__ring_recv_many(ch, out, n, done, deadline, try_only);
    if (st == LFGO_CLOSED)
        lfgo__chan_zero(ch, out);
    return st;
}

static bool bad_batch(const char *func, lfgo_chan *ch, const void *p, size_t n, size_t *done,
                      bool send)
{
    return lfgo__bad_chan(func, ch) || lfgo__bad_batch(func, p, n, done, send, ch->elem_size);
}

#define SEND_MANY(func, ch, elems, n, done, deadline, try_only)                                \
    call(func, ch, LFGO__SIDE_SEND, send_many, (void *)(uintptr_t)(elems), n, done, deadline, \
         try_only)
#define RECV_MANY(func, ch, out, n, done, deadline, try_only) \
    call(func, ch, LFGO__SIDE_RECV, recv_many, out, n, done, deadline, try_only)

lfgo_status lfgo_chan_send_many(lfgo_chan *ch, const void *elems, size_t n, size_t *done)
{
    CHECK(bad_batch("lfgo_chan_send_many", ch, elems, n, done, true));
    return SEND_MANY("lfgo_chan_send_many", ch, elems, n, done, NULL, false);
}

lfgo_status lfgo_chan_send_many_until(lfgo_chan *ch, const void *elems, size_t n, size_t *done,
                                      const struct timespec *deadline)
{
    CHECK(bad_batch("lfgo_chan_send_many_until", ch, elems, n, done, true) ||
          lfgo__bad_deadline("lfgo_chan_send_many_until", deadline));
    return SEND_MANY("lfgo_chan_send_many_until", ch, elems, n, done, deadline, false);
}

lfgo_status lfgo_chan_try_send_many(lfgo_chan *ch, const void *elems, size_t n, size_t *done)
{
    CHECK(bad_batch("lfgo_chan_try_send_many", ch, elems, n, done, true));
    return SEND_MANY("lfgo_chan_try_send_many", ch, elems, n, done, NULL, true);
}

lfgo_status lfgo_chan_recv_many(lfgo_chan *ch, void *out, size_t n, size_t *done)
{
    CHECK(bad_batch("lfgo_chan_recv_many", ch, out, n, done, false));
    return RECV_MANY("lfgo_chan_recv_many", ch, out, n, done, NULL, false);
}

lfgo_status lfgo_chan_recv_many_until(lfgo_chan *ch, void *out, size_t n, size_t *done,
                                      const struct timespec *deadline)
{
    CHECK(bad_batch("lfgo_chan_recv_many_until", ch, out, n, done, false) ||
          lfgo__bad_deadline("lfgo_chan_recv_many_until", deadline));
    return RECV_MANY("lfgo_chan_recv_many_until", ch, out, n, done, deadline, false);
}

lfgo_status lfgo_chan_try_recv_many(lfgo_chan *ch, void *out, size_t n, size_t *done)
{
    CHECK(bad_batch("lfgo_chan_try_recv_many", ch, out, n, done, false));
    return RECV_MANY("lfgo_chan_try_recv_many", ch, out, n, done, NULL, true);
}

/* ------------------------------------------------------------ state */

/* The closer is counted in nin from before the close is visible until its
 * last access, so a receiver that sees the close may destroy at once.  For
 * the kind check, close is a call of the sending side. */
static lfgo_status close_impl(lfgo_chan *ch, void *a, size_t n, size_t *done,
                              const struct timespec *deadline, bool try_only)
{
    (void)a, (void)n, (void)done, (void)deadline, (void)try_only;
    lfgo__chan_enter(ch);
    lfgo_status st = ch->cap == 0 ? lfgo__sync_close(ch) : lfgo__ring_close(ch);
    lfgo__chan_leave(ch);
    return st;
}

lfgo_status lfgo_chan_close(lfgo_chan *ch)
{
    CHECK(lfgo__bad_chan("lfgo_chan_close", ch));
    return call("lfgo_chan_close", ch, LFGO__SIDE_SEND, close_impl, NULL, 0, NULL, NULL, false);
}

size_t lfgo_chan_len(const lfgo_chan *ch)
{
    if (!ch) {
        lfgo__misuse("lfgo_chan_len", "NULL channel");
        return 0;
    }
    return lfgo__ring_len((lfgo_chan *)(uintptr_t)ch);
}

size_t lfgo_chan_cap(const lfgo_chan *ch)
{
    if (!ch) {
        lfgo__misuse("lfgo_chan_cap", "NULL channel");
        return 0;
    }
    return (size_t)ch->cap;
}

size_t lfgo_chan_elem_size(const lfgo_chan *ch)
{
    if (!ch) {
        lfgo__misuse("lfgo_chan_elem_size", "NULL channel");
        return 0;
    }
    return ch->elem_size;
}

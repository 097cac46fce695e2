/*
 * lfgo/chan.h - channels: Go's chan for C, buffered and unbuffered, with
 * close, select, deadlines and batches.
 *
 *     lfgo_chan *ch;
 *     lfgo_chan_create(&ch, sizeof(int), 16, LFGO_CHAN_MPMC);
 *     int v = 42;
 *     lfgo_chan_send(ch, &v);                  // blocks while full
 *     lfgo_chan_recv(ch, &v);                  // blocks while empty
 *     lfgo_chan_close(ch);                     // receivers drain, then LFGO_CLOSED
 *     lfgo_chan_destroy(ch);
 *
 * Elements are copied by value (elem_size bytes).  elem_size may be 0: Go's
 * chan struct{} (done signals, semaphores, tickets); every call then copies
 * nothing and its element pointers may be NULL.  A receive may always pass
 * NULL for its destination: the value is received and dropped (Go's `<-c`).
 *
 * Buffered channels (capacity >= 1) are lock-free bounded rings: a send or
 * receive that does not have to wait is a few loads and stores, with no
 * system call and no lock; waiting spins briefly, then parks (futex) and is
 * woken only if it announced itself.  Unbuffered channels (capacity 0) are
 * rendezvous points: a send completes only when a receiver has taken the
 * value.  A plain send or receive meets its partner lock-free in a
 * one-value exchange slot (elements of at most 48 bytes) when one side at a
 * time waits; a second waiter on one side, larger elements and the blocking
 * part of select queue waiter records under a short per-channel lock (as
 * Go's runtime does); see docs/design.md, "Channel".
 *
 * Memory ordering contract (C11 terms; the channel is a synchronisation
 * object exactly as in the Go memory model):
 *  - A send that returns LFGO_OK happens-before the completion of the
 *    receive that obtains its value (everything the sender wrote before the
 *    send is visible to the receiver after its receive returns).
 *  - Unbuffered: the receive of a value happens-before the completion of the
 *    send of that value.
 *  - Buffered with capacity C: the k-th receive happens-before the (k+C)-th
 *    send completes (a buffered channel works as a counting semaphore).
 *  - lfgo_chan_close happens-before every receive that returns LFGO_CLOSED
 *    because of it, and every send that returns LFGO_CLOSED.
 *  - Nothing else is ordered: a call that returns LFGO_WOULDBLOCK or
 *    LFGO_TIMEOUT, lfgo_chan_len and lfgo_chan_cap order nothing.
 *  - FIFO: values sent by one thread are received in the order sent.
 *
 * Close (as Go's runtime/chan.go and the Go spec):
 *  - a send on a closed channel returns LFGO_CLOSED and enqueues nothing (Go
 *    panics); a sender blocked when close happens is released with
 *    LFGO_CLOSED and its value is not delivered;
 *  - receives drain the values buffered before the close; only a closed and
 *    empty channel returns LFGO_CLOSED (Go's ok == false), and zero-fills
 *    *out (Go's zero value, so code that forgets the status reads zeroes,
 *    not stale bytes); receivers blocked at close are released with
 *    LFGO_CLOSED;
 *  - closing a closed channel is misuse ("close of closed channel").
 *
 * Kind hint: with LFGO_CHAN_SPSC / SPMC at most one thread at a time sends,
 * and close belongs to that producing side (call it from the producer, or
 * after the last send has returned); with LFGO_CHAN_SPSC / MPSC at most one
 * thread at a time receives.  "One at a time" means the calls do not overlap
 * (hand the role over with any happens-before edge).  Violating the hint
 * loses or duplicates values.  It is NOT detected in release builds; builds
 * with LFGO_CHECK_KIND (CMake option; on in Debug and sanitizer builds)
 * record, for each single side of a buffered channel, the thread inside it
 * (from entry to return of each send, try_send, _until, batch, close or
 * select case on that side) and report a second thread entering while one is
 * inside as misuse ("two threads in the sending side of a single-producer
 * channel", "... receiving side of a single-consumer channel"; the call then
 * returns LFGO_MISUSE and does nothing).  Calls that do not overlap are never
 * reported, so a hand-over is allowed; a second producer whose calls happen
 * not to overlap is not caught.  Close counts as a call of the sending side.
 * The hint only matters for buffered channels; MPMC is always safe.
 *
 * Misuse (through lfgo_set_misuse_handler's handler; if it returns, the call
 * returns LFGO_MISUSE or nothing): a NULL channel, `done` pointer or
 * deadline; a NULL element to send when elem_size > 0; a malformed deadline
 * ("invalid deadline": tv_nsec outside [0, 10^9)), reported before anything
 * is attempted; "close of closed channel"; "channel destroyed with blocked
 * threads" (see Lifetime; the channel is then left alone, not freed); a
 * select case with an op that is neither LFGO_SELECT_RECV nor _SEND.
 *
 * Deadlines are absolute CLOCK_MONOTONIC (lfgo_deadline_after_ns).  Any valid
 * time is accepted: one in the past (even with a negative tv_sec) tries
 * once, then returns LFGO_TIMEOUT; one far in the future waits as long as
 * the clock allows.
 *
 * Lifetime (who may call lfgo_chan_destroy, and when).  No call may start on
 * a channel once destroy has begun.  Beyond that:
 *  - Close, drain, destroy: a thread whose receive returned LFGO_CLOSED may
 *    destroy the channel at once, even while the closing thread is still
 *    inside lfgo_chan_close and other threads that were waiting in the
 *    channel (receivers, senders, selects) are being released: destroy waits
 *    for the closer and for every call that had begun to wait.  (With several
 *    receivers in a loop, one that is between two receives has not begun to
 *    wait: destroy after all of them have stopped, e.g. with a WaitGroup.)
 *  - Last value, destroy: a receiver that got the value of a send must NOT
 *    destroy before that send has returned.  The sender still reads the
 *    channel after its value became visible (the buffered wake check; the
 *    exchange slot's generation), and making that safe would cost a shared
 *    read-modify-write on every send.  Wait for the sender (join it, or
 *    receive a later signal from it).  Builds with LFGO_CHECK_LIFETIME (Debug
 *    and sanitizer builds) count the calls inside a channel and report this
 *    window as misuse ("channel destroyed while a call is still using it")
 *    instead of freeing under the sender.
 *  - A select: the same rules, case by case.
 *  - An unclosed channel with a thread blocked in it: misuse ("channel
 *    destroyed with blocked threads").
 */
#ifndef LFGO_CHAN_H
#define LFGO_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "lfgo/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A channel.  Opaque: its layout depends on the element size, capacity and
 * kind (see docs/design.md, "Channel"). */
typedef struct lfgo_chan lfgo_chan;

/* Producer/consumer hint (see "Kind hint" above). */
typedef enum lfgo_chan_kind {
    LFGO_CHAN_MPMC = 0, /* any number of senders and receivers (the default) */
    LFGO_CHAN_SPSC = 1, /* one sender, one receiver */
    LFGO_CHAN_MPSC = 2, /* many senders, one receiver */
    LFGO_CHAN_SPMC = 3  /* one sender, many receivers */
} lfgo_chan_kind;

/* ------------------------------------------------------------ barrier */

/*
 * The handshake between a send or receive that did not wait ("publish, then
 * look for sleepers") and a thread about to sleep ("announce, then look
 * again") needs a full barrier on one side.  Which side pays is chosen once
 * per process, before its first channel:
 *
 *  LFGO_CHAN_BARRIER_MEMBARRIER (the default): the sleeper pays.  The first
 *    channel registers the process for membarrier(PRIVATE_EXPEDITED); each
 *    time a thread is about to sleep in a buffered channel (or in a select
 *    over one) it makes that system call (~2.2 us measured here), which
 *    interrupts every other CPU currently running a thread of the process
 *    (an IPI) to execute a barrier.  A send or receive that does not wait
 *    then needs only a compiler barrier.  Best throughput; but a program
 *    that keeps isolated cores busy-polling sees those cores interrupted
 *    whenever any of its threads goes to sleep in a channel.  Where
 *    membarrier is missing the fence kind is used instead.
 *  LFGO_CHAN_BARRIER_FENCE: the fast path pays.  Every send and receive on
 *    a buffered channel runs a full fence (seq_cst: MFENCE or a locked
 *    instruction on x86, ~80-95 ns on the development VM by issue 3's
 *    calibration) after publishing; a sleeper runs a fence too and
 *    interrupts nobody.
 *
 * Unbuffered channels use neither (their exchange is read-modify-writes
 * throughout).  ThreadSanitizer builds always use a third form that TSan
 * can check (both sides on one read-modify-write); lfgo_chan_get_barrier
 * reports it as LFGO_CHAN_BARRIER_FENCE.  The environment variable
 * LFGO_CHAN_NO_MEMBARRIER (set, non-empty and not "0") selects the fence
 * kind whatever lfgo_chan_set_barrier chose.
 */
typedef enum lfgo_chan_barrier {
    LFGO_CHAN_BARRIER_MEMBARRIER = 0,
    LFGO_CHAN_BARRIER_FENCE = 1
} lfgo_chan_barrier;

/*
 * Chooses the barrier kind for the process.  Call it before the first
 * lfgo_chan_create or lfgo_chan_init of the process (any thread; calls are
 * serialised with each other and with that first creation).  LFGO_OK;
 * LFGO_EINVAL for an unknown kind; after the first channel exists the kind is
 * fixed: misuse ("barrier kind set after the first channel"), LFGO_MISUSE,
 * and nothing changes.
 */
LFGO_API lfgo_status lfgo_chan_set_barrier(lfgo_chan_barrier kind);

/* The kind in effect once the first channel exists (membarrier falls back
 * to the fence where the system lacks it); before that, the kind requested
 * so far. */
LFGO_API lfgo_chan_barrier lfgo_chan_get_barrier(void);

/* ------------------------------------------------------------ lifetime */

/*
 * Bytes of caller memory lfgo_chan_init needs for this shape (any alignment:
 * init aligns inside it), or 0 if the shape is invalid: capacity * elem_size
 * overflowing, capacity above 2^40, or an unknown kind.
 */
LFGO_API size_t lfgo_chan_size(size_t elem_size, size_t capacity, lfgo_chan_kind kind);

/*
 * Creates a channel with malloc.  LFGO_OK and *out set; LFGO_EINVAL for a
 * shape lfgo_chan_size rejects or a NULL out; LFGO_ENOMEM.
 */
LFGO_API lfgo_status lfgo_chan_create(lfgo_chan **out, size_t elem_size, size_t capacity,
                                      lfgo_chan_kind kind);

/*
 * Places a channel in caller memory `mem` of `mem_size` bytes (at least
 * lfgo_chan_size(...)); *out points into mem.  LFGO_EINVAL for a bad shape,
 * NULL pointers or too little memory.  The memory must stay valid until
 * lfgo_chan_destroy returns.
 */
LFGO_API lfgo_status lfgo_chan_init(lfgo_chan **out, void *mem, size_t mem_size,
                                    size_t elem_size, size_t capacity, lfgo_chan_kind kind);

/*
 * Destroys a channel (frees it if lfgo_chan_create made it; for init, the
 * caller then owns its memory again).  Values still buffered are dropped.
 * On a closed channel it first waits for the closer and for the calls that
 * were waiting to leave (see Lifetime above).  A thread still blocked in an
 * open channel is misuse ("channel destroyed with blocked threads"), after
 * which the channel is left intact.
 */
LFGO_API void lfgo_chan_destroy(lfgo_chan *ch);

/* ------------------------------------------------------------ send */

/* Copies *elem into the channel, blocking while it is full (unbuffered:
 * until a receiver took it).  LFGO_OK, or LFGO_CLOSED (nothing enqueued). */
LFGO_API lfgo_status lfgo_chan_send(lfgo_chan *ch, const void *elem);

/* Never blocks: LFGO_OK, LFGO_CLOSED, or LFGO_WOULDBLOCK if the buffer is
 * full (unbuffered: if no receiver is blocked waiting, as Go's select with a
 * default case). */
LFGO_API lfgo_status lfgo_chan_try_send(lfgo_chan *ch, const void *elem);

/* send with a deadline: LFGO_OK, LFGO_CLOSED or LFGO_TIMEOUT (nothing
 * enqueued: an unbuffered send that times out withdraws its offer). */
LFGO_API lfgo_status lfgo_chan_send_until(lfgo_chan *ch, const void *elem,
                                          const struct timespec *deadline);

/* ------------------------------------------------------------ receive */

/* Copies the oldest value into *out (out may be NULL: the value is dropped),
 * blocking while the channel is empty and open.  LFGO_OK, or LFGO_CLOSED
 * (closed and drained; *out zero-filled). */
LFGO_API lfgo_status lfgo_chan_recv(lfgo_chan *ch, void *out);

/* Never blocks: LFGO_OK, LFGO_CLOSED, or LFGO_WOULDBLOCK if no value is ready
 * (unbuffered: if no sender is blocked waiting). */
LFGO_API lfgo_status lfgo_chan_try_recv(lfgo_chan *ch, void *out);

/* recv with a deadline: LFGO_OK, LFGO_CLOSED or LFGO_TIMEOUT. */
LFGO_API lfgo_status lfgo_chan_recv_until(lfgo_chan *ch, void *out,
                                          const struct timespec *deadline);

/* ------------------------------------------------------------ batches */

/*
 * Batches move the n elements of the array `elems` / `out` (n * elem_size
 * bytes), in order, each with the same contract as a single send/recv; *done
 * is always set to how many moved.  n == 0 returns LFGO_OK with *done = 0 at
 * once, without looking at the channel.  On a buffered channel a batch takes
 * the run of slots that is ready with one update of the shared index and one
 * check for sleepers, so it costs far less per element than single calls
 * (docs/design.md, "Batch calls"); an unbuffered channel hands each element
 * over on its own.
 *
 * send_many: sends all n, blocking as needed.  LFGO_OK (*done == n), or
 * LFGO_CLOSED when the channel was closed after *done of them were sent.
 * send_many_until: as send_many, or LFGO_TIMEOUT with *done < n.
 * try_send_many: sends as many as fit now; LFGO_OK if *done == n,
 * LFGO_WOULDBLOCK if 0 < ... < n or none fit, LFGO_CLOSED if closed first.
 */
LFGO_API lfgo_status lfgo_chan_send_many(lfgo_chan *ch, const void *elems, size_t n,
                                         size_t *done);
LFGO_API lfgo_status lfgo_chan_send_many_until(lfgo_chan *ch, const void *elems, size_t n,
                                               size_t *done, const struct timespec *deadline);
LFGO_API lfgo_status lfgo_chan_try_send_many(lfgo_chan *ch, const void *elems, size_t n,
                                             size_t *done);

/*
 * recv_many: receives up to n, blocking until at least one is available,
 * then taking whatever else is ready without waiting.  LFGO_OK with
 * 1 <= *done <= n, or LFGO_CLOSED with *done == 0 (closed and drained;
 * out[0] is zero-filled, the rest of `out` is left as it was).  `out` may be
 * NULL (the values are dropped); `elems` may be NULL when elem_size == 0.
 * recv_many_until: as recv_many, or LFGO_TIMEOUT with *done == 0.
 * try_recv_many: never blocks; LFGO_OK (*done >= 1), LFGO_WOULDBLOCK
 * (*done == 0) or LFGO_CLOSED (*done == 0).
 */
LFGO_API lfgo_status lfgo_chan_recv_many(lfgo_chan *ch, void *out, size_t n, size_t *done);
LFGO_API lfgo_status lfgo_chan_recv_many_until(lfgo_chan *ch, void *out, size_t n, size_t *done,
                                               const struct timespec *deadline);
LFGO_API lfgo_status lfgo_chan_try_recv_many(lfgo_chan *ch, void *out, size_t n, size_t *done);

/* ------------------------------------------------------------ state */

/* Closes the channel (see "Close" above).  LFGO_OK, or misuse. */
LFGO_API lfgo_status lfgo_chan_close(lfgo_chan *ch);

/* Values buffered now (a snapshot that orders nothing; 0 if unbuffered). */
LFGO_API size_t lfgo_chan_len(const lfgo_chan *ch);

/* The capacity given at creation. */
LFGO_API size_t lfgo_chan_cap(const lfgo_chan *ch);

/* The element size given at creation. */
LFGO_API size_t lfgo_chan_elem_size(const lfgo_chan *ch);

/* ------------------------------------------------------------ select */

typedef enum lfgo_select_op {
    LFGO_SELECT_RECV = 0,
    LFGO_SELECT_SEND = 1
} lfgo_select_op;

/* One case of a select.  A case with chan == NULL is disabled and never
 * proceeds (Go's nil channel). */
typedef struct lfgo_select_case {
    lfgo_chan *chan;
    lfgo_select_op op;
    void *elem;         /* SEND: the value to send (NULL only if elem_size is 0);
                           RECV: where to store it (NULL: dropped; zero-filled
                           when the case reports LFGO_CLOSED) */
    lfgo_status status; /* out, for the chosen case: LFGO_OK or LFGO_CLOSED */
} lfgo_select_case;

/*
 * Go's select.  Exactly one enabled case completes; *chosen is its index and
 * cases[*chosen].status its outcome (LFGO_OK, or LFGO_CLOSED for a receive
 * from a closed, drained channel or a send to a closed channel; such cases
 * are ready).  Among the cases ready at the time of the call one is chosen
 * uniformly at random.  The same channel may appear in several cases; a send
 * and a receive on the same unbuffered channel in one select never pair with
 * each other.  Each completed case has the ordering of the matching single
 * send/recv.
 *
 * lfgo_select blocks (sleeps, no busy loop) until a case completes; LFGO_OK.
 * With no enabled case (n == 0, or every chan NULL) it blocks forever,
 * parked and using no CPU, as Go's `select {}` does.
 * lfgo_select_try is select with a default case: LFGO_OK, or
 * LFGO_WOULDBLOCK (the default) only if at one instant during the call no
 * case could proceed (as Go decides it under all the channels' locks; lfgo
 * checks this without locking buffered channels: docs/memory-ordering.md,
 * "Select").  lfgo_select_until: LFGO_OK or LFGO_TIMEOUT, with the same
 * one-instant rule for the timeout (with no enabled case it sleeps until the
 * deadline).
 * Returns LFGO_ENOMEM if n > 64 and the per-call record array cannot be
 * allocated; LFGO_MISUSE after a reported misuse (NULL cases with n > 0, NULL
 * chosen, an op out of range, an enabled send case with a NULL elem while
 * elem_size > 0, a NULL or malformed deadline).
 */
LFGO_API lfgo_status lfgo_select(lfgo_select_case *cases, size_t n, size_t *chosen);
LFGO_API lfgo_status lfgo_select_try(lfgo_select_case *cases, size_t n, size_t *chosen);
LFGO_API lfgo_status lfgo_select_until(lfgo_select_case *cases, size_t n, size_t *chosen,
                                       const struct timespec *deadline);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_CHAN_H */

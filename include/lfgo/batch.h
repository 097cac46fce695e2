/*
 * lfgo/batch.h - the size-or-timeout batcher of the seed: items added from
 * many threads are handed, in batches, to one callback; a batch goes out
 * when it holds N items, or T after its first item arrived.
 *
 *     static void dump(void *user, const void *items, size_t n) { ... }
 *     lfgo_batch_config cfg = {sizeof(int), 10, 5000000000, dump, NULL,
 *                              LFGO_BATCH_BLOCK, 0};
 *     lfgo_batch *b;
 *     lfgo_batch_create(&b, &cfg);
 *     lfgo_batch_add(b, &v);          // from any thread
 *     lfgo_batch_close(b);            // flushes the rest, waits for the callback
 *     lfgo_batch_destroy(b);
 *
 * Two policies choose who runs the callback (the enum below says which,
 * and what each means for order, close and a slow callback): the
 * batcher's own flusher thread (the default), or, with
 * LFGO_BATCH_INLINE_BLOCK / _FAIL, the thread whose add() filled the batch.
 * The rest of this paragraph describes the default.
 *
 * Design (docs/design.md, "Batcher"): add() sends the item into one of a
 * few MPSC lfgo channels ("lanes", one per online CPU, at most 8; a thread
 * always uses the same lane), so producers on different cores do not share
 * an enqueue index (lock-free fast path, no system call unless the flusher
 * sleeps).  One flusher thread takes from the lanes, collects up to N
 * items with a deadline of first-item-time + T, then calls the callback.
 * The deadline belongs to the batch being collected, a local of the flusher
 * loop: a size flush ends that batch and with it its deadline, so a late
 * timer can never flush a newer batch early.
 *
 * Guarantees (both policies unless marked):
 *  - The callback never runs concurrently with itself.  Flusher policy: it
 *    runs only on the flusher thread, with batches in the order their items
 *    were received.  Inline: see "Policies".  Items of one producer keep
 *    their add() order.  It never gets an empty batch.
 *  - Every add() that returned LFGO_OK is delivered exactly once, even when
 *    close() races with it: close() returns after the last callback.
 *  - A batch is delivered when it reaches N items, or at first-arrival + T
 *    (plus scheduling latency), or at flush()/close().  "Arrival" is the
 *    earlier of the time the flusher took the item off the channel and the
 *    add() time when that add was timestamped (see max_delay_ns); inline:
 *    the add() time of the batch's first item.
 *
 * Memory ordering contract (C11 terms):
 *  - An add() (or commit) that returns LFGO_OK happens-before the callback
 *    call that receives its item (flusher: channel send -> receive; inline:
 *    release/acquire on the batch's commit counter).
 *  - Every callback call returns before the next one starts (flusher: same
 *    thread; inline: happens-before through the delivery token).
 *  - The return of the last callback happens-before lfgo_batch_close (from
 *    outside the callback) returns (flusher: thread join; inline: an acquire
 *    of each lane's delivered count), and a flush() that returns
 *    LFGO_OK: the callback that delivered what flush() forced out (if any)
 *    happens-before flush() returns (release/acquire on a flush counter).
 *  - lfgo_batch_get_stats orders nothing.
 *
 * Bad input and edge cases:
 *  - create: N == 0, T <= 0, item_size == 0 or > LFGO_BATCH_MAX_ITEM, NULL
 *    callback, NULL cfg/out, unknown policy -> LFGO_EINVAL.
 *  - add() after close -> LFGO_CLOSED (nothing enqueued); with
 *    LFGO_BATCH_FAIL (LFGO_BATCH_INLINE_FAIL), add() when the calling
 *    thread's lane is full -> LFGO_WOULDBLOCK.
 *  - create with an inline policy and N >= 2^31 -> LFGO_EINVAL.
 *  - close twice -> the second call returns LFGO_CLOSED at once (it does not
 *    wait for the first to finish).
 *  - flush() from inside the callback: returns LFGO_OK without waiting (it
 *    cannot wait for itself); what is buffered when the callback returns is
 *    delivered right after it, as a forced flush.
 *  - close() from inside the callback: returns LFGO_OK without waiting; adds
 *    fail with LFGO_CLOSED from then on, everything accepted is still
 *    delivered (by the flusher; inline: by the thread running the callback,
 *    after it returns), and lfgo_batch_destroy (called outside the
 *    callback) waits for that.
 *  - reserve/commit: see lfgo_batch_reserve.
 *  - destroy from inside the callback, or a NULL batcher/item: misuse.
 */
#ifndef LFGO_BATCH_H
#define LFGO_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "lfgo/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfgo_batch lfgo_batch; /* opaque */

/* The flush callback: `n` (1..N) items of item_size bytes each, contiguous.
 * The array is valid only during the call. */
typedef void (*lfgo_batch_fn)(void *user, const void *items, size_t n);

/*
 * Policies: who runs the callback, and what add() does when it cannot
 * buffer an item.
 *
 * LFGO_BATCH_BLOCK, LFGO_BATCH_FAIL - the flusher thread (the default, 0):
 *  - Who: the callback runs only on the batcher's own flusher thread; every
 *    item crosses from the adding thread to it (through the lanes above).
 *  - Order: batches in the order the flusher received their items; items of
 *    one producer in add() order.
 *  - A slow callback: adders are never delayed by it until the calling
 *    thread's lane is full (capacity / lanes items); then BLOCK waits in
 *    add() and FAIL returns LFGO_WOULDBLOCK.
 *
 * LFGO_BATCH_INLINE_BLOCK, LFGO_BATCH_INLINE_FAIL - the filling thread:
 *  - Where: each lane owns K batch buffers of N items (K a power of two, at
 *    least 2, enough for `capacity`); add() claims the next slot of the
 *    calling thread's lane and writes the item there, so on the size-flush
 *    path the items stay in the producer's cache.
 *  - Who: the thread whose add() (or commit) completes a batch runs the
 *    callback itself, inside that add(), if no callback is running; if one
 *    is, it hands the batch over and returns at once: the thread running
 *    callbacks delivers every batch that is ready before it returns from
 *    its own add().  A batch sealed by its deadline is completed (and
 *    usually delivered) by the batcher's deadline thread; one sealed by
 *    flush() or close() by that caller, or by the last committer of it.
 *    No lock is held while adding: the right to run callbacks is a token
 *    taken with one atomic increment per batch, never waited for.
 *  - Never overlapping: callbacks run one at a time; the return of each
 *    happens-before the start of the next (whatever thread runs it).
 *  - Order: a lane's batches are delivered in the order they were sealed,
 *    so items of one producer keep their add() order (a thread always uses
 *    one lane); batches of different lanes interleave in any order.
 *  - A batch is sealed at N items, at first-add + T (first-add is the clock
 *    read of the add that claimed the batch's first slot, so max_delay_ns
 *    is exact), or by flush()/close().
 *  - A slow callback: it delays the add() that runs it, which may also
 *    deliver batches other threads completed meanwhile (one add() can run
 *    many callbacks under sustained load from other threads).  Other adders
 *    are not delayed until all K buffers of their lane wait for delivery;
 *    then INLINE_BLOCK waits in add() and INLINE_FAIL returns
 *    LFGO_WOULDBLOCK.  An add() from inside the callback never waits: it
 *    returns LFGO_WOULDBLOCK instead (it would wait for itself).
 *  - N must be below 2^31 (else create returns LFGO_EINVAL).
 *
 * Under every policy, close() and destroy lose nothing: every add() or
 * commit that returned LFGO_OK is delivered exactly once before close()
 * (from outside the callback) returns; destroy waits for it too.
 */
typedef enum lfgo_batch_policy {
    LFGO_BATCH_BLOCK = 0,        /* flusher thread; add() waits while full */
    LFGO_BATCH_FAIL = 1,         /* flusher thread; LFGO_WOULDBLOCK while full */
    LFGO_BATCH_INLINE_BLOCK = 2, /* filling thread; add() waits while full */
    LFGO_BATCH_INLINE_FAIL = 3   /* filling thread; LFGO_WOULDBLOCK while full */
} lfgo_batch_policy;

/* The largest item size (add() copies the item through the stack). */
#define LFGO_BATCH_MAX_ITEM 4096

typedef struct lfgo_batch_config {
    size_t item_size;       /* bytes per item, 1..LFGO_BATCH_MAX_ITEM */
    size_t max_items;       /* N >= 1: a batch is flushed when it holds N */
    int64_t max_delay_ns;   /* T > 0: ... or T after its first item arrived */
    lfgo_batch_fn fn;       /* the callback (not NULL) */
    void *user;             /* passed to fn */
    lfgo_batch_policy policy; /* who runs the callback, overflow (below) */
    size_t capacity;        /* items buffered ahead of the flusher, split
                             * evenly over the lanes (rounded up); 0: default
                             * (max(4 N, 4096)).  Inline: K = the power of
                             * two >= max(2, per-lane capacity / N) batch
                             * buffers of N items per lane */
} lfgo_batch_config;

typedef struct lfgo_batch_stats {
    uint64_t items;            /* items delivered */
    uint64_t batches;          /* callback calls */
    uint64_t flushes_size;     /* batches that reached N */
    uint64_t flushes_deadline; /* batches sent T after their first item */
    uint64_t flushes_forced;   /* batches sent by flush() (inline policies:
                                * up to one per lane per flush) */
    uint64_t flushes_close;    /* batches sent by close() (inline: up to one
                                * per lane) */
    /* Largest observed delay from add() to the start of the callback.  Each
     * thread timestamps its first add() and then one in 64 (a clock read per
     * add would cost as much as the add); for the others the flusher's
     * receive time stands in.  So this is a lower bound, exact for the
     * timestamped items, which include the first of every thread.  Inline
     * policies: exact (from the add() time of each batch's first item). */
    uint64_t max_delay_ns;
} lfgo_batch_stats;

/* Creates a batcher and starts its flusher thread (inline policies: its
 * deadline thread).  LFGO_OK, LFGO_EINVAL, LFGO_ENOMEM (memory or the
 * thread). */
LFGO_API lfgo_status lfgo_batch_create(lfgo_batch **out, const lfgo_batch_config *cfg);

/* Adds a copy of *item.  LFGO_OK, LFGO_CLOSED, or LFGO_WOULDBLOCK (policy
 * LFGO_BATCH_FAIL and the calling thread's lane is full).  Safe from any
 * thread. */
LFGO_API lfgo_status lfgo_batch_add(lfgo_batch *b, const void *item);

/*
 * The add path without a copy through the caller's item: reserve hands out
 * item_size bytes where the item is to be written, commit publishes it.
 *
 *     uint64_t *slot;
 *     if (lfgo_batch_reserve(b, (void **)&slot) == LFGO_OK) {
 *         *slot = v;                          // written in place
 *         lfgo_batch_commit(b, slot);
 *     }
 *
 * Under the inline policies the slot is in the batch buffer itself: the
 * callback reads the bytes the caller wrote, with no copy in between.
 * Under the flusher-thread policies it is a per-thread staging element,
 * and commit sends it into the lane (one copy instead of add()'s two).
 *
 * lfgo_batch_reserve: LFGO_OK (*slot set, aligned to the largest power of
 * two that divides item_size, at most 8: as an element of an array of such
 * items), LFGO_CLOSED, or LFGO_WOULDBLOCK (the
 * _FAIL policies, and INLINE_BLOCK from inside the callback) exactly as
 * add() would return; then nothing is reserved.  Inline policies: this is
 * where the add() would wait for a free buffer.
 *
 * lfgo_batch_commit: ends the reservation.  Inline policies: LFGO_OK always
 * (the slot was claimed at reserve; the item is accepted even if close()
 * started meanwhile, and close() waits for the commit).  Flusher policies:
 * what add() returns: LFGO_OK, LFGO_CLOSED, LFGO_WOULDBLOCK (FAIL and the
 * lane full); anything but LFGO_OK means the item was not added.  A commit
 * that returned LFGO_OK counts as an add() that returned LFGO_OK in every
 * guarantee above (ordering, flush, close, exactly once).
 *
 * Rules, checked (misuse, LFGO_MISUSE): a thread holds at most one
 * reservation at a time (reserve while holding one); commit only the slot
 * this thread's reserve returned, to the same batcher (commit without
 * reserve, or of another slot); between reserve and commit the thread calls
 * nothing else on that batcher (add, flush, close, destroy: they could wait
 * for its own commit) - but other threads may, and under the inline
 * policies flush(), close() or destroy on another thread wait for the
 * commit.  NULL arguments are misuse.  Keep
 * reservations short: under the inline policies a batch holding an
 * uncommitted slot is delivered only after the commit.
 */
LFGO_API lfgo_status lfgo_batch_reserve(lfgo_batch *b, void **slot);
LFGO_API lfgo_status lfgo_batch_commit(lfgo_batch *b, void *slot);

/* Forces out what is buffered: everything whose add() happened-before this
 * call is delivered before it returns (no callback if there is nothing).
 * LFGO_OK, or LFGO_CLOSED if the batcher is closed (close delivers it).
 * Concurrent flush() calls are served one after the other. */
LFGO_API lfgo_status lfgo_batch_flush(lfgo_batch *b);

/* Stops accepting items, delivers everything accepted, and returns after the
 * last callback returned.  LFGO_OK; LFGO_CLOSED if already closed. */
LFGO_API lfgo_status lfgo_batch_close(lfgo_batch *b);

/* Closes (if needed), waits for the flusher, frees.  Not from the callback.
 * Lifetime: any thread may destroy as soon as the lfgo_batch_close call that
 * returned LFGO_OK has returned (on any thread; a later close returns
 * LFGO_CLOSED at once, possibly before that one is done, so its return is
 * not enough), once no add(), reserve/commit or flush() call is still
 * running (inline: an add() may still be delivering others' batches): an add()
 * that was blocked on a full lane when the batcher closed returns
 * LFGO_CLOSED, and the caller must let it return first (join the adders, or
 * count them with a WaitGroup).  The callback is never running then. */
LFGO_API void lfgo_batch_destroy(lfgo_batch *b);

/* A snapshot of the counters.  LFGO_OK, or LFGO_MISUSE for NULLs. */
LFGO_API lfgo_status lfgo_batch_get_stats(const lfgo_batch *b, lfgo_batch_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_BATCH_H */

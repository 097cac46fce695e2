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
 * Guarantees:
 *  - The callback runs only on the flusher thread, never concurrently with
 *    itself, with batches in the order their items were received; items of
 *    one producer keep their add() order.  It never gets an empty batch.
 *  - Every add() that returned LFGO_OK is delivered exactly once, even when
 *    close() races with it: close() returns after the last callback.
 *  - A batch is delivered when it reaches N items, or at first-arrival + T
 *    (plus scheduling latency), or at flush()/close().  "Arrival" is the
 *    earlier of the time the flusher took the item off the channel and the
 *    add() time when that add was timestamped (see max_delay_ns).
 *
 * Memory ordering contract (C11 terms):
 *  - An add() that returns LFGO_OK happens-before the callback call that
 *    receives its item (channel send -> receive).
 *  - Every callback call returns before the next one starts (same thread).
 *  - The return of the last callback happens-before lfgo_batch_close (from
 *    outside the callback) returns (thread join), and a flush() that returns
 *    LFGO_OK: the callback that delivered what flush() forced out (if any)
 *    happens-before flush() returns (release/acquire on a flush counter).
 *  - lfgo_batch_get_stats orders nothing.
 *
 * Bad input and edge cases:
 *  - create: N == 0, T <= 0, item_size == 0 or > LFGO_BATCH_MAX_ITEM, NULL
 *    callback, NULL cfg/out, unknown policy -> LFGO_EINVAL.
 *  - add() after close -> LFGO_CLOSED (nothing enqueued); with
 *    LFGO_BATCH_FAIL, add() when the calling thread's lane is full ->
 *    LFGO_WOULDBLOCK.
 *  - close twice -> the second call returns LFGO_CLOSED at once (it does not
 *    wait for the first to finish).
 *  - flush() from inside the callback: returns LFGO_OK without waiting (it
 *    cannot wait for itself); what is buffered when the callback returns is
 *    delivered right after it, as a forced flush.
 *  - close() from inside the callback: returns LFGO_OK without waiting; adds
 *    fail with LFGO_CLOSED from then on, everything accepted is still
 *    delivered by the flusher, and lfgo_batch_destroy (called outside the
 *    callback) waits for that.
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

typedef enum lfgo_batch_policy {
    LFGO_BATCH_BLOCK = 0, /* add() waits while the buffer is full */
    LFGO_BATCH_FAIL = 1   /* add() returns LFGO_WOULDBLOCK while it is full */
} lfgo_batch_policy;

/* The largest item size (add() copies the item through the stack). */
#define LFGO_BATCH_MAX_ITEM 4096

typedef struct lfgo_batch_config {
    size_t item_size;       /* bytes per item, 1..LFGO_BATCH_MAX_ITEM */
    size_t max_items;       /* N >= 1: a batch is flushed when it holds N */
    int64_t max_delay_ns;   /* T > 0: ... or T after its first item arrived */
    lfgo_batch_fn fn;       /* the callback (not NULL) */
    void *user;             /* passed to fn */
    lfgo_batch_policy policy;
    size_t capacity;        /* items buffered ahead of the flusher, split
                             * evenly over the lanes (rounded up); 0: default
                             * (max(4 N, 4096)) */
} lfgo_batch_config;

typedef struct lfgo_batch_stats {
    uint64_t items;            /* items delivered */
    uint64_t batches;          /* callback calls */
    uint64_t flushes_size;     /* batches that reached N */
    uint64_t flushes_deadline; /* batches sent T after their first item */
    uint64_t flushes_forced;   /* batches sent by flush() */
    uint64_t flushes_close;    /* batches sent by close() */
    /* Largest observed delay from add() to the start of the callback.  Each
     * thread timestamps its first add() and then one in 64 (a clock read per
     * add would cost as much as the add); for the others the flusher's
     * receive time stands in.  So this is a lower bound, exact for the
     * timestamped items, which include the first of every thread. */
    uint64_t max_delay_ns;
} lfgo_batch_stats;

/* Creates a batcher and starts its flusher thread.  LFGO_OK, LFGO_EINVAL,
 * LFGO_ENOMEM (memory or the thread). */
LFGO_API lfgo_status lfgo_batch_create(lfgo_batch **out, const lfgo_batch_config *cfg);

/* Adds a copy of *item.  LFGO_OK, LFGO_CLOSED, or LFGO_WOULDBLOCK (policy
 * LFGO_BATCH_FAIL and the calling thread's lane is full).  Safe from any
 * thread. */
LFGO_API lfgo_status lfgo_batch_add(lfgo_batch *b, const void *item);

/* Forces out what is buffered: everything whose add() happened-before this
 * call is delivered before it returns (no callback if there is nothing).
 * LFGO_OK, or LFGO_CLOSED if the batcher is closed (close delivers it).
 * Concurrent flush() calls are served one after the other. */
LFGO_API lfgo_status lfgo_batch_flush(lfgo_batch *b);

/* Stops accepting items, delivers everything accepted, and returns after the
 * last callback returned.  LFGO_OK; LFGO_CLOSED if already closed. */
LFGO_API lfgo_status lfgo_batch_close(lfgo_batch *b);

/* Closes (if needed), waits for the flusher, frees.  Not from the callback.
 * Lifetime: any thread may destroy as soon as lfgo_batch_close has returned
 * (on any thread), once no add() or flush() call is still running: an add()
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

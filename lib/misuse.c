/*
 * lib/misuse.c - the misuse handler and status names (see lfgo/common.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfgo/atomic.h"
#include "lfgo/common.h"
#include "deadline.h"

/* The handler and its context are read together, so they live in one
 * struct swapped by pointer. */
struct handler {
    lfgo_misuse_fn fn;
    void *ctx;
};

static void default_handler(const char *func, const char *what, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "lfgo: misuse: %s: %s\n", func, what);
    fflush(stderr);
    abort();
}

static struct handler handlers[2] = {{default_handler, NULL}, {default_handler, NULL}};
static LFGO_ATOMIC(unsigned) current; /* index into handlers */
static LFGO_ATOMIC(unsigned) writing; /* serialises lfgo_set_misuse_handler */

lfgo_misuse_fn lfgo_set_misuse_handler(lfgo_misuse_fn fn, void *ctx)
{
    unsigned expected = 0;
    /* acquire: pairs with the release store below, so a second installer
     * sees the first one's handlers[] writes. */
    while (!lfgo_atomic_cas_weak_at(misuse_set_lock, &writing, &expected, 1u, memory_order_acquire,
                                 memory_order_relaxed))
        expected = 0;
    /* relaxed: only writers change `current`, and they are serialised. */
    unsigned cur = lfgo_atomic_load_at(misuse_set_current, &current, memory_order_relaxed);
    lfgo_misuse_fn prev = handlers[cur].fn;
    handlers[cur ^ 1u].fn = fn ? fn : default_handler;
    handlers[cur ^ 1u].ctx = fn ? ctx : NULL;
    /* release: pairs with the acquire load in lfgo__misuse, which then sees
     * the handler written just above. */
    lfgo_atomic_store_at(misuse_set_publish, &current, cur ^ 1u, memory_order_release);
    /* release: pairs with the acquire CAS of the next installer. */
    lfgo_atomic_store_at(misuse_set_unlock, &writing, 0u, memory_order_release);
    return prev == default_handler ? NULL : prev;
}

void lfgo__misuse(const char *func, const char *what)
{
    /* acquire: pairs with the release store in lfgo_set_misuse_handler. */
    unsigned cur = lfgo_atomic_load_at(misuse_call, &current, memory_order_acquire);
    handlers[cur].fn(func, what, handlers[cur].ctx);
}

void lfgo__die(const char *func, const char *what, int err)
{
    fprintf(stderr, "lfgo: fatal: %s: %s (%s)\n", func, what, strerror(err));
    fflush(stderr);
    abort();
}

const char *lfgo_status_str(lfgo_status s)
{
    switch (s) {
    case LFGO_OK: return "LFGO_OK";
    case LFGO_WOULDBLOCK: return "LFGO_WOULDBLOCK";
    case LFGO_TIMEOUT: return "LFGO_TIMEOUT";
    case LFGO_CLOSED: return "LFGO_CLOSED";
    case LFGO_EINVAL: return "LFGO_EINVAL";
    case LFGO_ENOMEM: return "LFGO_ENOMEM";
    case LFGO_MISUSE: return "LFGO_MISUSE";
    }
    return "LFGO_?";
}

bool lfgo__bad_deadline(const char *func, const struct timespec *d)
{
    if (!d)
        lfgo__misuse(func, "NULL deadline");
    else if (d->tv_nsec < 0 || d->tv_nsec >= 1000000000L)
        lfgo__misuse(func, "invalid deadline (tv_nsec outside 0..999999999)");
    else
        return false;
    return true;
}

/*
 * lib/chan_args.h - the argument checks of the channel calls, shared by
 * lfgo (lib/chan.c) and the twin (lib/twin/chan.c) (internal; no atomics).
 *
 * Each returns true, after reporting the misuse, if the arguments are bad.
 * `ch` is the channel (either kind), `elem_size` its element size.  A send
 * may pass a NULL element only for a zero-size element (Go's struct{}); a
 * receive may always pass NULL (the value is dropped, as Go's `<-c`).
 */
#ifndef LFGO_LIB_CHAN_ARGS_H
#define LFGO_LIB_CHAN_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "lfgo/common.h"

static inline bool lfgo__bad_chan(const char *func, const void *ch)
{
    if (ch)
        return false;
    lfgo__misuse(func, "NULL channel");
    return true;
}

/* A send's element (ch already checked). */
static inline bool lfgo__bad_send_elem(const char *func, const void *elem, size_t elem_size)
{
    if (elem || elem_size == 0)
        return false;
    lfgo__misuse(func, "NULL element");
    return true;
}

/* A batch call's `done` and array (ch already checked); sets *done = 0. */
static inline bool lfgo__bad_batch(const char *func, const void *p, size_t n, size_t *done,
                                   bool send, size_t elem_size)
{
    if (!done) {
        lfgo__misuse(func, "NULL done");
        return true;
    }
    *done = 0;
    if (n == 0 || p || !send || elem_size == 0)
        return false;
    lfgo__misuse(func, "NULL elements");
    return true;
}

#endif /* LFGO_LIB_CHAN_ARGS_H */

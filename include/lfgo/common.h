/*
 * lfgo/common.h - what every lfgo primitive shares: the export macro, the
 * status enum, the misuse handler and deadline helpers.
 *
 * Outcomes and misuse are kept apart, as in Go:
 *  - Expected outcomes (would block, timed out, closed, bad argument at
 *    creation) are values of lfgo_status, returned to the caller.
 *  - Misuse that Go answers with a panic (negative WaitGroup counter, closing a
 *    closed channel, unlocking an unlocked mutex, a NULL object) is reported
 *    through one misuse handler.  The default handler prints
 *    "lfgo: misuse: <function>: <what>" to stderr and aborts.  An embedder may
 *    install its own; if it returns, the offending call returns LFGO_MISUSE
 *    (or nothing, for void functions).  Where the misuse is detected before
 *    the object changes (a double close, a NULL object) the object is left
 *    as it was.  A negative WaitGroup counter is detected only after the
 *    fetch_add that makes it: the add is undone before the handler runs, so
 *    a handler that returns finds the counter as it was, but other threads
 *    may briefly have seen the negative value.  Otherwise the object's
 *    state after a misuse is unspecified, as after a Go panic.
 *  - A system call failure that cannot happen dies loudly through the same path.
 */
#ifndef LFGO_COMMON_H
#define LFGO_COMMON_H

#include <stdint.h>
#include <time.h>

#include "lfgo/export.h"
#include "lfgo/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The size lfgo pads hot fields to, so that two of them never share a line
 * (128 on x86 because the adjacent-line prefetcher pulls lines in pairs). */
#if defined(__x86_64__) || defined(__aarch64__)
#define LFGO_CACHELINE 128
#else
#define LFGO_CACHELINE 64
#endif

typedef enum lfgo_status {
    LFGO_OK = 0,          /* done */
    LFGO_WOULDBLOCK = 1,  /* a try_ call that would have had to wait */
    LFGO_TIMEOUT = 2,     /* an _until call whose deadline passed first */
    LFGO_CLOSED = 3,      /* the object is closed (Go's ok == false) */
    LFGO_EINVAL = 4,      /* a bad argument to a create/init call */
    LFGO_ENOMEM = 5,      /* allocation failed */
    LFGO_MISUSE = 6       /* a misuse was reported and the handler returned */
} lfgo_status;

/* A short constant string naming a status ("LFGO_OK", ...). */
LFGO_API const char *lfgo_status_str(lfgo_status s);

/*
 * The misuse handler.  `func` is the public function that detected the misuse
 * ("lfgo_wg_add"), `what` says what went wrong ("negative WaitGroup counter").
 * It may be called from any thread.
 */
typedef void (*lfgo_misuse_fn)(const char *func, const char *what, void *ctx);

/* Installs `fn` (NULL restores the default) and returns the previous one
 * (NULL for the default).  Install it before threads use lfgo: a change
 * racing with a report on another thread may call the old handler with the
 * new context. */
LFGO_API lfgo_misuse_fn lfgo_set_misuse_handler(lfgo_misuse_fn fn, void *ctx);

/* Internal (exported for the inline fast paths and for liblfgo-twin, not
 * API): reports a misuse through the installed handler. */
LFGO_API void lfgo__misuse(const char *func, const char *what);

/* Internal (exported for liblfgo-twin, not API): reports an impossible
 * system call failure and aborts. */
LFGO_API void lfgo__die(const char *func, const char *what, int err)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/*
 * Deadlines.  Every _until function takes an absolute CLOCK_MONOTONIC time;
 * a deadline already in the past is a valid "do not wait": the call tries
 * once and returns LFGO_TIMEOUT if it could not complete at once.
 */
/* The current CLOCK_MONOTONIC time. */
LFGO_API struct timespec lfgo_now(void);

/* The CLOCK_MONOTONIC time `ns` nanoseconds from now (ns may be negative). */
LFGO_API struct timespec lfgo_deadline_after_ns(int64_t ns);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_COMMON_H */

/*
 * lib/chan_barrier.c - the asymmetric barrier behind the channel's
 * "publish, then check for sleepers" / "announce, then recheck" handshake,
 * and the per-process choice of its kind (lfgo_chan_set_barrier).
 *
 * Dependency order: chan_internal.h; calls only the system.  Called by
 * chan.c (init, at each creation) and by the ring and select (the heavy
 * side).
 *
 * The fast side (a send or receive that did not wait) publishes its slot with
 * a release store and then reads the other side's eventcount.  Store-then-
 * load needs a full barrier to be ordered, and a full barrier per item costs
 * ~80-95 ns on this VM (issue 3's calibration), so the barrier is moved to
 * the side that is about to sleep:
 *  - membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) makes every running thread
 *    of the process execute a full barrier before it returns; the fast side
 *    then needs only a compiler barrier (lfgo__chan_asym == 1);
 *  - where membarrier is missing, or the program chose
 *    LFGO_CHAN_BARRIER_FENCE, or LFGO_CHAN_NO_MEMBARRIER is set in the
 *    environment, both sides use a seq_cst fence (lfgo__chan_asym == 0);
 *  - under ThreadSanitizer (LFGO_TSAN), which does not model fences or
 *    membarrier, the fast side reads the eventcount with a seq_cst RMW and
 *    the sleeper announces itself with a seq_cst RMW on the same word, so
 *    the handshake is "both sides on one RMW", which TSan does model.
 * The mode is chosen once, before the first channel exists (pthread_once in
 * create/init), and never changes, so both sides always agree.  `mu` orders
 * lfgo_chan_set_barrier against that choice: a request made before it is the
 * one it reads; one made after it is refused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/membarrier.h>
#endif

#include "chan_internal.h"

LFGO_ATOMIC(uint32_t) lfgo__chan_asym;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool fixed;                                                 /* guarded by mu */
static lfgo_chan_barrier requested = LFGO_CHAN_BARRIER_MEMBARRIER; /* guarded by mu */

/* The kind requested so far; fixes it if `fix`. */
static lfgo_chan_barrier request(bool fix, bool *was_fixed)
{
    pthread_mutex_lock(&mu);
    *was_fixed = fixed;
    fixed = fixed || fix;
    lfgo_chan_barrier k = requested;
    pthread_mutex_unlock(&mu);
    return k;
}

static bool env_wants_fence(void)
{
    const char *off = getenv("LFGO_CHAN_NO_MEMBARRIER");
    return off && *off && *off != '0';
}

static void setup(void)
{
    bool was;
    lfgo_chan_barrier k = request(true, &was);
#if defined(__linux__) && defined(SYS_membarrier) && !defined(LFGO_TSAN)
    if (k == LFGO_CHAN_BARRIER_FENCE || env_wants_fence())
        return;
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
        /* relaxed: inside pthread_once, which orders it before every
         * later load of the flag (see the heavy barrier's load). */
        lfgo_atomic_store_at(chan_barrier_mode_set, &lfgo__chan_asym, 1u, memory_order_relaxed);
#else
    (void)k;
    (void)env_wants_fence;
#endif
}

void lfgo__chan_barrier_init(void)
{
    pthread_once(&once, setup);
}

void lfgo__chan_heavy_barrier(void)
{
#if defined(__linux__) && defined(SYS_membarrier) && !defined(LFGO_TSAN)
    /* relaxed: the mode is fixed before any channel exists (pthread_once). */
    if (lfgo_atomic_load_at(chan_barrier_mode_heavy, &lfgo__chan_asym, memory_order_relaxed)) {
        if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
            lfgo__die("lfgo_chan", "membarrier(PRIVATE_EXPEDITED) failed", errno);
        return;
    }
#endif
    lfgo_atomic_fence_at(chan_barrier_fence, memory_order_seq_cst);
}

lfgo_status lfgo_chan_set_barrier(lfgo_chan_barrier kind)
{
    if (kind != LFGO_CHAN_BARRIER_MEMBARRIER && kind != LFGO_CHAN_BARRIER_FENCE)
        return LFGO_EINVAL;
    pthread_mutex_lock(&mu);
    bool late = fixed;
    if (!late)
        requested = kind;
    pthread_mutex_unlock(&mu);
    if (late) {
        lfgo__misuse("lfgo_chan_set_barrier", "barrier kind set after the first channel");
        return LFGO_MISUSE;
    }
    return LFGO_OK;
}

lfgo_chan_barrier lfgo_chan_get_barrier(void)
{
    bool was;
    lfgo_chan_barrier k = request(false, &was);
    if (!was)
        return k;
    /* Fixed by a setup that may still be registering: pthread_once returns
     * once it has finished, and orders its store of lfgo__chan_asym before
     * this load, so relaxed reads the final value. */
    lfgo__chan_barrier_init();
    return lfgo_atomic_load_at(chan_barrier_mode_get, &lfgo__chan_asym, memory_order_relaxed)
               ? LFGO_CHAN_BARRIER_MEMBARRIER
               : LFGO_CHAN_BARRIER_FENCE;
}

/*
 * lib/chan_barrier.c - the asymmetric barrier behind the channel's
 * "publish, then check for sleepers" / "announce, then recheck" handshake.
 *
 * The fast side (a send or receive that did not wait) publishes its slot with
 * a release store and then reads the other side's eventcount.  Store-then-
 * load needs a full barrier to be ordered, and a full barrier per item costs
 * ~80-95 ns on this VM (issue 3's calibration), so the barrier is moved to
 * the side that is about to sleep:
 *  - membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) makes every running thread
 *    of the process execute a full barrier before it returns; the fast side
 *    then needs only a compiler barrier (lfgo__chan_asym == 1);
 *  - where membarrier is missing (or LFGO_CHAN_NO_MEMBARRIER is set in the
 *    environment, for measurement), both sides use a seq_cst fence
 *    (lfgo__chan_asym == 0);
 *  - under ThreadSanitizer (LFGO_TSAN), which does not model fences or
 *    membarrier, the fast side reads the eventcount with a seq_cst RMW and
 *    the sleeper announces itself with a seq_cst RMW on the same word, so
 *    the handshake is "both sides on one RMW", which TSan does model.
 * The mode is chosen once, before the first channel exists (pthread_once in
 * create/init), and never changes, so both sides always agree.
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

static void setup(void)
{
#if defined(__linux__) && defined(SYS_membarrier) && !defined(LFGO_TSAN)
    const char *off = getenv("LFGO_CHAN_NO_MEMBARRIER");
    if (off && *off && *off != '0')
        return;
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
        lfgo_atomic_store(&lfgo__chan_asym, 1u, memory_order_seq_cst);
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
    if (lfgo_atomic_load(&lfgo__chan_asym, memory_order_relaxed)) {
        if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
            lfgo__die("lfgo_chan", "membarrier(PRIVATE_EXPEDITED) failed", errno);
        return;
    }
#endif
    lfgo_atomic_fence(memory_order_seq_cst);
}

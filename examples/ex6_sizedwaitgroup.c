/*
 * ex6_sizedwaitgroup - the seed's SizedWaitGroup (remeh/sizedwaitgroup):
 * like ex5, but at most 6 tasks run at once; each task works 2 s.
 *
 *     swg := sizedwaitgroup.New(6)
 *     for i := 1; i <= 16; i++ {
 *         swg.Add()                        // blocks while 6 are running
 *         go func(thisCounter int) {
 *             defer swg.Done()
 *             log.Println("Start", thisCounter)
 *             time.Sleep(2 * time.Second)
 *         }(counter)
 *         counter++
 *     }
 *     swg.Wait()
 *
 * With lfgo_swg.  The "Start" lines come in blocks of 6 every 2 s (16 tasks:
 * at +0 s, +2 s and +4 s), and it takes about 6 s.  To show the limit holds,
 * each task also counts itself in and out of a shared atomic counter while it
 * works, and main prints the highest count seen: it never exceeds 6.
 *
 * Usage: ex6_sizedwaitgroup [work_ms]   (default 2000; tests use a few ms)
 */
#include "seed_log.h" /* first: it selects POSIX */

#include <stdint.h>

#include <lfgo/atomic.h>
#include <lfgo/swg.h>

#define LIMIT 6

static lfgo_swg swg = LFGO_SWG_INIT(LIMIT);
static long work_ms;
static LFGO_ATOMIC(int) running;     /* tasks between their start and done() */
static LFGO_ATOMIC(int) max_running; /* the highest value `running` reached */

static void count_in(void)
{
    /* relaxed: the counter needs no ordering of its own: a task's decrement
     * comes before its done(), which happens-before the add() that lets the
     * next task in, so coherence already puts that decrement before the
     * next task's increment, and the count never overstates. */
    int now = lfgo_atomic_fetch_add(&running, 1, memory_order_relaxed) + 1;
    /* relaxed: as above; the CAS loop keeps the maximum. */
    int seen = lfgo_atomic_load(&max_running, memory_order_relaxed);
    while (now > seen &&
           !lfgo_atomic_cas_weak(&max_running, &seen, now, memory_order_relaxed, memory_order_relaxed)) {
    }
}

static void *task(void *arg)
{
    int this_counter = (int)(intptr_t)arg;
    count_in();
    seed_log("Start %d", this_counter);
    seed_sleep_ms(work_ms);
    /* relaxed: see count_in. */
    lfgo_atomic_fetch_sub(&running, 1, memory_order_relaxed);
    lfgo_swg_done(&swg); /* Go's `defer swg.Done()` */
    return NULL;
}

int main(int argc, char **argv)
{
    work_ms = seed_arg_ms(argc, argv, 1, 2000);
    seed_log_start();
    int counter = 0;
    for (int i = 1; i <= 16; i++) {
        lfgo_swg_add(&swg);
        seed_go(task, (void *)(intptr_t)counter);
        counter++;
    }
    lfgo_swg_wait(&swg);
    /* relaxed: wait() returning happens-after every task's done(), which
     * comes after its updates of these counters. */
    seed_log("16 tasks ran, at most %d at once (limit %d)",
             lfgo_atomic_load(&max_running, memory_order_relaxed), LIMIT);
    seed_log_took();
    lfgo_swg_destroy(&swg);
    return 0;
}

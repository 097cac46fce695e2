/*
 * ex11_pool_sizedwaitgroup - the seed's SizedWaitGroup program (ex6) a
 * second time, as an lfgo_group with limit 6 on the pool (Go's errgroup
 * with SetLimit(6) is the same pattern):
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
 * lfgo_group_go blocks while 6 tasks are in flight, lfgo_group_wait waits for
 * all.  The tasks sleep, and a sleeping task holds its worker (lfgo/pool.h,
 * "Blocking inside a task"), so the pool gets LIMIT workers: with fewer, the
 * sleeps would run in fewer lanes than the limit allows.  Each task counts
 * itself in and out of an atomic counter; main prints the highest count,
 * which never exceeds 6.
 *
 * Usage: ex11_pool_sizedwaitgroup [work_ms]   (default 2000; tests use a few ms)
 */
#include "seed_log.h" /* first: it selects POSIX */

#include <stdint.h>

#include <lfgo/atomic.h>
#include <lfgo/pool.h>

#define LIMIT 6

static long work_ms;
static LFGO_ATOMIC(int) running;     /* tasks between their start and return */
static LFGO_ATOMIC(int) max_running; /* the highest value `running` reached */

static void count_in(void)
{
    /* relaxed: a task's decrement comes before its return, which happens-
     * before the group_go that lets the next task in (lfgo/pool.h), so
     * coherence puts it before the next task's increment. */
    int now = lfgo_atomic_fetch_add(&running, 1, memory_order_relaxed) + 1;
    /* relaxed: as above; the CAS loop keeps the maximum. */
    int seen = lfgo_atomic_load(&max_running, memory_order_relaxed);
    while (now > seen &&
           !lfgo_atomic_cas_weak(&max_running, &seen, now, memory_order_relaxed, memory_order_relaxed)) {
    }
}

static int task(void *arg)
{
    int this_counter = (int)(intptr_t)arg;
    count_in();
    seed_log("Start %d", this_counter);
    seed_sleep_ms(work_ms);
    /* relaxed: see count_in. */
    lfgo_atomic_fetch_sub(&running, 1, memory_order_relaxed);
    return 0;
}

int main(int argc, char **argv)
{
    work_ms = seed_arg_ms(argc, argv, 1, 2000);
    lfgo_pool *pool;
    lfgo_group g;
    if (lfgo_pool_create(&pool, LIMIT) != LFGO_OK || lfgo_group_init(&g, pool, LIMIT) != LFGO_OK)
        return 1;
    seed_log_start();
    int counter = 0;
    for (int i = 1; i <= 16; i++) {
        lfgo_group_go(&g, task, (void *)(intptr_t)counter);
        counter++;
    }
    int err = lfgo_group_wait(&g);
    /* relaxed: group_wait returning happens-after every task's return. */
    seed_log("16 tasks ran, at most %d at once (limit %d), error %d",
             lfgo_atomic_load(&max_running, memory_order_relaxed), LIMIT, err);
    seed_log_took();
    lfgo_group_destroy(&g);
    lfgo_pool_destroy(pool);
    return 0;
}

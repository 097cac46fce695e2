/*
 * ex11_pool_waitgroup - the seed's WaitGroup program (ex5) a second time,
 * with its goroutines on the lfgo_pool instead of one thread each:
 *
 *     var wg sync.WaitGroup
 *     for i := 1; i <= 16; i++ {
 *         wg.Add(1)
 *         go func(thisCounter int) {
 *             log.Println("Start", thisCounter)
 *             wg.Done()
 *         }(counter)
 *         counter++
 *     }
 *     wg.Wait()
 *
 * `go f(x)` is lfgo_go(pool, f, x): no thread is created per task.
 * lfgo_pool_wait waits like wg.Wait() and runs queued tasks on main while it
 * waits, so main is one of the pool's runners, as in Go.  Each value 0..15
 * is printed exactly once, then "Took".
 */
#include "seed_log.h" /* first: it selects POSIX */

#include <stdint.h>

#include <lfgo/pool.h>

static lfgo_wg wg = LFGO_WG_INIT;

static void task(void *arg)
{
    int this_counter = (int)(intptr_t)arg;
    seed_log("Start %d", this_counter);
    lfgo_wg_done(&wg);
}

int main(void)
{
    lfgo_pool *pool;
    if (lfgo_pool_create(&pool, 0) != LFGO_OK)
        return 1;
    seed_log_start();
    int counter = 0;
    for (int i = 1; i <= 16; i++) {
        lfgo_wg_add(&wg, 1);
        lfgo_go(pool, task, (void *)(intptr_t)counter);
        counter++;
    }
    lfgo_pool_wait(pool, &wg);
    seed_log_took();
    lfgo_pool_destroy(pool);
    return 0;
}

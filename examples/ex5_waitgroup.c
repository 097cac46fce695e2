/*
 * ex5_waitgroup - the seed's WaitGroup: instead of sleeping, main counts
 * each task in before starting it and waits until every task has counted
 * itself out.
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
 * With lfgo_wg.  The program ends right after the last task: every value
 * 0..15 is printed exactly once, then "Took" (microseconds, not 2 s).
 * lfgo_wg_wait returning happens-after every task's lfgo_wg_done, so the
 * tasks' output is complete when main logs "Took".  The WaitGroup is static
 * (LFGO_WG_INIT), so it outlives every thread that touches it.
 */
#include "seed_log.h" /* first: it selects POSIX */

#include <stdint.h>

#include <lfgo/wg.h>

static lfgo_wg wg = LFGO_WG_INIT;

static void *task(void *arg)
{
    int this_counter = (int)(intptr_t)arg;
    seed_log("Start %d", this_counter);
    lfgo_wg_done(&wg);
    return NULL;
}

int main(void)
{
    seed_log_start();
    int counter = 0;
    for (int i = 1; i <= 16; i++) {
        lfgo_wg_add(&wg, 1);
        seed_go(task, (void *)(intptr_t)counter);
        counter++;
    }
    lfgo_wg_wait(&wg);
    seed_log_took();
    return 0;
}

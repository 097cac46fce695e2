/*
 * ex3_sleep_wait - the seed's naive wait: the goroutines of ex2, and main
 * sleeps 2 s hoping they finish by then (`time.Sleep(2 * time.Second)`).
 *
 *     for i := 1; i <= 16; i++ {
 *         go func() {
 *             log.Println("Start", counter)
 *             counter++
 *         }()
 *     }
 *     time.Sleep(2 * time.Second)
 *
 * It prints the 16 "Start" lines, nearly all showing 0 (each goroutine reads
 * counter before the others' increments land), at about +0 s, then nothing
 * until "Took 2.0...s": the two problems the seed names, a counter that does
 * not update properly and idle time.  The shared counter is a real data race,
 * exactly as in the Go program; ex4_race makes it visible and ex4_race_fixed
 * removes it.  Under ThreadSanitizer this program is reported too.
 *
 * Usage: ex3_sleep_wait [wait_ms]   (default 2000)
 */
#include "seed_log.h"

static int counter; /* shared by every thread without synchronisation: racy */

static void *task(void *arg)
{
    (void)arg;
    seed_log("Start %d", counter);
    counter++;
    return NULL;
}

int main(int argc, char **argv)
{
    long wait_ms = seed_arg_ms(argc, argv, 1, 2000);
    seed_log_start();
    for (int i = 1; i <= 16; i++)
        seed_go(task, NULL);
    seed_sleep_ms(wait_ms); /* the naive wait */
    seed_log_took();
    return 0;
}

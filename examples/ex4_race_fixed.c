/*
 * ex4_race_fixed - the seed's first fix of the race: main does the counting,
 * and each goroutine gets a copy of the value as its parameter.
 *
 *     for i := 1; i <= 16; i++ {
 *         go func(thisCounter int) {
 *             log.Println("Start", thisCounter)
 *         }(counter)
 *         counter++
 *     }
 *     time.Sleep(2 * time.Second)
 *
 * In C the copy travels in pthread_create's argument, and thread creation
 * orders main's write of it before the thread's read: no shared variable is
 * left, and ThreadSanitizer is silent.  Every value 0..15 is printed exactly
 * once, in whatever order the threads run.  The wait is still the naive
 * sleep; ex5_waitgroup fixes that.
 *
 * Usage: ex4_race_fixed [wait_ms]   (default 2000)
 */
#include "seed_log.h" /* first: it selects POSIX */

#include <stdint.h>

static void *task(void *arg)
{
    int this_counter = (int)(intptr_t)arg; /* the copy */
    seed_log("Start %d", this_counter);
    return NULL;
}

int main(int argc, char **argv)
{
    long wait_ms = seed_arg_ms(argc, argv, 1, 2000);
    seed_log_start();
    int counter = 0;
    for (int i = 1; i <= 16; i++) {
        seed_go(task, (void *)(intptr_t)counter);
        counter++;
    }
    seed_sleep_ms(wait_ms);
    seed_log_took();
    return 0;
}

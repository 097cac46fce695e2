/*
 * ex4_race - the seed's data race, made visible.  The seed runs ex3 several
 * times until one goroutine reports an 11: all sixteen share `counter`, read
 * it, print it and increment it with no synchronisation, so what one reads
 * depends on how far the others have got, and increments get lost.
 *
 * This is that goroutine body with the read and the write of the increment
 * pulled apart around the print (`v := counter; log.Println("Start", v);
 * counter = v + 1`), which is what `counter++` after a print amounts to when
 * threads interleave: several threads print the same value and overwrite each
 * other's increments.  main then reports how many of the 16 increments
 * survived.  It is a data race (undefined behaviour in C as in Go); the
 * tsan preset's test expects "WARNING: ThreadSanitizer: data race", the C
 * counterpart of `go run -race`.
 *
 * Usage: ex4_race [wait_ms]   (default 2000)
 */
#include "seed_log.h"

static int counter; /* shared without synchronisation: the race */

static void *task(void *arg)
{
    (void)arg;
    int v = counter; /* racy read ... */
    seed_log("Start %d", v);
    counter = v + 1; /* ... racy write: another thread's increment may be lost */
    return NULL;
}

int main(int argc, char **argv)
{
    long wait_ms = seed_arg_ms(argc, argv, 1, 2000);
    seed_log_start();
    for (int i = 1; i <= 16; i++)
        seed_go(task, NULL);
    seed_sleep_ms(wait_ms);
    /* Racy too (no synchronisation with the threads): that is the point. */
    seed_log("counter = %d after 16 increments%s", counter,
             counter == 16 ? "" : ": increments were lost to the race");
    seed_log_took();
    return 0;
}

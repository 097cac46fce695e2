/*
 * ex2_goroutines_nowait - the seed's second step: the loop body moves into a
 * goroutine (`go func() { log.Println("Start", counter); counter++ }()`),
 * and main does not wait for them.  In Go the program ends when main returns,
 * so the goroutines are cut off before they print: it prints no "Start" line,
 * only the (now tiny) time it took.
 *
 * C works the same way: returning from main calls exit(), which ends every
 * thread.  In Go the goroutines have usually not been scheduled yet when main
 * returns; to make that deterministic here (a thread may well start at once,
 * and ThreadSanitizer even lets threads run for a second after main returns),
 * each thread first passes a start gate that main holds for as long as it
 * runs and never opens: the threads are created, but main ends first.  They
 * are detached and never joined, like goroutines.
 */
#include "seed_log.h"

static int counter; /* what the tasks would print (see ex3 and ex4): never reached */
static pthread_mutex_t not_yet_scheduled = PTHREAD_MUTEX_INITIALIZER;

static void *task(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&not_yet_scheduled); /* main holds it until it is gone */
    seed_log("Start %d", counter);
    counter++;
    pthread_mutex_unlock(&not_yet_scheduled);
    return NULL;
}

int main(void)
{
    seed_log_start();
    pthread_mutex_lock(&not_yet_scheduled);
    for (int i = 1; i <= 16; i++)
        seed_go(task, NULL);
    seed_log_took();
    return 0; /* exit() ends the 16 threads before they print */
}

/*
 * ex8_slice_race - the seed's two goroutines appending to one slice without
 * a lock, in C: two threads append to a shared array and bump its length
 * with a plain, unsynchronised `len++`.  This is a data race (undefined
 * behaviour); appends get lost, and ThreadSanitizer reports it (the tsan
 * preset's test expects "WARNING: ThreadSanitizer: data race").
 * The storage is preallocated, so the lost updates never write out of bounds.
 * The fix is ex8_slice_mutex.
 */
#include <pthread.h>
#include <stdio.h>

#define PER_THREAD 100000

static int slice[2 * PER_THREAD];
static volatile long len; /* volatile keeps the racy read-modify-write in the loop */

static void *appender(void *arg)
{
    int base = *(int *)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        long at = len;         /* racy read ... */
        slice[at] = base + i;
        len = at + 1;          /* ... racy write: the other thread's append may be lost */
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    int base[2] = {0, PER_THREAD};
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, appender, &base[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("len = %ld (expected %d)%s\n", len, 2 * PER_THREAD,
           len == 2 * PER_THREAD ? "" : ": appends were lost to the race");
    return 0;
}

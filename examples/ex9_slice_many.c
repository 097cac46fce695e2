/*
 * ex9_slice_many - the seed's many-goroutines version: T threads each append
 * their own values to one slice under lfgo's mutex; afterwards every value
 * must be present exactly once.
 *     ex9_slice_many [threads] [values-per-thread]     (default 100 1000)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <lfgo/mutex.h>

static int *slice;
static long len;
static lfgo_mutex mu = LFGO_MUTEX_INIT;
static long per_thread = 1000;

static void *appender(void *arg)
{
    long base = (long)(intptr_t)arg * per_thread;
    for (long i = 0; i < per_thread; i++) {
        lfgo_mutex_lock(&mu);
        slice[len++] = (int)(base + i);
        lfgo_mutex_unlock(&mu);
    }
    return NULL;
}

static long count_bad(long total)
{
    unsigned char *seen = calloc((size_t)total, 1);
    long bad = seen ? 0 : total;
    for (long i = 0; seen && i < len; i++) {
        if (slice[i] < 0 || slice[i] >= total || seen[slice[i]]++)
            bad++;
    }
    for (long v = 0; seen && v < total; v++)
        bad += !seen[v];
    free(seen);
    return bad;
}

int main(int argc, char **argv)
{
    long threads = argc > 1 ? atol(argv[1]) : 100;
    per_thread = argc > 2 ? atol(argv[2]) : 1000;
    if (threads < 1 || per_thread < 1)
        return 2;
    long total = threads * per_thread;
    slice = malloc((size_t)total * sizeof *slice);
    pthread_t *t = malloc((size_t)threads * sizeof *t);
    if (!slice || !t)
        return 2;
    for (long i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, appender, (void *)(intptr_t)i);
    for (long i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    long bad = count_bad(total);
    if (bad == 0)
        printf("all %ld values present exactly once\n", total);
    else
        printf("%ld values missing or duplicated\n", bad);
    free(t);
    free(slice);
    return bad == 0 ? 0 : 1;
}

/*
 * ex8_slice_mutex - ex8_slice_race fixed with lfgo's mutex: the append and
 * the length update happen inside lfgo_mutex_lock/unlock, so no append is
 * lost and ThreadSanitizer is silent.  Exit status 0 iff len == 2 * N.
 */
#include <pthread.h>
#include <stdio.h>

#include <lfgo/mutex.h>

#define PER_THREAD 100000

static int slice[2 * PER_THREAD];
static long len;
static lfgo_mutex mu = LFGO_MUTEX_INIT;

static void *appender(void *arg)
{
    int base = *(int *)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        lfgo_mutex_lock(&mu);
        slice[len++] = base + i;
        lfgo_mutex_unlock(&mu);
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
    printf("len = %ld (expected %d)\n", len, 2 * PER_THREAD);
    return len == 2 * PER_THREAD ? 0 : 1;
}

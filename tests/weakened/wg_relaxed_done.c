/*
 * A test that must fail: lfgo_wg_add/done compiled (inline, LFGO_INLINE)
 * with a relaxed fetch_add instead of release.  Then a task's plain write
 * before done() is no longer ordered before the return of wait(), and
 * ThreadSanitizer must say so.  The ctest test (tsan preset only) passes when
 * TSan reports the data race, which shows both that the release in
 * lfgo/wg.h is needed and that the suite would notice if it were weakened.
 * Built without LFGO_TEST_WEAKEN the same program is the control: TSan must
 * stay silent (with release, not acq_rel: the release-sequence argument of
 * docs/memory-ordering.md, "WaitGroup").
 */
#define LFGO_INLINE 1
#if LFGO_TEST_WEAKEN
#define LFGO__WG_ADD_ORDER memory_order_relaxed
#endif
#include <lfgo/wg.h>
#include <pthread.h>
#include <stdio.h>

enum { TASKS = 4, ROUNDS = 200 };

static lfgo_wg wg = LFGO_WG_INIT;
static long data[TASKS];

static void *task(void *arg)
{
    long i = (long)arg;
    data[i] += i + 1; /* plain write, published only by done() */
    lfgo_wg_done(&wg);
    return NULL;
}

int main(void)
{
    long sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_t t[TASKS];
        lfgo_wg_add(&wg, TASKS);
        for (long i = 0; i < TASKS; i++)
            pthread_create(&t[i], NULL, task, (void *)i);
        lfgo_wg_wait(&wg);
        for (int i = 0; i < TASKS; i++)
            sum += data[i]; /* races with the writes unless done() releases */
        for (int i = 0; i < TASKS; i++)
            pthread_join(t[i], NULL);
    }
    printf("sum %ld\n", sum);
    return 0;
}

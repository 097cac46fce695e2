/*
 * ex10_batcher - the seed's final program: producers add items with random
 * pauses to a batcher that "dumps" a batch when it holds N items or T after
 * its first item arrived.
 *
 *     ex10_batcher [-n N] [-t T_ms] [-p producers] [-i items] [-s max_sleep_ms]
 *
 * Defaults are the seed's: N = 10, T = 5000 ms, 2 producers, random sleeps
 * of up to 1000 ms, and items = 0, which means run until interrupted, as the
 * seed (which never stops on its own).  The way to end it: Ctrl-C (SIGINT)
 * or SIGTERM, or -i items per producer.  Either way lfgo_batch_close()
 * then flushes what is left, and the program prints a summary; nothing that
 * was added is lost.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lfgo/batch.h>

static volatile sig_atomic_t interrupted;
static long items_per_producer, max_sleep_ms = 1000;
static lfgo_batch *batcher;
static long dumped; /* only the flusher thread touches it until close() */

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void dump(void *user, const void *items, size_t n)
{
    (void)user;
    const long *v = items;
    printf("dump: %zu items [", n);
    for (size_t i = 0; i < n; i++)
        printf(i ? " %ld" : "%ld", v[i]);
    printf("]\n");
    fflush(stdout);
    dumped += (long)n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void *producer(void *arg)
{
    long id = (long)(intptr_t)arg, added = 0;
    unsigned seed = (unsigned)id * 7919u + 1u;
    for (long i = 0; !interrupted && (items_per_producer == 0 || i < items_per_producer); i++) {
        long item = id * 1000000 + i;
        if (lfgo_batch_add(batcher, &item) != LFGO_OK)
            break;
        added++;
        if (max_sleep_ms > 0)
            sleep_ms((long)(rand_r(&seed) % (unsigned)(max_sleep_ms + 1)));
    }
    return (void *)(intptr_t)added;
}

int main(int argc, char **argv)
{
    long n = 10, t_ms = 5000, producers = 2;
    int opt;
    while ((opt = getopt(argc, argv, "n:t:p:i:s:")) != -1) {
        long v = atol(optarg);
        switch (opt) {
        case 'n': n = v; break;
        case 't': t_ms = v; break;
        case 'p': producers = v; break;
        case 'i': items_per_producer = v; break;
        case 's': max_sleep_ms = v; break;
        default:
            fprintf(stderr, "usage: %s [-n N] [-t T_ms] [-p producers] [-i items] [-s max_sleep_ms]\n", argv[0]);
            return 2;
        }
    }
    if (producers < 1 || producers > 1000)
        return 2;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    lfgo_batch_config cfg = {sizeof(long), (size_t)(n > 0 ? n : 0), t_ms * 1000000, dump, NULL,
                             LFGO_BATCH_BLOCK, 0};
    lfgo_status st = lfgo_batch_create(&batcher, &cfg);
    if (st != LFGO_OK) {
        fprintf(stderr, "lfgo_batch_create: %s\n", lfgo_status_str(st));
        return 1;
    }
    pthread_t th[1000];
    for (long i = 0; i < producers; i++)
        pthread_create(&th[i], NULL, producer, (void *)(intptr_t)i);
    long added = 0;
    for (long i = 0; i < producers; i++) {
        void *r;
        pthread_join(th[i], &r);
        added += (long)(intptr_t)r;
    }
    lfgo_batch_close(batcher); /* flushes the rest; returns after the last dump */
    lfgo_batch_stats s;
    lfgo_batch_get_stats(batcher, &s);
    printf("dumped %ld of %ld items in %llu batches (size %llu, deadline %llu, close %llu), "
           "max delay %.1f ms\n", dumped, added, (unsigned long long)s.batches,
           (unsigned long long)s.flushes_size, (unsigned long long)s.flushes_deadline,
           (unsigned long long)s.flushes_close, (double)s.max_delay_ns / 1e6);
    lfgo_batch_destroy(batcher);
    printf(dumped == added ? "nothing lost\n" : "ITEMS LOST\n");
    return dumped == added ? 0 : 1;
}

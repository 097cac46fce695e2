/*
 * ex7_channel_sum - the seed's channel example on an unbuffered lfgo channel:
 * two threads each send 1 eight times with a pause between sends; main
 * receives 16 values and sums them.
 *
 *     ex7_channel_sum [pause_ms]      (default 100, as in the seed)
 */
#define _POSIX_C_SOURCE 200809L
#include <lfgo/chan.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long pause_ms = 100;

static void *worker(void *arg)
{
    lfgo_chan *ch = arg;
    for (int i = 0; i < 8; i++) {
        int one = 1;
        if (lfgo_chan_send(ch, &one) != LFGO_OK)
            return NULL;
        struct timespec ts = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        pause_ms = atol(argv[1]);
    lfgo_chan *ch;
    if (lfgo_chan_create(&ch, sizeof(int), 0, LFGO_CHAN_MPSC) != LFGO_OK)
        return 1;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, ch);
    int sum = 0;
    for (int i = 0; i < 16; i++) {
        int v;
        if (lfgo_chan_recv(ch, &v) != LFGO_OK)
            return 1;
        sum += v;
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    lfgo_chan_destroy(ch);
    printf("sum = %d\n", sum);
    return sum == 16 ? 0 : 1;
}

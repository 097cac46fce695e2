/*
 * ex11_pool_channel_sum - the seed's channel program (ex7) a second time,
 * with its two goroutines on the lfgo_pool: each sends 1 eight times on an
 * unbuffered channel with a pause between sends; main receives 16 values
 * and sums them.
 *
 * A send on an unbuffered channel blocks its worker until main receives
 * (lfgo/pool.h, "Blocking inside a task"), so the pool has one worker per
 * sender; main does not help here, it receives.
 *
 *     ex11_pool_channel_sum [pause_ms]      (default 100, as in the seed)
 */
#define _POSIX_C_SOURCE 200809L
#include <lfgo/chan.h>
#include <lfgo/pool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long pause_ms = 100;

static void sender(void *arg)
{
    lfgo_chan *ch = arg;
    for (int i = 0; i < 8; i++) {
        int one = 1;
        if (lfgo_chan_send(ch, &one) != LFGO_OK)
            return;
        struct timespec ts = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        pause_ms = atol(argv[1]);
    lfgo_chan *ch;
    lfgo_pool *pool;
    if (lfgo_chan_create(&ch, sizeof(int), 0, LFGO_CHAN_MPSC) != LFGO_OK || lfgo_pool_create(&pool, 2) != LFGO_OK)
        return 1;
    lfgo_go(pool, sender, ch);
    lfgo_go(pool, sender, ch);
    int sum = 0;
    for (int i = 0; i < 16; i++) {
        int v;
        if (lfgo_chan_recv(ch, &v) != LFGO_OK)
            return 1;
        sum += v;
    }
    lfgo_pool_destroy(pool); /* both senders have returned after this */
    lfgo_chan_destroy(ch);
    printf("sum = %d\n", sum);
    return sum == 16 ? 0 : 1;
}

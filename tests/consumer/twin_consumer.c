/* A program built against an installed lfgo-twin (find_package component
 * twin, or pkg-config lfgo-twin): the twin library and lfgo side by side. */
#include <lfgo/lfgo.h>
#include <lfgo/twin/twin.h>
#include <stdio.h>

int main(void)
{
    lfgo_twin_wg wg;
    lfgo_twin_wg_init(&wg);
    lfgo_twin_wg_add(&wg, 1);
    lfgo_twin_wg_done(&wg);
    lfgo_twin_wg_wait(&wg);
    lfgo_twin_wg_destroy(&wg);
    lfgo_twin_chan *ch = NULL;
    int v = 7, out = 0;
    if (lfgo_twin_chan_create(&ch, sizeof v, 1, LFGO_CHAN_MPMC) != LFGO_OK || lfgo_twin_chan_send(ch, &v) != LFGO_OK ||
        lfgo_twin_chan_recv(ch, &out) != LFGO_OK || out != 7)
        return 1;
    lfgo_twin_chan_destroy(ch);
    if (lfgo_version() != LFGO_VERSION_NUMBER)
        return 1;
    puts("twin_consumer: ok");
    return 0;
}

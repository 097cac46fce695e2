/* A program built against an installed lfgo (find_package or pkg-config). */
#include <lfgo/lfgo.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    lfgo_wg wg = LFGO_WG_INIT;
    lfgo_wg_add(&wg, 1);
    lfgo_wg_done(&wg);
    lfgo_wg_wait(&wg);
    if (strcmp(lfgo_status_str(LFGO_TIMEOUT), "LFGO_TIMEOUT") != 0)
        return 1;
    puts("consumer: ok");
    return 0;
}

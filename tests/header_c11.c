/* The umbrella header compiles as strict C11 with every warning, and the
 * fast paths it inlines link against the library. */
#include <lfgo/lfgo.h>
#include <stdio.h>

int main(void)
{
    lfgo_wg wg = LFGO_WG_INIT;
    lfgo_wg_add(&wg, 2);
    lfgo_wg_done(&wg);
    lfgo_wg_done(&wg);
    if (lfgo_wg_try_wait(&wg) != LFGO_OK)
        return 1;
    puts("header_c11: ok");
    return 0;
}

/* bench/wg/acq_rel.h - the C API of bench/wg/acq_rel.c. */
#pragma once
#include <stdint.h>

#include "lfgo/wg.h"
#ifdef __cplusplus
extern "C" {
#endif
void bench_wg_add_acq_rel(lfgo_wg *wg, int64_t delta);
void bench_wg_done_acq_rel(lfgo_wg *wg);
#ifdef __cplusplus
}
#endif

/* bench/wg/acq_rel.c - lfgo's WaitGroup add/done with the order they had
 * before 0.1: the fetch_add acq_rel instead of release (issue 10 part 5).
 * It is the library's own fast path, lfgo__wg_add_inline from lfgo/wg.h,
 * compiled here with LFGO__WG_ADD_ORDER (the header's hook for that one
 * order) set to acq_rel, and called out of line exactly as lib/wg.c's
 * exported lfgo_wg_add and lfgo_wg_done call it: the rows
 * wg_add_done/lfgo_acq_rel and forkjoin_2w/lfgo_acq_rel differ from the
 * lfgo rows in that one order only.  bench/CMakeLists.txt compiles this
 * file only while wg.h still has the hook (LFGO_BENCH_HAVE_WG_ORDER). */
#define LFGO_INLINE 1
#define LFGO__WG_ADD_ORDER memory_order_acq_rel
#include "wg/acq_rel.h"

void bench_wg_add_acq_rel(lfgo_wg *wg, int64_t delta)
{
    lfgo__wg_add_inline(wg, delta);
}

void bench_wg_done_acq_rel(lfgo_wg *wg)
{
    lfgo__wg_add_inline(wg, -1);
}

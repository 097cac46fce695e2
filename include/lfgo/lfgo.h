/*
 * lfgo/lfgo.h - the umbrella header: every lfgo primitive (link lfgo::lfgo,
 * pkg-config lfgo).  Compiles as C11 and as C++17 (extern "C").  The
 * lock-based twins are a separate library: lfgo/twin/twin.h.  C++ users may
 * prefer lfgo/lfgo.hpp (RAII owners, a typed channel).
 *
 * Define LFGO_INLINE before including it to inline the WaitGroup,
 * SizedWaitGroup and mutex fast paths (docs/abi.md says what that costs).
 */
#ifndef LFGO_LFGO_H
#define LFGO_LFGO_H

#include "lfgo/version.h"
#include "lfgo/common.h"
#include "lfgo/wg.h"
#include "lfgo/swg.h"
#include "lfgo/chan.h"
#include "lfgo/mutex.h"
#include "lfgo/batch.h"
#include "lfgo/pool.h"

#endif /* LFGO_LFGO_H */

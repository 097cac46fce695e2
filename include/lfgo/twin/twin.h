/*
 * lfgo/twin/twin.h - every lock-based twin (lfgo_twin_*): the same API shape
 * as lfgo's primitives, on pthread mutexes and condition variables, for
 * comparison and as a reference.  A library of its own: link lfgo::twin
 * (CMake: find_package(lfgo COMPONENTS twin)) or pkg-config lfgo-twin.  It
 * links liblfgo (it shares lfgo's status codes and misuse handler).
 */
#ifndef LFGO_TWIN_TWIN_H
#define LFGO_TWIN_TWIN_H

#include "lfgo/twin/wg.h"
#include "lfgo/twin/swg.h"
#include "lfgo/twin/chan.h"
#include "lfgo/twin/mutex.h"
#include "lfgo/twin/batch.h"
#include "lfgo/twin/pool.h"

#endif /* LFGO_TWIN_TWIN_H */

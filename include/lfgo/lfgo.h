/*
 * lfgo/lfgo.h - the umbrella header: every lfgo primitive and its
 * lock-based twin.  Compiles as C11 and as C++17 (extern "C").
 */
#ifndef LFGO_LFGO_H
#define LFGO_LFGO_H

#include "lfgo/common.h"
#include "lfgo/wg.h"
#include "lfgo/twin/wg.h"
#include "lfgo/swg.h"
#include "lfgo/twin/swg.h"
#include "lfgo/chan.h"
#include "lfgo/twin/chan.h"
#include "lfgo/mutex.h"
#include "lfgo/twin/mutex.h"
#include "lfgo/batch.h"
#include "lfgo/twin/batch.h"

#endif /* LFGO_LFGO_H */

/*
 * lfgo/version.h - the version of the lfgo headers.
 *
 * lfgo follows semantic versioning (docs/abi.md): MAJOR changes with every
 * incompatible change of the API or of the ABI of the default build (and
 * with it the shared library's SONAME, liblfgo.so.MAJOR; while MAJOR is 0
 * the SONAME is bumped on every incompatible release), MINOR with compatible
 * additions, PATCH with fixes.  These numbers are written here and checked
 * against the CMake project version at configure time.
 */
#ifndef LFGO_VERSION_H
#define LFGO_VERSION_H

#include "lfgo/export.h"

#define LFGO_VERSION_MAJOR 0
#define LFGO_VERSION_MINOR 2
#define LFGO_VERSION_PATCH 0

/* MAJOR * 10000 + MINOR * 100 + PATCH, e.g. 100 for 0.1.0. */
#define LFGO_VERSION_NUMBER (LFGO_VERSION_MAJOR * 10000 + LFGO_VERSION_MINOR * 100 + LFGO_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library actually linked, as LFGO_VERSION_NUMBER: a
 * program may compare it with the LFGO_VERSION_NUMBER it was compiled
 * against (a program built with LFGO_INLINE must see them equal). */
LFGO_API int lfgo_version(void);

#ifdef __cplusplus
}
#endif

#endif /* LFGO_VERSION_H */

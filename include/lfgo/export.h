/*
 * lfgo/export.h - symbol visibility.  The library is built with
 * -fvisibility=hidden; only declarations marked LFGO_API are exported.
 */
#ifndef LFGO_EXPORT_H
#define LFGO_EXPORT_H

#if defined(_WIN32) && !defined(LFGO_STATIC)
#if defined(LFGO_BUILDING)
#define LFGO_API __declspec(dllexport)
#else
#define LFGO_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define LFGO_API __attribute__((visibility("default")))
#else
#define LFGO_API
#endif

#endif /* LFGO_EXPORT_H */

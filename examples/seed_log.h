/*
 * examples/seed_log.h - the little runtime the seed examples share: Go's
 * log.Println, time.Since, time.Sleep and the `go` statement, in C.
 *
 * Go's log package stamps each line with the wall-clock time; these programs
 * stamp it with the time since the program started ("+2.001s Start 3"), which
 * shows the same thing (what ran when) and compares across runs.  Each line
 * is one printf call, and stdio locks the stream per call, so lines from
 * different threads never interleave.
 */
#ifndef SEED_LOG_H
#define SEED_LOG_H

/* The examples build as strict C11; clock_gettime and nanosleep are POSIX.
 * Include this header first. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct timespec seed_start; /* written by main before any thread starts */

/* time.Now() at the top of main. */
static inline void seed_log_start(void)
{
    clock_gettime(CLOCK_MONOTONIC, &seed_start);
}

/* Seconds since seed_log_start. */
static inline double seed_elapsed(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - seed_start.tv_sec) + (double)(t.tv_nsec - seed_start.tv_nsec) / 1e9;
}

/* log.Println: one stamped line. */
static inline void seed_log(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    printf("+%.6fs %s\n", seed_elapsed(), msg);
}

/* log.Printf("Took %s", time.Since(start)), with Go's duration units. */
static inline void seed_log_took(void)
{
    double s = seed_elapsed();
    if (s < 1e-3)
        seed_log("Took %.3fus", s * 1e6);
    else if (s < 1.0)
        seed_log("Took %.3fms", s * 1e3);
    else
        seed_log("Took %.3fs", s);
}

/* time.Sleep(ms * time.Millisecond). */
static inline void seed_sleep_ms(long ms)
{
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {
    }
}

/* argv[i] as a count of milliseconds, or `dflt` if absent; exits on junk. */
static inline long seed_arg_ms(int argc, char **argv, int i, long dflt)
{
    if (argc <= i)
        return dflt;
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*argv[i] == '\0' || *end != '\0' || v < 0) {
        fprintf(stderr, "%s: argument %d: expected milliseconds, got '%s'\n", argv[0], i, argv[i]);
        exit(2);
    }
    return v;
}

/* The `go` statement: runs fn(arg) on a new detached thread. */
static inline void seed_go(void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "pthread_create: %s\n", strerror(rc));
        exit(1);
    }
}

#endif /* SEED_LOG_H */

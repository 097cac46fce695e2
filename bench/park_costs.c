/*
 * bench/park_costs.c - what spinning, yielding and parking cost on this
 * machine: the measurements behind the spin budget (docs/design.md, "Spin
 * budget", and lib/spin_time.c).
 *
 *     build/bench/bench/park_costs            a table on stdout
 *     build/bench/bench/park_costs --csv F    also rows for the report in F
 *
 * Each figure is measured REPS times; the table shows median, min and max.
 * Two of the figures pin threads to one CPU on purpose (to force "threads
 * outnumber cores"); everything else lets the scheduler place threads.
 *
 * Figures (all in ns):
 *  pause            one PAUSE (lfgo_cpu_relax)
 *  spin_rounds_R    the PAUSE phase of lfgo__spin's backoff for R rounds
 *                   (1, 2, 4, ... up to 32 PAUSEs per round), for several R
 *  spin_budget      one whole lfgo__spin budget (pauses, then yields), alone
 *  spin_budget_busy the same with a CPU-bound thread pinned to the same CPU
 *  yield_alone      sched_yield() with nothing else runnable on the CPU
 *  yield_pair       sched_yield() when two yielding threads share one CPU
 *                   (each call is a context switch)
 *  yield_busy       sched_yield() sharing a CPU with a CPU-bound thread:
 *                   how long until the yielder runs again
 *  wake_nobody      FUTEX_WAKE (lfgo__park_wake_one) with nobody asleep
 *  futex_rtt        a round trip through two parked threads: A wakes B and
 *                   parks, B wakes A and parks (two sleeps, two wakes)
 *  wake_to_run      from just before FUTEX_WAKE to the parked thread running
 *  spin_rtt_start   the calibration row, measured first and again last
 *  spin_rtt_end     (spin_rtt_end): a bare C11 spin handoff round trip
 *                   (fast VM state ~105-160, slow ~480-625)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_setaffinity_np */
#endif
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "park.h"

#define REPS 7

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static FILE *csv;

/* Prints one figure (median, min, max over REPS samples, sorted in place). */
static void report(const char *name, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    printf("%-22s %12.1f %12.1f %12.1f\n", name, v[n / 2], v[0], v[n - 1]);
    if (csv)
        fprintf(csv, "park.%s,sys,%.3f,%.3f,%.3f,ns\n", name, v[n / 2], v[0], v[n - 1]);
    fflush(stdout);
}

static int pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void unpin_self(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < CPU_SETSIZE; i++)
        CPU_SET(i, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* ------------------------------------------------------------ PAUSE */

static void fig_pause(void)
{
    double v[REPS];
    const int n = 200000;
    for (int r = 0; r < REPS; r++) {
        double t0 = now_ns();
        for (int i = 0; i < n; i++)
            lfgo_cpu_relax();
        v[r] = (now_ns() - t0) / n;
    }
    report("pause", v, REPS);
}

/* lfgo__spin's PAUSE phase for `rounds` rounds: 1, 2, 4, ... 32, 32, ... */
static void pause_rounds(unsigned rounds)
{
    for (unsigned r = 0; r < rounds; r++) {
        unsigned n = 1u << (r < 5 ? r : 5);
        for (unsigned i = 0; i < n; i++)
            lfgo_cpu_relax();
    }
}

static void fig_spin_rounds(void)
{
    static const unsigned rounds[] = {6, 12, 24, 48, 96, 192};
    for (size_t k = 0; k < sizeof rounds / sizeof rounds[0]; k++) {
        double v[REPS];
        for (int r = 0; r < REPS; r++) {
            double t0 = now_ns();
            for (int i = 0; i < 100; i++)
                pause_rounds(rounds[k]);
            v[r] = (now_ns() - t0) / 100;
        }
        char name[32];
        snprintf(name, sizeof name, "spin_rounds_%u", rounds[k]);
        report(name, v, REPS);
    }
}

/* One whole lfgo__spin budget, as a waiter that never sees its condition. */
static double one_budget(void)
{
    lfgo__spinner s = LFGO__SPINNER_INIT;
    double t0 = now_ns();
    while (lfgo__spin(&s))
        ;
    return now_ns() - t0;
}

/* ------------------------------------------------------- a busy CPU */

/* A CPU-bound thread pinned to CPU 0 until `stop` is set. */
struct busy {
    pthread_t th;
    lfgo__word stop;
    lfgo__word running;
};

static void *busy_main(void *arg)
{
    struct busy *b = arg;
    pin_self(0);
    /* relaxed: a start flag; nothing else is published through it. */
    lfgo_atomic_store(&b->running, 1, memory_order_relaxed);
    /* relaxed: the stop flag carries no data. */
    while (!lfgo_atomic_load(&b->stop, memory_order_relaxed))
        lfgo_compiler_barrier();
    return NULL;
}

static void busy_start(struct busy *b)
{
    memset(b, 0, sizeof *b);
    pthread_create(&b->th, NULL, busy_main, b);
    /* relaxed: see busy_main. */
    while (!lfgo_atomic_load(&b->running, memory_order_relaxed))
        sched_yield();
}

static void busy_stop(struct busy *b)
{
    /* relaxed: see busy_main; join orders the rest. */
    lfgo_atomic_store(&b->stop, 1, memory_order_relaxed);
    pthread_join(b->th, NULL);
}

static void fig_spin_budget(void)
{
    double v[REPS];
    for (int r = 0; r < REPS; r++)
        v[r] = one_budget();
    report("spin_budget", v, REPS);
    struct busy b;
    busy_start(&b);
    if (pin_self(0) == 0) {
        for (int r = 0; r < REPS; r++)
            v[r] = one_budget();
        report("spin_budget_busy", v, REPS);
    }
    unpin_self();
    busy_stop(&b);
}

/* ------------------------------------------------------------ yield */

static double yields(int n)
{
    double t0 = now_ns();
    for (int i = 0; i < n; i++)
        sched_yield();
    return (now_ns() - t0) / n;
}

static void *yielder_main(void *arg)
{
    lfgo__word *stop = arg;
    pin_self(0);
    /* relaxed: the stop flag carries no data. */
    while (!lfgo_atomic_load(stop, memory_order_relaxed))
        sched_yield();
    return NULL;
}

static void fig_yield(void)
{
    double v[REPS];
    pin_self(1);
    for (int r = 0; r < REPS; r++)
        v[r] = yields(20000);
    report("yield_alone", v, REPS);
    lfgo__word stop = 0;
    pthread_t th;
    pthread_create(&th, NULL, yielder_main, &stop);
    pin_self(0);
    for (int r = 0; r < REPS; r++)
        v[r] = yields(20000);
    report("yield_pair", v, REPS);
    /* relaxed: see yielder_main; join orders the rest. */
    lfgo_atomic_store(&stop, 1, memory_order_relaxed);
    pthread_join(th, NULL);
    struct busy b;
    busy_start(&b);
    for (int r = 0; r < REPS; r++)
        v[r] = yields(20);
    report("yield_busy", v, REPS);
    busy_stop(&b);
    unpin_self();
}

/* ------------------------------------------------------------ futex */

static void fig_wake_nobody(void)
{
    double v[REPS];
    lfgo__word w = 0;
    const int n = 20000;
    for (int r = 0; r < REPS; r++) {
        double t0 = now_ns();
        for (int i = 0; i < n; i++)
            lfgo__park_wake_one(&w);
        v[r] = (now_ns() - t0) / n;
    }
    report("wake_nobody", v, REPS);
}

/* Two threads hand a turn back and forth; each parks until it is its turn.
 * turn is even: A's turn; odd: B's turn. */
struct pingpong {
    lfgo__word turn;
    int rounds;
};

static void take_turns(struct pingpong *p, uint32_t mine)
{
    for (int i = 0; i < p->rounds; i++) {
        uint32_t t;
        /* acquire: pairs with the other side's release store, so the
         * hand-off is a real synchronisation (as in a primitive). */
        while (((t = lfgo_atomic_load(&p->turn, memory_order_acquire)) & 1u) != mine)
            lfgo__park_wait(&p->turn, t, NULL);
        /* release: pairs with the other side's acquire load above. */
        lfgo_atomic_store(&p->turn, t + 1, memory_order_release);
        lfgo__park_wake_one(&p->turn);
    }
}

static void *pingpong_b(void *arg)
{
    take_turns(arg, 1);
    return NULL;
}

static void fig_futex_rtt(void)
{
    double v[REPS];
    for (int r = 0; r < REPS; r++) {
        struct pingpong p = {0, 2000};
        pthread_t th;
        pthread_create(&th, NULL, pingpong_b, &p);
        double t0 = now_ns();
        take_turns(&p, 0);
        pthread_join(th, NULL);
        v[r] = (now_ns() - t0) / p.rounds;
    }
    report("futex_rtt", v, REPS);
}

/* Wake-to-run: B announces it is about to park; A waits until B must be
 * asleep, stamps the time and wakes it; B stamps the time it runs. */
struct w2r {
    lfgo__word word;   /* B parks while it is 0 */
    lfgo__word parked; /* B sets it before parking */
    double t_wake, t_run;
};

static void *w2r_b(void *arg)
{
    struct w2r *x = arg;
    /* release: publishes nothing but the flag; A only waits for it. */
    lfgo_atomic_store(&x->parked, 1, memory_order_release);
    /* acquire: pairs with A's release store of word, so t_wake is visible. */
    while (lfgo_atomic_load(&x->word, memory_order_acquire) == 0)
        lfgo__park_wait(&x->word, 0, NULL);
    x->t_run = now_ns();
    return NULL;
}

static double one_wake_to_run(void)
{
    struct w2r x;
    memset(&x, 0, sizeof x);
    pthread_t th;
    pthread_create(&th, NULL, w2r_b, &x);
    /* acquire: pairs with B's release store of parked. */
    while (!lfgo_atomic_load(&x.parked, memory_order_acquire))
        sched_yield();
    struct timespec gap = {0, 2000000}; /* 2 ms: B is asleep by then */
    nanosleep(&gap, NULL);
    x.t_wake = now_ns();
    /* release: pairs with B's acquire load of word. */
    lfgo_atomic_store(&x.word, 1, memory_order_release);
    lfgo__park_wake_one(&x.word);
    pthread_join(th, NULL);
    return x.t_run - x.t_wake;
}

static void fig_wake_to_run(void)
{
    double v[4 * REPS];
    for (int r = 0; r < 4 * REPS; r++)
        v[r] = one_wake_to_run();
    report("wake_to_run", v, 4 * REPS);
}

/* ------------------------------------------------------ calibration */

/* A bare spin ping-pong; the partner answers until ping is SPIN_STOP. */
#define SPIN_STOP UINT32_MAX

struct spin_pp {
    _Alignas(LFGO_CACHELINE) lfgo__word ping;
    _Alignas(LFGO_CACHELINE) lfgo__word pong;
};

static void *spin_pong(void *arg)
{
    struct spin_pp *p = arg;
    uint32_t seen = 0, i;
    for (;;) {
        /* acquire/release: the bare handoff the calibration row measures;
         * each pairs with the opposite access of the other thread. */
        while ((i = lfgo_atomic_load(&p->ping, memory_order_acquire)) == seen)
            lfgo_cpu_relax();
        if (i == SPIN_STOP)
            return NULL;
        lfgo_atomic_store(&p->pong, i, memory_order_release);
        seen = i;
    }
}

/* Up to 200,000 round trips, or 100 ms when the partner keeps losing its
 * core to other processes (the figure is then far above both VM states). */
static double spin_rtt_once(struct spin_pp *p)
{
    double t0 = now_ns();
    uint32_t i = 1;
    for (; i <= 200000 && (i % 64 || now_ns() - t0 < 1e8); i++) {
        /* acquire/release: as in spin_pong. */
        lfgo_atomic_store(&p->ping, i, memory_order_release);
        while (lfgo_atomic_load(&p->pong, memory_order_acquire) != i)
            lfgo_cpu_relax();
    }
    return (now_ns() - t0) / (i - 1);
}

static void fig_spin_rtt(const char *name)
{
    double v[REPS];
    static struct spin_pp p;
    for (int r = 0; r < REPS; r++) {
        memset(&p, 0, sizeof p);
        pthread_t th;
        pthread_create(&th, NULL, spin_pong, &p);
        v[r] = spin_rtt_once(&p);
        /* release: pairs with the partner's acquire load; no data. */
        lfgo_atomic_store(&p.ping, SPIN_STOP, memory_order_release);
        pthread_join(th, NULL);
    }
    report(name, v, REPS);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--csv") == 0) {
        csv = fopen(argv[2], "w");
        if (!csv) {
            perror(argv[2]);
            return 1;
        }
        fprintf(csv, "workload,impl,median,min,max,unit\n");
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [--csv FILE]\n", argv[0]);
        return 2;
    }
    printf("%-22s %12s %12s %12s   (ns; %d samples each)\n", "figure", "median", "min", "max",
           REPS);
    fig_spin_rtt("spin_rtt_start");
    fig_pause();
    fig_spin_rounds();
    fig_spin_budget();
    fig_yield();
    fig_wake_nobody();
    fig_futex_rtt();
    fig_wake_to_run();
    fig_spin_rtt("spin_rtt_end");
    if (csv)
        fclose(csv);
    return 0;
}

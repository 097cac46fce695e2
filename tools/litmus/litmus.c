/*
 * tools/litmus/litmus.c - lfgo-litmus: litmus tests run on this machine.
 *
 * Runs the classic two- and four-thread shapes (SB, MP, LB, IRIW, 2+2W, R, S)
 * and the store-buffering shape of each lfgo wait/wake handshake, each with
 * several memory orders, and counts the outcomes as litmus7 does.
 *
 * How a run is made: the threads of a test meet at a spin barrier before
 * every instance, so they start each instance together; instance i uses its
 * own pair of locations (x and y on separate cache lines, cold when the
 * instance starts), and the registers each thread read are kept per
 * instance.  After a batch of instances, thread 0 reads the final values of
 * x and y, tallies the outcomes and resets the locations.
 *
 * Each test says whether C11 (or, for the membarrier variant, the
 * membarrier(2) contract) forbids its "exists" outcome.  --check exits 1 if
 * any forbidden outcome was observed: that would be a compiler, CPU or lfgo
 * argument bug.  An outcome that C11 allows may or may not show on a given
 * CPU; that is recorded in docs/ordering-lab.md, not asserted.
 *
 * Usage: lfgo-litmus [-n instances] [-t substring] [--check] [--list]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif

#define CACHELINE 64
#define BATCH 1000u
#define MAX_THREADS 4

#define RLX memory_order_relaxed
#define ACQ memory_order_acquire
#define REL memory_order_release
#define AR memory_order_acq_rel
#define SC memory_order_seq_cst

struct loc {
    _Alignas(CACHELINE) atomic_uint x;
    _Alignas(CACHELINE) atomic_uint y;
};

#define LD(a, o) atomic_load_explicit(&l->a, o)
#define ST(a, v, o) atomic_store_explicit(&l->a, (v), o)
#define FENCE atomic_thread_fence(SC)
#define CBAR atomic_signal_fence(SC)
#define NOBAR ((void)0)

/* ------------------------------------------------------------ membarrier */

static bool have_membarrier;

static void membarrier_setup(void)
{
#if defined(__linux__) && defined(SYS_membarrier)
    have_membarrier = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#endif
}

/* The heavy side of lfgo's asymmetric barrier (lib/chan_barrier.c): every
 * running thread of the process executes a full barrier before it returns. */
static void heavy_barrier(void)
{
#if defined(__linux__) && defined(SYS_membarrier)
    if (have_membarrier && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
        return;
#endif
    FENCE;
}

/* ------------------------------------------------------------ shapes
 * Each thread function returns its registers packed 4 bits each (r0 in bits
 * 0..3, r1 in bits 4..7). */

/* SB: x=1; r0=y  ||  y=1; r0=x.  exists (0:r0=0 /\ 1:r0=0). */
#define SB(N, OS, OL, F)                                                              \
    static unsigned N##_0(struct loc *l) { ST(x, 1, OS); F; return LD(y, OL); }      \
    static unsigned N##_1(struct loc *l) { ST(y, 1, OS); F; return LD(x, OL); }
SB(sb_rlx, RLX, RLX, NOBAR)
SB(sb_ra, REL, ACQ, NOBAR)
SB(sb_sc, SC, SC, NOBAR)
SB(sb_fence, RLX, RLX, FENCE)

/* MP: x=1; y=1  ||  r0=y; r1=x.  exists (1:r0=1 /\ 1:r1=0). */
#define MP(N, OS, OL)                                                                  \
    static unsigned N##_0(struct loc *l) { ST(x, 1, RLX); ST(y, 1, OS); return 0; }   \
    static unsigned N##_1(struct loc *l)                                               \
    {                                                                                  \
        unsigned r0 = LD(y, OL);                                                       \
        return r0 | LD(x, RLX) << 4;                                                   \
    }
MP(mp_rlx, RLX, RLX)
MP(mp_ra, REL, ACQ)
MP(mp_sc, SC, SC)

/* LB: r0=x; y=1  ||  r0=y; x=1.  exists (0:r0=1 /\ 1:r0=1). */
#define LB(N, OL, OS)                                                                  \
    static unsigned N##_0(struct loc *l) { unsigned r = LD(x, OL); ST(y, 1, OS); return r; } \
    static unsigned N##_1(struct loc *l) { unsigned r = LD(y, OL); ST(x, 1, OS); return r; }
LB(lb_rlx, RLX, RLX)
LB(lb_ra, ACQ, REL)
LB(lb_sc, SC, SC)

/* IRIW: x=1 || y=1 || r0=x; r1=y || r0=y; r1=x.
 * exists (2:r0=1 /\ 2:r1=0 /\ 3:r0=1 /\ 3:r1=0). */
#define IRIW(N, OS, OL)                                                                \
    static unsigned N##_0(struct loc *l) { ST(x, 1, OS); return 0; }                   \
    static unsigned N##_1(struct loc *l) { ST(y, 1, OS); return 0; }                   \
    static unsigned N##_2(struct loc *l) { unsigned r = LD(x, OL); return r | LD(y, OL) << 4; } \
    static unsigned N##_3(struct loc *l) { unsigned r = LD(y, OL); return r | LD(x, OL) << 4; }
IRIW(iriw_rlx, RLX, RLX)
IRIW(iriw_ra, REL, ACQ)
IRIW(iriw_sc, SC, SC)

/* 2+2W: x=1; y=2  ||  y=1; x=2.  exists (x=1 /\ y=1). */
#define W22(N, O)                                                                      \
    static unsigned N##_0(struct loc *l) { ST(x, 1, O); ST(y, 2, O); return 0; }       \
    static unsigned N##_1(struct loc *l) { ST(y, 1, O); ST(x, 2, O); return 0; }
W22(w22_rlx, RLX)
W22(w22_rel, REL)
W22(w22_sc, SC)

/* R: x=1; y=1  ||  y=2; r0=x.  exists (y=2 /\ 1:r0=0). */
#define RSHAPE(N, OS, OL, F)                                                           \
    static unsigned N##_0(struct loc *l) { ST(x, 1, OS); F; ST(y, 1, OS); return 0; }  \
    static unsigned N##_1(struct loc *l) { ST(y, 2, OS); F; return LD(x, OL); }
RSHAPE(r_rlx, RLX, RLX, NOBAR)
RSHAPE(r_ra, REL, ACQ, NOBAR)
RSHAPE(r_sc, SC, SC, NOBAR)
RSHAPE(r_fence, RLX, RLX, FENCE)

/* S: x=2; y=1  ||  r0=y; x=1.  exists (x=2 /\ 1:r0=1). */
#define SSHAPE(N, OS, OL)                                                              \
    static unsigned N##_0(struct loc *l) { ST(x, 2, RLX); ST(y, 1, OS); return 0; }    \
    static unsigned N##_1(struct loc *l) { unsigned r = LD(y, OL); ST(x, 1, RLX); return r; }
SSHAPE(s_rlx, RLX, RLX)
SSHAPE(s_ra, REL, ACQ)
SSHAPE(s_sc, SC, SC)

/*
 * lfgo: the channel sleeper announcement (lib/chan_ring.c ring_wait / wake_check).
 * x = the eventcount (bit 0: a sleeper announced itself), y = the slot's seq.
 * T0, the sleeper: fetch_or(ev, 1); heavy barrier; recheck the slot.
 * T1, the publisher: store seq (release); light barrier; load ev (relaxed).
 * exists (0:r0=0 /\ 1:r0=0): the sleeper saw no value and the publisher saw
 * no sleeper - a lost wake-up.
 */
#define CHAN(N, ANN, SLEEPBAR, PUBBAR)                                                 \
    static unsigned N##_0(struct loc *l)                                               \
    {                                                                                  \
        ANN;                                                                           \
        SLEEPBAR;                                                                      \
        return LD(y, ACQ);                                                             \
    }                                                                                  \
    static unsigned N##_1(struct loc *l)                                               \
    {                                                                                  \
        ST(y, 1, REL);                                                                 \
        PUBBAR;                                                                        \
        return LD(x, RLX) & 1u;                                                        \
    }
#define ANN_RMW atomic_fetch_or_explicit(&l->x, 1u, SC)
#define ANN_STORE ST(x, 1, REL)
CHAN(chan_membarrier, ANN_RMW, heavy_barrier(), CBAR) /* lfgo, membarrier mode */
CHAN(chan_fence, ANN_RMW, FENCE, FENCE)               /* lfgo, fallback mode */
CHAN(chan_sleeper_fence_only, ANN_RMW, FENCE, CBAR)   /* membarrier replaced by a fence */
CHAN(chan_no_barrier, ANN_STORE, NOBAR, NOBAR)        /* no barrier at all */

/*
 * lfgo: the unbuffered exchange slot against the locked path (chan_sync.c).
 * x = xs (0 EMPTY, 1 RWAIT), y = nq.
 * T0, a waiter entering the slot: CAS xs EMPTY -> RWAIT; load nq.
 * T1, a thread about to queue: nq += 1; load xs.
 * exists (0:r0=0 /\ 1:r0=0): the waiter stays in the slot and the queuer
 * queues without seeing it - a stranded pair.
 */
#define XSLOT(N, OR, OL)                                                               \
    static unsigned N##_0(struct loc *l)                                               \
    {                                                                                  \
        unsigned e = 0;                                                                \
        atomic_compare_exchange_strong_explicit(&l->x, &e, 1u, OR, OL);                \
        return LD(y, OL);                                                              \
    }                                                                                  \
    static unsigned N##_1(struct loc *l)                                               \
    {                                                                                  \
        atomic_fetch_add_explicit(&l->y, 1u, OR);                                      \
        return LD(x, OL);                                                              \
    }
XSLOT(xslot_sc, SC, SC)
XSLOT(xslot_acqrel, AR, ACQ)
static unsigned xslot_store_0(struct loc *l) { ST(x, 1, REL); return LD(y, ACQ); }
static unsigned xslot_store_1(struct loc *l) { ST(y, 1, REL); return LD(x, ACQ); }

/*
 * lfgo: the WaitGroup waiter bit against the releasing done() (wg.c).
 * x = state: counter << 1 | waiter bit, starting at counter 1.
 * T0, a waiter: sets the bit; r0 = 1 if the counter it saw was nonzero (it
 * will sleep).  T1, the last done(): decrements; r0 = 1 if it saw the bit
 * (it will wake).  exists (0:r0=1 /\ 1:r0=0): the waiter sleeps, nobody
 * wakes it.  One word: forbidden under every order (both are RMWs of one
 * location).  "twoword" keeps the bit in a separate word y, as a design
 * with a separate waiter flag would: then it is store buffering.
 */
#define WG1(N, OW, OD)                                                                 \
    static unsigned N##_0(struct loc *l) { return (atomic_fetch_or_explicit(&l->x, 1u, OW) >> 1) != 0; } \
    static unsigned N##_1(struct loc *l) { return atomic_fetch_sub_explicit(&l->x, 2u, OD) & 1u; }
WG1(wg_oneword_rlx, RLX, RLX)
WG1(wg_oneword_lfgo, ACQ, REL)
static unsigned wg_twoword_0(struct loc *l) { ST(y, 1, REL); return (LD(x, ACQ) >> 1) != 0; }
static unsigned wg_twoword_1(struct loc *l) { atomic_fetch_sub_explicit(&l->x, 2u, AR); return LD(y, ACQ); }

/* ------------------------------------------------------------ tests */

/* What an outcome shows: up to 2 registers per thread and the final x, y. */
struct test {
    const char *name;
    const char *what; /* shape and orders, one line */
    int nthreads;
    int nregs[MAX_THREADS];
    bool show_x, show_y;
    unsigned init_x;
    unsigned (*thr[MAX_THREADS])(struct loc *);
    const char *cond;                /* the exists clause */
    bool (*forbidden)(const unsigned *r, unsigned x, unsigned y);
    bool c11_forbids;                /* the exists outcome is forbidden */
    unsigned scale;                  /* run n / scale instances */
};

#define R(t, k) ((r[t] >> (4 * (k))) & 15u)
static bool ex_sb(const unsigned *r, unsigned x, unsigned y) { (void)x; (void)y; return R(0, 0) == 0 && R(1, 0) == 0; }
static bool ex_mp(const unsigned *r, unsigned x, unsigned y) { (void)x; (void)y; return R(1, 0) == 1 && R(1, 1) == 0; }
static bool ex_lb(const unsigned *r, unsigned x, unsigned y) { (void)x; (void)y; return R(0, 0) == 1 && R(1, 0) == 1; }
static bool ex_iriw(const unsigned *r, unsigned x, unsigned y)
{
    (void)x; (void)y;
    return R(2, 0) == 1 && R(2, 1) == 0 && R(3, 0) == 1 && R(3, 1) == 0;
}
static bool ex_22w(const unsigned *r, unsigned x, unsigned y) { (void)r; return x == 1 && y == 1; }
static bool ex_r(const unsigned *r, unsigned x, unsigned y) { (void)x; return y == 2 && R(1, 0) == 0; }
static bool ex_s(const unsigned *r, unsigned x, unsigned y) { (void)y; return x == 2 && R(1, 0) == 1; }
static bool ex_wg(const unsigned *r, unsigned x, unsigned y) { (void)x; (void)y; return R(0, 0) == 1 && R(1, 0) == 0; }

#define T2(f) {f##_0, f##_1, NULL, NULL}
#define T4(f) {f##_0, f##_1, f##_2, f##_3}

static const struct test tests[] = {
    {"SB.relaxed", "x=1;r0=y || y=1;r0=x, relaxed", 2, {1, 1}, 0, 0, 0, T2(sb_rlx), "0:r0=0 /\\ 1:r0=0", ex_sb, false, 1},
    {"SB.rel-acq", "store release, load acquire", 2, {1, 1}, 0, 0, 0, T2(sb_ra), "0:r0=0 /\\ 1:r0=0", ex_sb, false, 1},
    {"SB.seq_cst", "store and load seq_cst", 2, {1, 1}, 0, 0, 0, T2(sb_sc), "0:r0=0 /\\ 1:r0=0", ex_sb, true, 1},
    {"SB.fence", "relaxed, seq_cst fence between", 2, {1, 1}, 0, 0, 0, T2(sb_fence), "0:r0=0 /\\ 1:r0=0", ex_sb, true, 1},
    {"MP.relaxed", "x=1;y=1 || r0=y;r1=x, relaxed", 2, {0, 2}, 0, 0, 0, T2(mp_rlx), "1:r0=1 /\\ 1:r1=0", ex_mp, false, 1},
    {"MP.rel-acq", "y store release, y load acquire", 2, {0, 2}, 0, 0, 0, T2(mp_ra), "1:r0=1 /\\ 1:r1=0", ex_mp, true, 1},
    {"MP.seq_cst", "y store and load seq_cst", 2, {0, 2}, 0, 0, 0, T2(mp_sc), "1:r0=1 /\\ 1:r1=0", ex_mp, true, 1},
    {"LB.relaxed", "r0=x;y=1 || r0=y;x=1, relaxed", 2, {1, 1}, 0, 0, 0, T2(lb_rlx), "0:r0=1 /\\ 1:r0=1", ex_lb, false, 1},
    {"LB.acq-rel", "load acquire, store release", 2, {1, 1}, 0, 0, 0, T2(lb_ra), "0:r0=1 /\\ 1:r0=1", ex_lb, true, 1},
    {"LB.seq_cst", "load and store seq_cst", 2, {1, 1}, 0, 0, 0, T2(lb_sc), "0:r0=1 /\\ 1:r0=1", ex_lb, true, 1},
    {"IRIW.relaxed", "x=1 || y=1 || r0=x;r1=y || r0=y;r1=x, relaxed", 4, {0, 0, 2, 2}, 0, 0, 0, T4(iriw_rlx),
     "2:r0=1 /\\ 2:r1=0 /\\ 3:r0=1 /\\ 3:r1=0", ex_iriw, false, 10},
    {"IRIW.rel-acq", "stores release, loads acquire", 4, {0, 0, 2, 2}, 0, 0, 0, T4(iriw_ra),
     "2:r0=1 /\\ 2:r1=0 /\\ 3:r0=1 /\\ 3:r1=0", ex_iriw, false, 10},
    {"IRIW.seq_cst", "stores and loads seq_cst", 4, {0, 0, 2, 2}, 0, 0, 0, T4(iriw_sc),
     "2:r0=1 /\\ 2:r1=0 /\\ 3:r0=1 /\\ 3:r1=0", ex_iriw, true, 10},
    {"2+2W.relaxed", "x=1;y=2 || y=1;x=2, relaxed", 2, {0, 0}, 1, 1, 0, T2(w22_rlx), "x=1 /\\ y=1", ex_22w, false, 1},
    {"2+2W.release", "stores release", 2, {0, 0}, 1, 1, 0, T2(w22_rel), "x=1 /\\ y=1", ex_22w, false, 1},
    {"2+2W.seq_cst", "stores seq_cst", 2, {0, 0}, 1, 1, 0, T2(w22_sc), "x=1 /\\ y=1", ex_22w, true, 1},
    {"R.relaxed", "x=1;y=1 || y=2;r0=x, relaxed", 2, {0, 1}, 0, 1, 0, T2(r_rlx), "y=2 /\\ 1:r0=0", ex_r, false, 1},
    {"R.rel-acq", "stores release, load acquire", 2, {0, 1}, 0, 1, 0, T2(r_ra), "y=2 /\\ 1:r0=0", ex_r, false, 1},
    {"R.seq_cst", "stores and load seq_cst", 2, {0, 1}, 0, 1, 0, T2(r_sc), "y=2 /\\ 1:r0=0", ex_r, true, 1},
    {"R.fence", "relaxed, seq_cst fence between", 2, {0, 1}, 0, 1, 0, T2(r_fence), "y=2 /\\ 1:r0=0", ex_r, true, 1},
    {"S.relaxed", "x=2;y=1 || r0=y;x=1, relaxed", 2, {0, 1}, 1, 0, 0, T2(s_rlx), "x=2 /\\ 1:r0=1", ex_s, false, 1},
    {"S.rel-acq", "y store release, y load acquire", 2, {0, 1}, 1, 0, 0, T2(s_ra), "x=2 /\\ 1:r0=1", ex_s, true, 1},
    {"S.seq_cst", "y store and load seq_cst", 2, {0, 1}, 1, 0, 0, T2(s_sc), "x=2 /\\ 1:r0=1", ex_s, true, 1},
    {"lfgo.chan.membarrier", "sleeper: fetch_or(ev) sc; membarrier; load seq acq || publisher: store seq rel; compiler barrier; load ev rlx",
     2, {1, 1}, 0, 0, 0, T2(chan_membarrier), "0:r0=0 /\\ 1:r0=0", ex_sb, true, 10},
    {"lfgo.chan.fence", "sleeper: fetch_or(ev) sc; fence sc; load seq acq || publisher: store seq rel; fence sc; load ev rlx",
     2, {1, 1}, 0, 0, 0, T2(chan_fence), "0:r0=0 /\\ 1:r0=0", ex_sb, true, 1},
    {"lfgo.chan.sleeper-fence-only", "as membarrier mode with the membarrier replaced by a plain fence sc",
     2, {1, 1}, 0, 0, 0, T2(chan_sleeper_fence_only), "0:r0=0 /\\ 1:r0=0", ex_sb, false, 1},
    {"lfgo.chan.no-barrier", "sleeper: store ev rel; load seq acq || publisher: store seq rel; load ev rlx",
     2, {1, 1}, 0, 0, 0, T2(chan_no_barrier), "0:r0=0 /\\ 1:r0=0", ex_sb, false, 1},
    {"lfgo.xslot.seq_cst", "waiter: cas(xs) sc; load nq sc || queuer: fetch_add(nq) sc; load xs sc (lfgo)",
     2, {1, 1}, 0, 0, 0, T2(xslot_sc), "0:r0=0 /\\ 1:r0=0", ex_sb, true, 1},
    {"lfgo.xslot.acq_rel", "the same RMWs acq_rel, loads acquire", 2, {1, 1}, 0, 0, 0, T2(xslot_acqrel),
     "0:r0=0 /\\ 1:r0=0", ex_sb, false, 1},
    {"lfgo.xslot.store", "RMWs replaced by release stores, loads acquire", 2, {1, 1}, 0, 0, 0, T2(xslot_store),
     "0:r0=0 /\\ 1:r0=0", ex_sb, false, 1},
    {"lfgo.wg.oneword.relaxed", "waiter: fetch_or(state,bit) || done: fetch_sub(state), both relaxed", 2, {1, 1}, 0, 0, 2,
     T2(wg_oneword_rlx), "0:r0=1 /\\ 1:r0=0", ex_wg, true, 1},
    {"lfgo.wg.oneword.lfgo", "waiter: CAS acquire || done: fetch_add release (lfgo)", 2, {1, 1}, 0, 0, 2,
     T2(wg_oneword_lfgo), "0:r0=1 /\\ 1:r0=0", ex_wg, true, 1},
    {"lfgo.wg.twoword", "waiter flag in its own word: store rel; load counter acq || fetch_sub acq_rel; load flag acq",
     2, {1, 1}, 0, 0, 2, T2(wg_twoword), "0:r0=1 /\\ 1:r0=0", ex_wg, false, 1},
};
#define NTESTS (sizeof tests / sizeof tests[0])

/* ------------------------------------------------------------ running */

struct barrier {
    _Alignas(CACHELINE) atomic_uint count;
    _Alignas(CACHELINE) atomic_uint gen;
    unsigned n;
    bool yield; /* more threads than CPUs: yield instead of spinning long */
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

static void barrier_wait(struct barrier *b)
{
    unsigned g = atomic_load_explicit(&b->gen, ACQ);
    if (atomic_fetch_add_explicit(&b->count, 1u, AR) == b->n - 1) {
        atomic_store_explicit(&b->count, 0u, RLX); /* published by the gen release */
        atomic_store_explicit(&b->gen, g + 1u, REL);
        return;
    }
    /* Spin briefly, then yield: a partner that was preempted (other load on
     * the machine, or more threads than CPUs) needs the CPU to arrive. */
    for (unsigned i = 0; atomic_load_explicit(&b->gen, ACQ) == g; i++) {
        if (i > (b->yield ? 64u : 2048u))
            sched_yield();
        else
            cpu_relax();
    }
}

#define MAX_OUTCOMES 64

struct outcome {
    unsigned r[MAX_THREADS];
    unsigned x, y;
    unsigned long long count;
};

struct run {
    const struct test *t;
    struct loc *locs;        /* BATCH instances */
    unsigned *regs;          /* [thread][BATCH] */
    unsigned long batches;
    struct barrier bar;
    struct outcome out[MAX_OUTCOMES];
    int nout;
    bool overflow;
};

struct worker {
    struct run *run;
    int tid;
};

static void tally(struct run *run)
{
    for (unsigned i = 0; i < BATCH; i++) {
        unsigned r[MAX_THREADS] = {0};
        for (int t = 0; t < run->t->nthreads; t++)
            r[t] = run->regs[t * BATCH + i];
        unsigned x = atomic_load_explicit(&run->locs[i].x, RLX);
        unsigned y = atomic_load_explicit(&run->locs[i].y, RLX);
        if (!run->t->show_x) x = 0;
        if (!run->t->show_y) y = 0;
        int k = 0;
        for (; k < run->nout; k++)
            if (!memcmp(run->out[k].r, r, sizeof r) && run->out[k].x == x && run->out[k].y == y)
                break;
        if (k == run->nout) {
            if (k == MAX_OUTCOMES) {
                run->overflow = true;
                continue;
            }
            memcpy(run->out[k].r, r, sizeof r);
            run->out[k].x = x;
            run->out[k].y = y;
            run->out[k].count = 0;
            run->nout++;
        }
        run->out[k].count++;
    }
}

static void reset(struct run *run)
{
    for (unsigned i = 0; i < BATCH; i++) {
        atomic_store_explicit(&run->locs[i].x, run->t->init_x, RLX);
        atomic_store_explicit(&run->locs[i].y, 0u, RLX);
    }
}

static void pin(int tid)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 2)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)(tid % ncpu), &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *run = w->run;
    unsigned (*fn)(struct loc *) = run->t->thr[w->tid];
    unsigned *regs = run->regs + w->tid * BATCH;
    pin(w->tid);
    for (unsigned long b = 0; b < run->batches; b++) {
        for (unsigned i = 0; i < BATCH; i++) {
            barrier_wait(&run->bar);
            regs[i] = fn(&run->locs[i]);
        }
        barrier_wait(&run->bar);
        if (w->tid == 0) {
            tally(run);
            reset(run);
        }
        barrier_wait(&run->bar);
    }
    return NULL;
}

static void show_outcome(const struct test *t, const struct outcome *o, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (int th = 0; th < t->nthreads; th++)
        for (int j = 0; j < t->nregs[th]; j++)
            k += (size_t)snprintf(buf + k, n - k, "%d:r%d=%u; ", th, j, (o->r[th] >> (4 * j)) & 15u);
    if (t->show_x)
        k += (size_t)snprintf(buf + k, n - k, "x=%u; ", o->x);
    if (t->show_y)
        k += (size_t)snprintf(buf + k, n - k, "y=%u; ", o->y);
    if (k > 0 && k < n)
        buf[k - 1] = 0; /* no trailing blank */
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Runs one test; returns the number of forbidden outcomes observed. */
static unsigned long long run_test(const struct test *t, unsigned long n)
{
    struct run *run = calloc(1, sizeof *run);
    if (!run) {
        perror("calloc");
        exit(2);
    }
    run->t = t;
    run->locs = aligned_alloc(CACHELINE, BATCH * sizeof(struct loc));
    run->regs = calloc((size_t)MAX_THREADS * BATCH, sizeof(unsigned));
    if (!run->locs || !run->regs) {
        perror("alloc");
        exit(2);
    }
    unsigned long inst = n / t->scale;
    run->batches = (inst + BATCH - 1) / BATCH;
    if (run->batches == 0)
        run->batches = 1;
    run->bar.n = (unsigned)t->nthreads;
    run->bar.yield = t->nthreads > sysconf(_SC_NPROCESSORS_ONLN);
    reset(run);
    pthread_t th[MAX_THREADS];
    struct worker w[MAX_THREADS];
    double t0 = now_s();
    for (int i = 0; i < t->nthreads; i++) {
        w[i] = (struct worker){run, i};
        if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(2);
        }
    }
    for (int i = 0; i < t->nthreads; i++)
        pthread_join(th[i], NULL);
    double secs = now_s() - t0;

    unsigned long long pos = 0, total = 0;
    char buf[160];
    printf("Test %s %s\n", t->name, t->c11_forbids ? "Forbidden" : "Allowed");
    printf("(* %s *)\n", t->what);
    printf("Histogram (%d states)\n", run->nout);
    for (int k = 0; k < run->nout; k++) {
        bool ex = t->forbidden(run->out[k].r, run->out[k].x, run->out[k].y);
        show_outcome(t, &run->out[k], buf, sizeof buf);
        printf("%-10llu%s>%s\n", run->out[k].count, ex ? "*" : ":", buf);
        total += run->out[k].count;
        if (ex)
            pos += run->out[k].count;
    }
    if (run->overflow)
        printf("(more than %d distinct outcomes: the rest were not counted)\n", MAX_OUTCOMES);
    printf("%s\n", pos ? "Ok" : "No");
    printf("Witnesses\nPositive: %llu, Negative: %llu\n", pos, total - pos);
    printf("Condition exists (%s) is %svalidated\n", t->cond, pos ? "" : "NOT ");
    printf("Observation %s %s %llu %llu\n", t->name, pos == 0 ? "Never" : pos == total ? "Always" : "Sometimes",
           pos, total - pos);
    printf("Time %s %.2f\n\n", t->name, secs);
    fflush(stdout);
    free(run->locs);
    free(run->regs);
    free(run);
    return pos;
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [-n instances] [-t substring] [--check] [--list]\n"
            "  -n N      instances per test (default 1000000; IRIW and the membarrier\n"
            "            variant run N/10: 4 threads share the cores, and a membarrier\n"
            "            costs microseconds)\n"
            "  -t S      only the tests whose name contains S (repeatable)\n"
            "  --check   exit 1 if an outcome that C11 forbids was observed\n"
            "  --list    list the tests and what C11 says of their exists clause\n",
            argv0);
}

int main(int argc, char **argv)
{
    unsigned long n = 1000000;
    const char *filters[16];
    int nfilters = 0;
    bool check = false, list = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc) {
            n = strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "-t") && i + 1 < argc && nfilters < 16) {
            filters[nfilters++] = argv[++i];
        } else if (!strcmp(argv[i], "--check")) {
            check = true;
        } else if (!strcmp(argv[i], "--list")) {
            list = true;
        } else {
            usage(argv[0]);
            return 2;
        }
    }
    membarrier_setup();
    unsigned long long bad = 0;
    int ran = 0;
    for (size_t k = 0; k < NTESTS; k++) {
        const struct test *t = &tests[k];
        bool want = nfilters == 0;
        for (int f = 0; f < nfilters; f++)
            want = want || strstr(t->name, filters[f]) != NULL;
        if (!want)
            continue;
        if (list) {
            printf("%-30s %-9s exists (%s)\n", t->name, t->c11_forbids ? "Forbidden" : "Allowed", t->cond);
            continue;
        }
        /* Without membarrier the heavy barrier is a fence on one side only,
         * which does not forbid store buffering: the library then uses its
         * fence mode (lfgo.chan.fence), so this shape has nothing to show. */
        if (t->thr[0] == chan_membarrier_0 && !have_membarrier) {
            printf("%s: not run, membarrier(PRIVATE_EXPEDITED) unavailable\n\n", t->name);
            continue;
        }
        unsigned long long pos = run_test(t, n);
        ran++;
        if (pos && t->c11_forbids) {
            printf("!!! %s: %llu outcomes that C11 forbids\n\n", t->name, pos);
            bad++;
        }
    }
    if (list)
        return 0;
    if (!have_membarrier)
        printf("note: membarrier(PRIVATE_EXPEDITED) unavailable; the membarrier variant was not run\n");
    printf("%d tests, %llu with a forbidden outcome observed\n", ran, bad);
    return (check && bad) ? 1 : 0;
}

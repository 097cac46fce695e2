/*
 * models/chan_ring.pml - the buffered channel's sleepers: announce, the
 * asymmetric barrier, recheck and park (ring_wait), against publish and the
 * light-side check (wake_check, ev_wake), with close and pass_on_close
 * (lib/chan_ring.c, lib/chan_barrier.c).
 *
 * Memory: x86-TSO, modelled explicitly.  Every thread has a store buffer for
 * the slot's seq word (the publishing store of a send, the freeing store of
 * a receive): the store enters the buffer, a Drain process writes it to
 * memory at any later moment, and the thread's own loads of seq see its
 * buffered value first.  Locked RMWs (fetch_or, fetch_add, CAS) and seq_cst
 * fences wait until the thread's own buffer is empty; membarrier() empties
 * every thread's buffer (each thread executes a full barrier during the
 * call).  Stores that the model writes straight to memory (the value, the
 * single producer's tail, the eventcounts, which only RMWs change) are ones
 * whose delay no thread can observe apart from seq.  With -DSC every store
 * goes straight to memory: the sequentially consistent model.
 *
 * Scenarios (capacity 1):
 *  - default: one producer sends 2 values (sleeping on send_ev when the slot
 *    is full) and then closes; one consumer receives until LFGO_CLOSED.
 *  - -DCLOSER: the producer sends 1 value while another thread closes
 *    concurrently (MPMC: the send claims its position by CAS on tail, which
 *    fails once the closed bit is set); 2 consumers receive until closed.
 *  - -DTWO_CONS: the producer sends 2 values, 2 consumers receive one each;
 *    no close (so no close wakes everyone and hides a lost wake-up).
 *
 * Checked: every value sent with LFGO_OK is received exactly once, nothing
 * else is received (asserts at the end); nobody parks forever (invalid end
 * state).
 *
 * Modes: default membarrier (sleeper: membarrier; publisher: compiler
 * barrier), -DFENCE_MODE (both: seq_cst fence).
 * Injected bugs:
 *   BUG_NO_BARRIER        the sleeper's heavy barrier removed
 *   BUG_NO_PUB_FENCE      (FENCE_MODE) the publisher's fence removed
 *   BUG_NO_RECHECK        the sleeper parks without rechecking the ring
 *   BUG_ANNOUNCE_LATE     the sleeper rechecks, then announces (swapped)
 *   BUG_NO_EPOCH_BUMP     ev_wake wakes one sleeper without bumping the epoch
 *   BUG_STALE_NO_RECHECK  ev_wake's stale-bit clear does not recheck nsl
 *   BUG_NO_PASS_ON_CLOSE  a sleeper leaving the park on a closed channel
 *                         does not pass the wake on
 *
 * Counted parking (a proposal, docs/design.md "Channel wake storms"): the
 * eventcount becomes the low half of a 64-bit word whose high half counts
 * the threads parked or about to park and not yet woken.  The sleeper counts
 * itself (after its announce and recheck) before the futex compare, and,
 * unless a wake dequeued it, takes itself out again only if the epoch has
 * not moved since it counted itself (the counting RMW returns the epoch).  A waker bumps the epoch and takes one count
 * (wake one) or all (wake all) in one RMW, and makes a FUTEX_WAKE only if it
 * took any.  So a count is only ever taken together with a bump, and a
 * thread whose count a waker took either was queued (and is woken) or
 * announced before the bump (and its compare fails).  -DCOUNTED;
 *   BUG_CNT_NO_GEN        the sleeper takes itself out even after a bump
 *                         (a count a waker took is taken twice)
 *   BUG_CNT_LATE          the sleeper counts itself after the futex call
 */
#include "futex.pml"

#if defined(CLOSER)
#define NITEMS 1
#define NCONS 2
#elif defined(TWO_CONS)
#define NITEMS 2
#define NCONS 2
#else
#define NITEMS 2
#define NCONS 1
#endif
/*
 * An eventcount word is epoch << 1 | waiter bit.  The epoch only grows (it
 * wraps after 2^31 bumps, and a waiter would have to miss exactly that many
 * between its read and its futex compare), the bit is cleared only with a
 * bump, and a waiter's futex value always has the bit set, so "the word
 * still equals what I read" is "no bump since I read it".  The model keeps the bit (evbit[k]) and, per
 * thread, whether the epoch moved since that thread's announcing fetch_or
 * (mv[4k + me]): exact, with no counter to wrap.
 */
#define RECV_W 1 /* futex words */
#define SEND_W 2

/* memory */
byte seq;              /* the slot's sequence word (cap 1: position p free: 2p, filled: 2p + 1) */
byte data;             /* the slot's value */
byte tail;             /* producer position */
bool closed;           /* tail's closed bit */
byte head;             /* consumer position */
#define RECV 0 /* eventcount indices */
#define SEND 1
bool evbit[2]; /* the eventcounts' waiter bits */
bool mv[8];    /* mv[4 * k + i]: eventcount k's epoch moved since thread i announced */
byte recv_nsl, send_nsl;
byte pcnt[2]; /* counted parking: each eventcount's count of parked threads */
bool mc[8];   /* mc[4 * k + i]: eventcount k's epoch moved since thread i counted itself */
/* store buffers (one entry each: a thread's next seq store waits for the last) */
bool sbf[4];
byte sbv[4];
/* bookkeeping */
byte got[NITEMS + 1];
byte sent_ok, finished;

#ifdef SC
#define STORE_SEQ(me, v) seq = v
#define LOAD_SEQ(me) seq
#define FENCE(me) skip
#else
#define STORE_SEQ(me, v) (!sbf[me]); atomic { sbf[me] = true; sbv[me] = v }
#define LOAD_SEQ(me) (sbf[me] -> sbv[me] : seq)
#define FENCE(me) (!sbf[me])
#endif

/* A locked RMW: waits for the thread's own buffer to drain, then is one
 * atomic step with it. */
#define RMW(me) atomic { FENCE(me);
#define END_RMW }

#ifndef SC
active proctype Drain()
{
end:
    do
    :: atomic { sbf[0] -> seq = sbv[0]; sbf[0] = false }
    :: atomic { sbf[1] -> seq = sbv[1]; sbf[1] = false }
    :: atomic { sbf[2] -> seq = sbv[2]; sbf[2] = false }
    :: atomic { sbf[3] -> seq = sbv[3]; sbf[3] = false }
    od
}
#endif

/* membarrier(PRIVATE_EXPEDITED): every other thread executes a full barrier
 * at some moment during the call (its buffer drains then), and so does the
 * caller. */
inline membarrier(me)
{
#ifndef SC
    atomic { if :: sbf[0] -> seq = sbv[0]; sbf[0] = false :: else -> skip fi };
    atomic { if :: sbf[1] -> seq = sbv[1]; sbf[1] = false :: else -> skip fi };
    atomic { if :: sbf[2] -> seq = sbv[2]; sbf[2] = false :: else -> skip fi };
    atomic { if :: sbf[3] -> seq = sbv[3]; sbf[3] = false :: else -> skip fi };
#endif
    skip
}

inline heavy_barrier(me)
{
#if defined(BUG_NO_BARRIER)
    skip
#elif defined(FENCE_MODE)
    FENCE(me)
#else
    membarrier(me)
#endif
}

/* An epoch bump of eventcount X (part of an RMW step). */
#ifdef COUNTED
#define BUMP(K) mv[4 * (K)] = true; mv[4 * (K) + 1] = true; mv[4 * (K) + 2] = true; mv[4 * (K) + 3] = true; \
    mc[4 * (K)] = true; mc[4 * (K) + 1] = true; mc[4 * (K) + 2] = true; mc[4 * (K) + 3] = true
#else
#define BUMP(K) mv[4 * (K)] = true; mv[4 * (K) + 1] = true; mv[4 * (K) + 2] = true; mv[4 * (K) + 3] = true
#endif

/* wake_everyone: the parked threads (no select registered here). */
#ifdef COUNTED
/* The bump and the taking of counts are one RMW on the 64-bit word
 * (eventcount in the low half, count in the high half). */
inline counted_wake(K, W, ALL)
{
    atomic {
        FENCE(me);
        BUMP(K);
        if
        :: pcnt[K] == 0 -> skipw = true
        :: else -> skipw = false;
            if
            :: ALL -> pcnt[K] = 0
            :: else -> pcnt[K]--
            fi
        fi
    };
    if
    :: !skipw && ALL -> futex_wake_all(W)
    :: !skipw && !ALL -> futex_wake_one(W)
    :: else -> skip
    fi
}

inline counted_wait(K, W, me)
{
#ifndef BUG_CNT_LATE
    RMW(me) pcnt[K]++; mc[4 * (K) + me] = false END_RMW;
#endif
    futex_wait(W, !mv[4 * (K) + me], me);
#ifdef BUG_CNT_LATE
    RMW(me) pcnt[K]++; mc[4 * (K) + me] = false END_RMW;
    fwoken[me] = false;
#endif
    if
    :: !fwoken[me] ->
        RMW(me)
        if
#ifdef BUG_CNT_NO_GEN
        :: pcnt[K] > 0 -> pcnt[K]--
#else
        :: !mc[4 * (K) + me] && pcnt[K] > 0 -> pcnt[K]--
#endif
        :: else -> skip
        fi
        END_RMW
    :: else -> skip
    fi
}
#define WAKE_EVERYONE(K, W) counted_wake(K, W, true)
#define WAKE_ONE(K, W) counted_wake(K, W, false)
#define PARK(K, W, me) counted_wait(K, W, me)
#else
#define WAKE_EVERYONE(K, W) futex_wake_all(W)
#define WAKE_ONE(K, W) futex_wake_one(W)
#define PARK(K, W, me) futex_wait(W, !mv[4 * (K) + me], me)
#endif

/* ev_wake: the waiter bit was seen after a publish. */
inline ev_wake(EVB, MV, NSL, W, me)
{
    if
    :: NSL != 0 ->
#if !defined(BUG_NO_EPOCH_BUMP) && !defined(COUNTED)
        RMW(me) BUMP(MV) END_RMW;
#endif
        WAKE_ONE(MV, W)
    :: else ->
#ifdef COUNTED
        /* the clear is a bump: it takes the counts left behind and wakes */
        atomic {
            FENCE(me);
            if
            :: EVB -> EVB = false; BUMP(MV); skipw = (pcnt[MV] == 0); pcnt[MV] = 0
            :: else -> skipw = true
            fi
        };
        if
        :: !skipw -> futex_wake_all(W)
        :: else -> skip
        fi;
#else
        RMW(me) if :: EVB -> EVB = false; BUMP(MV) :: else -> skip fi END_RMW;
#endif
#ifndef BUG_STALE_NO_RECHECK
        if
        :: NSL != 0 -> WAKE_EVERYONE(MV, W)
        :: else -> skip
        fi
#endif
    fi
}

/* wake_check: the light side, after a publish. */
inline wake_check(EVB, MV, NSL, W, me)
{
#if defined(FENCE_MODE) && !defined(BUG_NO_PUB_FENCE)
    FENCE(me);
#endif
    if
    :: EVB -> ev_wake(EVB, MV, NSL, W, me)
    :: else -> skip
    fi
}

/* try_send: st = 0 OK, 1 WOULDBLOCK, 2 CLOSED */
inline try_send(v, me)
{
    do
    :: atomic { closed -> st = 2; break }
    :: else ->
        t = tail;
        if
        :: LOAD_SEQ(me) == 2 * t ->
#ifdef CLOSER
            atomic { /* MP: CAS tail, fails once closed */
                if
                :: closed -> st = 2
                :: !closed && tail == t -> tail++; st = 0
                :: else -> st = 3 /* lost a race: retry */
                fi
            };
            if
            :: st == 2 -> break
            :: st == 3 -> goto retry_send
            :: else -> skip
            fi;
#else
            tail = t + 1;
#endif
            data = v;
            STORE_SEQ(me, 2 * t + 1); /* release: publishes the value */
            wake_check(evbit[RECV], RECV, recv_nsl, RECV_W, me);
            st = 0;
            break
        :: else -> st = 1; break /* full */
        fi;
retry_send: skip
    od
}

inline try_recv(me)
{
    do
    :: true ->
        h = head;
        if
        :: LOAD_SEQ(me) == 2 * h + 1 ->
            RMW(me) if :: head == h -> head++; st = 0 :: else -> st = 3 fi END_RMW;
            if
            :: st == 0 ->
                v = data;
                STORE_SEQ(me, 2 * (h + 1)); /* release: hands the slot back */
                wake_check(evbit[SEND], SEND, send_nsl, SEND_W, me);
                break
            :: else -> skip /* another consumer took it: again */
            fi
        :: LOAD_SEQ(me) < 2 * h + 1 ->
            if
            :: head == h ->
                /* ring_empty */
                if
                :: closed && tail == h -> st = 2
                :: else -> st = 1
                fi;
                break
            :: else -> skip
            fi
        :: else -> skip /* seq moved past us: reload head */
        fi
    od
}

inline pass_on_close(MV, NSL, W, me)
{
    skip;
#ifndef BUG_NO_PASS_ON_CLOSE
    if
    :: closed && NSL != 0 ->
#ifndef COUNTED
        RMW(me) BUMP(MV) END_RMW;
#endif
        WAKE_EVERYONE(MV, W)
    :: else -> skip
    fi
#endif
}

/* ring_wait: TRY is try_send(v, me) or try_recv(me). */
#define RING_WAIT(TRY, EVB, MV, NSL, W, me)                          \
    do                                                            \
    :: true ->                                                    \
        TRY;                                                      \
        if                                                        \
        :: st != 1 -> break                                       \
        :: else -> skip                                           \
        fi;                                                       \
        ANNOUNCE_AND_RECHECK(TRY, EVB, MV, NSL, me);              \
        if                                                        \
        :: st == 1 -> PARK(MV, W, me)                                \
        :: else -> skip                                           \
        fi;                                                       \
        RMW(me) NSL-- END_RMW;                                    \
        pass_on_close(MV, NSL, W, me);                            \
        if                                                        \
        :: st != 1 -> break                                       \
        :: else -> skip                                           \
        fi                                                        \
    od

#if defined(BUG_NO_RECHECK)
#define ANNOUNCE_AND_RECHECK(TRY, EVB, MV, NSL, me)                    \
    RMW(me) NSL++ END_RMW;                                        \
    RMW(me) EVB = true; mv[4 * (MV) + me] = false END_RMW;                          \
    heavy_barrier(me);                                            \
    st = 1
#elif defined(BUG_ANNOUNCE_LATE)
#define ANNOUNCE_AND_RECHECK(TRY, EVB, MV, NSL, me)                    \
    heavy_barrier(me);                                            \
    TRY;                                                          \
    RMW(me) NSL++ END_RMW;                                        \
    RMW(me) EVB = true; mv[4 * (MV) + me] = false END_RMW
#else
#define ANNOUNCE_AND_RECHECK(TRY, EVB, MV, NSL, me)                    \
    RMW(me) NSL++ END_RMW;                                        \
    RMW(me) EVB = true; mv[4 * (MV) + me] = false END_RMW;                          \
    heavy_barrier(me);                                            \
    TRY
#endif

inline ev_close(EVB, MV, W, me)
{
#ifdef COUNTED
    atomic { FENCE(me); EVB = false } ;
#else
    RMW(me) EVB = false; BUMP(MV) END_RMW;
#endif
    WAKE_EVERYONE(MV, W)
}

inline chan_close(me)
{
    RMW(me) assert(!closed); closed = true END_RMW; /* fetch_or / seq_cst store on tail */
    ev_close(evbit[RECV], RECV, RECV_W, me);
    ev_close(evbit[SEND], SEND, SEND_W, me)
}

proctype Producer(byte me)
{
    byte st, t, h, v, i = 1;
    bool skipw;
    do
    :: i <= NITEMS ->
        RING_WAIT(try_send(i, me), evbit[SEND], SEND, send_nsl, SEND_W, me);
        if
        :: st == 0 -> sent_ok++
        :: else -> skip
        fi;
        i++
    :: else -> break
    od;
#if !defined(CLOSER) && !defined(TWO_CONS)
    chan_close(me);
#endif
    finished++
}

#ifdef CLOSER
proctype Closer(byte me)
{
    bool skipw;
    chan_close(me);
    finished++
}
#endif

proctype Consumer(byte me)
{
    byte st, t, h, v;
    bool skipw;
    do
    :: true ->
        RING_WAIT(try_recv(me), evbit[RECV], RECV, recv_nsl, RECV_W, me);
        if
        :: st == 0 -> assert(v >= 1 && v <= NITEMS); got[v]++
        :: else -> break /* closed and drained */
        fi;
#ifdef TWO_CONS
        break
#else
        skip
#endif
    od;
    finished++
}

init {
    atomic {
        run Producer(0);
        run Consumer(1);
#if NCONS == 2
        run Consumer(2);
#endif
#ifdef CLOSER
        run Closer(3);
#endif
    }
#ifdef CLOSER
    (finished == 4);
#else
    (finished == 1 + NCONS);
#endif
    byte k = 1, total;
    do
    :: k <= NITEMS -> assert(got[k] <= 1); total = total + got[k]; k++
    :: else -> break
    od;
    assert(total == sent_ok)
}

/*
 * models/select.pml - select's registration (lib/chan_select.c, with the
 * buffered side of lib/chan_ring.c and the records of lib/chan_wait.c).
 *
 * A select over two receive cases: A on a buffered channel (capacity 1) and
 * B on an unbuffered one taking the locked path (elements too large for the
 * exchange slot).  Memory is sequentially consistent here (chan_ring.pml
 * shows the store-buffer side of the same announce/recheck handshake).
 * The select: tries both cases; then locks B, enters nq, tries B again and
 * queues a record on B's recvq; puts a record on A's selq (nsel + 1),
 * counts itself in A's recv_nsl and sets A's waiter bit; reads its sel word
 * (`seen`); runs the heavy barrier and peeks A; sleeps on its sel word until
 * claimed (B) or notified (A); cancels, unregisters, and starts again.
 * Scenario: one producer sends one value on A (default) or on B
 * (-DSEND_ON_B); the select must return it.
 *
 * Checked: the select returns exactly the value sent, from the right case
 * (assert); nobody sleeps forever (invalid end state).
 *
 * Injected bugs:
 *   BUG_SEL_NO_RECHECK     sleeps without peeking A after registering
 *   BUG_SEL_ANNOUNCE_LATE  sets A's waiter bit after the peek (swapped)
 *   BUG_SEL_NO_NOTIFY      ev_wake wakes the eventcount but does not notify
 *                          the selects in A's selq
 *   BUG_SEL_SEEN_LATE      reads its sel word after the peek (swapped)
 */
#include "futex.pml"

#define SEL 0   /* the select's process id */
#define PROD 1
#define EV_W 5
#define SEL_W 20 /* + owner id */
#define S_WAITING 0
#define S_BUSY 1
#define S_DONE 2
#define S_CANCELLED 3

/* channel A (buffered, capacity 1) */
bool afull;
byte aval;
bool evbit;
byte nsl, nsel;
bool selq_has;  /* the select's record is on A's selq (guarded by A's lock) */
bool lockA;
/* channel B (unbuffered, locked path) */
bool lockB;
byte nqB;
bool recvq_has; /* the select's record on B's recvq */
bool sendq_has; /* the producer's record on B's sendq */
byte bval;      /* the producer's value in its record */
/* sel words: state, a notification count, PARKED */
byte selst[2], selnote[2];
bool selpark[2];
byte selval[2];
byte result, result_case, finished;

inline lock(L) { atomic { !L -> L = true } }
inline unlock(L) { L = false }

/* the partner's side of a record: claim (CAS WAITING -> BUSY), finish */
inline finish(w)
{
    atomic { assert(selst[w] == S_BUSY); selst[w] = S_DONE; wk = selpark[w] };
    if
    :: wk -> futex_wake_all(SEL_W + w)
    :: else -> skip
    fi
}

inline notify(w)
{
    atomic { selnote[w] = (selnote[w] + 1) & 3; wk = selpark[w] };
    if
    :: wk -> futex_wake_all(SEL_W + w)
    :: else -> skip
    fi
}

/* wake_everyone / the notify half of ev_wake */
inline notify_selq()
{
    if
    :: nsel != 0 ->
        lock(lockA);
        if
        :: selq_has -> notify(SEL)
        :: else -> skip
        fi;
        unlock(lockA)
    :: else -> skip
    fi
}

inline ev_wake()
{
    if
    :: nsl != 0 ->
        futex_wake_one(EV_W); /* (the epoch bump: nobody parks on A's eventcount here) */
#ifndef BUG_SEL_NO_NOTIFY
        notify_selq()
#endif
    :: else ->
        d_step { if :: evbit -> evbit = false :: else -> skip fi };
        if
        :: nsl != 0 -> futex_wake_all(EV_W); notify_selq()
        :: else -> skip
        fi
    fi
}

proctype Producer(byte me)
{
    byte wk, w;
#ifndef SEND_ON_B
    aval = 1;
    afull = true;            /* publish */
    if                       /* wake_check */
    :: evbit -> ev_wake()
    :: else -> skip
    fi;
#else
    /* lfgo__sync_op, locked path: claim a receiver's record or queue */
    lock(lockB);
    nqB++;
    atomic {
        if
        :: recvq_has -> recvq_has = false;
            if
            :: selst[SEL] == S_WAITING -> selst[SEL] = S_BUSY; w = 1
            :: else -> w = 0
            fi
        :: else -> w = 0
        fi
    };
    if
    :: w == 1 ->
        selval[SEL] = 2;
        finish(SEL);
        nqB--;
        unlock(lockB)
    :: else ->
        selst[me] = S_WAITING;
        selpark[me] = false;
        bval = 2;
        sendq_has = true;
        unlock(lockB);
        do
        :: selst[me] == S_DONE -> break
        :: else ->
            atomic { selpark[me] = true; w = selst[me] };
            if
            :: w != S_DONE -> futex_wait(SEL_W + me, selst[me] == w && selpark[me], me)
            :: else -> skip
            fi
        od;
        nqB--
    fi;
#endif
    finished++
}

/* B's recv under its lock: claim the producer's record.  got = 1 if done. */
inline recv_locked_B()
{
    atomic {
        if
        :: sendq_has -> sendq_has = false;
            if
            :: selst[PROD] == S_WAITING -> selst[PROD] = S_BUSY; got = 1
            :: else -> skip
            fi
        :: else -> skip
        fi
    };
    if
    :: got == 1 -> result = bval; result_case = 2; finish(PROD)
    :: else -> skip
    fi
}

proctype Select(byte me)
{
    byte got, wk, seen_note, seen_st, w;
    bool ready, claimed;
    do
    :: true ->
        got = 0;
        /* pass_try */
        atomic {
            if
            :: afull -> afull = false; result = aval; result_case = 1; got = 1
            :: else -> skip
            fi
        };
        if
        :: got == 1 -> break
        :: else -> skip
        fi;
        lock(lockB); recv_locked_B(); unlock(lockB);
        if
        :: got == 1 -> break
        :: else -> skip
        fi;
        /* block_once: register_sync under B's lock, after entering nq */
        d_step { selst[me] = S_WAITING; selnote[me] = 0; selpark[me] = false };
        lock(lockB);
        nqB++;
        recv_locked_B();
        if
        :: got == 1 -> unlock(lockB); nqB--; break
        :: else -> recvq_has = true; unlock(lockB)
        fi;
        /* register_ring */
        lock(lockA); selq_has = true; nsel++; unlock(lockA);
        nsl++;
#ifndef BUG_SEL_ANNOUNCE_LATE
        evbit = true; /* fetch_or */
#endif
#ifndef BUG_SEL_SEEN_LATE
        atomic { seen_st = selst[me]; seen_note = selnote[me] };
#endif
        /* heavy barrier (nothing to drain under SC), then ring_ready_any */
#ifndef BUG_SEL_NO_RECHECK
        ready = afull;
#else
        ready = false;
#endif
#ifdef BUG_SEL_ANNOUNCE_LATE
        evbit = true;
#endif
#ifdef BUG_SEL_SEEN_LATE
        atomic { seen_st = selst[me]; seen_note = selnote[me] };
#endif
        if
        :: !ready -> /* lfgo__sel_wait(seen): until DONE or notified */
            do
            :: selst[me] == S_DONE || selnote[me] != seen_note -> break
            :: else ->
                atomic { selpark[me] = true; w = selst[me]; wk = selnote[me] }; /* fetch_or PARKED */
                if
                :: w != S_DONE && wk == seen_note ->
                    futex_wait(SEL_W + me, selst[me] == w && selnote[me] == wk && selpark[me], me)
                :: else -> skip
                fi
            od
        :: else -> skip
        fi;
        /* cancel; if a partner claimed first, wait for its finish */
        atomic {
            if
            :: selst[me] == S_WAITING -> selst[me] = S_CANCELLED; claimed = false
            :: else -> claimed = true
            fi
        };
        if
        :: claimed -> (selst[me] == S_DONE)
        :: else -> skip
        fi;
        /* unregister */
        lock(lockA);
        if
        :: selq_has -> selq_has = false; nsel--; nsl--
        :: else -> skip
        fi;
        unlock(lockA);
        lock(lockB); recvq_has = false; unlock(lockB);
        nqB--;
        if
        :: claimed -> result = selval[me]; result_case = 2; break
        :: else -> skip
        fi
    od;
    finished++
}

init {
    atomic {
        run Select(SEL);
        run Producer(PROD)
    }
    (finished == 2);
#ifdef SEND_ON_B
    assert(result == 2 && result_case == 2)
#else
    assert(result == 1 && result_case == 1)
#endif
}

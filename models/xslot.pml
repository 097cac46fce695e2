/*
 * models/xslot.pml - the unbuffered channel: the lock-free exchange slot and
 * the locked path with its waiter records, kept apart by nq
 * (lib/chan_sync.c, lib/chan_wait.c).
 *
 * xs = (mode, PARKED, gen) is one word changed only by CAS / RMW: each is
 * one atomic step here, comparing the whole word as the code does.
 * Waiters in the slot park on xs's low word; queued waiters park on their
 * own sel word.  The "look again briefly" budget for a BUSY or FILLED slot
 * is a nondeterministic choice between looking again and taking the locked
 * path.  No close, no deadlines, no select (select.pml) here.
 * Scenario: a sender sends 1, then 2; two receivers receive one value each.
 *
 * Checked: each value is received exactly once (assert); no pair is
 * stranded - nobody waits forever, in the slot or in a queue (invalid end
 * state).
 *
 * Injected bugs:
 *   BUG_XS_NO_NQ_RECHECK  a thread that became the slot's waiter does not
 *                         look at nq (does not leave for the locked path)
 *   BUG_XS_NQ_AFTER_SLOT  the locked path looks at the slot (and the queue)
 *                         before it increments nq (steps swapped)
 *   BUG_XS_NO_WAKE        leave_busy does not wake a PARKED waiter
 */
#include "futex.pml"

#define EMPTY 0
#define RWAIT 1
#define SWAIT 2
#define BUSY 3
#define FILLED 4
#define XS_W 10
#define SEL_W 20 /* + process id */
#define S_WAITING 0
#define S_BUSY 1
#define S_DONE 2
#define OK 0
#define SLOW 1
#define RETRY 2

byte xmode, xgen, xbuf;
bool xpark;
byte nq;
bool lk;
#define RQ 0 /* queue indices: q[2k], q[2k + 1]; qn[k] */
#define SQ 1
byte q[4], qn[2];
byte selst[3];
bool selpark[3];
byte selval[3]; /* a queued sender's value / what a queued receiver got */
byte got[3];    /* per value: how many receivers got it */
byte finished;

/* a snapshot of xs */
#define SNAP atomic { vm = xmode; vg = xgen; vp = xpark }
#define XS_IS(m, g, p) (xmode == (m) && xgen == (g) && xpark == (p))

/* leave_busy: BUSY -> FILLED (PARKED kept) or EMPTY of the next generation
 * (PARKED dropped); wakes the waiter if PARKED was set. */
inline leave_busy(to)
{
    atomic {
        assert(xmode == BUSY);
        wk = xpark;
        if
        :: to == FILLED -> xmode = FILLED
        :: else -> xmode = EMPTY; xgen++; xpark = false
        fi
    };
#ifndef BUG_XS_NO_WAKE
    if
    :: wk -> futex_wake_all(XS_W)
    :: else -> skip
    fi
#endif
}

/* slot_fill / slot_take: CAS v -> BUSY; r = 1 if it won */
inline slot_cas_busy()
{
    atomic {
        if
        :: XS_IS(vm, vg, vp) -> xmode = BUSY; r = 1
        :: else -> r = 0
        fi
    }
}

/* slot_park: set PARKED (CAS), then sleep while xs is unchanged */
inline slot_park(me)
{
    atomic {
        if
        :: vp -> r = 1
        :: XS_IS(vm, vg, false) -> xpark = true; vp = true; r = 1
        :: else -> r = 0
        fi
    };
    if
    :: r -> futex_wait(XS_W, XS_IS(vm, vg, true), me)
    :: else -> skip
    fi
}

/* The lock-free attempt (slot_op).  res = OK or SLOW. */
inline slot_op(send, me)
{
    do
    :: true ->
        SNAP;
        if
        :: send && vm == RWAIT ->
            slot_cas_busy();
            if
            :: r -> xbuf = val; leave_busy(FILLED); res = OK; break
            :: else -> skip
            fi
        :: !send && vm == SWAIT ->
            slot_cas_busy();
            if
            :: r -> val = xbuf; leave_busy(EMPTY); res = OK; break
            :: else -> skip
            fi
        :: vm == EMPTY && nq != 0 -> res = SLOW; break
        :: vm == EMPTY && nq == 0 ->
            if
            :: send -> slot_send_wait(me)
            :: else -> slot_recv_wait(me)
            fi;
            if
            :: res != RETRY -> break
            :: else -> skip
            fi
        :: vm == BUSY || vm == FILLED -> /* look again briefly, then queue */
            if
            :: skip
            :: res = SLOW; break
            fi
        :: (send && vm == SWAIT) || (!send && vm == RWAIT) -> res = SLOW; break
        fi
    od
}

inline nq_recheck()
{
#ifndef BUG_XS_NO_NQ_RECHECK
    if
    :: nq != 0 ->
        atomic {
            if
            :: XS_IS(mm, mg, false) -> xmode = EMPTY; xgen++; r = 1
            :: else -> r = 0
            fi
        };
        if
        :: r -> res = SLOW; goto out
        :: else -> skip
        fi
    :: else -> skip
    fi
#endif
    skip
}

inline slot_recv_wait(me)
{
    atomic {
        if
        :: XS_IS(vm, vg, vp) -> xmode = RWAIT; mm = RWAIT; mg = vg; r = 1
        :: else -> r = 0
        fi
    };
    if
    :: !r -> res = RETRY
    :: else ->
        nq_recheck(); /* Dekker with the locked path */
        do
        :: true ->
            SNAP;
            if
            :: vm == FILLED ->
                val = xbuf;
                atomic { assert(xmode == FILLED); xmode = EMPTY; xgen++; xpark = false };
                res = OK;
                break
            :: else -> slot_park(me) /* RWAIT, or BUSY: a sender is filling */
            fi
        od
    fi;
out: skip
}

inline slot_send_wait(me)
{
    atomic {
        if
        :: XS_IS(vm, vg, vp) -> xmode = BUSY; r = 1
        :: else -> r = 0
        fi
    };
    if
    :: !r -> res = RETRY
    :: else ->
        xbuf = val;
        atomic { assert(xmode == BUSY); xmode = SWAIT; mm = SWAIT; mg = xgen; assert(!xpark) };
        nq_recheck();
        do
        :: true ->
            SNAP;
            if
            :: vg != mg -> res = OK; break /* a receiver took it */
            :: else -> slot_park(me)     /* SWAIT, or BUSY: a receiver is taking */
            fi
        od
    fi;
out: skip
}

/* lfgo__sel_claim: WAITING -> BUSY */
inline claim(K)
{
    w = 255;
    do
    :: qn[K] == 0 -> break
    :: qn[K] > 0 ->
        atomic {
            c = q[2 * K]; q[2 * K] = q[2 * K + 1]; q[2 * K + 1] = 0; qn[K]--;
            if
            :: selst[c] == S_WAITING -> selst[c] = S_BUSY; w = c
            :: else -> skip
            fi
        };
        if
        :: w != 255 -> break
        :: else -> skip
        fi
    od
}

/* lfgo__sel_finish: BUSY -> DONE (an RMW); wakes the owner if PARKED */
inline finish(w)
{
    atomic { assert(selst[w] == S_BUSY); selst[w] = S_DONE; wk = selpark[w] };
    if
    :: wk -> futex_wake_all(SEL_W + w)
    :: else -> skip
    fi
}

/* lfgo__sync_send_locked / _recv_locked; res = OK or SLOW (would block) */
inline op_locked(send)
{
    res = SLOW;
    do
    :: true ->
        SNAP;
        if
        :: send && vm == RWAIT ->
            slot_cas_busy();
            if
            :: r -> xbuf = val; leave_busy(FILLED); res = OK; break
            :: else -> skip
            fi
        :: !send && vm == SWAIT ->
            slot_cas_busy();
            if
            :: r -> val = xbuf; leave_busy(EMPTY); res = OK; break
            :: else -> skip
            fi
        :: else -> break
        fi
    od;
    if
    :: res != OK && send ->
        claim(RQ);
        if
        :: w != 255 -> selval[w] = val; finish(w); res = OK
        :: else -> skip
        fi
    :: res != OK && !send ->
        claim(SQ);
        if
        :: w != 255 -> val = selval[w]; finish(w); res = OK
        :: else -> skip
        fi
    :: else -> skip
    fi
}

/* lfgo__sync_op: the slot, then the locked path. */
inline sync_op(send, me)
{
    slot_op(send, me);
    if
    :: res == SLOW ->
        atomic { !lk -> lk = true };
#ifndef BUG_XS_NQ_AFTER_SLOT
        nq++;
#endif
        op_locked(send);
        if
        :: res == OK ->
#ifndef BUG_XS_NQ_AFTER_SLOT
            nq--;
#endif
            lk = false
        :: else ->
#ifdef BUG_XS_NQ_AFTER_SLOT
            nq++;
#endif
            selst[me] = S_WAITING;
            selpark[me] = false;
            if
            :: send -> selval[me] = val; q[2 * SQ + qn[SQ]] = me; qn[SQ]++
            :: else -> q[2 * RQ + qn[RQ]] = me; qn[RQ]++
            fi;
            lk = false;
            /* lfgo__sel_wait: until DONE */
            do
            :: selst[me] == S_DONE -> break
            :: else ->
                atomic { selpark[me] = true; ss = selst[me] }; /* fetch_or PARKED */
                if
                :: ss != S_DONE -> futex_wait(SEL_W + me, selst[me] == ss && selpark[me], me)
                :: else -> skip
                fi
            od;
            if
            :: !send -> val = selval[me]
            :: else -> skip
            fi;
            nq--
        fi
    :: else -> skip
    fi
}

proctype Sender(byte me)
{
    byte vm, vg, mm, mg, val, res, r, wk, w, c, ss;
    bool vp;
    val = 1;
    sync_op(true, me);
    val = 2;
    sync_op(true, me);
    finished++
}

proctype Receiver(byte me)
{
    byte vm, vg, mm, mg, val, res, r, wk, w, c, ss;
    bool vp;
    sync_op(false, me);
    assert(val == 1 || val == 2);
    got[val]++;
    finished++
}

init {
    atomic {
        run Sender(0);
        run Receiver(1);
        run Receiver(2)
    }
    (finished == 3);
    assert(got[1] == 1 && got[2] == 1)
}

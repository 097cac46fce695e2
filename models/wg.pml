/*
 * models/wg.pml - WaitGroup: the waiter bit and the release (lib/wg.c,
 * include/lfgo/wg.h).
 *
 * state = (cnt, epoch, wbit) is one 64-bit word in the code; every access
 * below that touches it is one atomic step, as the code's single-word RMWs
 * and CASes are.  Waiters park on the low word (epoch, waiter bit).
 * Scenario: add(2) has happened; 2 workers each finish a task and call
 * done(); 2 waiters call wait().  The last waiter to return frees the
 * WaitGroup (the lifetime promise in wg.h).
 *
 * Checked: a wait returns only after both tasks finished (assert); the
 * releaser's swap never touches freed memory (assert); nobody parks forever
 * (invalid end state).
 *
 * Injected bugs (-D...):
 *   BUG_WG_NO_WAKE   release_waiters swaps but skips the FUTEX_WAKE
 *   BUG_WG_NO_BIT    register_waiter parks without setting the waiter bit
 *   BUG_WG_EARLY     is_over ignores the bit: "counter zero" is taken as over
 *                    while the releaser still has to write the object
 */
#include "futex.pml"

#define NWORKERS 2
#define NWAITERS 2
#define WG_WORD 1

byte cnt = NWORKERS, epoch, wbit;
byte finished, returned;
bool freed;

#ifdef BUG_WG_EARLY
#define OVER(c, b) ((c) == 0)
#else
#define OVER(c, b) ((c) == 0 && !(b))
#endif

proctype Worker()
{
    byte oc, ob, oe;
    finished++; /* the task's writes */
    atomic { oc = cnt; ob = wbit; oe = epoch; cnt-- }; /* fetch_add(-1 << 32), acq_rel */
    if
    :: oc == 1 && ob ->
        /* release_waiters: CAS (0, e, 1) -> (0, e + 1, 0); it cannot fail
         * without an add() racing the wait (misuse, not modelled). */
        atomic {
            assert(!freed);
            assert(cnt == 0 && wbit && epoch == oe);
            epoch++;
            wbit = 0
        };
#ifndef BUG_WG_NO_WAKE
        futex_wake_all(WG_WORD)
#endif
    :: else -> skip
    fi
}

proctype Waiter(byte me)
{
    byte c, e, b, low_e;
    bool ok;
    /* wait_slow's spin: may see "over" before registering */
    if
    :: atomic { OVER(cnt, wbit) -> goto over }
    :: skip
    fi;
    /* register_waiter */
    atomic { c = cnt; e = epoch; b = wbit };
    do
    :: OVER(c, b) -> goto over
    :: else ->
        if
        :: b -> low_e = e; break /* registered already, or a release in progress */
        :: else ->
#ifdef BUG_WG_NO_BIT
            low_e = e; break /* parks on (e, 0) */
#else
            atomic {
                if
                :: cnt == c && epoch == e && wbit == b -> wbit = 1; b = 1; low_e = e; ok = true
                :: else -> c = cnt; e = epoch; b = wbit; ok = false
                fi
            };
            if
            :: ok -> break
            :: else -> skip
            fi
#endif
        fi
    od;
    /* park while the low word holds what we registered with */
    do
    :: OVER(cnt, wbit) || epoch != low_e -> break
    :: else -> futex_wait(WG_WORD, epoch == low_e && wbit == b, me)
    od;
over:
    assert(finished == NWORKERS);
    atomic {
        returned++;
        if
        :: returned == NWAITERS -> freed = true /* the last waiter frees it */
        :: else -> skip
        fi
    }
}

init {
    atomic {
        run Waiter(0);
        run Waiter(1);
        run Worker();
        run Worker()
    }
}

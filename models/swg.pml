/*
 * models/swg.pml - SizedWaitGroup: slot take, sleeper registration and the
 * epoch wake (lib/swg.c, include/lfgo/swg.h).
 *
 * slots = (sleepers, in_flight) is one word changed only by CAS: each CAS
 * loop below is one atomic step.  epoch is the futex word adders park on.
 * Scenario: limit 1; a holder has the slot and calls done(); 2 adders call
 * add() (spin-polling without registering, then registering and parking),
 * run their task and call done().
 *
 * Checked: at most `limit` tasks run at once and in_flight never exceeds the
 * limit (assert); every adder gets a slot - nobody parks forever while a
 * slot is free (invalid end state).
 *
 * Injected bugs:
 *   BUG_SWG_SAMPLE_LATE  park_once samples epoch after the registering CAS
 *                        (the two steps swapped)
 *   BUG_SWG_NO_WAKE      a done() that sees sleepers bumps epoch but skips
 *                        the FUTEX_WAKE
 */
#include "futex.pml"

#define LIMIT 1
#define EPOCH_WORD 1

byte in_flight = 1, sleepers, epoch;
byte in_task = 1;

inline done()
{
    atomic { old_sl = sleepers; assert(in_flight > 0); in_flight-- }; /* CAS slots - 1, acq_rel */
    if
    :: old_sl > 0 ->
        epoch++; /* lfgo__swg_wake: fetch_add release */
#ifndef BUG_SWG_NO_WAKE
        futex_wake_one(EPOCH_WORD)
#endif
    :: else -> skip
    fi
}

proctype Holder()
{
    byte old_sl;
    in_task--;
    done()
}

proctype Adder(byte me)
{
    byte e, old_sl;
    bool took;
    do
    :: atomic { in_flight < LIMIT -> in_flight++; break } /* lfgo__swg_take */
    :: else ->
        /* park_once */
#ifndef BUG_SWG_SAMPLE_LATE
        e = epoch;
#endif
        atomic { /* register_or_take */
            if
            :: in_flight < LIMIT -> in_flight++; took = true
            :: else -> sleepers++; took = false
            fi
        };
        if
        :: took -> break
        :: else -> skip
        fi;
#ifdef BUG_SWG_SAMPLE_LATE
        e = epoch;
#endif
        do
        :: epoch != e -> break
        :: else -> futex_wait(EPOCH_WORD, epoch == e, me)
        od;
        atomic { /* deregister_or_take */
            sleepers--;
            if
            :: in_flight < LIMIT -> in_flight++; took = true
            :: else -> took = false
            fi
        };
        if
        :: took -> break
        :: else -> skip /* woken, the slot went to another adder: again */
        fi
    od;
    assert(in_flight <= LIMIT);
    in_task++;
    assert(in_task <= LIMIT);
    in_task--;
    done()
}

init {
    atomic {
        run Adder(0);
        run Adder(1);
        run Holder()
    }
}

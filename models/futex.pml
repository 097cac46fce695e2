/*
 * models/futex.pml - the parking layer (lib/park.h) for the lfgo models.
 *
 * futex_wait(W, STILL, ME): if STILL holds (the futex compare: the word still
 * has the value the caller expects), process ME sleeps on word W until a
 * futex_wake on W; otherwise it returns at once.  The compare and the sleep
 * are one atomic step, as the kernel makes them.  A process that is never
 * woken stays blocked at the `(parked[ME] == NONE)` statement, which is not
 * an end state: spin reports it as an "invalid end state" once every other
 * process has finished.  That is how every model checks "no lost wake-up".
 *
 * Futex words are small integers chosen by each model.  Up to 4 processes
 * may park (indices 0..3).
 */
#define NONE 255

byte parked[4] = NONE; /* the word process i sleeps on, or NONE */
bool fwoken[4];            /* process i's last futex_wait ended by a wake (return 0) */
byte fw;               /* scratch for futex_wake_all (always 0 between steps) */

inline futex_wait(W, STILL, ME)
{
    atomic {
        fwoken[ME] = false;
        if
        :: (STILL) -> parked[ME] = W
        :: else -> skip
        fi
    };
    (parked[ME] == NONE)
}

/* FUTEX_WAKE(1): one process parked on W, if there is one (any of them). */
inline futex_wake_one(W)
{
    atomic {
        if
        :: parked[0] == W -> parked[0] = NONE; fwoken[0] = true
        :: parked[1] == W -> parked[1] = NONE; fwoken[1] = true
        :: parked[2] == W -> parked[2] = NONE; fwoken[2] = true
        :: parked[3] == W -> parked[3] = NONE; fwoken[3] = true
        :: else -> skip
        fi
    }
}

/* FUTEX_WAKE(INT_MAX): every process parked on W. */
inline futex_wake_all(W)
{
    d_step {
        fw = 0;
        do
        :: fw < 4 ->
            if
            :: parked[fw] == W -> parked[fw] = NONE; fwoken[fw] = true
            :: else -> skip
            fi;
            fw++
        :: else -> break
        od;
        fw = 0
    }
}

/*
 * models/mutex.pml - Mutex: LOCKED / PARKED / STARVING / WOKEN / QLOCK, the
 * spinner count, the queue and the starvation hand-off (lib/mutex.c,
 * include/lfgo/mutex.h).
 *
 * Every CAS loop on `state` is one atomic step with the same condition and
 * result as the code's.  The queue (under QLOCK) is an array of waiter ids;
 * each waiter sleeps on its own word.  Time is a nondeterministic choice:
 * "waited longer than LFGO_MUTEX_STARVE_NS" may be true or false at each
 * point the code reads the clock.  No deadlines (no timeouts) here.
 * 2 CPUs: at most one spinner (spin_enter's n + 1 < cpus).
 * Scenario: 3 threads each lock, run a critical section, unlock.
 *
 * Checked: mutual exclusion (assert); every thread gets the lock and
 * nobody stays parked or queued (invalid end state).
 *
 * Injected bugs:
 *   BUG_MX_NO_RETRY        queue_and_sleep queues without retrying the lock
 *                          under QLOCK (the recheck that closes the race
 *                          with an unlock that saw no waiter)
 *   BUG_MX_NO_WAKE         unlock takes the WOKEN duty but skips wake_next
 *   BUG_MX_HANDOFF_UNLOCKS hand_off clears LOCKED while granting the lock
 */
#include "futex.pml"

#define LOCKED 1
#define PARKED 2
#define STARVING 4
#define WOKEN 8
#define QLOCK 16

#define NT 3
#define W_WAITING 0
#define W_WOKEN 1
#define W_GRANTED 2

byte state, spinners;
byte q[NT];  /* queue of waiter ids, q[0] the head */
byte qn;
byte word[NT];
byte in_cs;

/* QLOCK held: link at the tail, or at the head (queued before) */
inline link(me, at_head)
{
    d_step {
        if
        :: at_head -> j = qn; do :: j > 0 -> q[j] = q[j - 1]; j-- :: else -> break od; q[0] = me
        :: else -> q[qn] = me
        fi;
        qn++;
        j = 0
    }
}

/* QLOCK held: pop the head into w and set its word */
inline pop_and_mark(how)
{
    d_step {
        w = q[0];
        j = 0;
        do :: j + 1 < qn -> q[j] = q[j + 1]; j++ :: else -> break od;
        qn--;
        q[qn] = 0;
        j = 0;
        word[w] = how
    }
}

inline qlock()
{
    atomic { !(state & QLOCK) -> state = state | QLOCK }
}

inline qunlock(set, clear)
{
    d_step { state = ((state | set) & ~(clear)) & ~QLOCK }
}

inline wake_next()
{
    qlock();
    if
    :: qn == 0 -> qunlock(0, WOKEN | PARKED | STARVING)
    :: else ->
        pop_and_mark(W_WOKEN);
        if
        :: qn > 0 -> qunlock(0, 0)
        :: else -> qunlock(0, PARKED)
        fi;
        futex_wake_one(w)
    fi
}

inline hand_off()
{
    qlock();
    if
    :: qn == 0 -> qunlock(0, LOCKED | PARKED | STARVING)
    :: else ->
        pop_and_mark(W_GRANTED);
#ifdef BUG_MX_HANDOFF_UNLOCKS
        d_step { state = state & ~LOCKED };
#endif
        if
        :: qn > 0 -> qunlock(0, 0)
        :: else -> qunlock(0, PARKED | STARVING)
        fi;
        futex_wake_one(w)
    fi
}

inline unlock()
{
    atomic { /* inline fast path: CAS LOCKED -> 0 */
        if
        :: state == LOCKED -> state = 0; r = 1
        :: else -> r = 0
        fi
    };
    if
    :: r == 0 -> /* lfgo__mutex_unlock_slow */
        atomic {
            assert(state & LOCKED);
            if
            :: state & STARVING -> r = 2
            :: else ->
                wake = (state & PARKED) && !(state & WOKEN);
                state = (state & ~LOCKED) | (wake -> WOKEN : 0);
                r = 3
            fi
        };
        if
        :: r == 2 -> hand_off()
        :: r == 3 && wake ->
#ifndef BUG_MX_NO_WAKE
            wake_next()
#else
            skip
#endif
        :: else -> skip
        fi
    :: else -> skip
    fi
}

/* try_acquire: r = 1 if it took the lock */
inline try_acquire()
{
    atomic {
        if
        :: !(state & (LOCKED | STARVING)) -> state = (state | LOCKED) & ~(woken -> WOKEN : 0); r = 1
        :: else -> r = 0
        fi
    }
}

proctype Thread(byte me)
{
    byte r, w, j;
    bool woken, spun, wake, starve, queued_before, at_head;
    /* inline fast path: CAS 0 -> LOCKED */
    atomic {
        if
        :: state == 0 -> state = LOCKED; r = 1
        :: else -> r = 0
        fi
    };
    do
    :: r == 1 -> break
    :: else ->
        try_acquire();
        if
        :: r == 1 -> break
        :: else -> skip
        fi;
        /* spin_enter: 2 CPUs, so at most one spinner */
        if
        :: atomic { !spun && !(state & STARVING) && !((state & PARKED) && !woken) &&
                    (state & LOCKED) && spinners == 0 -> spinners++ };
            /* spin_acquire: polls; CASes in when it sees the lock free */
            do
            :: atomic { !(state & LOCKED) && !(state & STARVING) ->
                   state = (state | LOCKED) & ~(woken -> WOKEN : 0); r = 1 };
               break
            :: state & STARVING -> break
            :: true -> break /* budget spent */
            od;
            spinners--;
            spun = true
        :: else ->
            /* queue_and_sleep */
            qlock();
            atomic {
                if
#ifndef BUG_MX_NO_RETRY
                :: !(state & (LOCKED | STARVING)) ->
                    state = (state | LOCKED) & ~((woken -> WOKEN : 0) | QLOCK); r = 1
#endif
                :: else ->
                    starve = false;
                    if
                    :: woken && !(state & STARVING) -> starve = true /* waited long */
                    :: true -> skip
                    fi;
                    state = (state | PARKED | (starve -> STARVING : 0)) & ~(woken -> WOKEN : 0);
                    r = 0
                fi
            };
            if
            :: r == 1 -> break /* GOT_LOCK */
            :: else -> skip
            fi;
            at_head = queued_before;
            link(me, at_head);
            queued_before = true;
            word[me] = W_WAITING;
            qunlock(0, 0);
            /* sleep_queued */
            do
            :: word[me] != W_WAITING -> break
            :: else -> futex_wait(me, word[me] == W_WAITING, me)
            od;
            if
            :: word[me] == W_GRANTED ->
                if /* granted(): a short wait ends starvation mode */
                :: d_step { state = state & ~STARVING }
                :: skip
                fi;
                r = 1;
                break
            :: else -> woken = true; spun = false /* WOKEN_UP: try again */
            fi
        fi;
        if
        :: r == 1 -> break
        :: else -> skip
        fi
    od;
    /* critical section */
    in_cs++;
    assert(in_cs == 1);
    in_cs--;
    unlock()
}

init {
    atomic {
        run Thread(0);
        run Thread(1);
        run Thread(2)
    }
}

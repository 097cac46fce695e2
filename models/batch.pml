/*
 * models/batch.pml - the batcher's flush markers (lib/batch.c).
 *
 * Lanes are FIFO channels (Promela channels: their ordering is what the lfgo
 * MPSC lanes guarantee; the lane's own wait/wake is the chan_ring model).
 * flush() sends a marker with its ticket into every lane (serialised by
 * flush_mu), then waits, parking on flush_done, until the flusher has
 * acknowledged the ticket: the flusher acks ticket k once it took k's marker
 * out of every lane, after delivering the batch so far (ST_FORCED).
 * The flusher takes from any lane with something in it (gather and the
 * select over the lanes do that), and may deliver a non-empty batch at any
 * time (a deadline).
 * Scenario: 2 lanes.  Producer A adds item 1 into lane 0, then tells the
 * flushing thread F (happens-before); B adds item 2 into lane 1, then calls
 * flush() itself.  F calls flush() once it heard from A.  After both
 * flushes and all adds, the lanes are closed and the flusher drains them.
 *
 * Checked: when a flush() returns, every item added before it (in
 * happens-before) has been delivered to the callback (assert); every item is
 * delivered exactly once (assert); nobody parks forever (invalid end state).
 *
 * Injected bugs:
 *   BUG_BATCH_ACK_FIRST           ack a ticket when its first marker arrives
 *   BUG_BATCH_ACK_BEFORE_DELIVER  ack, then deliver (swapped)
 *   BUG_BATCH_PARK_NO_COMPARE     flush() parks on flush_done without the
 *                                 futex compare (sleeps even if acked)
 */
#include "futex.pml"

#define NLANES 2
#define MARKER 128 /* element = MARKER | ticket, or an item number */
#define FLUSH_W 3
#define FLUSH_WAITERS 2

chan lane[NLANES] = [4] of { byte };
byte flush_done;     /* the futex word */
bool flush_mu;       /* the mutex serialising flush() */
byte flush_ticket;   /* guarded by flush_mu */
byte delivered[3];   /* per item: how many times the callback got it */
bool added[3];
bool a_told;
byte nclosed, finished;

inline flush(me)
{
    atomic { !flush_mu -> flush_mu = true };
    flush_ticket++;
    t = flush_ticket;
    lane[0] ! MARKER | t;
    lane[1] ! MARKER | t;
    do /* while ((seen = load(flush_done, acquire)) != ticket) park(&flush_done, seen) */
    :: true ->
        seen = flush_done;
        if
        :: seen == t -> break
        :: else ->
#ifdef BUG_BATCH_PARK_NO_COMPARE
            futex_wait(FLUSH_W, true, me)
#else
            futex_wait(FLUSH_W, flush_done == seen, me)
#endif
        fi
    od;
    flush_mu = false
}

proctype A()
{
    lane[0] ! 1;
    added[1] = true;
    a_told = true; /* A's add happens-before F's flush */
    finished++
}

proctype F(byte me)
{
    byte t, seen;
    a_told;
    flush(me);
    assert(delivered[1] == 1);
    finished++
}

proctype B(byte me)
{
    byte t, seen;
    lane[1] ! 2;
    added[2] = true;
    flush(me);
    assert(delivered[2] == 1);
    finished++
}

proctype Closer()
{
    finished == 3;
    lane[0] ! 255; /* close */
    lane[1] ! 255
}

inline deliver_all()
{
    d_step {
        k = 0;
        do :: k < count -> delivered[batch[k]]++; batch[k] = 0; k++ :: else -> break od;
        count = 0; k = 0
    }
}

inline ack_flush()
{
    flush_done = marker_ticket; /* release store */
    futex_wake_all(FLUSH_W)
}

inline took(e)
{
    if
    :: e == 255 -> nclosed++
    :: e != 255 && (e & MARKER) -> /* on_marker */
        if
        :: (e & 127) != marker_ticket -> marker_ticket = e & 127; markers = 0
        :: else -> skip
        fi;
        markers++;
#ifdef BUG_BATCH_ACK_FIRST
        if
        :: markers == 1 ->
#else
        if
        :: markers == NLANES ->
#endif
#ifdef BUG_BATCH_ACK_BEFORE_DELIVER
            ack_flush();
            deliver_all()
#else
            deliver_all(); /* ST_FORCED */
            ack_flush()
#endif
        :: else -> skip
        fi
    :: else -> batch[count] = e; count++ /* append */
    fi
}

proctype Flusher()
{
    byte e, batch[3], count, k, marker_ticket, markers;
    do
    :: nclosed == NLANES -> break
    :: count > 0 -> deliver_all() /* the deadline passed */
    :: lane[0] ? e -> took(e)
    :: lane[1] ? e -> took(e)
    od;
    deliver_all(); /* ST_CLOSE */
    assert(delivered[1] == 1 && delivered[2] == 1)
}

init {
    atomic {
        run F(0);
        run B(1);
        run A();
        run Flusher();
        run Closer()
    }
}

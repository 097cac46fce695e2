/*
 * lib/chan_sync.c - unbuffered channels (capacity 0): Go's rendezvous.
 *
 * Invariants (all guarded by ch->lock):
 *  - sendq holds records of blocked senders (plain or select), recvq of
 *    blocked receivers.  A record whose sel is no longer WAITING is stale and
 *    is unlinked by whoever meets it.
 *  - An arriving sender claims the first live receiver record (never one of
 *    its own select) and copies its value into the receiver's buffer before
 *    finishing it; an arriving receiver copies out of a claimed sender
 *    record.  So a value is handed over exactly once, directly from the
 *    sender's memory to the receiver's, and a send completes (the sender sees
 *    DONE) only after the receiver's buffer holds the value.
 *  - closed is set once; close finishes every queued record with
 *    LFGO_CLOSED, so no record is queued on a closed channel afterwards (an
 *    arriving thread sees closed first, under the lock).
 *
 * Ordering: the lock orders the queues.  The copy happens before the
 * claimer's seq_cst RMW that sets DONE, which the owner reads (seq_cst)
 * before returning: the send happens-before the receive completes, and (the
 * receiver's record was queued under the lock before the sender took it) the
 * receive's start happens-before the send completes, as Go requires.
 */
#include <string.h>

#include "chan_internal.h"

lfgo_status lfgo__sync_send_locked(lfgo_chan *ch, const void *elem, const lfgo__sel *self)
{
    if (ch->closed)
        return LFGO_CLOSED;
    lfgo__waiter *w = lfgo__waitq_claim(&ch->recvq, self);
    if (!w)
        return LFGO_WOULDBLOCK;
    memcpy(w->elem, elem, ch->elem_size);
    lfgo__sel_finish(w->sel, w->idx, LFGO_OK);
    return LFGO_OK;
}

lfgo_status lfgo__sync_recv_locked(lfgo_chan *ch, void *out, const lfgo__sel *self)
{
    lfgo__waiter *w = lfgo__waitq_claim(&ch->sendq, self);
    if (w) {
        memcpy(out, w->elem, ch->elem_size);
        lfgo__sel_finish(w->sel, w->idx, LFGO_OK);
        return LFGO_OK;
    }
    return ch->closed ? LFGO_CLOSED : LFGO_WOULDBLOCK;
}

/* Waits on a queued record; unlinks it if the deadline wins. */
static lfgo_status wait_record(lfgo_chan *ch, lfgo__waitq *q, lfgo__waiter *w,
                               const struct timespec *deadline)
{
    uint32_t st = lfgo__sel_wait(w->sel, LFGO__SEL_WAITING, deadline);
    if (st != LFGO__SEL_DONE && lfgo__sel_cancel(w->sel)) {
        lfgo__chlock_lock(&ch->lock);
        lfgo__waitq_unlink(q, w);
        lfgo__chlock_unlock(&ch->lock);
        return LFGO_TIMEOUT;
    }
    lfgo__sel_wait_done(w->sel);
    return w->sel->status;
}

lfgo_status lfgo__sync_op(lfgo_chan *ch, void *elem, bool send, const struct timespec *deadline,
                          bool try_only)
{
    lfgo__chlock_lock(&ch->lock);
    lfgo_status st = send ? lfgo__sync_send_locked(ch, elem, NULL)
                          : lfgo__sync_recv_locked(ch, elem, NULL);
    if (st != LFGO_WOULDBLOCK || try_only || lfgo__deadline_passed(deadline)) {
        lfgo__chlock_unlock(&ch->lock);
        return (st == LFGO_WOULDBLOCK && !try_only) ? LFGO_TIMEOUT : st;
    }
    lfgo__sel sel;
    lfgo__sel_init(&sel);
    lfgo__waiter w = {NULL, NULL, &sel, elem, 0, false};
    lfgo__waitq *q = send ? &ch->sendq : &ch->recvq;
    lfgo__waitq_push(q, &w);
    lfgo__chlock_unlock(&ch->lock);
    return wait_record(ch, q, &w, deadline);
}

lfgo_status lfgo__sync_close(lfgo_chan *ch)
{
    lfgo__chlock_lock(&ch->lock);
    if (ch->closed) {
        lfgo__chlock_unlock(&ch->lock);
        lfgo__misuse("lfgo_chan_close", "close of closed channel");
        return LFGO_MISUSE;
    }
    ch->closed = 1;
    lfgo__waitq_finish_all(&ch->recvq, LFGO_CLOSED);
    lfgo__waitq_finish_all(&ch->sendq, LFGO_CLOSED);
    lfgo__chlock_unlock(&ch->lock);
    return LFGO_OK;
}

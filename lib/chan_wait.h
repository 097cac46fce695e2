/*
 * lib/chan_wait.h - the waiter queue of lfgo's channels (internal): Go's
 * sudog and selectDone, written for C.  Used by lfgo's unbuffered channels
 * (the locked path beside the exchange slot, chan_sync.c) and select.  The
 * list of records itself is lib/waitlist.h, shared with the twin, whose
 * records sleep on a pthread condvar instead of an lfgo__sel
 * (lib/twin/chan.c).
 *
 * Dependency order: park.h, waitlist.h -> this header -> chan_internal.h;
 * chan_wait.c calls only the parking layer.
 *
 * A thread that must wait for a partner (a rendezvous send or receive, or a
 * select over several channels) puts one record per case on the channels'
 * queues and waits on one `sel` of its own (on its stack).  A partner, holding
 * the channel's lock, takes a record off a queue and claims its sel:
 *
 *   sel state:  WAITING --claim (partner CAS)--> BUSY --finish--> DONE
 *               WAITING --cancel (owner CAS)---> CANCELLED
 *
 * Exactly one claim or cancel succeeds, so exactly one case of a select
 * completes.  The claimer copies the value (from the sender's record, or into
 * the receiver's) between claim and finish; the owner returns only after it
 * sees DONE, so the copy never outlives the owner's buffers.  After finish the
 * claimer touches nothing of the record but the address of the sel word (for
 * the futex wake, which does not dereference it).
 *
 * The sel word: bits 0-1 the state above, bit 2 PARKED (the owner may be
 * asleep: whoever changes the word wakes it), bits 3.. a notification count
 * bumped by buffered channels whose state changed (a select waiting on a
 * buffered channel rechecks when it changes).  Every change of the word is a
 * read-modify-write, so a PARKED owner is never missed ("both sides on one
 * RMW").
 *
 * Queues are intrusive doubly linked lists guarded by the channel's lock
 * (lfgo__chlock); records whose sel is no longer WAITING are unlinked by
 * whoever meets them first.  Each queue counts its changes (`ver`, bumped by
 * every push and unlink under the lock) so that select can tell, without the
 * lock, that a queue did not change between two looks (chan_select.c).
 *
 * Wake after unlock (Go's runtime does the same): a partner that completes a
 * record under the lock only claims it and copies the value there; it
 * finishes the record (DONE, and the futex wake) after it has dropped the
 * lock, through an lfgo__wakes list, so the woken thread does not run into a
 * lock that is still held.  A claimed record stays valid until it is
 * finished: its owner waits for DONE before it returns.
 */
#ifndef LFGO_LIB_CHAN_WAIT_H
#define LFGO_LIB_CHAN_WAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lfgo/chan.h"
#include "park.h"
#include "waitlist.h"

enum {
    LFGO__SEL_WAITING = 0u,
    LFGO__SEL_BUSY = 1u,
    LFGO__SEL_DONE = 2u,
    LFGO__SEL_CANCELLED = 3u,
    LFGO__SEL_STATE = 3u,
    LFGO__SEL_PARKED = 4u,
    LFGO__SEL_NOTE = 8u
};

typedef struct lfgo__sel {
    lfgo__word word;
    uint32_t chosen;    /* written by the claimer before DONE */
    lfgo_status status; /* likewise */
} lfgo__sel;

/* A waiter record (lib/waitlist.h); its `sel` is an lfgo__sel. */
typedef lfgo__wrec lfgo__waiter;

typedef struct lfgo__waitq {
    lfgo__wlist list;
    LFGO_ATOMIC(uint32_t) ver; /* changes: written under the lock, read by select */
} lfgo__waitq;

/* True if the queue holds a record (the caller holds the queue's lock). */
static inline bool lfgo__waitq_any(const lfgo__waitq *q)
{
    return q->list.head != NULL;
}

/*
 * What a thread holding a channel's lock must do once it has dropped it:
 * finish claimed records (a chain through their `next`, which nobody else
 * reads once a record is unlinked) and wake words.  Words beyond
 * LFGO__WAKES_MAX are woken at once, under the lock (more than that many
 * selects parked on one buffered channel).
 */
#define LFGO__WAKES_MAX 16
typedef struct lfgo__wakes {
    lfgo__waiter *fin;  /* claimed records to finish, with fin_st */
    lfgo_status fin_st; /* per record: see lfgo__wakes_claimed */
    uint32_t nwords;
    lfgo__word *words[LFGO__WAKES_MAX];
} lfgo__wakes;

#define LFGO__WAKES_INIT {NULL, LFGO_OK, 0, {NULL}}

/* Queues a claimed (BUSY) record to be finished with `st` (its idx kept). */
void lfgo__wakes_claimed(lfgo__wakes *wk, lfgo__waiter *w, lfgo_status st);
/* Queues a futex wake of `w`. */
void lfgo__wakes_word(lfgo__wakes *wk, lfgo__word *w);
/* After unlocking: finishes and wakes everything queued. */
void lfgo__wakes_run(lfgo__wakes *wk);

/* Queue operations: the caller holds the queue's lock. */
void lfgo__waitq_push(lfgo__waitq *q, lfgo__waiter *w);
void lfgo__waitq_unlink(lfgo__waitq *q, lfgo__waiter *w);
/* Unlinks records until one whose sel is not `self` is claimed; NULL if the
 * queue has none.  The claimed sel is BUSY: finish it. */
lfgo__waiter *lfgo__waitq_claim(lfgo__waitq *q, const lfgo__sel *self);
/* Claims every record, to be finished with `st` once the lock is dropped
 * (close). */
void lfgo__waitq_claim_all(lfgo__waitq *q, lfgo_status st, lfgo__wakes *wk);
/* Notifies every record's sel (a buffered channel changed); the wakes of
 * parked owners go to wk. */
void lfgo__waitq_notify_all(lfgo__waitq *q, lfgo__wakes *wk);
/* The queue's change count (seq_cst), and a bump of it for a change that
 * moves no record (close). */
uint32_t lfgo__waitq_ver(lfgo__waitq *q);
void lfgo__waitq_touch(lfgo__waitq *q);

void lfgo__sel_init(lfgo__sel *s);
bool lfgo__sel_claim(lfgo__sel *s);
void lfgo__sel_finish(lfgo__sel *s, uint32_t chosen, lfgo_status st);
/* Owner: WAITING -> CANCELLED.  False if a partner claimed it first. */
bool lfgo__sel_cancel(lfgo__sel *s);
/* Owner: waits until DONE, or until the word changes from `seen` (a
 * notification), or the deadline.  Returns the state at return. */
uint32_t lfgo__sel_wait(lfgo__sel *s, uint32_t seen, const struct timespec *deadline);
/* Owner: current word (seq_cst). */
uint32_t lfgo__sel_word(lfgo__sel *s);
/* Owner: after a failed cancel, waits for the claimer's finish. */
void lfgo__sel_wait_done(lfgo__sel *s);

/* A small lock for lfgo's channel slow paths: 0 free, 1 held, 2 held with
 * sleepers.  Held only for a few dozen instructions; never while sleeping. */
typedef struct lfgo__chlock {
    lfgo__word w;
} lfgo__chlock;

void lfgo__chlock_lock(lfgo__chlock *l);
void lfgo__chlock_unlock(lfgo__chlock *l);

#endif /* LFGO_LIB_CHAN_WAIT_H */

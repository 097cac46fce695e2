/*
 * lib/chan_wait.c - the waiter queue: records on lfgo__waitq (the list is
 * lib/waitlist.h, shared with the twin), the sel they wait on, wake after
 * unlock, and the channel slow-path lock (see chan_wait.h for the protocol).
 * Calls only the parking layer (park.h).
 *
 * Orders.  The sel word: every change is an RMW, so "exactly one of claim
 * and cancel wins" and "a PARKED bit is seen by whoever changes the word
 * next" hold at any order (atomicity; the futex compares the word).  The
 * edges the owner needs come from three places:
 *  - finish (seq_cst, a release) and the owner's lfgo__sel_word (seq_cst, an
 *    acquire), through which every owner path reads DONE before it reads
 *    `chosen`, `status` or the value copied into its buffer;
 *  - note (release): block_once's snapshot `seen` (lfgo__sel_word) may read
 *    a note, and then its ring check must see what the notifier published;
 *  - the channel lock: it publishes the record (and init's WAITING) to a
 *    partner that claims under it; and an owner that read a note from the
 *    waiting load, or cancelled, takes every case's lock in unregister
 *    before it looks at a channel again.  Its critical section there cannot
 *    precede the notifier's (it read the note, written under the lock), so
 *    what the notifier published happens-before that next look.
 * Hence relaxed for init, claim, cancel, the waiting load and the PARKED
 * RMW.  The rest here (finish, lfgo__sel_word, the lock, lfgo__waitq_ver) is
 * seq_cst: slow paths, where it keeps those arguments free of special cases.
 * The queues' change counts: see bump.
 */
#include "chan_wait.h"

/* relaxed: ver is written only under the queue's lock; select reads it
 * before and after a pass that takes the same lock in between, and the lock
 * carries a change made before that pass to the second read. */
static void bump(lfgo__waitq *q)
{
    lfgo_atomic_store_at(chan_wq_ver_store, &q->ver,
                         lfgo_atomic_load_at(chan_wq_ver_load, &q->ver, memory_order_relaxed) + 1u,
                         memory_order_relaxed);
}

void lfgo__waitq_touch(lfgo__waitq *q)
{
    bump(q);
}

uint32_t lfgo__waitq_ver(lfgo__waitq *q)
{
    return lfgo_atomic_load_at(chan_wq_ver_read, &q->ver, memory_order_seq_cst);
}

void lfgo__waitq_push(lfgo__waitq *q, lfgo__waiter *w)
{
    lfgo__wlist_push(&q->list, w);
    bump(q);
}

void lfgo__waitq_unlink(lfgo__waitq *q, lfgo__waiter *w)
{
    if (lfgo__wlist_unlink(&q->list, w))
        bump(q);
}

/* lfgo__wlist_claim's step: w was just unlinked from the queue `q`. */
static bool unlinked_claim(void *q, lfgo__waiter *w)
{
    bump(q);
    return lfgo__sel_claim(w->sel);
}

lfgo__waiter *lfgo__waitq_claim(lfgo__waitq *q, const lfgo__sel *self)
{
    return lfgo__wlist_claim(&q->list, self, unlinked_claim, q);
}

void lfgo__waitq_claim_all(lfgo__waitq *q, lfgo_status st, lfgo__wakes *wk)
{
    lfgo__waiter *w;
    while ((w = lfgo__wlist_pop(&q->list)) != NULL) {
        bump(q);
        if (lfgo__sel_claim(w->sel))
            lfgo__wakes_claimed(wk, w, st);
    }
}

void lfgo__waitq_notify_all(lfgo__waitq *q, lfgo__wakes *wk)
{
    for (lfgo__waiter *w = q->list.head; w; w = w->next) {
        lfgo__sel *s = w->sel;
        /* release: the file comment (block_once's `seen`). */
        uint32_t old =
            lfgo_atomic_fetch_add_at(chan_sel_note, &s->word, LFGO__SEL_NOTE, memory_order_release);
        if (old & LFGO__SEL_PARKED)
            lfgo__wakes_word(wk, &s->word);
    }
}

/* ------------------------------------------------------------ wakes */

void lfgo__wakes_claimed(lfgo__wakes *wk, lfgo__waiter *w, lfgo_status st)
{
    /* One status for the whole chain: close finishes every record with
     * LFGO_CLOSED, a send or receive finishes one with LFGO_OK. */
    w->next = wk->fin;
    wk->fin = w;
    wk->fin_st = st;
}

void lfgo__wakes_word(lfgo__wakes *wk, lfgo__word *w)
{
    if (wk->nwords < LFGO__WAKES_MAX)
        wk->words[wk->nwords++] = w;
    else
        lfgo__park_wake_all(w);
}

void lfgo__wakes_run(lfgo__wakes *wk)
{
    lfgo__waiter *w = wk->fin;
    while (w) {
        lfgo__waiter *next = w->next; /* read before finish frees the owner */
        lfgo__sel_finish(w->sel, w->idx, wk->fin_st);
        w = next;
    }
    wk->fin = NULL;
    for (uint32_t i = 0; i < wk->nwords; i++)
        lfgo__park_wake_all(wk->words[i]);
    wk->nwords = 0;
}

void lfgo__sel_init(lfgo__sel *s)
{
    /* relaxed: the lock under which the record is queued publishes it. */
    lfgo_atomic_store_at(chan_sel_init, &s->word, LFGO__SEL_WAITING, memory_order_relaxed);
    s->chosen = 0;
    s->status = LFGO_OK;
}

uint32_t lfgo__sel_word(lfgo__sel *s)
{
    return lfgo_atomic_load_at(chan_sel_word, &s->word, memory_order_seq_cst);
}

/* relaxed (claim and cancel, load and CAS): the file comment. */
bool lfgo__sel_claim(lfgo__sel *s)
{
    uint32_t w = lfgo_atomic_load_at(chan_sel_claim_load, &s->word, memory_order_relaxed);
    while ((w & LFGO__SEL_STATE) == LFGO__SEL_WAITING)
        if (lfgo_atomic_cas_weak_at(chan_sel_claim_cas, &s->word, &w, w | LFGO__SEL_BUSY,
                                    memory_order_relaxed, memory_order_relaxed))
            return true;
    return false;
}

bool lfgo__sel_cancel(lfgo__sel *s)
{
    /* relaxed (load and CAS), as lfgo__sel_claim: they pair with nothing.
     * Claim and cancel are RMWs of one word, so exactly one wins by
     * atomicity; an owner that loses to a claim reads the partner's writes
     * only after lfgo__sel_wait_done's seq_cst load sees DONE (chan.sel.word
     * against the finish), and the partner read our record under the lock
     * that queued it. */
    uint32_t w = lfgo_atomic_load_at(chan_sel_cancel_load, &s->word, memory_order_relaxed);
    while ((w & LFGO__SEL_STATE) == LFGO__SEL_WAITING)
        if (lfgo_atomic_cas_weak_at(chan_sel_cancel_cas, &s->word, &w, w | LFGO__SEL_CANCELLED,
                                    memory_order_relaxed, memory_order_relaxed))
            return true;
    return false;
}

void lfgo__sel_finish(lfgo__sel *s, uint32_t chosen, lfgo_status st)
{
    s->chosen = chosen;
    s->status = st;
    /* BUSY (1) -> DONE (2): adding 1 keeps the other bits.  After this the
     * owner may return: only the word's address is used below. */
    uint32_t old = lfgo_atomic_fetch_add_at(chan_sel_finish, &s->word, 1u, memory_order_seq_cst);
    if (old & LFGO__SEL_PARKED)
        lfgo__park_wake_all(&s->word);
}

/* True while the owner should keep waiting: not DONE, not notified. */
static bool still(uint32_t w, uint32_t seen)
{
    return (w & LFGO__SEL_STATE) != LFGO__SEL_DONE && (w & ~LFGO__SEL_PARKED) == (seen & ~LFGO__SEL_PARKED);
}

uint32_t lfgo__sel_wait(lfgo__sel *s, uint32_t seen, const struct timespec *deadline)
{
    lfgo__spinner sp = LFGO__SPINNER_FINE_INIT;
    uint32_t w;
    /* relaxed: pairs with nothing; it only decides whether to keep waiting.
     * A DONE seen here is read again by lfgo__sel_wait_done (seq_cst, the
     * acquire of the finish) before the owner reads what the partner wrote;
     * a note seen here sends the owner through unregister, whose channel
     * locks order the notifier's publish before its next look. */
    while (still(w = lfgo_atomic_load_at(chan_sel_wait_load, &s->word, memory_order_relaxed),
                 seen)) {
        if (lfgo__deadline_passed(deadline))
            break;
        if (lfgo__spin(&sp))
            continue;
        /* relaxed: PARKED against finish and note is "both on one RMW"
         * (atomicity; the futex compares the word), as the load above. */
        w = lfgo_atomic_fetch_or_at(chan_sel_wait_park, &s->word, LFGO__SEL_PARKED,
                                    memory_order_relaxed) |
            LFGO__SEL_PARKED;
        if (still(w, seen))
            lfgo__park_wait(&s->word, w, deadline);
    }
    return w & LFGO__SEL_STATE;
}

void lfgo__sel_wait_done(lfgo__sel *s)
{
    uint32_t w;
    while (((w = lfgo__sel_word(s)) & LFGO__SEL_STATE) != LFGO__SEL_DONE)
        lfgo__sel_wait(s, w, NULL);
}

/* ------------------------------------------------------------ lock */

void lfgo__chlock_lock(lfgo__chlock *l)
{
    uint32_t v = 0;
    if (lfgo_atomic_cas_strong_at(chan_lock_fast, &l->w, &v, 1u, memory_order_seq_cst,
                                  memory_order_seq_cst))
        return;
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    while (lfgo__spin(&sp)) {
        v = 0;
        if (lfgo_atomic_cas_weak_at(chan_lock_spin, &l->w, &v, 1u, memory_order_seq_cst,
                                    memory_order_seq_cst))
            return;
    }
    /* Contended (Drepper's futex mutex): from now on take it as 2 ("held,
     * maybe sleepers"), so the unlock that frees it wakes the next one. */
    while (lfgo_atomic_xchg_at(chan_lock_contended, &l->w, 2u, memory_order_seq_cst) != 0)
        lfgo__park_wait(&l->w, 2u, NULL);
}

void lfgo__chlock_unlock(lfgo__chlock *l)
{
    if (lfgo_atomic_xchg_at(chan_lock_unlock, &l->w, 0u, memory_order_seq_cst) == 2u)
        lfgo__park_wake_one(&l->w);
}

/*
 * lib/chan_wait.c - waiter records, their queues, and the channel slow-path
 * lock (see chan_wait.h for the protocol).
 *
 * Every atomic access here is seq_cst but the queues' change counts (see
 * bump): these are slow paths (a thread is about to wait, or is completing a
 * waiting one), and seq_cst keeps the "both sides on one RMW" argument free
 * of special cases.
 */
#include <time.h>

#include "chan_wait.h"

/* relaxed: ver is written only under the queue's lock; select reads it
 * before and after a pass that takes the same lock in between, and the lock
 * carries a change made before that pass to the second read. */
static void bump(lfgo__waitq *q)
{
    lfgo_atomic_store(&q->ver, lfgo_atomic_load(&q->ver, memory_order_relaxed) + 1u,
                      memory_order_relaxed);
}

void lfgo__waitq_touch(lfgo__waitq *q)
{
    bump(q);
}

uint32_t lfgo__waitq_ver(lfgo__waitq *q)
{
    return lfgo_atomic_load(&q->ver, memory_order_seq_cst);
}

void lfgo__waitq_push(lfgo__waitq *q, lfgo__waiter *w)
{
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    w->queued = true;
    bump(q);
}

void lfgo__waitq_unlink(lfgo__waitq *q, lfgo__waiter *w)
{
    if (!w->queued)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->prev = w->next = NULL;
    w->queued = false;
    bump(q);
}

lfgo__waiter *lfgo__waitq_claim(lfgo__waitq *q, const lfgo__sel *self)
{
    lfgo__waiter *w = q->head;
    while (w) {
        lfgo__waiter *next = w->next;
        if (w->sel != self) {
            lfgo__waitq_unlink(q, w);
            if (lfgo__sel_claim(w->sel))
                return w;
        }
        w = next;
    }
    return NULL;
}

void lfgo__waitq_claim_all(lfgo__waitq *q, lfgo_status st, lfgo__wakes *wk)
{
    lfgo__waiter *w;
    while ((w = q->head) != NULL) {
        lfgo__waitq_unlink(q, w);
        if (lfgo__sel_claim(w->sel))
            lfgo__wakes_claimed(wk, w, st);
    }
}

void lfgo__waitq_notify_all(lfgo__waitq *q, lfgo__wakes *wk)
{
    for (lfgo__waiter *w = q->head; w; w = w->next) {
        uint32_t old = lfgo_atomic_fetch_add(&w->sel->word, LFGO__SEL_NOTE, memory_order_seq_cst);
        if (old & LFGO__SEL_PARKED)
            lfgo__wakes_word(wk, &w->sel->word);
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
    lfgo_atomic_store(&s->word, LFGO__SEL_WAITING, memory_order_seq_cst);
    s->chosen = 0;
    s->status = LFGO_OK;
}

uint32_t lfgo__sel_word(lfgo__sel *s)
{
    return lfgo_atomic_load(&s->word, memory_order_seq_cst);
}

bool lfgo__sel_claim(lfgo__sel *s)
{
    uint32_t w = lfgo_atomic_load(&s->word, memory_order_seq_cst);
    while ((w & LFGO__SEL_STATE) == LFGO__SEL_WAITING)
        if (lfgo_atomic_cas_weak(&s->word, &w, w | LFGO__SEL_BUSY, memory_order_seq_cst,
                                 memory_order_seq_cst))
            return true;
    return false;
}

bool lfgo__sel_cancel(lfgo__sel *s)
{
    uint32_t w = lfgo_atomic_load(&s->word, memory_order_seq_cst);
    while ((w & LFGO__SEL_STATE) == LFGO__SEL_WAITING)
        if (lfgo_atomic_cas_weak(&s->word, &w, w | LFGO__SEL_CANCELLED, memory_order_seq_cst,
                                 memory_order_seq_cst))
            return true;
    return false;
}

void lfgo__sel_finish(lfgo__sel *s, uint32_t chosen, lfgo_status st)
{
    s->chosen = chosen;
    s->status = st;
    /* BUSY (1) -> DONE (2): adding 1 keeps the other bits.  After this the
     * owner may return: only the word's address is used below. */
    uint32_t old = lfgo_atomic_fetch_add(&s->word, 1u, memory_order_seq_cst);
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
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    uint32_t w;
    while (still(w = lfgo_atomic_load(&s->word, memory_order_seq_cst), seen)) {
        if (lfgo__deadline_passed(deadline))
            break;
        if (lfgo__spin(&sp))
            continue;
        w = lfgo_atomic_fetch_or(&s->word, LFGO__SEL_PARKED, memory_order_seq_cst) |
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
    if (lfgo_atomic_cas_strong(&l->w, &v, 1u, memory_order_seq_cst, memory_order_seq_cst))
        return;
    lfgo__spinner sp = LFGO__SPINNER_INIT;
    while (lfgo__spin(&sp)) {
        v = 0;
        if (lfgo_atomic_cas_weak(&l->w, &v, 1u, memory_order_seq_cst, memory_order_seq_cst))
            return;
    }
    /* Contended (Drepper's futex mutex): from now on take it as 2 ("held,
     * maybe sleepers"), so the unlock that frees it wakes the next one. */
    while (lfgo_atomic_xchg(&l->w, 2u, memory_order_seq_cst) != 0)
        lfgo__park_wait(&l->w, 2u, NULL);
}

void lfgo__chlock_unlock(lfgo__chlock *l)
{
    if (lfgo_atomic_xchg(&l->w, 0u, memory_order_seq_cst) == 2u)
        lfgo__park_wake_one(&l->w);
}

/* ------------------------------------------------------------ random */

uint32_t lfgo__chan_rand(void)
{
    static _Thread_local uint64_t x;
    if (x == 0) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        x = ((uint64_t)(uintptr_t)&x * 0x9E3779B97F4A7C15ull) ^ (uint64_t)t.tv_nsec ^
            ((uint64_t)t.tv_sec << 32) ^ 1u;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (uint32_t)(x >> 32);
}

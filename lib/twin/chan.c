/*
 * lib/twin/chan.c - the lock-based channel twin (see lfgo/twin/chan.h):
 * Go's runtime/chan.go design with pthread mutexes and condition variables
 * only.  It is the baseline lfgo's channel is measured against, so it never
 * spins and never uses lfgo's parking layer (lib/park*.c) or atomics.
 *
 * Invariants (all guarded by ch->mu):
 *  - buf holds `count` values from index `head` (a ring of `cap` slots).
 *  - recvq holds waiter records of blocked receivers that must be handed a
 *    value directly: unbuffered receivers and selects.  They are queued only
 *    while the buffer is empty, and a sender serves them before the buffer.
 *  - sendq holds records of blocked senders whose value is not yet in the
 *    channel: unbuffered senders and selects.  They are queued only while
 *    the buffer is full; a receiver that takes from a full buffer moves the
 *    first live sender record's value into the freed slot (FIFO kept).
 *  - Plain blocked senders/receivers of a buffered channel wait on the two
 *    condition variables not_full / not_empty instead.
 *  - closed: set once; close finishes every record with LFGO_CLOSED and
 *    broadcasts both condition variables.
 *
 * Waiter records (Go's sudog) wait on a `tsel` of their own (Go's
 * selectDone): a pthread mutex + condvar + state on the waiter's stack, one
 * per blocking operation or select (a select waits for several channels,
 * which one channel condvar cannot express).  The state is a plain field
 * guarded by the tsel's mutex:
 *
 *   WAITING --claim (a partner)--> BUSY --finish (the same partner)--> DONE
 *   WAITING --cancel (the owner, at its deadline)--> CANCELLED
 *
 * Claim and cancel are test-and-set under that mutex, so exactly one
 * succeeds and exactly one case of a select completes.  The claimer copies
 * the value between claim and finish while holding the channel's lock; the
 * owner returns only after it has seen DONE under the tsel mutex, so the
 * copy never outlives the owner's buffers, and the finisher's last access is
 * its unlock of that mutex (safe: POSIX lets the owner destroy an unlocked
 * mutex).  Lock order: a channel's mu, then a tsel's mu; never two tsel
 * mutexes at once, and no channel lock is taken while a tsel mutex is held.
 *
 * Shared with lfgo (lib/, no atomics): the record list (waitlist.h), the
 * argument and deadline checks (chan_args.h, deadline.h), the batch loops
 * (chan_batch.h), and select's case checks, random order and lock order
 * (select_plan.h).  Dependency order: those leaves -> this file; of liblfgo
 * it calls only lfgo__misuse, lfgo__die, lfgo__bad_deadline and
 * lfgo__deadline_passed.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../chan_args.h"
#include "../chan_batch.h"
#include "../deadline.h"
#include "../park.h" /* lfgo__deadline_passed only */
#include "../select_plan.h"
#include "../waitlist.h"
#include "lfgo/twin/chan.h"

/* ------------------------------------------------------------ waiter records */

enum { T_WAITING, T_BUSY, T_DONE, T_CANCELLED };

typedef struct tsel {
    pthread_mutex_t mu;
    pthread_cond_t cv;  /* the owner sleeps here; only the finisher signals */
    unsigned state;     /* T_*, guarded by mu */
    uint32_t chosen;    /* written by the claimer before DONE, under mu */
    lfgo_status status; /* likewise */
} tsel;

/* Waiter records and their lists are lib/waitlist.h's; a record's sel is a
 * tsel. */
typedef lfgo__wrec twaiter;
typedef lfgo__wlist twaitq;

static void tsel_init(tsel *s)
{
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->state = T_WAITING;
    s->chosen = 0;
    s->status = LFGO_OK;
}

static void tsel_destroy(tsel *s)
{
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

/* Owner, between rounds of a select (no record of it is queued). */
static void tsel_reset(tsel *s)
{
    pthread_mutex_lock(&s->mu);
    s->state = T_WAITING;
    pthread_mutex_unlock(&s->mu);
}

/* Partner (holding the channel's lock): WAITING -> BUSY.  False if the owner
 * cancelled or another partner claimed it first. */
static bool tsel_claim(tsel *s)
{
    pthread_mutex_lock(&s->mu);
    bool won = s->state == T_WAITING;
    if (won)
        s->state = T_BUSY;
    pthread_mutex_unlock(&s->mu);
    return won;
}

/* Partner, after copying: BUSY -> DONE, and wake the owner.  The signal is
 * sent under the mutex, so the owner cannot have returned (and destroyed the
 * condvar) yet; after the unlock the partner touches nothing of the record. */
static void tsel_finish(tsel *s, uint32_t chosen, lfgo_status st)
{
    pthread_mutex_lock(&s->mu);
    s->chosen = chosen;
    s->status = st;
    s->state = T_DONE;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Owner: sleeps until a partner has finished the sel or the deadline (NULL:
 * none) passes; at the deadline, cancels it unless a partner claimed it
 * first, in which case it waits for that partner's finish (the copy is in
 * flight).  Returns true if a partner completed it (chosen/status valid),
 * false if it was cancelled. */
static bool tsel_wait(tsel *s, const struct timespec *deadline)
{
    pthread_mutex_lock(&s->mu);
    while (s->state == T_WAITING) {
        int rc = deadline ? pthread_cond_clockwait(&s->cv, &s->mu, CLOCK_MONOTONIC, deadline)
                          : pthread_cond_wait(&s->cv, &s->mu);
        if (rc == ETIMEDOUT && s->state == T_WAITING)
            s->state = T_CANCELLED; /* the cancel: excludes a claim (same mutex) */
        else if (rc != 0 && rc != ETIMEDOUT)
            lfgo__die("lfgo_twin_chan", "pthread_cond_clockwait failed", rc);
    }
    /* A claim without a finish yet: finish signals, nothing else does. */
    while (s->state == T_BUSY)
        pthread_cond_wait(&s->cv, &s->mu);
    bool done = s->state == T_DONE;
    pthread_mutex_unlock(&s->mu);
    return done;
}

/* Queue operations (lib/waitlist.h): the caller holds the channel's lock. */

/* lfgo__wlist_claim's step for a tsel record. */
static bool claim_rec(void *ctx, twaiter *w)
{
    (void)ctx;
    return tsel_claim(w->sel);
}

/* Unlinks records until one whose sel is not `self` is claimed; NULL if
 * none.  The claimed sel is BUSY: finish it. */
static twaiter *twaitq_claim(twaitq *q, const tsel *self)
{
    return lfgo__wlist_claim(q, self, claim_rec, NULL);
}

/* Close: claims every record and finishes it with `st`. */
static void twaitq_finish_all(twaitq *q, lfgo_status st)
{
    twaiter *w;
    while ((w = lfgo__wlist_pop(q)) != NULL)
        if (tsel_claim(w->sel))
            tsel_finish(w->sel, w->idx, st);
}

/* ------------------------------------------------------------ channel */

struct lfgo_twin_chan {
    pthread_mutex_t mu;
    pthread_cond_t not_full, not_empty;
    size_t cap, elem_size, head, count;
    unsigned sleepers; /* threads in a condvar wait */
    unsigned selectors; /* select cases registered here, until unregistered */
    bool closed, owned;
    twaitq sendq, recvq;
    unsigned char *buf;
};

#define MAX_CAP ((size_t)1 << 40)

size_t lfgo_twin_chan_size(size_t elem_size, size_t capacity, lfgo_chan_kind kind)
{
    if (elem_size > SIZE_MAX / 4 || capacity > MAX_CAP || (unsigned)kind > 3u)
        return 0;
    if (capacity && elem_size > (SIZE_MAX / 4) / capacity)
        return 0;
    return sizeof(struct lfgo_twin_chan) + capacity * elem_size + 16;
}

static void setup(lfgo_twin_chan *ch, void *mem, size_t elem_size, size_t cap)
{
    memset(ch, 0, sizeof *ch);
    pthread_mutex_init(&ch->mu, NULL);
    pthread_cond_init(&ch->not_full, NULL);
    pthread_cond_init(&ch->not_empty, NULL);
    ch->cap = cap;
    ch->elem_size = elem_size;
    ch->buf = (unsigned char *)mem + sizeof *ch;
}

lfgo_status lfgo_twin_chan_create(lfgo_twin_chan **out, size_t elem_size, size_t capacity,
                                  lfgo_chan_kind kind)
{
    size_t b = lfgo_twin_chan_size(elem_size, capacity, kind);
    if (!out || !b)
        return LFGO_EINVAL;
    void *mem = malloc(b);
    if (!mem)
        return LFGO_ENOMEM;
    setup(mem, mem, elem_size, capacity);
    ((lfgo_twin_chan *)mem)->owned = true;
    *out = mem;
    return LFGO_OK;
}

lfgo_status lfgo_twin_chan_init(lfgo_twin_chan **out, void *mem, size_t mem_size,
                                size_t elem_size, size_t capacity, lfgo_chan_kind kind)
{
    size_t need = lfgo_twin_chan_size(elem_size, capacity, kind);
    if (!out || !mem || !need || mem_size < need)
        return LFGO_EINVAL;
    uintptr_t a = ((uintptr_t)mem + 15u) & ~(uintptr_t)15u;
    setup((lfgo_twin_chan *)a, (void *)a, elem_size, capacity);
    *out = (lfgo_twin_chan *)a;
    return LFGO_OK;
}

/* Test-only (tests/test_chan_lifetime.cpp): threads waiting in the channel. */
uint32_t lfgo__twin_chan_debug_waiters(lfgo_twin_chan *ch);
uint32_t lfgo__twin_chan_debug_waiters(lfgo_twin_chan *ch)
{
    pthread_mutex_lock(&ch->mu);
    uint32_t n = ch->sleepers; /* plus one record per plain waiter or select case */
    for (twaiter *w = ch->sendq.head; w; w = w->next)
        n++;
    for (twaiter *w = ch->recvq.head; w; w = w->next)
        n++;
    pthread_mutex_unlock(&ch->mu);
    return n;
}

void lfgo_twin_chan_destroy(lfgo_twin_chan *ch)
{
    if (!ch) {
        lfgo__misuse("lfgo_twin_chan_destroy", "NULL channel");
        return;
    }
    pthread_mutex_lock(&ch->mu);
    /* Closed: the threads still in it were released and are leaving. */
    while (ch->closed && (ch->sleepers || ch->selectors || ch->sendq.head || ch->recvq.head)) {
        pthread_mutex_unlock(&ch->mu);
        sched_yield();
        pthread_mutex_lock(&ch->mu);
    }
    bool busy = ch->sleepers || ch->selectors || ch->sendq.head || ch->recvq.head;
    pthread_mutex_unlock(&ch->mu);
    if (busy) {
        lfgo__misuse("lfgo_twin_chan_destroy", "channel destroyed with blocked threads");
        return;
    }
    pthread_cond_destroy(&ch->not_full);
    pthread_cond_destroy(&ch->not_empty);
    pthread_mutex_destroy(&ch->mu);
    if (ch->owned)
        free(ch);
}

/* ------------------------------------------------------------ locked ops */

/* A NULL dst discards (a receive into NULL); zero-size elements copy
 * nothing. */
static void copy(lfgo_twin_chan *ch, void *dst, const void *src)
{
    if (dst && ch->elem_size)
        memcpy(dst, src, ch->elem_size);
}

static void push(lfgo_twin_chan *ch, const void *elem)
{
    copy(ch, ch->buf + ((ch->head + ch->count) % ch->cap) * ch->elem_size, elem);
    ch->count++;
}

static void pop(lfgo_twin_chan *ch, void *out)
{
    copy(ch, out, ch->buf + ch->head * ch->elem_size);
    ch->head = (ch->head + 1) % ch->cap;
    ch->count--;
}

/* Go's zero value after a receive from a closed, drained channel (the
 * size is passed in: the channel may be gone by then, see lfgo/chan.h,
 * "Lifetime"). */
static void zero(size_t elem_size, void *out)
{
    if (out && elem_size)
        memset(out, 0, elem_size);
}

static lfgo_status send_locked(lfgo_twin_chan *ch, const void *elem, const tsel *self)
{
    if (ch->closed)
        return LFGO_CLOSED;
    twaiter *w = twaitq_claim(&ch->recvq, self);
    if (w) {
        copy(ch, w->elem, elem);
        tsel_finish(w->sel, w->idx, LFGO_OK);
        return LFGO_OK;
    }
    if (ch->count == ch->cap)
        return LFGO_WOULDBLOCK;
    push(ch, elem);
    pthread_cond_signal(&ch->not_empty);
    return LFGO_OK;
}

static lfgo_status recv_locked(lfgo_twin_chan *ch, void *out, const tsel *self)
{
    twaiter *w;
    if (ch->count > 0) {
        pop(ch, out);
        if ((w = twaitq_claim(&ch->sendq, self)) != NULL) {
            push(ch, w->elem);
            tsel_finish(w->sel, w->idx, LFGO_OK);
        } else {
            pthread_cond_signal(&ch->not_full);
        }
        return LFGO_OK;
    }
    if ((w = twaitq_claim(&ch->sendq, self)) != NULL) {
        copy(ch, out, w->elem);
        tsel_finish(w->sel, w->idx, LFGO_OK);
        return LFGO_OK;
    }
    return ch->closed ? LFGO_CLOSED : LFGO_WOULDBLOCK;
}

/* ------------------------------------------------------------ blocking */

/* Unbuffered: queue a record (ch->mu held; released here) and wait for a
 * partner.  A record cancelled at its deadline may still be queued: unlink
 * it under the lock, after which no partner can reach the tsel. */
static lfgo_status block_record(lfgo_twin_chan *ch, void *elem, bool send,
                                const struct timespec *deadline)
{
    tsel sel;
    tsel_init(&sel);
    twaiter w = lfgo__wrec_make(&sel, elem, 0);
    twaitq *q = send ? &ch->sendq : &ch->recvq;
    lfgo__wlist_push(q, &w);
    pthread_mutex_unlock(&ch->mu);
    lfgo_status st = LFGO_TIMEOUT;
    if (tsel_wait(&sel, deadline)) {
        st = sel.status;
    } else {
        pthread_mutex_lock(&ch->mu);
        lfgo__wlist_unlink(q, &w);
        pthread_mutex_unlock(&ch->mu);
    }
    tsel_destroy(&sel);
    return st;
}

static lfgo_status op(lfgo_twin_chan *ch, void *elem, bool send, const struct timespec *deadline,
                      bool try_only)
{
    size_t esz = ch->elem_size;
    pthread_mutex_lock(&ch->mu);
    for (;;) {
        lfgo_status st = send ? send_locked(ch, elem, NULL) : recv_locked(ch, elem, NULL);
        if (st == LFGO_WOULDBLOCK && !try_only && lfgo__deadline_passed(deadline))
            st = LFGO_TIMEOUT;
        if (st != LFGO_WOULDBLOCK || try_only) {
            pthread_mutex_unlock(&ch->mu);
            if (st == LFGO_CLOSED && !send)
                zero(esz, elem);
            return st;
        }
        if (ch->cap == 0) {
            st = block_record(ch, elem, send, deadline);
            if (st == LFGO_CLOSED && !send)
                zero(esz, elem);
            return st;
        }
        pthread_cond_t *cv = send ? &ch->not_full : &ch->not_empty;
        ch->sleepers++;
        if (deadline)
            pthread_cond_clockwait(cv, &ch->mu, CLOCK_MONOTONIC, deadline);
        else
            pthread_cond_wait(cv, &ch->mu);
        ch->sleepers--;
    }
}

/* ------------------------------------------------------------ public */

/* Misuse checks, as lfgo's: a send may pass NULL only for zero-size
 * elements; a receive into NULL discards the value. */
static bool bad_send(const char *func, const lfgo_twin_chan *ch, const void *elem)
{
    return lfgo__bad_chan(func, ch) || lfgo__bad_send_elem(func, elem, ch->elem_size);
}

#define CHECK(bad)               \
    do {                         \
        if (bad)                 \
            return LFGO_MISUSE;  \
    } while (0)

lfgo_status lfgo_twin_chan_send(lfgo_twin_chan *ch, const void *elem)
{
    CHECK(bad_send("lfgo_twin_chan_send", ch, elem));
    return op(ch, (void *)(uintptr_t)elem, true, NULL, false);
}

lfgo_status lfgo_twin_chan_try_send(lfgo_twin_chan *ch, const void *elem)
{
    CHECK(bad_send("lfgo_twin_chan_try_send", ch, elem));
    return op(ch, (void *)(uintptr_t)elem, true, NULL, true);
}

lfgo_status lfgo_twin_chan_send_until(lfgo_twin_chan *ch, const void *elem,
                                      const struct timespec *deadline)
{
    CHECK(bad_send("lfgo_twin_chan_send_until", ch, elem) ||
          lfgo__bad_deadline("lfgo_twin_chan_send_until", deadline));
    return op(ch, (void *)(uintptr_t)elem, true, deadline, false);
}

lfgo_status lfgo_twin_chan_recv(lfgo_twin_chan *ch, void *out)
{
    CHECK(lfgo__bad_chan("lfgo_twin_chan_recv", ch));
    return op(ch, out, false, NULL, false);
}

lfgo_status lfgo_twin_chan_try_recv(lfgo_twin_chan *ch, void *out)
{
    CHECK(lfgo__bad_chan("lfgo_twin_chan_try_recv", ch));
    return op(ch, out, false, NULL, true);
}

lfgo_status lfgo_twin_chan_recv_until(lfgo_twin_chan *ch, void *out,
                                      const struct timespec *deadline)
{
    CHECK(lfgo__bad_chan("lfgo_twin_chan_recv_until", ch) ||
          lfgo__bad_deadline("lfgo_twin_chan_recv_until", deadline));
    return op(ch, out, false, deadline, false);
}

static lfgo_status send_fn(void *ch, void *elem, const struct timespec *deadline, bool try_only)
{
    return op(ch, elem, true, deadline, try_only);
}

static lfgo_status recv_fn(void *ch, void *out, const struct timespec *deadline, bool try_only)
{
    return op(ch, out, false, deadline, try_only);
}

static lfgo_status send_many(lfgo_twin_chan *ch, const void *elems, size_t n, size_t *done,
                             const struct timespec *deadline, bool try_only)
{
    return lfgo__batch_send(ch, ch->elem_size, send_fn, elems, n, done, deadline, try_only);
}

static lfgo_status recv_many(lfgo_twin_chan *ch, void *out, size_t n, size_t *done,
                             const struct timespec *deadline, bool try_only)
{
    return lfgo__batch_recv(ch, ch->elem_size, recv_fn, out, n, done, deadline, try_only);
}

static bool bad_batch(const char *func, lfgo_twin_chan *ch, const void *p, size_t n, size_t *done,
                      bool send)
{
    return lfgo__bad_chan(func, ch) || lfgo__bad_batch(func, p, n, done, send, ch->elem_size);
}

lfgo_status lfgo_twin_chan_send_many(lfgo_twin_chan *ch, const void *elems, size_t n,
                                     size_t *done)
{
    CHECK(bad_batch("lfgo_twin_chan_send_many", ch, elems, n, done, true));
    return send_many(ch, elems, n, done, NULL, false);
}

lfgo_status lfgo_twin_chan_send_many_until(lfgo_twin_chan *ch, const void *elems, size_t n,
                                           size_t *done, const struct timespec *deadline)
{
    CHECK(bad_batch("lfgo_twin_chan_send_many_until", ch, elems, n, done, true) ||
          lfgo__bad_deadline("lfgo_twin_chan_send_many_until", deadline));
    return send_many(ch, elems, n, done, deadline, false);
}

lfgo_status lfgo_twin_chan_try_send_many(lfgo_twin_chan *ch, const void *elems, size_t n,
                                         size_t *done)
{
    CHECK(bad_batch("lfgo_twin_chan_try_send_many", ch, elems, n, done, true));
    return send_many(ch, elems, n, done, NULL, true);
}

lfgo_status lfgo_twin_chan_recv_many(lfgo_twin_chan *ch, void *out, size_t n, size_t *done)
{
    CHECK(bad_batch("lfgo_twin_chan_recv_many", ch, out, n, done, false));
    return recv_many(ch, out, n, done, NULL, false);
}

lfgo_status lfgo_twin_chan_recv_many_until(lfgo_twin_chan *ch, void *out, size_t n,
                                           size_t *done, const struct timespec *deadline)
{
    CHECK(bad_batch("lfgo_twin_chan_recv_many_until", ch, out, n, done, false) ||
          lfgo__bad_deadline("lfgo_twin_chan_recv_many_until", deadline));
    return recv_many(ch, out, n, done, deadline, false);
}

lfgo_status lfgo_twin_chan_try_recv_many(lfgo_twin_chan *ch, void *out, size_t n, size_t *done)
{
    CHECK(bad_batch("lfgo_twin_chan_try_recv_many", ch, out, n, done, false));
    return recv_many(ch, out, n, done, NULL, true);
}

lfgo_status lfgo_twin_chan_close(lfgo_twin_chan *ch)
{
    if (!ch) {
        lfgo__misuse("lfgo_twin_chan_close", "NULL channel");
        return LFGO_MISUSE;
    }
    pthread_mutex_lock(&ch->mu);
    bool was = ch->closed;
    if (!was) {
        ch->closed = true;
        twaitq_finish_all(&ch->recvq, LFGO_CLOSED);
        twaitq_finish_all(&ch->sendq, LFGO_CLOSED);
        pthread_cond_broadcast(&ch->not_full);
        pthread_cond_broadcast(&ch->not_empty);
    }
    pthread_mutex_unlock(&ch->mu);
    if (was) {
        lfgo__misuse("lfgo_twin_chan_close", "close of closed channel");
        return LFGO_MISUSE;
    }
    return LFGO_OK;
}

size_t lfgo_twin_chan_len(const lfgo_twin_chan *ch)
{
    if (!ch) {
        lfgo__misuse("lfgo_twin_chan_len", "NULL channel");
        return 0;
    }
    lfgo_twin_chan *c = (lfgo_twin_chan *)(uintptr_t)ch;
    pthread_mutex_lock(&c->mu);
    size_t n = c->count;
    pthread_mutex_unlock(&c->mu);
    return n;
}

size_t lfgo_twin_chan_cap(const lfgo_twin_chan *ch)
{
    if (!ch) {
        lfgo__misuse("lfgo_twin_chan_cap", "NULL channel");
        return 0;
    }
    return ch->cap;
}

size_t lfgo_twin_chan_elem_size(const lfgo_twin_chan *ch)
{
    if (!ch) {
        lfgo__misuse("lfgo_twin_chan_elem_size", "NULL channel");
        return 0;
    }
    return ch->elem_size;
}

/* ------------------------------------------------------------ select */

#define STACK_CASES 64u

struct tselect {
    lfgo_twin_select_case *cases;
    uint32_t *order;
    void **locks; /* distinct channels, address order */
    twaiter *recs;
    size_t m, nlocks;
    tsel sel;
};

static void prepare(struct tselect *x)
{
    lfgo__select_shuffle(x->order, x->m);
    for (size_t k = 0; k < x->m; k++)
        x->locks[k] = x->cases[x->order[k]].chan;
    x->nlocks = lfgo__select_lock_order(x->locks, x->m);
}

static void lock_all(struct tselect *x, bool lock)
{
    for (size_t k = 0; k < x->nlocks; k++) {
        lfgo_twin_chan *ch = x->locks[k];
        if (lock)
            pthread_mutex_lock(&ch->mu);
        else
            pthread_mutex_unlock(&ch->mu);
    }
}

static twaitq *tqueue(lfgo_twin_select_case *c)
{
    return c->op == LFGO_SELECT_SEND ? &c->chan->sendq : &c->chan->recvq;
}

/* Under all locks: try each case in order, else queue a record per case. */
static bool try_or_register(struct tselect *x, size_t *chosen, bool try_only)
{
    for (size_t k = 0; k < x->m; k++) {
        lfgo_twin_select_case *c = &x->cases[x->order[k]];
        lfgo_status st = c->op == LFGO_SELECT_SEND ? send_locked(c->chan, c->elem, &x->sel)
                                                   : recv_locked(c->chan, c->elem, &x->sel);
        if (st != LFGO_WOULDBLOCK) {
            if (st == LFGO_CLOSED && c->op == LFGO_SELECT_RECV)
                zero(c->chan->elem_size, c->elem);
            c->status = st;
            *chosen = x->order[k];
            return true;
        }
    }
    if (try_only)
        return false;
    for (size_t k = 0; k < x->m; k++) {
        lfgo_twin_select_case *c = &x->cases[x->order[k]];
        x->recs[k] = lfgo__wrec_make(&x->sel, c->elem, x->order[k]);
        lfgo__wlist_push(tqueue(c), &x->recs[k]);
        c->chan->selectors++; /* until unregister: destroy waits for it */
    }
    return false;
}

static void unregister(struct tselect *x)
{
    for (size_t k = 0; k < x->m; k++) {
        lfgo_twin_select_case *c = &x->cases[x->order[k]];
        pthread_mutex_lock(&c->chan->mu);
        lfgo__wlist_unlink(tqueue(c), &x->recs[k]);
        c->chan->selectors--;
        pthread_mutex_unlock(&c->chan->mu);
    }
}

/* x->sel is initialised; each round resets its state.  A round ends with a
 * partner's claim (one case completed) or a cancel at the deadline; then one
 * more round tries every case once and reports LFGO_TIMEOUT if none is ready. */
static lfgo_status run(struct tselect *x, size_t *chosen, const struct timespec *deadline,
                       bool try_only)
{
    prepare(x);
    for (;;) {
        tsel_reset(&x->sel);
        lock_all(x, true);
        bool done = try_or_register(x, chosen, try_only || lfgo__deadline_passed(deadline));
        lock_all(x, false);
        if (done)
            return LFGO_OK;
        if (try_only)
            return LFGO_WOULDBLOCK;
        if (lfgo__deadline_passed(deadline))
            return LFGO_TIMEOUT;
        bool claimed = tsel_wait(&x->sel, deadline);
        if (claimed) { /* before unregister: the channel may go after it */
            *chosen = x->sel.chosen;
            lfgo_twin_select_case *c = &x->cases[*chosen];
            if (x->sel.status == LFGO_CLOSED && c->op == LFGO_SELECT_RECV)
                zero(c->chan->elem_size, c->elem);
            c->status = x->sel.status;
        }
        unregister(x);
        if (claimed)
            return LFGO_OK;
    }
}

static lfgo__case_view view_case(const void *cases, size_t i)
{
    const lfgo_twin_select_case *c = (const lfgo_twin_select_case *)cases + i;
    lfgo__case_view v = {c->chan, c->op, c->elem, c->chan ? c->chan->elem_size : 0};
    return v;
}

/* A select with no enabled case: Go's `select {}` blocks forever (NULL
 * deadline: pause() until the end of the process), or, with a deadline, a
 * plain sleep until it; nothing can wake it early. */
static lfgo_status sleep_until(const struct timespec *deadline)
{
    if (!deadline)
        for (;;)
            pause();
    if (lfgo__deadline_passed(deadline)) /* a negative tv_sec is EINVAL below */
        return LFGO_TIMEOUT;
    int rc;
    while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL)) == EINTR)
        ;
    if (rc != 0)
        lfgo__die("lfgo_twin_select_until", "clock_nanosleep failed", rc);
    return LFGO_TIMEOUT;
}

static lfgo_status select_impl(const char *func, lfgo_twin_select_case *cases, size_t n,
                               size_t *chosen, const struct timespec *deadline, bool try_only)
{
    size_t m;
    if (lfgo__bad_select(func, cases, n, chosen, view_case, &m))
        return LFGO_MISUSE;
    if (m == 0)
        return try_only ? LFGO_WOULDBLOCK : sleep_until(deadline);
    uint32_t order_s[STACK_CASES];
    void *locks_s[STACK_CASES];
    twaiter recs_s[STACK_CASES];
    struct tselect x = {.cases = cases, .order = order_s, .locks = locks_s, .recs = recs_s, .m = m};
    void *heap = NULL;
    if (m > STACK_CASES) {
        heap = malloc(m * (sizeof(uint32_t) + sizeof(void *) + sizeof(twaiter)));
        if (!heap)
            return LFGO_ENOMEM;
        x.recs = heap;
        x.locks = (void **)(x.recs + m);
        x.order = (uint32_t *)(x.locks + m);
    }
    for (size_t i = 0, k = 0; i < n; i++)
        if (cases[i].chan)
            x.order[k++] = (uint32_t)i;
    tsel_init(&x.sel);
    lfgo_status st = run(&x, chosen, deadline, try_only);
    tsel_destroy(&x.sel);
    free(heap);
    return st;
}

lfgo_status lfgo_twin_select(lfgo_twin_select_case *cases, size_t n, size_t *chosen)
{
    return select_impl("lfgo_twin_select", cases, n, chosen, NULL, false);
}

lfgo_status lfgo_twin_select_try(lfgo_twin_select_case *cases, size_t n, size_t *chosen)
{
    return select_impl("lfgo_twin_select_try", cases, n, chosen, NULL, true);
}

lfgo_status lfgo_twin_select_until(lfgo_twin_select_case *cases, size_t n, size_t *chosen,
                                   const struct timespec *deadline)
{
    if (lfgo__bad_deadline("lfgo_twin_select_until", deadline))
        return LFGO_MISUSE;
    return select_impl("lfgo_twin_select_until", cases, n, chosen, deadline, false);
}

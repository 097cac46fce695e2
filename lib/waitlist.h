/*
 * lib/waitlist.h - the waiter record list shared by lfgo's channels
 * (lib/chan_wait.c) and the twin's (lib/twin/chan.c) (internal; no atomics,
 * no locks of its own).
 *
 * A thread that must wait for a partner (Go's sudog) puts one record per case
 * on a channel's list and waits on a "sel" of its own: lfgo's lfgo__sel (an
 * atomic word, chan_wait.h), the twin's tsel (a mutex and condvar).  The
 * list does not know which: `sel` is opaque here, and the one operation that
 * needs it (claiming a record) takes the owner's claim function.
 *
 * Every call is made by a thread holding the lock that guards the list (the
 * channel's lock); that lock orders all of it.  `queued` says whether a
 * record is on its list, so an owner can unlink its records after a wait
 * whether or not a partner already took them off.
 *
 * Dependency order: includes only the C library; included by chan_wait.h and
 * lib/twin/chan.c.
 */
#ifndef LFGO_LIB_WAITLIST_H
#define LFGO_LIB_WAITLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lfgo__wrec {
    struct lfgo__wrec *prev, *next;
    void *sel;    /* the owner's sel: lfgo__sel or the twin's tsel */
    void *elem;   /* send: the value; recv: where it goes */
    uint32_t idx; /* the case index reported to the owner */
    bool queued;  /* guarded by the list's lock */
} lfgo__wrec;

typedef struct lfgo__wlist {
    lfgo__wrec *head, *tail;
} lfgo__wlist;

/* A record of a select's case `idx` (or of a plain wait: idx 0), not queued. */
static inline lfgo__wrec lfgo__wrec_make(void *sel, void *elem, uint32_t idx)
{
    lfgo__wrec w = {NULL, NULL, sel, elem, idx, false};
    return w;
}

static inline void lfgo__wlist_push(lfgo__wlist *q, lfgo__wrec *w)
{
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    w->queued = true;
}

/* False (and nothing done) if w is not on the list. */
static inline bool lfgo__wlist_unlink(lfgo__wlist *q, lfgo__wrec *w)
{
    if (!w->queued)
        return false;
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
    return true;
}

/* Unlinks and returns the first record; NULL if the list is empty. */
static inline lfgo__wrec *lfgo__wlist_pop(lfgo__wlist *q)
{
    lfgo__wrec *w = q->head;
    if (w)
        lfgo__wlist_unlink(q, w);
    return w;
}

/*
 * Unlinks records until one whose sel is not `self` is claimed; NULL if the
 * list has none.  `claim(ctx, w)` runs right after w is unlinked: it does
 * the owner kind's WAITING -> BUSY on w->sel (and whatever the list's user
 * counts per unlink) and says whether it won.  Records of `self` stay (a
 * select never pairs with itself); records whose claim fails (cancelled, or
 * claimed through another case) are dropped on the way.
 */
static inline lfgo__wrec *lfgo__wlist_claim(lfgo__wlist *q, const void *self,
                                            bool (*claim)(void *ctx, lfgo__wrec *w), void *ctx)
{
    lfgo__wrec *w = q->head;
    while (w) {
        lfgo__wrec *next = w->next;
        if (w->sel != self) {
            lfgo__wlist_unlink(q, w);
            if (claim(ctx, w))
                return w;
        }
        w = next;
    }
    return NULL;
}

#endif /* LFGO_LIB_WAITLIST_H */

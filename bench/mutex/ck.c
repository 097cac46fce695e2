/*
 * bench/mutex/ck.c - Concurrency Kit spinlocks for bench_mutex, behind a
 * small C API (ck_spinlock.h is C, not C++).  Compiled only with ck.
 */
#if LFGO_BENCH_HAVE_CK
#include <ck_spinlock.h>
#include <stdlib.h>

#include "mutex/ck.h"

struct peer_ck_spin {
    int kind;
    ck_spinlock_fas_t fas;
    ck_spinlock_ticket_t ticket;
    ck_spinlock_mcs_t mcs;
};

struct peer_ck_spin *peer_ck_create(int kind)
{
    struct peer_ck_spin *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->kind = kind;
    ck_spinlock_fas_init(&l->fas);
    ck_spinlock_ticket_init(&l->ticket);
    ck_spinlock_mcs_init(&l->mcs);
    return l;
}

void peer_ck_destroy(struct peer_ck_spin *l) { free(l); }

/* `ctx` is the caller's MCS queue node (one per thread, reused). */
void peer_ck_lock(struct peer_ck_spin *l, void *ctx)
{
    switch (l->kind) {
    case PEER_CK_FAS: ck_spinlock_fas_lock(&l->fas); break;
    case PEER_CK_TICKET: ck_spinlock_ticket_lock(&l->ticket); break;
    default: ck_spinlock_mcs_lock(&l->mcs, ctx); break;
    }
}

void peer_ck_unlock(struct peer_ck_spin *l, void *ctx)
{
    switch (l->kind) {
    case PEER_CK_FAS: ck_spinlock_fas_unlock(&l->fas); break;
    case PEER_CK_TICKET: ck_spinlock_ticket_unlock(&l->ticket); break;
    default: ck_spinlock_mcs_unlock(&l->mcs, ctx); break;
    }
}

size_t peer_ck_node_size(void) { return sizeof(struct ck_spinlock_mcs); }
#endif

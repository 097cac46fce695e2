/* bench/mutex/ck.h - the C API of bench/mutex/ck.c. */
#pragma once
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
enum { PEER_CK_FAS = 0, PEER_CK_TICKET = 1, PEER_CK_MCS = 2 };
struct peer_ck_spin;
struct peer_ck_spin *peer_ck_create(int kind);
void peer_ck_destroy(struct peer_ck_spin *l);
void peer_ck_lock(struct peer_ck_spin *l, void *ctx);
void peer_ck_unlock(struct peer_ck_spin *l, void *ctx);
size_t peer_ck_node_size(void);
#ifdef __cplusplus
}
#endif

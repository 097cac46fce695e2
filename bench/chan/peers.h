/* bench/chan/peers.h - the C peers of the channel workloads (peers.c). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
void *peer_ck_create(unsigned capacity, int mpmc);
void peer_ck_destroy(void *h);
void peer_ck_send(void *h, uint64_t v);
uint64_t peer_ck_recv(void *h);
void *peer_urcu_create(size_t items);
void peer_urcu_destroy(void *h);
void peer_urcu_send(void *h, size_t i, uint64_t v);
uint64_t peer_urcu_recv(void *h);
#ifdef __cplusplus
}
#endif

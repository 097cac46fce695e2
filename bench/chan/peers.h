/* bench/chan/peers.h - the C peers of the channel workloads (peers.c).
 *
 * Every call that may wait spins (the peers cannot block), so each takes the
 * pass's deadline, an absolute CLOCK_MONOTONIC time in ns given at create:
 * past it, a waiting call gives up and returns 0 (send: not sent; recv:
 * nothing received).  That is how a collapsing peer ends its pass instead of
 * hanging the run; the ring is unusable afterwards (destroy it). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
void *peer_ck_create(unsigned capacity, int mpmc, int64_t deadline_ns);
void peer_ck_destroy(void *h);
int peer_ck_send(void *h, uint64_t v);
int peer_ck_recv(void *h, uint64_t *v);
void *peer_urcu_create(size_t items, int64_t deadline_ns);
void peer_urcu_destroy(void *h);
void peer_urcu_send(void *h, size_t i, uint64_t v); /* wait-free: never gives up */
int peer_urcu_recv(void *h, uint64_t *v);

/* DPDK rte_ring (dpdk.c), one of the PEER_DPDK_* modes (aborts if rte_ring_init
 * fails).  send_burst sends all `count` (1 = done, 0 = gave up); recv_burst
 * returns 1..max items, 0 = gave up. */
enum { PEER_DPDK_SP_SC, PEER_DPDK_MP_MC, PEER_DPDK_HTS, PEER_DPDK_RTS };
void *peer_dpdk_create(unsigned capacity, int mode, int64_t deadline_ns);
void peer_dpdk_destroy(void *h);
int peer_dpdk_send(void *h, uint64_t v);
int peer_dpdk_recv(void *h, uint64_t *v);
int peer_dpdk_send_burst(void *h, const uint64_t *v, unsigned count);
unsigned peer_dpdk_recv_burst(void *h, uint64_t *v, unsigned max);

/* The MPMC floor (floor.c): a spinning Vyukov-style ring; capacity is a
 * power of two (aborts otherwise). */
void *peer_floor_create(unsigned capacity, int64_t deadline_ns);
void peer_floor_destroy(void *h);
int peer_floor_send(void *h, uint64_t v);
int peer_floor_recv(void *h, uint64_t *v);
#ifdef __cplusplus
}
#endif

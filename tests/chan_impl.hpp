// The two channel implementations behind one C++ face, so every test runs on
// lfgo and on the lock-based twin.
#pragma once

#include <lfgo/chan.h>
#include <lfgo/twin/chan.h>

// Test-only queries of the libraries (lib/chan.c, lib/twin/chan.c): how many
// threads wait in a channel.
extern "C" uint32_t lfgo__chan_debug_waiters(lfgo_chan *ch);
extern "C" uint32_t lfgo__twin_chan_debug_waiters(lfgo_twin_chan *ch);

namespace lfgo_test {

struct LfgoChan {
    using chan = lfgo_chan;
    using scase = lfgo_select_case;
    static constexpr const char *name = "lfgo";
    static size_t size(size_t e, size_t c, lfgo_chan_kind k) { return lfgo_chan_size(e, c, k); }
    static lfgo_status create(chan **o, size_t e, size_t c, lfgo_chan_kind k = LFGO_CHAN_MPMC)
    {
        return lfgo_chan_create(o, e, c, k);
    }
    static lfgo_status init(chan **o, void *m, size_t ms, size_t e, size_t c, lfgo_chan_kind k)
    {
        return lfgo_chan_init(o, m, ms, e, c, k);
    }
    static void destroy(chan *c) { lfgo_chan_destroy(c); }
    static lfgo_status send(chan *c, const void *v) { return lfgo_chan_send(c, v); }
    static lfgo_status try_send(chan *c, const void *v) { return lfgo_chan_try_send(c, v); }
    static lfgo_status send_until(chan *c, const void *v, const timespec *d) { return lfgo_chan_send_until(c, v, d); }
    static lfgo_status recv(chan *c, void *v) { return lfgo_chan_recv(c, v); }
    static lfgo_status try_recv(chan *c, void *v) { return lfgo_chan_try_recv(c, v); }
    static lfgo_status recv_until(chan *c, void *v, const timespec *d) { return lfgo_chan_recv_until(c, v, d); }
    static lfgo_status send_many(chan *c, const void *v, size_t n, size_t *d) { return lfgo_chan_send_many(c, v, n, d); }
    static lfgo_status send_many_until(chan *c, const void *v, size_t n, size_t *d, const timespec *t)
    {
        return lfgo_chan_send_many_until(c, v, n, d, t);
    }
    static lfgo_status try_send_many(chan *c, const void *v, size_t n, size_t *d) { return lfgo_chan_try_send_many(c, v, n, d); }
    static lfgo_status recv_many(chan *c, void *v, size_t n, size_t *d) { return lfgo_chan_recv_many(c, v, n, d); }
    static lfgo_status recv_many_until(chan *c, void *v, size_t n, size_t *d, const timespec *t)
    {
        return lfgo_chan_recv_many_until(c, v, n, d, t);
    }
    static lfgo_status try_recv_many(chan *c, void *v, size_t n, size_t *d) { return lfgo_chan_try_recv_many(c, v, n, d); }
    static lfgo_status close(chan *c) { return lfgo_chan_close(c); }
    static size_t len(const chan *c) { return lfgo_chan_len(c); }
    static size_t cap(const chan *c) { return lfgo_chan_cap(c); }
    static lfgo_status select(scase *cs, size_t n, size_t *ch) { return lfgo_select(cs, n, ch); }
    static lfgo_status select_try(scase *cs, size_t n, size_t *ch) { return lfgo_select_try(cs, n, ch); }
    static lfgo_status select_until(scase *cs, size_t n, size_t *ch, const timespec *d)
    {
        return lfgo_select_until(cs, n, ch, d);
    }
    static const char *fn(const char *f) { return f; } // "lfgo_chan_x" names
    static uint32_t waiters(chan *c) { return lfgo__chan_debug_waiters(c); }
};

struct TwinChan {
    using chan = lfgo_twin_chan;
    using scase = lfgo_twin_select_case;
    static constexpr const char *name = "twin";
    static size_t size(size_t e, size_t c, lfgo_chan_kind k) { return lfgo_twin_chan_size(e, c, k); }
    static lfgo_status create(chan **o, size_t e, size_t c, lfgo_chan_kind k = LFGO_CHAN_MPMC)
    {
        return lfgo_twin_chan_create(o, e, c, k);
    }
    static lfgo_status init(chan **o, void *m, size_t ms, size_t e, size_t c, lfgo_chan_kind k)
    {
        return lfgo_twin_chan_init(o, m, ms, e, c, k);
    }
    static void destroy(chan *c) { lfgo_twin_chan_destroy(c); }
    static lfgo_status send(chan *c, const void *v) { return lfgo_twin_chan_send(c, v); }
    static lfgo_status try_send(chan *c, const void *v) { return lfgo_twin_chan_try_send(c, v); }
    static lfgo_status send_until(chan *c, const void *v, const timespec *d) { return lfgo_twin_chan_send_until(c, v, d); }
    static lfgo_status recv(chan *c, void *v) { return lfgo_twin_chan_recv(c, v); }
    static lfgo_status try_recv(chan *c, void *v) { return lfgo_twin_chan_try_recv(c, v); }
    static lfgo_status recv_until(chan *c, void *v, const timespec *d) { return lfgo_twin_chan_recv_until(c, v, d); }
    static lfgo_status send_many(chan *c, const void *v, size_t n, size_t *d) { return lfgo_twin_chan_send_many(c, v, n, d); }
    static lfgo_status send_many_until(chan *c, const void *v, size_t n, size_t *d, const timespec *t)
    {
        return lfgo_twin_chan_send_many_until(c, v, n, d, t);
    }
    static lfgo_status try_send_many(chan *c, const void *v, size_t n, size_t *d) { return lfgo_twin_chan_try_send_many(c, v, n, d); }
    static lfgo_status recv_many(chan *c, void *v, size_t n, size_t *d) { return lfgo_twin_chan_recv_many(c, v, n, d); }
    static lfgo_status recv_many_until(chan *c, void *v, size_t n, size_t *d, const timespec *t)
    {
        return lfgo_twin_chan_recv_many_until(c, v, n, d, t);
    }
    static lfgo_status try_recv_many(chan *c, void *v, size_t n, size_t *d) { return lfgo_twin_chan_try_recv_many(c, v, n, d); }
    static lfgo_status close(chan *c) { return lfgo_twin_chan_close(c); }
    static size_t len(const chan *c) { return lfgo_twin_chan_len(c); }
    static size_t cap(const chan *c) { return lfgo_twin_chan_cap(c); }
    static lfgo_status select(scase *cs, size_t n, size_t *ch) { return lfgo_twin_select(cs, n, ch); }
    static lfgo_status select_try(scase *cs, size_t n, size_t *ch) { return lfgo_twin_select_try(cs, n, ch); }
    static lfgo_status select_until(scase *cs, size_t n, size_t *ch, const timespec *d)
    {
        return lfgo_twin_select_until(cs, n, ch, d);
    }
    static uint32_t waiters(chan *c) { return lfgo__twin_chan_debug_waiters(c); }
};

// A select case of implementation I (its scase type), for the tests that
// build case lists inline.
template <class I> typename I::scase recv_case(typename I::chan *c, void *out)
{
    typename I::scase s{};
    s.chan = c;
    s.op = LFGO_SELECT_RECV;
    s.elem = out;
    return s;
}

template <class I> typename I::scase send_case(typename I::chan *c, void *v)
{
    typename I::scase s{};
    s.chan = c;
    s.op = LFGO_SELECT_SEND;
    s.elem = v;
    return s;
}

} // namespace lfgo_test

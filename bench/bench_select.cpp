// Select workloads (issues 8 and 10), 8-byte items, unbuffered channels:
//  select_data_quit   Go's `for { select { case v := <-data: ...; case <-quit:
//                     return } }`: one receiver selects over an unbuffered
//                     data channel and a quit channel, one sender sends
//                     200,000 values with plain sends; ns per value.
//  pingpong_select    two threads bounce a token through two unbuffered
//                     channels, both sides receiving with a select over
//                     {token, quit}; ns per round trip.
// A select that finds nothing ready queues waiter records under the
// channels' short locks; its partner completes the record under the lock and
// wakes it after unlocking (issue 8, "wake after unlock").  These rows
// measure that path; the plain `pingpong` row of bench_chan measures the
// lock-free exchange slot.  Impls: lfgo, twin.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <thread>

#include "bench_common.hpp"
#include "lfgo/chan.h"
#include "lfgo/twin/chan.h"

namespace {

constexpr int kItems = 200'000;

struct Lfgo {
    using chan = lfgo_chan;
    using scase = lfgo_select_case;
    static chan *make()
    {
        chan *c = nullptr;
        lfgo_chan_create(&c, 8, 0, LFGO_CHAN_MPMC);
        return c;
    }
    static void destroy(chan *c) { lfgo_chan_destroy(c); }
    static void send(chan *c, uint64_t v) { lfgo_chan_send(c, &v); }
    static void close(chan *c) { lfgo_chan_close(c); }
    static lfgo_status select(scase *cs, size_t n, size_t *ch) { return lfgo_select(cs, n, ch); }
};

struct Twin {
    using chan = lfgo_twin_chan;
    using scase = lfgo_twin_select_case;
    static chan *make()
    {
        chan *c = nullptr;
        lfgo_twin_chan_create(&c, 8, 0, LFGO_CHAN_MPMC);
        return c;
    }
    static void destroy(chan *c) { lfgo_twin_chan_destroy(c); }
    static void send(chan *c, uint64_t v) { lfgo_twin_chan_send(c, &v); }
    static void close(chan *c) { lfgo_twin_chan_close(c); }
    static lfgo_status select(scase *cs, size_t n, size_t *ch) { return lfgo_twin_select(cs, n, ch); }
};

// Receives from `data` until `quit` is closed: returns false on quit.
template <class I> bool select_recv(typename I::chan *data, typename I::chan *quit, uint64_t *v)
{
    uint64_t q;
    typename I::scase cs[2] = {};
    cs[0].chan = data;
    cs[0].op = LFGO_SELECT_RECV;
    cs[0].elem = v;
    cs[1].chan = quit;
    cs[1].op = LFGO_SELECT_RECV;
    cs[1].elem = &q;
    size_t ch = 2;
    I::select(cs, 2, &ch);
    return ch == 0;
}

template <class I> void select_data_quit(benchmark::State &st)
{
    for (auto _ : st) {
        typename I::chan *data = I::make(), *quit = I::make();
        uint64_t sum = 0;
        std::thread rx([&] {
            uint64_t v;
            while (select_recv<I>(data, quit, &v))
                sum += v;
        });
        for (int i = 1; i <= kItems; i++)
            I::send(data, (uint64_t)i);
        I::close(quit);
        rx.join();
        if (sum != (uint64_t)kItems * (kItems + 1) / 2)
            st.SkipWithError("lost or duplicated values");
        I::destroy(data);
        I::destroy(quit);
    }
    lfgo_bench::per_item(st, (double)kItems);
}

template <class I> void pingpong_select(benchmark::State &st)
{
    for (auto _ : st) {
        typename I::chan *a = I::make(), *b = I::make(), *quit = I::make();
        std::thread partner([&] {
            uint64_t v;
            while (select_recv<I>(a, quit, &v))
                I::send(b, v);
        });
        for (int i = 0; i < kItems; i++) {
            uint64_t v = ~0ull;
            I::send(a, (uint64_t)i);
            if (!select_recv<I>(b, quit, &v) || v != (uint64_t)i) {
                st.SkipWithError("wrong token");
                break;
            }
        }
        I::close(quit);
        partner.join();
        I::destroy(a);
        I::destroy(b);
        I::destroy(quit);
    }
    lfgo_bench::per_item(st, (double)kItems);
}

} // namespace

LFGO_BENCH(select_data_quit<Lfgo>, "select_data_quit", "lfgo")->Iterations(1);
LFGO_BENCH(select_data_quit<Twin>, "select_data_quit", "twin")->Iterations(1);
LFGO_BENCH(pingpong_select<Lfgo>, "pingpong_select", "lfgo")->Iterations(1);
LFGO_BENCH(pingpong_select<Twin>, "pingpong_select", "twin")->Iterations(1);

BENCHMARK_MAIN();

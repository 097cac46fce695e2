// bench/bench_hpp.cpp - lfgo/lfgo.hpp against the C calls it wraps.
//
//  spsc_hpp/{lfgo,lfgo_hpp}: one producer thread sends N ints through a
//      1024-slot SPSC channel to the benchmark thread, which receives them;
//      ns per item.  lfgo = lfgo_chan_send / lfgo_chan_recv on an int;
//      lfgo_hpp = lfgo::chan<int>::send / recv (std::optional<int>).  The
//      two rows should agree within noise: the wrapper adds no work.
//      N = 10,000,000 with --full (2,000,000 in the quick default).
#include <optional>
#include <thread>

#include "bench_common.hpp"
#include "lfgo/lfgo.hpp"

namespace {

long items() { return lfgo_bench::full_mode() ? 10'000'000 : 2'000'000; }

// The C calls, as a user of lfgo/chan.h writes them.
struct CChan {
    lfgo_chan *ch = nullptr;
    CChan() { lfgo_chan_create(&ch, sizeof(int), 1024, LFGO_CHAN_SPSC); }
    ~CChan() { lfgo_chan_destroy(ch); }
    bool send(int v) { return lfgo_chan_send(ch, &v) == LFGO_OK; }
    std::optional<int> recv()
    {
        int v;
        if (lfgo_chan_recv(ch, &v) != LFGO_OK)
            return std::nullopt;
        return v;
    }
};

// The C++ wrapper.
struct HppChan {
    lfgo::chan<int> ch{1024, LFGO_CHAN_SPSC};
    bool send(int v) { return ch.send(v); }
    std::optional<int> recv() { return ch.recv(); }
};

template <class C>
void spsc_hpp(benchmark::State &st)
{
    const long n = items();
    for (auto _ : st) {
        C c;
        std::thread prod([&] {
            for (long i = 0; i < n; i++)
                c.send((int)i);
        });
        long sum = 0, got = 0;
        for (; got < n; got++) {
            std::optional<int> v = c.recv();
            if (!v)
                break;
            sum += *v;
        }
        prod.join();
        if (got != n || sum != (n - 1) * n / 2) {
            st.SkipWithError("spsc_hpp: an item was lost, duplicated or changed");
            break;
        }
    }
    lfgo_bench::per_item(st, (double)n);
}

} // namespace

LFGO_BENCH(spsc_hpp<CChan>, "spsc_hpp", "lfgo")->Iterations(1);
LFGO_BENCH(spsc_hpp<HppChan>, "spsc_hpp", "lfgo_hpp")->Iterations(1);

BENCHMARK_MAIN();

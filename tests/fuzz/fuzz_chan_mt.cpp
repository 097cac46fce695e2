// libFuzzer harness: one channel (capacity 0..8, lfgo or twin) driven by
// 1-2 sender threads and 1-2 receiver threads, each with its own decoded
// script of calls (blocking, try_ with retries, _until with a near deadline,
// _many, select over the channel and a never-ready one); the channel is
// closed either after the senders finished or by a sender part-way.  With
// threads the interleaving is not determined, so the model checks what is:
//  - exactly once: the values whose send returned LFGO_OK (or counted in a
//    _many's *done) are received exactly once; nothing else is received;
//  - per-sender order: each receiver sees each sender's values in order;
//  - closed after drain: every receiver ends with LFGO_CLOSED, and only once
//    every accepted value was taken.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "chan_impl.hpp"
#include "fuzz_common.hpp"

namespace {

struct Script {
    std::vector<uint8_t> ops; // one byte per call
    size_t at = 0;
    uint8_t next() { return ops.empty() ? 0 : ops[at++ % ops.size()]; }
};

// A value: sender number in the top byte, sequence number below.
constexpr int kShift = 56;

template <class I> struct Run {
    typename I::chan *ch = nullptr;
    typename I::chan *never = nullptr; // a channel no one uses: never ready
    std::vector<std::vector<uint64_t>> accepted; // per sender, in send order
    std::vector<std::vector<uint64_t>> got;      // per receiver, in receive order
    std::atomic<int> closes{0};

    static timespec soon() { return lfgo_deadline_after_ns(200000); }
    static constexpr int kTries = 1000; // try_ calls before a blocking one

    // Sends values i..i+n-1 of sender s by one decoded kind of call; returns
    // how many were accepted and whether the channel turned out closed.
    size_t send_some(int s, uint64_t i, size_t n, uint8_t how, bool *closed)
    {
        uint64_t v[4];
        for (size_t k = 0; k < n; k++)
            v[k] = ((uint64_t)s << kShift) | (i + k);
        lfgo_status st;
        size_t done = 0;
        switch (how % 5) {
        case 0:
            st = I::send(ch, v);
            done = st == LFGO_OK;
            break;
        case 1: // try, then block: on an unbuffered channel two try-loops
                // never meet (nobody waits), as two Go selects with defaults
            for (int t = 0; (st = I::try_send(ch, v)) == LFGO_WOULDBLOCK; t++) {
                if (t == kTries) {
                    st = I::send(ch, v);
                    break;
                }
                std::this_thread::yield();
            }
            done = st == LFGO_OK;
            break;
        case 2: {
            timespec d = soon();
            st = I::send_until(ch, v, &d);
            done = st == LFGO_OK;
            break;
        }
        case 3:
            st = I::send_many(ch, v, n, &done);
            FUZZ_CHECK(st == LFGO_CLOSED || done == n);
            break;
        default: {
            typename I::scase cs[2] = {{never, LFGO_SELECT_RECV, &v[1], LFGO_OK},
                                       {ch, LFGO_SELECT_SEND, v, LFGO_OK}};
            size_t c = 9;
            st = I::select(cs, 2, &c);
            FUZZ_CHECK_EQ(st, LFGO_OK);
            FUZZ_CHECK_EQ(c, 1);
            st = cs[1].status;
            done = st == LFGO_OK;
        }
        }
        FUZZ_CHECK(st == LFGO_OK || st == LFGO_CLOSED || st == LFGO_TIMEOUT);
        *closed = st == LFGO_CLOSED;
        for (size_t k = 0; k < done; k++)
            accepted[s].push_back(v[k]);
        return done;
    }

    void sender(int s, Script sc, size_t count, size_t close_at)
    {
        uint64_t i = 0;
        size_t calls = 0;
        bool closed = false;
        while (i < count && !closed) {
            if (calls++ == close_at && I::close(ch) == LFGO_OK)
                closes++;
            uint8_t b = sc.next();
            size_t n = 1 + (b >> 4) % 4;
            i += send_some(s, i, n < count - i ? n : count - i, b & 15, &closed);
        }
    }

    // Receives until LFGO_CLOSED; returns after it saw it.
    void receiver(int r, Script sc)
    {
        for (;;) {
            uint8_t b = sc.next();
            uint64_t v[4];
            size_t done = 0;
            lfgo_status st;
            switch (b % 5) {
            case 0:
                st = I::recv(ch, v);
                done = st == LFGO_OK;
                break;
            case 1: // try, then block (see send_some)
                for (int t = 0; (st = I::try_recv(ch, v)) == LFGO_WOULDBLOCK; t++) {
                    if (t == kTries) {
                        st = I::recv(ch, v);
                        break;
                    }
                    std::this_thread::yield();
                }
                done = st == LFGO_OK;
                break;
            case 2: {
                timespec d = soon();
                st = I::recv_until(ch, v, &d);
                done = st == LFGO_OK;
                break;
            }
            case 3:
                st = I::recv_many(ch, v, 1 + (b >> 4) % 4, &done);
                FUZZ_CHECK(st == LFGO_CLOSED ? done == 0 : done >= 1);
                break;
            default: {
                uint64_t w = 0;
                typename I::scase cs[2] = {{never, LFGO_SELECT_RECV, &w, LFGO_OK}, {ch, LFGO_SELECT_RECV, v, LFGO_OK}};
                size_t c = 9;
                st = I::select(cs, 2, &c);
                FUZZ_CHECK_EQ(st, LFGO_OK);
                FUZZ_CHECK_EQ(c, 1);
                st = cs[1].status;
                done = st == LFGO_OK;
            }
            }
            FUZZ_CHECK(st == LFGO_OK || st == LFGO_CLOSED || st == LFGO_TIMEOUT);
            for (size_t k = 0; k < done; k++)
                got[r].push_back(v[k]);
            if (st == LFGO_CLOSED) {
                // Closed after drain: it stays closed and empty.
                FUZZ_CHECK_EQ(I::try_recv(ch, v), LFGO_CLOSED);
                return;
            }
        }
    }

    void check(int ns, int nr)
    {
        std::vector<uint64_t> next(ns, 0); // per sender: how many of its values were seen
        std::vector<std::vector<char>> seen(ns);
        for (int s = 0; s < ns; s++)
            seen[s].assign(accepted[s].size(), 0);
        for (int r = 0; r < nr; r++) {
            std::vector<int64_t> last(ns, -1);
            for (uint64_t v : got[r]) {
                int s = (int)(v >> kShift);
                uint64_t i = v & ((1ull << kShift) - 1);
                FUZZ_CHECK(s >= 0 && s < ns);
                FUZZ_CHECK(i < accepted[s].size()); // only accepted values arrive
                FUZZ_CHECK(!seen[s][i]);           // at most once
                FUZZ_CHECK((int64_t)i > last[s]);  // per-sender order
                seen[s][i] = 1;
                last[s] = (int64_t)i;
                next[s]++;
            }
        }
        for (int s = 0; s < ns; s++)
            FUZZ_CHECK_EQ(next[s], accepted[s].size()); // at least once
        FUZZ_CHECK_EQ(closes.load(), 1);
    }
};

template <class I> void run(FuzzedDataProvider &in)
{
    Run<I> r;
    size_t cap = in.ConsumeIntegralInRange<size_t>(0, 8);
    int ns = in.ConsumeIntegralInRange<int>(1, 2), nr = in.ConsumeIntegralInRange<int>(1, 2);
    if (ns + nr > 3)
        nr = 1; // at most three threads besides the fuzzer's
    FUZZ_CHECK_EQ(I::create(&r.ch, sizeof(uint64_t), cap, LFGO_CHAN_MPMC), LFGO_OK);
    FUZZ_CHECK_EQ(I::create(&r.never, sizeof(uint64_t), 0, LFGO_CHAN_MPMC), LFGO_OK);
    r.accepted.resize(ns);
    r.got.resize(nr);
    std::vector<size_t> count(ns), close_at(ns);
    std::vector<Script> ss(ns), rs(nr);
    int closer = in.ConsumeIntegralInRange<int>(-1, ns - 1); // -1: after the senders
    for (int s = 0; s < ns; s++) {
        count[s] = in.ConsumeIntegralInRange<size_t>(0, 300);
        close_at[s] = s == closer ? in.ConsumeIntegralInRange<size_t>(0, 60) : SIZE_MAX;
    }
    for (auto &sc : ss)
        sc.ops = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(1, 16));
    for (auto &sc : rs)
        sc.ops = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(1, 16));
    std::vector<std::thread> rt, st;
    for (int k = 0; k < nr; k++)
        rt.emplace_back([&, k] { r.receiver(k, rs[k]); });
    for (int s = 0; s < ns; s++)
        st.emplace_back([&, s] { r.sender(s, ss[s], count[s], close_at[s]); });
    for (auto &t : st)
        t.join();
    if (I::close(r.ch) == LFGO_OK)
        r.closes++;
    for (auto &t : rt)
        t.join();
    r.check(ns, nr);
    I::destroy(r.ch);
    I::destroy(r.never);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzedDataProvider in(data, size);
    // A second close (the closer and then the main thread) is misuse: the
    // recording handler lets the main thread's close return LFGO_MISUSE.
    static bool once = (fuzz::Misuse::install(), true);
    (void)once;
    if (in.ConsumeBool())
        run<lfgo_test::TwinChan>(in);
    else
        run<lfgo_test::LfgoChan>(in);
    return 0;
}

// libFuzzer harness: one thread drives 1-3 channels (any capacity, 0
// included, any kind, element sizes 1..100 and 0 once lfgo accepts it)
// through a decoded sequence of try_/until-with-a-past-deadline calls, the
// blocking calls the model says cannot block, the _many variants, close,
// len/cap and select_try/select_until over several channels, on lfgo and on
// the twin.  Every result is checked against a sequential model: a FIFO of
// byte strings per channel, its capacity and a closed flag.
//
// With one thread nothing can wait on an unbuffered channel, so every
// unbuffered send or receive that is not on a closed channel must be
// LFGO_WOULDBLOCK / LFGO_TIMEOUT, and a select case is ready exactly when the
// model says so.
#include <cstdint>
#include <deque>
#include <vector>

#include "chan_impl.hpp"
#include "fuzz_common.hpp"

namespace {

using Bytes = std::vector<unsigned char>;

// memcpy for n == 0 too (an empty vector's data() may be NULL).
void cpy(void *dst, const void *src, size_t n)
{
    if (n)
        std::memcpy(dst, src, n);
}

struct Model {
    size_t cap = 0;
    bool closed = false;
    std::deque<Bytes> q;
    size_t room() const { return closed ? 0 : cap - q.size(); }
};

template <class I> struct Run {
    FuzzedDataProvider &in;
    size_t elem;
    uint64_t next = 1; // value counter: every sent value is distinct
    std::vector<typename I::chan *> ch;
    std::vector<Model> m;

    Bytes make()
    {
        Bytes b(elem);
        uint64_t v = next++ * 0x9E3779B97F4A7C15ull;
        for (size_t i = 0; i < elem; i++)
            b[i] = (unsigned char)(v >> (8 * (i % 8))) ^ (unsigned char)i;
        return b;
    }
    // A buffer of n elements (at least one byte, so that the pointer is valid).
    static Bytes buf(size_t n, size_t e) { return Bytes(n * e + 1, 0xA5); }

    void send_result(size_t k, lfgo_status st, const Bytes &v, lfgo_status would)
    {
        Model &mm = m[k];
        if (mm.closed)
            FUZZ_CHECK_EQ(st, LFGO_CLOSED);
        else if (mm.q.size() < mm.cap) {
            FUZZ_CHECK_EQ(st, LFGO_OK);
            mm.q.push_back(v);
        } else
            FUZZ_CHECK_EQ(st, would);
    }
    void recv_result(size_t k, lfgo_status st, const unsigned char *got, lfgo_status would)
    {
        Model &mm = m[k];
        if (!mm.q.empty()) {
            FUZZ_CHECK_EQ(st, LFGO_OK);
            FUZZ_CHECK(elem == 0 || std::memcmp(got, mm.q.front().data(), elem) == 0);
            mm.q.pop_front();
        } else if (mm.closed)
            FUZZ_CHECK_EQ(st, LFGO_CLOSED);
        else
            FUZZ_CHECK_EQ(st, would);
    }

    void op_send(size_t k, int how)
    {
        Bytes v = make();
        Bytes b = buf(1, elem);
        cpy(b.data(), v.data(), elem);
        timespec d = fuzz::past(in);
        switch (how) {
        case 0:
            send_result(k, I::try_send(ch[k], b.data()), v, LFGO_WOULDBLOCK);
            break;
        case 1:
            send_result(k, I::send_until(ch[k], b.data(), &d), v, LFGO_TIMEOUT);
            break;
        default: // blocking: only when the model says it completes at once
            if (m[k].closed || m[k].q.size() < m[k].cap)
                send_result(k, I::send(ch[k], b.data()), v, LFGO_OK);
        }
    }
    void op_recv(size_t k, int how)
    {
        Bytes b = buf(1, elem);
        timespec d = fuzz::past(in);
        switch (how) {
        case 0:
            recv_result(k, I::try_recv(ch[k], b.data()), b.data(), LFGO_WOULDBLOCK);
            break;
        case 1:
            recv_result(k, I::recv_until(ch[k], b.data(), &d), b.data(), LFGO_TIMEOUT);
            break;
        default:
            if (m[k].closed || !m[k].q.empty())
                recv_result(k, I::recv(ch[k], b.data()), b.data(), LFGO_OK);
        }
    }

    void op_send_many(size_t k, int how)
    {
        size_t n = in.ConsumeIntegralInRange<size_t>(0, 12);
        std::vector<Bytes> vs;
        Bytes b = buf(n, elem);
        for (size_t i = 0; i < n; i++) {
            vs.push_back(make());
            cpy(b.data() + i * elem, vs.back().data(), elem);
        }
        Model &mm = m[k];
        size_t done = 777;
        timespec d = fuzz::past(in);
        bool fits = mm.closed || n <= mm.room();
        lfgo_status st;
        if (how == 0)
            st = I::try_send_many(ch[k], b.data(), n, &done);
        else if (how == 1)
            st = I::send_many_until(ch[k], b.data(), n, &done, &d);
        else if (fits)
            st = I::send_many(ch[k], b.data(), n, &done);
        else
            return;
        if (n == 0) { // at once, without looking at the channel
            FUZZ_CHECK_EQ(st, LFGO_OK);
            FUZZ_CHECK_EQ(done, 0);
            return;
        }
        if (mm.closed) {
            FUZZ_CHECK_EQ(st, LFGO_CLOSED);
            FUZZ_CHECK_EQ(done, 0);
            return;
        }
        size_t k2 = n < mm.room() ? n : mm.room();
        FUZZ_CHECK_EQ(done, k2);
        FUZZ_CHECK_EQ(st, k2 == n ? LFGO_OK : how == 0 ? LFGO_WOULDBLOCK : LFGO_TIMEOUT);
        for (size_t i = 0; i < k2; i++)
            mm.q.push_back(vs[i]);
    }

    void op_recv_many(size_t k, int how)
    {
        size_t n = in.ConsumeIntegralInRange<size_t>(0, 12);
        Bytes b = buf(n, elem);
        Model &mm = m[k];
        size_t done = 777;
        timespec d = fuzz::past(in);
        lfgo_status st;
        if (how == 0)
            st = I::try_recv_many(ch[k], b.data(), n, &done);
        else if (how == 1)
            st = I::recv_many_until(ch[k], b.data(), n, &done, &d);
        else if (n == 0 || mm.closed || !mm.q.empty())
            st = I::recv_many(ch[k], b.data(), n, &done);
        else
            return;
        if (n == 0) {
            FUZZ_CHECK_EQ(st, LFGO_OK);
            FUZZ_CHECK_EQ(done, 0);
            return;
        }
        if (mm.q.empty()) {
            FUZZ_CHECK_EQ(st, mm.closed ? LFGO_CLOSED : how == 0 ? LFGO_WOULDBLOCK : LFGO_TIMEOUT);
            FUZZ_CHECK_EQ(done, 0);
            return;
        }
        // Single-threaded, everything buffered is ready: all of it, up to n.
        size_t k2 = n < mm.q.size() ? n : mm.q.size();
        FUZZ_CHECK_EQ(st, LFGO_OK);
        FUZZ_CHECK_EQ(done, k2);
        for (size_t i = 0; i < k2; i++) {
            FUZZ_CHECK(elem == 0 || std::memcmp(b.data() + i * elem, mm.q.front().data(), elem) == 0);
            mm.q.pop_front();
        }
    }

    void op_close(size_t k)
    {
        lfgo_status st = I::close(ch[k]);
        int reports = fuzz::Misuse::take();
        if (m[k].closed) {
            FUZZ_CHECK_EQ(st, LFGO_MISUSE);
            FUZZ_CHECK_EQ(reports, 1);
        } else {
            FUZZ_CHECK_EQ(st, LFGO_OK);
            FUZZ_CHECK_EQ(reports, 0);
            m[k].closed = true;
        }
    }

    void op_state(size_t k)
    {
        FUZZ_CHECK_EQ(I::len(ch[k]), m[k].q.size());
        FUZZ_CHECK_EQ(I::cap(ch[k]), m[k].cap);
    }

    bool ready(const typename I::scase &c, size_t k) const
    {
        if (!c.chan)
            return false;
        const Model &mm = m[k];
        return c.op == LFGO_SELECT_RECV ? (mm.closed || !mm.q.empty()) : (mm.closed || mm.q.size() < mm.cap);
    }

    void op_select(bool until)
    {
        size_t n = in.ConsumeIntegralInRange<size_t>(0, 5);
        std::vector<typename I::scase> cs(n);
        std::vector<size_t> which(n);
        std::vector<Bytes> vals(n), bufs(n);
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            which[i] = in.ConsumeIntegralInRange<size_t>(0, ch.size() - 1);
            bool send = in.ConsumeBool();
            bool disabled = in.ConsumeIntegralInRange<int>(0, 7) == 0;
            bufs[i] = buf(1, elem);
            if (send) {
                vals[i] = make();
                cpy(bufs[i].data(), vals[i].data(), elem);
            }
            cs[i] = {disabled ? nullptr : ch[which[i]], send ? LFGO_SELECT_SEND : LFGO_SELECT_RECV,
                     bufs[i].data(), LFGO_OK};
            any = any || ready(cs[i], which[i]);
        }
        size_t chosen = 999;
        timespec d = fuzz::past(in);
        lfgo_status st = until ? I::select_until(cs.data(), n, &chosen, &d) : I::select_try(cs.data(), n, &chosen);
        if (!any) {
            FUZZ_CHECK_EQ(st, until ? LFGO_TIMEOUT : LFGO_WOULDBLOCK);
            return;
        }
        FUZZ_CHECK_EQ(st, LFGO_OK);
        FUZZ_CHECK(chosen < n);
        FUZZ_CHECK(ready(cs[chosen], which[chosen]));
        size_t k = which[chosen];
        if (cs[chosen].op == LFGO_SELECT_SEND)
            send_result(k, cs[chosen].status, vals[chosen], LFGO_WOULDBLOCK);
        else
            recv_result(k, cs[chosen].status, bufs[chosen].data(), LFGO_WOULDBLOCK);
    }

    void go()
    {
        while (in.remaining_bytes() > 0) {
            size_t k = in.ConsumeIntegralInRange<size_t>(0, ch.size() - 1);
            int op = in.ConsumeIntegralInRange<int>(0, 11);
            int how = in.ConsumeIntegralInRange<int>(0, 2);
            switch (op) {
            case 0:
            case 1:
                op_send(k, how);
                break;
            case 2:
            case 3:
                op_recv(k, how);
                break;
            case 4:
                op_send_many(k, how);
                break;
            case 5:
                op_recv_many(k, how);
                break;
            case 6:
                if (in.ConsumeIntegralInRange<int>(0, 3) == 0)
                    op_close(k); // rarely: a closed channel ends most of the fun
                break;
            case 7:
                op_state(k);
                break;
            case 8:
            case 9:
                op_select(false);
                break;
            default:
                op_select(true);
            }
            op_state(k);
            FUZZ_CHECK_EQ(fuzz::Misuse::take(), 0);
        }
    }
};

bool zero_size_supported()
{
    lfgo_chan *c = nullptr;
    if (lfgo_chan_create(&c, 0, 1, LFGO_CHAN_MPMC) != LFGO_OK)
        return false;
    lfgo_chan_destroy(c);
    lfgo_twin_chan *t = nullptr;
    if (lfgo_twin_chan_create(&t, 0, 1, LFGO_CHAN_MPMC) != LFGO_OK)
        return false;
    lfgo_twin_chan_destroy(t);
    return true;
}

template <class I> void run(const uint8_t *data, size_t size)
{
    static const bool zero_ok = zero_size_supported();
    FuzzedDataProvider in(data, size);
    static const size_t sizes[] = {0, 1, 3, 8, 16, 24, 48, 49, 64, 100};
    size_t elem = sizes[in.ConsumeIntegralInRange<size_t>(zero_ok ? 0 : 1, 9)];
    size_t nch = in.ConsumeIntegralInRange<size_t>(1, 3);
    Run<I> r{in, elem, 1, {}, {}};
    for (size_t i = 0; i < nch; i++) {
        size_t cap = in.ConsumeBool() ? in.ConsumeIntegralInRange<size_t>(0, 4)
                                      : in.ConsumeIntegralInRange<size_t>(0, 300);
        auto kind = (lfgo_chan_kind)in.ConsumeIntegralInRange<int>(0, 3);
        typename I::chan *c = nullptr;
        FUZZ_CHECK_EQ(I::create(&c, elem, cap, kind), LFGO_OK);
        r.ch.push_back(c);
        r.m.push_back(Model{cap, false, {}});
    }
    r.go();
    for (auto *c : r.ch)
        I::destroy(c);
    FUZZ_CHECK_EQ(fuzz::Misuse::take(), 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool once = (fuzz::Misuse::install(), true);
    (void)once;
    if (size == 0)
        return 0;
    // The first byte picks the implementation; the rest drives it.
    if (data[0] & 1)
        run<lfgo_test::TwinChan>(data + 1, size - 1);
    else
        run<lfgo_test::LfgoChan>(data + 1, size - 1);
    return 0;
}

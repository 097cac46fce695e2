// libFuzzer harness: the batcher (lfgo and twin) with a decoded
// configuration (item size, N, T, policy of the four, capacity) and a decoded sequence
// of add / flush / close / stats from one producer thread.  The model is
// the list of accepted items: the callback must get them exactly once, in
// add order (one producer), in batches of 1..N; after flush() returns
// LFGO_OK everything accepted before it was delivered; after close() every
// add and flush returns LFGO_CLOSED, and close() returns after the last
// callback; the stats agree with what the callback saw.
#include <cstdint>
#include <mutex>
#include <vector>

#include <lfgo/batch.h>
#include <lfgo/twin/batch.h>

#include "fuzz_common.hpp"

namespace {

struct LB {
    using batch = lfgo_batch;
    static lfgo_status create(batch **o, const lfgo_batch_config *c) { return lfgo_batch_create(o, c); }
    static lfgo_status add(batch *b, const void *v) { return lfgo_batch_add(b, v); }
    static lfgo_status flush(batch *b) { return lfgo_batch_flush(b); }
    static lfgo_status close(batch *b) { return lfgo_batch_close(b); }
    static void destroy(batch *b) { lfgo_batch_destroy(b); }
    static lfgo_status stats(batch *b, lfgo_batch_stats *s) { return lfgo_batch_get_stats(b, s); }
};

struct TB {
    using batch = lfgo_twin_batch;
    static lfgo_status create(batch **o, const lfgo_batch_config *c) { return lfgo_twin_batch_create(o, c); }
    static lfgo_status add(batch *b, const void *v) { return lfgo_twin_batch_add(b, v); }
    static lfgo_status flush(batch *b) { return lfgo_twin_batch_flush(b); }
    static lfgo_status close(batch *b) { return lfgo_twin_batch_close(b); }
    static void destroy(batch *b) { lfgo_twin_batch_destroy(b); }
    static lfgo_status stats(batch *b, lfgo_batch_stats *s) { return lfgo_twin_batch_get_stats(b, s); }
};

struct Sink {
    std::mutex mu;
    size_t item_size = 0, max_items = 0;
    std::vector<uint64_t> got; // the first 8 bytes (or fewer) of each item
    uint64_t batches = 0;
    static void fn(void *user, const void *items, size_t n)
    {
        Sink *s = static_cast<Sink *>(user);
        std::lock_guard<std::mutex> lk(s->mu);
        FUZZ_CHECK(n >= 1 && n <= s->max_items);
        s->batches++;
        for (size_t i = 0; i < n; i++) {
            uint64_t v = 0;
            const unsigned char *p = static_cast<const unsigned char *>(items) + i * s->item_size;
            std::memcpy(&v, p, s->item_size < 8 ? s->item_size : 8);
            for (size_t k = 8; k < s->item_size; k++)
                FUZZ_CHECK_EQ(p[k], (unsigned char)(v + k)); // the tail is intact
            s->got.push_back(v);
        }
    }
    size_t delivered()
    {
        std::lock_guard<std::mutex> lk(mu);
        return got.size();
    }
};

template <class B> void run(FuzzedDataProvider &in)
{
    Sink sink;
    lfgo_batch_config c{};
    c.item_size = in.ConsumeIntegralInRange<size_t>(1, 40);
    c.max_items = in.ConsumeIntegralInRange<size_t>(1, 16);
    c.max_delay_ns = in.ConsumeBool() ? 1000000000000LL : in.ConsumeIntegralInRange<int64_t>(1000, 2000000);
    c.fn = Sink::fn;
    c.user = &sink;
    static const lfgo_batch_policy policies[] = {LFGO_BATCH_BLOCK, LFGO_BATCH_FAIL, LFGO_BATCH_INLINE_BLOCK,
                                                 LFGO_BATCH_INLINE_FAIL};
    c.policy = policies[in.ConsumeIntegralInRange<int>(0, 3)];
    const bool blocks = c.policy == LFGO_BATCH_BLOCK || c.policy == LFGO_BATCH_INLINE_BLOCK;
    c.capacity = in.ConsumeIntegralInRange<size_t>(0, 40);
    sink.item_size = c.item_size;
    sink.max_items = c.max_items;
    typename B::batch *b = nullptr;
    FUZZ_CHECK_EQ(B::create(&b, &c), LFGO_OK);
    // Values must survive truncation to item_size bytes to be compared.
    uint64_t mask = c.item_size >= 8 ? ~0ull : (1ull << (8 * c.item_size)) - 1;
    std::vector<uint64_t> accepted;
    uint64_t next = 1;
    bool closed = false;
    std::vector<unsigned char> item(c.item_size);
    while (in.remaining_bytes() > 0) {
        switch (in.ConsumeIntegralInRange<int>(0, 9)) {
        default: { // add, most of the time
            uint64_t v = next++ & mask;
            std::memcpy(item.data(), &v, c.item_size < 8 ? c.item_size : 8);
            for (size_t k = 8; k < c.item_size; k++)
                item[k] = (unsigned char)(v + k);
            lfgo_status st = B::add(b, item.data());
            if (closed)
                FUZZ_CHECK_EQ(st, LFGO_CLOSED);
            else if (blocks)
                FUZZ_CHECK_EQ(st, LFGO_OK);
            else
                FUZZ_CHECK(st == LFGO_OK || st == LFGO_WOULDBLOCK);
            if (st == LFGO_OK)
                accepted.push_back(v);
            break;
        }
        case 7: {
            lfgo_status st = B::flush(b);
            FUZZ_CHECK_EQ(st, closed ? LFGO_CLOSED : LFGO_OK);
            if (!closed)
                FUZZ_CHECK_EQ(sink.delivered(), accepted.size());
            break;
        }
        case 8:
            FUZZ_CHECK_EQ(B::close(b), closed ? LFGO_CLOSED : LFGO_OK);
            closed = true;
            FUZZ_CHECK_EQ(sink.delivered(), accepted.size());
            break;
        case 9: {
            lfgo_batch_stats s;
            FUZZ_CHECK_EQ(B::stats(b, &s), LFGO_OK);
            FUZZ_CHECK(s.items <= accepted.size());
            FUZZ_CHECK(s.flushes_size + s.flushes_deadline + s.flushes_forced + s.flushes_close == s.batches);
            break;
        }
        }
        FUZZ_CHECK_EQ(fuzz::Misuse::take(), 0);
    }
    if (!closed)
        FUZZ_CHECK_EQ(B::close(b), LFGO_OK);
    lfgo_batch_stats s;
    FUZZ_CHECK_EQ(B::stats(b, &s), LFGO_OK);
    B::destroy(b);
    FUZZ_CHECK(sink.got == accepted); // exactly once, in add order
    FUZZ_CHECK_EQ(s.items, accepted.size());
    FUZZ_CHECK_EQ(s.batches, sink.batches);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool once = (fuzz::Misuse::install(), true);
    (void)once;
    FuzzedDataProvider in(data, size);
    if (in.ConsumeBool())
        run<TB>(in);
    else
        run<LB>(in);
    return 0;
}

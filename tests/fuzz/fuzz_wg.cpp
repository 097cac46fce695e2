// libFuzzer harness: WaitGroup and SizedWaitGroup counters (lfgo and twin),
// one thread, against a model counter, misuse included: a negative counter,
// an add that overflows the 32-bit counter, done with nothing in flight,
// destroy with a nonzero counter.  The recording misuse handler returns, and
// the model says when exactly one report is due and that the counter is
// then left as it was.
#include <climits>
#include <cstdint>

#include <lfgo/swg.h>
#include <lfgo/twin/swg.h>
#include <lfgo/twin/wg.h>
#include <lfgo/wg.h>

#include "fuzz_common.hpp"

namespace {

struct LW {
    using wg = lfgo_wg;
    using swg = lfgo_swg;
    static void init(wg *w) { lfgo_wg_init(w); }
    static void destroy(wg *w) { lfgo_wg_destroy(w); }
    static void add(wg *w, int64_t d) { lfgo_wg_add(w, d); }
    static void done(wg *w) { lfgo_wg_done(w); }
    static void wait(wg *w) { lfgo_wg_wait(w); }
    static lfgo_status try_wait(wg *w) { return lfgo_wg_try_wait(w); }
    static lfgo_status wait_until(wg *w, const timespec *d) { return lfgo_wg_wait_until(w, d); }
    static int32_t count(wg *w) { return lfgo_wg_count(w); }
    static lfgo_status sinit(swg *s, int64_t l) { return lfgo_swg_init(s, l); }
    static void sdestroy(swg *s) { lfgo_swg_destroy(s); }
    static void sadd(swg *s) { lfgo_swg_add(s); }
    static lfgo_status stry_add(swg *s) { return lfgo_swg_try_add(s); }
    static lfgo_status sadd_until(swg *s, const timespec *d) { return lfgo_swg_add_until(s, d); }
    static void sdone(swg *s) { lfgo_swg_done(s); }
    static void swait(swg *s) { lfgo_swg_wait(s); }
    static lfgo_status stry_wait(swg *s) { return lfgo_swg_try_wait(s); }
    static lfgo_status swait_until(swg *s, const timespec *d) { return lfgo_swg_wait_until(s, d); }
    static int64_t sin_flight(swg *s) { return lfgo_swg_in_flight(s); }
};

struct TW {
    using wg = lfgo_twin_wg;
    using swg = lfgo_twin_swg;
    static void init(wg *w) { lfgo_twin_wg_init(w); }
    static void destroy(wg *w) { lfgo_twin_wg_destroy(w); }
    static void add(wg *w, int64_t d) { lfgo_twin_wg_add(w, d); }
    static void done(wg *w) { lfgo_twin_wg_done(w); }
    static void wait(wg *w) { lfgo_twin_wg_wait(w); }
    static lfgo_status try_wait(wg *w) { return lfgo_twin_wg_try_wait(w); }
    static lfgo_status wait_until(wg *w, const timespec *d) { return lfgo_twin_wg_wait_until(w, d); }
    static int32_t count(wg *w) { return lfgo_twin_wg_count(w); }
    static lfgo_status sinit(swg *s, int64_t l) { return lfgo_twin_swg_init(s, l); }
    static void sdestroy(swg *s) { lfgo_twin_swg_destroy(s); }
    static void sadd(swg *s) { lfgo_twin_swg_add(s); }
    static lfgo_status stry_add(swg *s) { return lfgo_twin_swg_try_add(s); }
    static lfgo_status sadd_until(swg *s, const timespec *d) { return lfgo_twin_swg_add_until(s, d); }
    static void sdone(swg *s) { lfgo_twin_swg_done(s); }
    static void swait(swg *s) { lfgo_twin_swg_wait(s); }
    static lfgo_status stry_wait(swg *s) { return lfgo_twin_swg_try_wait(s); }
    static lfgo_status swait_until(swg *s, const timespec *d) { return lfgo_twin_swg_wait_until(s, d); }
    static int64_t sin_flight(swg *s) { return lfgo_twin_swg_in_flight(s); }
};

using fuzz::Misuse;

int64_t delta_of(FuzzedDataProvider &in)
{
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
        return in.ConsumeIntegral<int64_t>(); // anything, overflow included
    case 1:
        return in.ConsumeBool() ? INT32_MAX : INT32_MIN;
    default:
        return in.ConsumeIntegralInRange<int64_t>(-3, 3);
    }
}

template <class W> void run_wg(FuzzedDataProvider &in)
{
    typename W::wg w;
    W::init(&w);
    int64_t n = 0; // the model
    while (in.remaining_bytes() > 0) {
        switch (in.ConsumeIntegralInRange<int>(0, 6)) {
        case 0: {
            int64_t d = delta_of(in);
            W::add(&w, d);
            bool bad = d < INT32_MIN || d > INT32_MAX || n + d < 0 || n + d > INT32_MAX;
            FUZZ_CHECK_EQ(Misuse::take(), bad);
            if (!bad)
                n += d;
            break;
        }
        case 1:
            W::done(&w);
            FUZZ_CHECK_EQ(Misuse::take(), n == 0);
            if (n > 0)
                n--;
            break;
        case 2:
            FUZZ_CHECK_EQ(W::try_wait(&w), n == 0 ? LFGO_OK : LFGO_WOULDBLOCK);
            break;
        case 3: {
            timespec d = fuzz::past(in);
            FUZZ_CHECK_EQ(W::wait_until(&w, &d), n == 0 ? LFGO_OK : LFGO_TIMEOUT);
            break;
        }
        case 4:
            if (n == 0)
                W::wait(&w);
            break;
        case 5: {
            timespec d = {1, in.ConsumeBool() ? -1 : 1000000000L}; // malformed
            FUZZ_CHECK_EQ(W::wait_until(&w, &d), LFGO_MISUSE);
            FUZZ_CHECK_EQ(Misuse::take(), 1);
            break;
        }
        default:
            break;
        }
        FUZZ_CHECK_EQ(W::count(&w), n);
        FUZZ_CHECK_EQ(Misuse::take(), 0);
    }
    W::destroy(&w);
    FUZZ_CHECK_EQ(Misuse::take(), n != 0); // destroy with a nonzero counter
    if (n != 0) {
        W::add(&w, -n);
        W::destroy(&w);
        FUZZ_CHECK_EQ(Misuse::take(), 0);
    }
}

template <class W> void run_swg(FuzzedDataProvider &in)
{
    typename W::swg s;
    int64_t limit = in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(-2, 5) : in.ConsumeIntegral<int64_t>();
    lfgo_status st = W::sinit(&s, limit);
    if (limit > INT32_MAX) {
        FUZZ_CHECK_EQ(st, LFGO_EINVAL);
        return;
    }
    FUZZ_CHECK_EQ(st, LFGO_OK);
    int64_t cap = limit <= 0 ? INT32_MAX : limit, n = 0;
    while (in.remaining_bytes() > 0) {
        switch (in.ConsumeIntegralInRange<int>(0, 7)) {
        case 0:
            FUZZ_CHECK_EQ(W::stry_add(&s), n < cap ? LFGO_OK : LFGO_WOULDBLOCK);
            n += n < cap;
            break;
        case 1: {
            timespec d = fuzz::past(in);
            FUZZ_CHECK_EQ(W::sadd_until(&s, &d), n < cap ? LFGO_OK : LFGO_TIMEOUT);
            n += n < cap;
            break;
        }
        case 2:
            if (n < cap) {
                W::sadd(&s);
                n++;
            }
            break;
        case 3:
            W::sdone(&s);
            FUZZ_CHECK_EQ(Misuse::take(), n == 0);
            n -= n > 0;
            break;
        case 4:
            FUZZ_CHECK_EQ(W::stry_wait(&s), n == 0 ? LFGO_OK : LFGO_WOULDBLOCK);
            break;
        case 5: {
            timespec d = fuzz::past(in);
            FUZZ_CHECK_EQ(W::swait_until(&s, &d), n == 0 ? LFGO_OK : LFGO_TIMEOUT);
            break;
        }
        case 6:
            if (n == 0)
                W::swait(&s);
            break;
        default: {
            timespec d = {1, in.ConsumeBool() ? -1 : 1000000000L};
            FUZZ_CHECK_EQ(in.ConsumeBool() ? W::sadd_until(&s, &d) : W::swait_until(&s, &d), LFGO_MISUSE);
            FUZZ_CHECK_EQ(Misuse::take(), 1);
        }
        }
        FUZZ_CHECK_EQ(W::sin_flight(&s), n);
        FUZZ_CHECK_EQ(Misuse::take(), 0);
    }
    W::sdestroy(&s);
    FUZZ_CHECK_EQ(Misuse::take(), n != 0);
    if (n != 0) {
        while (n-- > 0)
            W::sdone(&s);
        W::sdestroy(&s);
        FUZZ_CHECK_EQ(Misuse::take(), 0);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool once = (Misuse::install(), true);
    (void)once;
    FuzzedDataProvider in(data, size);
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
        run_wg<LW>(in);
        break;
    case 1:
        run_wg<TW>(in);
        break;
    case 2:
        run_swg<LW>(in);
        break;
    default:
        run_swg<TW>(in);
    }
    return 0;
}

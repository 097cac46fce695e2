// libFuzzer harness: the mutex (lfgo and twin), one thread, against a model
// bit "held": try_lock, lock_until with past and negative deadlines, lock
// when free, unlock (of an unlocked mutex: one misuse report, the mutex
// still usable), get_stats, destroy (of a locked mutex: one report, the
// mutex left alone).
#include <lfgo/mutex.h>
#include <lfgo/twin/mutex.h>

#include "fuzz_common.hpp"

namespace {

struct LM {
    using mutex = lfgo_mutex;
    static void init(mutex *m) { lfgo_mutex_init(m); }
    static void destroy(mutex *m) { lfgo_mutex_destroy(m); }
    static void lock(mutex *m) { lfgo_mutex_lock(m); }
    static lfgo_status try_lock(mutex *m) { return lfgo_mutex_try_lock(m); }
    static lfgo_status lock_until(mutex *m, const timespec *d) { return lfgo_mutex_lock_until(m, d); }
    static void unlock(mutex *m) { lfgo_mutex_unlock(m); }
    static lfgo_status stats(mutex *m, lfgo_mutex_stats *s) { return lfgo_mutex_get_stats(m, s); }
};

struct TM {
    using mutex = lfgo_twin_mutex;
    static void init(mutex *m) { lfgo_twin_mutex_init(m); }
    static void destroy(mutex *m) { lfgo_twin_mutex_destroy(m); }
    static void lock(mutex *m) { lfgo_twin_mutex_lock(m); }
    static lfgo_status try_lock(mutex *m) { return lfgo_twin_mutex_try_lock(m); }
    static lfgo_status lock_until(mutex *m, const timespec *d) { return lfgo_twin_mutex_lock_until(m, d); }
    static void unlock(mutex *m) { lfgo_twin_mutex_unlock(m); }
    static lfgo_status stats(mutex *m, lfgo_mutex_stats *s) { return lfgo_twin_mutex_get_stats(m, s); }
};

using fuzz::Misuse;

template <class M> void run(FuzzedDataProvider &in)
{
    typename M::mutex m;
    M::init(&m);
    bool held = false;
    while (in.remaining_bytes() > 0) {
        switch (in.ConsumeIntegralInRange<int>(0, 5)) {
        case 0:
            FUZZ_CHECK_EQ(M::try_lock(&m), held ? LFGO_WOULDBLOCK : LFGO_OK);
            held = true;
            break;
        case 1: {
            timespec d = fuzz::past(in);
            FUZZ_CHECK_EQ(M::lock_until(&m, &d), held ? LFGO_TIMEOUT : LFGO_OK);
            held = true;
            break;
        }
        case 2:
            if (!held) {
                M::lock(&m);
                held = true;
            }
            break;
        case 3:
            M::unlock(&m);
            FUZZ_CHECK_EQ(Misuse::take(), !held);
            held = false;
            break;
        case 4: {
            lfgo_mutex_stats s;
            FUZZ_CHECK_EQ(M::stats(&m, &s), LFGO_OK);
            break;
        }
        default:
            if (held) { // destroy of a locked mutex: reported, left alone
                M::destroy(&m);
                FUZZ_CHECK_EQ(Misuse::take(), 1);
            }
        }
        FUZZ_CHECK_EQ(Misuse::take(), 0);
    }
    if (held)
        M::unlock(&m);
    M::destroy(&m);
    FUZZ_CHECK_EQ(Misuse::take(), 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool once = (Misuse::install(), true);
    (void)once;
    FuzzedDataProvider in(data, size);
    if (in.ConsumeBool())
        run<TM>(in);
    else
        run<LM>(in);
    return 0;
}

// What every harness shares: the check that turns a model mismatch into a
// crash libFuzzer reports (with the input that caused it), a misuse handler
// that records instead of aborting, and the deadlines the harnesses use.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include <lfgo/common.h>

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            std::fprintf(stderr, "model mismatch at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                  \
        }                                                                                  \
    } while (0)

#define FUZZ_CHECK_EQ(a, b)                                                                \
    do {                                                                                   \
        long long va_ = (long long)(a), vb_ = (long long)(b);                              \
        if (va_ != vb_) {                                                                  \
            std::fprintf(stderr, "model mismatch at %s:%d: %s == %lld, model %s == %lld\n", \
                         __FILE__, __LINE__, #a, va_, #b, vb_);                            \
            std::abort();                                                                  \
        }                                                                                  \
    } while (0)

namespace fuzz {

// Misuse reports since the last take(); the handler returns, so the call
// that reported returns LFGO_MISUSE (or nothing).  Single-threaded use only
// (the multi-threaded harness expects no misuse at all).
struct Misuse {
    int count = 0;
    std::string func, what;
    static Misuse &get()
    {
        static Misuse m;
        return m;
    }
    static void handler(const char *f, const char *w, void *)
    {
        Misuse &m = get();
        m.count++;
        m.func = f;
        m.what = w;
    }
    static void install() { lfgo_set_misuse_handler(handler, nullptr); }
    // The number of reports since the last take, and resets it.
    static int take()
    {
        int n = get().count;
        get().count = 0;
        return n;
    }
};

inline const timespec kPast = {0, 0};
inline const timespec kNegative = {-3, 500};

// A past deadline: the epoch, a negative tv_sec, or 1 ms ago.
inline timespec past(FuzzedDataProvider &in)
{
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
        return kPast;
    case 1:
        return kNegative;
    default:
        return lfgo_deadline_after_ns(-1000000);
    }
}

} // namespace fuzz

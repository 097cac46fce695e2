// A misuse handler that records (function, what) instead of aborting, for
// tests that expect misuse reports.  Install with
// lfgo_set_misuse_handler(lfgo_test::record_misuse, nullptr); take the
// reports with lfgo_test::take_misuse().
#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace lfgo_test {

struct MisuseReport {
    std::string func, what;
};

inline std::mutex &misuse_mu()
{
    static std::mutex mu;
    return mu;
}

inline std::vector<MisuseReport> &misuse_reports()
{
    static std::vector<MisuseReport> r;
    return r;
}

inline void record_misuse(const char *func, const char *what, void *)
{
    std::lock_guard<std::mutex> lk(misuse_mu());
    misuse_reports().push_back({func, what});
}

inline std::vector<MisuseReport> take_misuse()
{
    std::lock_guard<std::mutex> lk(misuse_mu());
    std::vector<MisuseReport> r;
    r.swap(misuse_reports());
    return r;
}

} // namespace lfgo_test

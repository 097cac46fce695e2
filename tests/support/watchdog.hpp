// A watchdog for blocking tests: if the guarded scope has not finished within
// its budget, the process prints what it was waiting for and exits with a
// failure.  A lost wakeup therefore fails the test instead of hanging CI.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace lfgo_test {

class Watchdog {
public:
    explicit Watchdog(std::chrono::milliseconds budget, std::string what = "")
        : what_(std::move(what))
    {
        const testing::TestInfo *ti = testing::UnitTest::GetInstance()->current_test_info();
        if (ti)
            name_ = std::string(ti->test_suite_name()) + "." + ti->name();
        thread_ = std::thread([this, budget] {
            std::unique_lock<std::mutex> lk(mu_);
            if (!cv_.wait_for(lk, budget, [this] { return done_; })) {
                std::fprintf(stderr, "watchdog: %s did not finish within %lld ms (%s): "
                                     "lost wakeup or deadlock\n",
                             name_.c_str(), (long long)budget.count(), what_.c_str());
                std::fflush(stderr);
                std::_Exit(86);
            }
        });
    }
    ~Watchdog()
    {
        {
            std::lock_guard<std::mutex> lk(mu_);
            done_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }
    Watchdog(const Watchdog &) = delete;
    Watchdog &operator=(const Watchdog &) = delete;

private:
    std::string what_, name_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

// Stress sizes: the plain build runs the full count, sanitizer builds divide
// it by LFGO_TEST_SCALE (set per preset in CMakePresets.json).
constexpr long scaled(long n)
{
    return n / LFGO_TEST_SCALE > 0 ? n / LFGO_TEST_SCALE : 1;
}

// Default budget for one blocking test: generous, since sanitizer builds on a
// loaded 2-core machine are slow, but far below ctest's timeout.
inline constexpr std::chrono::milliseconds kBudget{120000};

} // namespace lfgo_test

// The barrier kind (lfgo_chan_set_barrier, include/lfgo/chan.h): each kind
// works end to end, and the choice is refused once a channel exists.  The
// kind is per process and fixed by the first channel, so each kind runs in a
// fresh child process: ChanBarrier.* re-runs this program with
// --gtest_filter=ChanBarrierChild.Stress and LFGO_TEST_BARRIER=<kind>; the
// child test is skipped when run without that variable.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <lfgo/atomic.h>
#include <lfgo/chan.h>

#include "support/misuse_recorder.hpp"
#include "support/watchdog.hpp"

extern char **environ;

using lfgo_test::kBudget;
using lfgo_test::scaled;
using lfgo_test::Watchdog;

namespace {

// Runs this program's child test with LFGO_TEST_BARRIER=kind (and without
// LFGO_CHAN_NO_MEMBARRIER, which would override the choice); its exit code.
int run_child(const char *kind)
{
    std::vector<std::string> env;
    for (char **e = environ; *e; e++)
        if (std::strncmp(*e, "LFGO_CHAN_NO_MEMBARRIER=", 24) != 0 &&
            std::strncmp(*e, "LFGO_TEST_BARRIER=", 18) != 0)
            env.emplace_back(*e);
    env.emplace_back(std::string("LFGO_TEST_BARRIER=") + kind);
    std::vector<char *> envp;
    for (auto &s : env)
        envp.push_back(&s[0]);
    envp.push_back(nullptr);
    char exe[] = "/proc/self/exe";
    char filter[] = "--gtest_filter=ChanBarrierChild.Stress";
    char *argv[] = {exe, filter, nullptr};
    pid_t pid;
    if (posix_spawn(&pid, exe, nullptr, nullptr, argv, envp.data()) != 0)
        return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(ChanBarrier, FenceKindEndToEnd)
{
    EXPECT_EQ(run_child("fence"), 0);
}

TEST(ChanBarrier, MembarrierKindEndToEnd)
{
    EXPECT_EQ(run_child("membarrier"), 0);
}

TEST(ChanBarrier, RefusedAfterFirstChannel)
{
    EXPECT_EQ(lfgo_chan_set_barrier((lfgo_chan_barrier)7), LFGO_EINVAL);
    lfgo_chan *ch;
    ASSERT_EQ(lfgo_chan_create(&ch, sizeof(int), 4, LFGO_CHAN_MPMC), LFGO_OK);
    lfgo_chan_barrier now = lfgo_chan_get_barrier();
    lfgo_test::take_misuse();
    lfgo_set_misuse_handler(lfgo_test::record_misuse, nullptr);
    for (lfgo_chan_barrier k : {LFGO_CHAN_BARRIER_MEMBARRIER, LFGO_CHAN_BARRIER_FENCE})
        EXPECT_EQ(lfgo_chan_set_barrier(k), LFGO_MISUSE);
    lfgo_set_misuse_handler(nullptr, nullptr);
    EXPECT_EQ(lfgo_chan_get_barrier(), now);
    auto r = lfgo_test::take_misuse();
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].func, "lfgo_chan_set_barrier");
    EXPECT_EQ(r[0].what, "barrier kind set after the first channel");
    lfgo_chan_destroy(ch);
}

// Exactly once through a small buffered channel (sleepers on both sides,
// so both halves of the handshake run), and a select over two of them.
void stress_mpmc(int producers, int consumers, size_t cap, long per_producer)
{
    lfgo_chan *ch;
    ASSERT_EQ(lfgo_chan_create(&ch, sizeof(long), cap, LFGO_CHAN_MPMC), LFGO_OK);
    std::vector<std::atomic<int>> seen((size_t)(producers * per_producer));
    std::vector<std::thread> ts;
    for (int p = 0; p < producers; p++)
        ts.emplace_back([&, p] {
            for (long i = 0; i < per_producer; i++) {
                long v = p * per_producer + i;
                ASSERT_EQ(lfgo_chan_send(ch, &v), LFGO_OK);
            }
        });
    for (int c = 0; c < consumers; c++)
        ts.emplace_back([&] {
            long v;
            while (lfgo_chan_recv(ch, &v) == LFGO_OK)
                seen[(size_t)v]++;
        });
    for (int p = 0; p < producers; p++)
        ts[(size_t)p].join();
    ASSERT_EQ(lfgo_chan_close(ch), LFGO_OK);
    for (size_t t = (size_t)producers; t < ts.size(); t++)
        ts[t].join();
    for (auto &s : seen)
        ASSERT_EQ(s.load(), 1);
    lfgo_chan_destroy(ch);
}

void stress_select(long n)
{
    lfgo_chan *a, *b;
    ASSERT_EQ(lfgo_chan_create(&a, sizeof(long), 1, LFGO_CHAN_MPMC), LFGO_OK);
    ASSERT_EQ(lfgo_chan_create(&b, sizeof(long), 1, LFGO_CHAN_MPMC), LFGO_OK);
    std::thread pa([&] {
        for (long i = 0; i < n; i++)
            ASSERT_EQ(lfgo_chan_send(a, &i), LFGO_OK);
    });
    std::thread pb([&] {
        for (long i = 0; i < n; i++)
            ASSERT_EQ(lfgo_chan_send(b, &i), LFGO_OK);
    });
    long va = 0, vb = 0, next[2] = {0, 0};
    for (long got = 0; got < 2 * n; got++) {
        lfgo_select_case c[2] = {{a, LFGO_SELECT_RECV, &va, LFGO_OK},
                                 {b, LFGO_SELECT_RECV, &vb, LFGO_OK}};
        size_t k = 9;
        ASSERT_EQ(lfgo_select(c, 2, &k), LFGO_OK);
        ASSERT_LT(k, 2u);
        ASSERT_EQ(k == 0 ? va : vb, next[k]++); // FIFO per channel
    }
    pa.join();
    pb.join();
    lfgo_chan_destroy(a);
    lfgo_chan_destroy(b);
}

TEST(ChanBarrierChild, Stress)
{
    const char *kind = std::getenv("LFGO_TEST_BARRIER");
    if (!kind)
        GTEST_SKIP() << "run by ChanBarrier.*EndToEnd in a process of its own";
    lfgo_chan_barrier want = std::strcmp(kind, "fence") == 0 ? LFGO_CHAN_BARRIER_FENCE
                                                             : LFGO_CHAN_BARRIER_MEMBARRIER;
    ASSERT_EQ(lfgo_chan_set_barrier(want), LFGO_OK);
    ASSERT_EQ(lfgo_chan_get_barrier(), want); // requested, not yet fixed
    Watchdog wd(kBudget);
    stress_mpmc(2, 2, 4, scaled(100000));
#if defined(LFGO_TSAN)
    // TSan builds use the read-modify-write form whatever was asked.
    EXPECT_EQ(lfgo_chan_get_barrier(), LFGO_CHAN_BARRIER_FENCE);
#else
    // membarrier exists on the Linux kernels lfgo supports (4.14+).
    EXPECT_EQ(lfgo_chan_get_barrier(), want);
#endif
    stress_mpmc(1, 1, 1, scaled(100000));
    stress_mpmc(4, 1, 2, scaled(50000));
    stress_select(scaled(50000));
}

} // namespace

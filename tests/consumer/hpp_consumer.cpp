// A C++17 program built against an installed lfgo through lfgo/lfgo.hpp.
#include <lfgo/lfgo.hpp>

#include <cstdio>
#include <mutex>
#include <thread>

int main()
{
    lfgo::chan<int> ch(0);
    lfgo::wait_group wg;
    lfgo::mutex mu;
    int sum = 0;
    wg.add(1);
    std::thread t([&] {
        for (int i = 1; i <= 10; i++)
            ch.send(i);
        ch.close();
        wg.done();
    });
    while (std::optional<int> v = ch.recv()) {
        std::lock_guard<lfgo::mutex> g(mu);
        sum += *v;
    }
    wg.wait();
    t.join();
    if (sum != 55)
        return 1;
    std::puts("hpp_consumer: ok");
    return 0;
}

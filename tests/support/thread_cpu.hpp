// The CPU time a thread has used, from its own clock (pthread_getcpuclockid):
// only time on a CPU counts, so a loaded machine does not inflate it.  Tests
// use it to show that a blocked thread is parked, not spinning.
#pragma once

#include <pthread.h>
#include <time.h>

namespace lfgo_test {

// Milliseconds of CPU the thread has used, or -1 if its clock cannot be read.
inline double thread_cpu_ms(pthread_t t)
{
    clockid_t cid;
    timespec ts;
    if (pthread_getcpuclockid(t, &cid) != 0 || clock_gettime(cid, &ts) != 0)
        return -1;
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

} // namespace lfgo_test

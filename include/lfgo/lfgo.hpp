/*
 * lfgo/lfgo.hpp - C++17 wrappers: RAII owners, a typed channel, a mutex for
 * std::lock_guard / std::unique_lock / std::scoped_lock, a WaitGroup and a
 * SizedWaitGroup.  Header-only; link lfgo::lfgo as for the C API.
 *
 *     lfgo::chan<int> ch(16);                 // buffered, 16 ints
 *     ch.send(42);                            // false once closed
 *     if (std::optional<int> v = ch.recv()) use(*v);  // nullopt: closed, drained
 *     lfgo::mutex mu;
 *     { std::lock_guard<lfgo::mutex> g(mu); ... }
 *
 * Every member is an inline call of the C function of the same name with no
 * other work (tests/test_hpp.cpp, bench/bench_hpp.cpp), and has that
 * function's contract, ordering and misuse reports (the C headers).  Define
 * LFGO_INLINE before including it to inline the C fast paths as well.
 *
 * Deadlines: the _until calls take any std::chrono::time_point.  A
 * std::chrono::steady_clock time is passed through as a CLOCK_MONOTONIC
 * time (on Linux both libstdc++ and libc++ build steady_clock on
 * CLOCK_MONOTONIC); any other clock's time is converted once, at the call,
 * as "that clock's distance from now, from CLOCK_MONOTONIC's now".  The _for
 * calls take a std::chrono::duration.  Times too far out to represent are
 * clamped (they never pass).
 *
 * Creation failures throw (std::bad_alloc for LFGO_ENOMEM,
 * std::invalid_argument for LFGO_EINVAL); nothing else throws.
 */
#ifndef LFGO_LFGO_HPP
#define LFGO_LFGO_HPP

#if !defined(__cplusplus) || __cplusplus < 201703L
#error "lfgo/lfgo.hpp needs C++17"
#endif

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "lfgo/lfgo.h"

namespace lfgo {

using status = lfgo_status;
using chan_kind = lfgo_chan_kind;

namespace detail {

/* A duration since an epoch as a timespec, clamped to what tv_sec holds. */
template <class Rep, class Period>
struct timespec to_timespec(std::chrono::duration<Rep, Period> d) noexcept
{
    using namespace std::chrono;
    using sec_rep = long long;
    /* Clamp at ~126 years: beyond it `d - s` below could overflow a
     * nanosecond count (time_point::min() of steady_clock does). */
    constexpr auto max_s = duration<long double>(4e9);
    struct timespec ts{};
    if (duration<long double>(d) >= max_s) {
        ts.tv_sec = static_cast<std::time_t>(4000000000LL);
        return ts;
    }
    if (duration<long double>(d) <= -max_s) {
        ts.tv_sec = static_cast<std::time_t>(-4000000000LL);
        return ts;
    }
    auto s = floor<duration<sec_rep>>(d);
    auto ns = duration_cast<nanoseconds>(d - s);
    ts.tv_sec = static_cast<std::time_t>(s.count());
    ts.tv_nsec = static_cast<long>(ns.count());
    if (ts.tv_nsec >= 1000000000L) { /* rounding of a sub-nanosecond rep */
        ts.tv_sec += 1;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* A time point as an absolute CLOCK_MONOTONIC timespec (see the top). */
template <class Clock, class Dur>
struct timespec deadline(const std::chrono::time_point<Clock, Dur> &tp) noexcept
{
    if constexpr (std::is_same_v<Clock, std::chrono::steady_clock>) {
        return to_timespec(tp.time_since_epoch());
    } else {
        struct timespec now = lfgo_now();
        auto left = tp - Clock::now();
        struct timespec l = to_timespec(left);
        struct timespec d{};
        d.tv_sec = now.tv_sec + l.tv_sec;
        d.tv_nsec = now.tv_nsec + l.tv_nsec;
        if (d.tv_nsec >= 1000000000L) {
            d.tv_sec += 1;
            d.tv_nsec -= 1000000000L;
        }
        return d;
    }
}

template <class Rep, class Period>
struct timespec deadline_after(const std::chrono::duration<Rep, Period> &d) noexcept
{
    using namespace std::chrono;
    if (duration<long double>(d) >= duration<long double>(4e9))
        return to_timespec(d); /* clamped (as to_timespec): never passes */
    return deadline(steady_clock::now() + ceil<steady_clock::duration>(d));
}

inline void check_created(status st)
{
    if (st == LFGO_ENOMEM)
        throw std::bad_alloc();
    if (st != LFGO_OK)
        throw std::invalid_argument(lfgo_status_str(st));
}

} // namespace detail

/*
 * chan<T>: a channel of T (trivially copyable: values are copied as bytes).
 * Owns its lfgo_chan (lfgo_chan_destroy in the destructor); movable, not
 * copyable.  Capacity 0 is unbuffered (Go's make(chan T)).
 */
template <class T>
class chan {
    static_assert(std::is_trivially_copyable_v<T>, "lfgo::chan<T> copies T as bytes");

public:
    explicit chan(std::size_t capacity = 0, chan_kind kind = LFGO_CHAN_MPMC)
    {
        detail::check_created(lfgo_chan_create(&ch_, sizeof(T), capacity, kind));
    }
    ~chan()
    {
        if (ch_)
            lfgo_chan_destroy(ch_);
    }
    chan(const chan &) = delete;
    chan &operator=(const chan &) = delete;
    chan(chan &&o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
    chan &operator=(chan &&o) noexcept
    {
        if (this != &o) {
            if (ch_)
                lfgo_chan_destroy(ch_);
            ch_ = std::exchange(o.ch_, nullptr);
        }
        return *this;
    }

    /* Blocks while full: true if sent, false if the channel is closed. */
    bool send(const T &v) noexcept { return lfgo_chan_send(ch_, &v) == LFGO_OK; }
    /* LFGO_OK, LFGO_WOULDBLOCK or LFGO_CLOSED; never blocks. */
    status try_send(const T &v) noexcept { return lfgo_chan_try_send(ch_, &v); }
    /* LFGO_OK, LFGO_TIMEOUT or LFGO_CLOSED. */
    template <class Clock, class Dur>
    status send_until(const T &v, const std::chrono::time_point<Clock, Dur> &tp) noexcept
    {
        struct timespec d = detail::deadline(tp);
        return lfgo_chan_send_until(ch_, &v, &d);
    }
    template <class Rep, class Period>
    status send_for(const T &v, const std::chrono::duration<Rep, Period> &rel) noexcept
    {
        struct timespec d = detail::deadline_after(rel);
        return lfgo_chan_send_until(ch_, &v, &d);
    }

    /* Blocks while empty and open: the value, or nullopt once the channel
     * is closed and drained (Go's v, ok := <-ch). */
    std::optional<T> recv() noexcept
    {
        slot s;
        if (lfgo_chan_recv(ch_, &s.v) != LFGO_OK)
            return std::nullopt;
        return s.v;
    }
    /* Never blocks: the value, or nullopt; *why (if given) says LFGO_OK,
     * LFGO_WOULDBLOCK or LFGO_CLOSED. */
    std::optional<T> try_recv(status *why = nullptr) noexcept
    {
        slot s;
        return result(lfgo_chan_try_recv(ch_, &s.v), s, why);
    }
    /* The value, or nullopt; *why says LFGO_OK, LFGO_TIMEOUT or LFGO_CLOSED. */
    template <class Clock, class Dur>
    std::optional<T> recv_until(const std::chrono::time_point<Clock, Dur> &tp,
                                status *why = nullptr) noexcept
    {
        struct timespec d = detail::deadline(tp);
        slot s;
        return result(lfgo_chan_recv_until(ch_, &s.v, &d), s, why);
    }
    template <class Rep, class Period>
    std::optional<T> recv_for(const std::chrono::duration<Rep, Period> &rel,
                              status *why = nullptr) noexcept
    {
        struct timespec d = detail::deadline_after(rel);
        slot s;
        return result(lfgo_chan_recv_until(ch_, &s.v, &d), s, why);
    }

    /* Closes the channel; closing it twice is misuse (lfgo_chan_close). */
    status close() noexcept { return lfgo_chan_close(ch_); }
    std::size_t size() const noexcept { return lfgo_chan_len(ch_); }
    std::size_t capacity() const noexcept { return lfgo_chan_cap(ch_); }
    /* For lfgo_select and the rest of the C API; the chan keeps owning it. */
    lfgo_chan *native_handle() const noexcept { return ch_; }

private:
    /* Room for a T that the C call fills as bytes (T need not be default
     * constructible). */
    union slot {
        T v;
        slot() noexcept {}
    };
    static std::optional<T> result(status st, const slot &s, status *why) noexcept
    {
        if (why)
            *why = st;
        if (st != LFGO_OK)
            return std::nullopt;
        return s.v;
    }

    lfgo_chan *ch_ = nullptr;
};

/*
 * mutex: lfgo_mutex as a C++ Lockable and TimedLockable (std::lock_guard,
 * std::unique_lock, std::scoped_lock, std::condition_variable_any).  Not
 * tied to a thread (as lfgo_mutex); neither copyable nor movable.
 */
class mutex {
public:
    mutex() noexcept { lfgo_mutex_init(&m_); }
    ~mutex() { lfgo_mutex_destroy(&m_); }
    mutex(const mutex &) = delete;
    mutex &operator=(const mutex &) = delete;

    void lock() noexcept { lfgo_mutex_lock(&m_); }
    bool try_lock() noexcept { return lfgo_mutex_try_lock(&m_) == LFGO_OK; }
    template <class Clock, class Dur>
    bool try_lock_until(const std::chrono::time_point<Clock, Dur> &tp) noexcept
    {
        struct timespec d = detail::deadline(tp);
        return lfgo_mutex_lock_until(&m_, &d) == LFGO_OK;
    }
    template <class Rep, class Period>
    bool try_lock_for(const std::chrono::duration<Rep, Period> &rel) noexcept
    {
        struct timespec d = detail::deadline_after(rel);
        return lfgo_mutex_lock_until(&m_, &d) == LFGO_OK;
    }
    void unlock() noexcept { lfgo_mutex_unlock(&m_); }
    lfgo_mutex *native_handle() noexcept { return &m_; }

private:
    lfgo_mutex m_;
};

/* wait_group: lfgo_wg (Go's sync.WaitGroup); neither copyable nor movable. */
class wait_group {
public:
    wait_group() noexcept { lfgo_wg_init(&wg_); }
    ~wait_group() { lfgo_wg_destroy(&wg_); }
    wait_group(const wait_group &) = delete;
    wait_group &operator=(const wait_group &) = delete;

    void add(std::int64_t delta = 1) noexcept { lfgo_wg_add(&wg_, delta); }
    void done() noexcept { lfgo_wg_done(&wg_); }
    void wait() noexcept { lfgo_wg_wait(&wg_); }
    bool try_wait() noexcept { return lfgo_wg_try_wait(&wg_) == LFGO_OK; }
    template <class Clock, class Dur>
    bool wait_until(const std::chrono::time_point<Clock, Dur> &tp) noexcept
    {
        struct timespec d = detail::deadline(tp);
        return lfgo_wg_wait_until(&wg_, &d) == LFGO_OK;
    }
    template <class Rep, class Period>
    bool wait_for(const std::chrono::duration<Rep, Period> &rel) noexcept
    {
        struct timespec d = detail::deadline_after(rel);
        return lfgo_wg_wait_until(&wg_, &d) == LFGO_OK;
    }
    std::int32_t count() const noexcept { return lfgo_wg_count(&wg_); }
    lfgo_wg *native_handle() noexcept { return &wg_; }

private:
    lfgo_wg wg_;
};

/* sized_wait_group: lfgo_swg (limit <= 0: unlimited); neither copyable nor
 * movable.  Throws std::invalid_argument for a limit above INT32_MAX. */
class sized_wait_group {
public:
    explicit sized_wait_group(std::int64_t limit) { detail::check_created(lfgo_swg_init(&swg_, limit)); }
    ~sized_wait_group() { lfgo_swg_destroy(&swg_); }
    sized_wait_group(const sized_wait_group &) = delete;
    sized_wait_group &operator=(const sized_wait_group &) = delete;

    void add() noexcept { lfgo_swg_add(&swg_); }
    bool try_add() noexcept { return lfgo_swg_try_add(&swg_) == LFGO_OK; }
    template <class Clock, class Dur>
    bool add_until(const std::chrono::time_point<Clock, Dur> &tp) noexcept
    {
        struct timespec d = detail::deadline(tp);
        return lfgo_swg_add_until(&swg_, &d) == LFGO_OK;
    }
    void done() noexcept { lfgo_swg_done(&swg_); }
    void wait() noexcept { lfgo_swg_wait(&swg_); }
    bool try_wait() noexcept { return lfgo_swg_try_wait(&swg_) == LFGO_OK; }
    template <class Clock, class Dur>
    bool wait_until(const std::chrono::time_point<Clock, Dur> &tp) noexcept
    {
        struct timespec d = detail::deadline(tp);
        return lfgo_swg_wait_until(&swg_, &d) == LFGO_OK;
    }
    std::int64_t in_flight() const noexcept { return lfgo_swg_in_flight(&swg_); }
    lfgo_swg *native_handle() noexcept { return &swg_; }

private:
    lfgo_swg swg_;
};

} // namespace lfgo

#endif /* LFGO_LFGO_HPP */

// The one event loop: epoll + one timerfd + signalfd. Everything touching sockets runs here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"

namespace netvigil {

/// Single-threaded reactor. Callbacks run on the thread that calls run(); none may block.
/// Not copyable or movable: callbacks capture `this`.
class EventLoop {
 public:
  using FdCallback = std::function<void(std::uint32_t epoll_events)>;
  using Callback = std::function<void()>;
  using TimerId = std::uint64_t;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Watch `fd` for `events` (EPOLLIN/EPOLLOUT); replaces an earlier watch of the same fd.
  void watch(int fd, std::uint32_t events, FdCallback cb);
  /// Stop watching `fd`. Safe to call from inside that fd's own callback.
  void unwatch(int fd);

  /// Run `cb` once at or after `when` (monotonic). Returns an id for cancel_timer.
  TimerId add_timer(SteadyTime when, Callback cb);
  TimerId add_timer_after(std::chrono::milliseconds delay, Callback cb);
  /// Cancel a pending timer; unknown or fired ids are ignored.
  void cancel_timer(TimerId id);

  /// Handle `signo` through signalfd (the signal is blocked for the process).
  /// Call before starting other threads so they inherit the mask.
  void on_signal(int signo, Callback cb);

  /// Run `cb` on the loop soon, after the current dispatch (for deferring out of C callbacks).
  void post(Callback cb);

  /// Dispatch until stop(). Refuses re-entry (throws std::logic_error).
  void run();
  /// Dispatch until `done()` is true or `limit` passes; returns done(). For tests and --once.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit);
  void stop() noexcept { stopping_ = true; }

  SteadyTime now() const { return std::chrono::steady_clock::now(); }
  std::size_t watched_fds() const noexcept { return fds_.size(); }
  std::size_t pending_timers() const noexcept { return timers_.size(); }

 private:
  void dispatch_once(int timeout_ms);
  void arm_timerfd();
  void fire_due_timers();
  void read_signals();

  int epfd_ = -1;
  int timerfd_ = -1;
  int sigfd_ = -1;
  bool running_ = false;
  bool stopping_ = false;
  TimerId next_timer_id_ = 1;
  std::unordered_map<int, FdCallback> fds_;
  std::multimap<SteadyTime, TimerId> timers_;
  std::unordered_map<TimerId, std::pair<SteadyTime, Callback>> timer_cbs_;
  std::unordered_map<int, Callback> signal_cbs_;
  std::vector<Callback> posted_;
};

}  // namespace netvigil

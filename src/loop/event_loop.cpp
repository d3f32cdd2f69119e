// epoll reactor with one timerfd for all timers and one signalfd for all signals.
#include "loop/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace netvigil {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

EventLoop::EventLoop() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) throw_errno("epoll_create1");
  timerfd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timerfd_ < 0) throw_errno("timerfd_create");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = timerfd_;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, timerfd_, &ev) < 0) throw_errno("epoll_ctl timerfd");
}

EventLoop::~EventLoop() {
  if (sigfd_ >= 0) close(sigfd_);
  if (timerfd_ >= 0) close(timerfd_);
  if (epfd_ >= 0) close(epfd_);
}

void EventLoop::watch(int fd, std::uint32_t events, FdCallback cb) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  const bool known = fds_.count(fd) != 0;
  if (epoll_ctl(epfd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0) {
    // The fd may have been closed and reused behind our back (curl closes sockets before
    // telling us): retry as the other operation once.
    if (epoll_ctl(epfd_, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) < 0)
      throw_errno("epoll_ctl watch");
  }
  fds_[fd] = std::move(cb);
}

void EventLoop::unwatch(int fd) {
  if (fds_.erase(fd) == 0) return;
  // EBADF/ENOENT are fine: the owner may already have closed the fd.
  epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::add_timer(SteadyTime when, Callback cb) {
  const TimerId id = next_timer_id_++;
  const bool earliest = timers_.empty() || when < timers_.begin()->first;
  timers_.emplace(when, id);
  timer_cbs_.emplace(id, std::make_pair(when, std::move(cb)));
  if (earliest) arm_timerfd();
  return id;
}

EventLoop::TimerId EventLoop::add_timer_after(std::chrono::milliseconds delay, Callback cb) {
  return add_timer(now() + delay, std::move(cb));
}

void EventLoop::cancel_timer(TimerId id) {
  auto it = timer_cbs_.find(id);
  if (it == timer_cbs_.end()) return;
  auto range = timers_.equal_range(it->second.first);
  for (auto t = range.first; t != range.second; ++t) {
    if (t->second == id) {
      timers_.erase(t);
      break;
    }
  }
  timer_cbs_.erase(it);
}

void EventLoop::on_signal(int signo, Callback cb) {
  signal_cbs_[signo] = std::move(cb);
  sigset_t mask;
  sigemptyset(&mask);
  for (const auto& [s, _] : signal_cbs_) sigaddset(&mask, s);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) < 0) throw_errno("sigprocmask");
  const bool fresh = sigfd_ < 0;
  sigfd_ = signalfd(sigfd_, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd_ < 0) throw_errno("signalfd");
  if (fresh) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = sigfd_;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, sigfd_, &ev) < 0) throw_errno("epoll_ctl signalfd");
  }
}

void EventLoop::post(Callback cb) { posted_.push_back(std::move(cb)); }

void EventLoop::arm_timerfd() {
  itimerspec spec{};
  if (!timers_.empty()) {
    auto delta = timers_.begin()->first - now();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(delta).count();
    if (ns < 1) ns = 1;  // zero would disarm the timer
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  }
  timerfd_settime(timerfd_, 0, &spec, nullptr);
}

void EventLoop::fire_due_timers() {
  std::uint64_t expirations = 0;
  while (read(timerfd_, &expirations, sizeof expirations) > 0) {
  }
  const auto t = now();
  // Collect the due ids first (callbacks may add or cancel timers), then look each one up
  // just before running it, so a timer cancelled by an earlier callback of this batch
  // never runs.
  std::vector<TimerId> due;
  while (!timers_.empty() && timers_.begin()->first <= t) {
    due.push_back(timers_.begin()->second);
    timers_.erase(timers_.begin());
  }
  for (TimerId id : due) {
    auto it = timer_cbs_.find(id);
    if (it == timer_cbs_.end()) continue;
    Callback cb = std::move(it->second.second);
    timer_cbs_.erase(it);
    cb();
  }
  arm_timerfd();
}

void EventLoop::read_signals() {
  signalfd_siginfo info{};
  while (read(sigfd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    auto it = signal_cbs_.find(static_cast<int>(info.ssi_signo));
    if (it != signal_cbs_.end()) it->second();
  }
}

void EventLoop::dispatch_once(int timeout_ms) {
  if (!posted_.empty()) timeout_ms = 0;
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  const int n = epoll_wait(epfd_, events, kMaxEvents, timeout_ms);
  if (n < 0 && errno != EINTR) throw_errno("epoll_wait");
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    if (fd == timerfd_) {
      fire_due_timers();
    } else if (fd == sigfd_) {
      read_signals();
    } else {
      auto it = fds_.find(fd);
      if (it == fds_.end()) continue;  // unwatched by an earlier callback in this batch
      auto cb = it->second;            // copy: the callback may unwatch itself
      cb(events[i].events);
    }
  }
  // Timers can be overdue if the timerfd event was consumed late; fire them anyway.
  if (!timers_.empty() && timers_.begin()->first <= now()) fire_due_timers();
  // One batch per dispatch: work posted by these callbacks runs next time (epoll timeout 0),
  // so a callback that keeps posting cannot starve the fds.
  std::vector<Callback> batch;
  batch.swap(posted_);
  for (auto& cb : batch) cb();
}

void EventLoop::run() {
  if (running_) throw std::logic_error("EventLoop::run re-entered");
  running_ = true;
  stopping_ = false;
  while (!stopping_) dispatch_once(-1);
  running_ = false;
}

bool EventLoop::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  if (running_) throw std::logic_error("EventLoop::run_until re-entered");
  running_ = true;
  stopping_ = false;
  const auto deadline = now() + limit;
  while (!stopping_ && !done()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now());
    if (deadline <= now()) break;
    dispatch_once(static_cast<int>(std::min<long>(left.count(), 1000)));
  }
  running_ = false;
  return done();
}

}  // namespace netvigil

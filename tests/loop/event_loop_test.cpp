// The reactor: timers in order, fd readiness, signals, posted work, re-entry refused.
#include "loop/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <vector>

using namespace netvigil;
using namespace std::chrono_literals;

TEST_CASE("timers fire in deadline order and cancelled ones never", "[loop]") {
  EventLoop loop;
  std::vector<int> order;
  loop.add_timer_after(30ms, [&] { order.push_back(3); });
  loop.add_timer_after(10ms, [&] { order.push_back(1); });
  auto id = loop.add_timer_after(20ms, [&] { order.push_back(2); });
  loop.cancel_timer(id);
  loop.add_timer_after(40ms, [&] { loop.stop(); });
  loop.run();
  REQUIRE(order == std::vector<int>{1, 3});
  REQUIRE(loop.pending_timers() == 0);
}

TEST_CASE("fd readiness is dispatched and unwatch from inside a callback is safe", "[loop]") {
  EventLoop loop;
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  int reads = 0;
  loop.watch(sv[0], EPOLLIN, [&](std::uint32_t) {
    char buf[16];
    while (read(sv[0], buf, sizeof buf) > 0) ++reads;
    loop.unwatch(sv[0]);
  });
  REQUIRE(write(sv[1], "x", 1) == 1);
  REQUIRE(loop.run_until([&] { return reads > 0; }, 1000ms));
  REQUIRE(loop.watched_fds() == 0);
  close(sv[0]);
  close(sv[1]);
}

TEST_CASE("signals arrive through signalfd", "[loop]") {
  EventLoop loop;
  bool got = false;
  loop.on_signal(SIGUSR1, [&] { got = true; });
  loop.post([] { raise(SIGUSR1); });
  REQUIRE(loop.run_until([&] { return got; }, 1000ms));
}

TEST_CASE("run refuses re-entry", "[loop]") {
  EventLoop loop;
  bool threw = false;
  loop.post([&] {
    try {
      loop.run();
    } catch (const std::logic_error&) {
      threw = true;
    }
    loop.stop();
  });
  loop.run();
  REQUIRE(threw);
}

TEST_CASE("run_until gives up at its limit", "[loop]") {
  EventLoop loop;
  const auto t0 = loop.now();
  REQUIRE_FALSE(loop.run_until([] { return false; }, 50ms));
  REQUIRE(loop.now() - t0 >= 50ms);
}

TEST_CASE("a timer cancelled by an earlier timer of the same batch never runs", "[loop]") {
  EventLoop loop;
  bool second_ran = false;
  EventLoop::TimerId second = 0;
  const auto when = loop.now() + 20ms;
  loop.add_timer(when, [&] { loop.cancel_timer(second); });
  second = loop.add_timer(when, [&] { second_ran = true; });
  loop.add_timer_after(60ms, [&] { loop.stop(); });
  loop.run();
  CHECK_FALSE(second_ran);
}

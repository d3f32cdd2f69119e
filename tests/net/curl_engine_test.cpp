// CurlEngine on a real EventLoop against loopback servers.
#include "net/curl_engine.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/test_server.hpp"
#include "net/curl_failure.hpp"

using namespace netvigil;
using namespace netvigil::testing;
using namespace std::chrono_literals;

namespace {

std::string url_for(const TestServer& s) {
  return "http://127.0.0.1:" + std::to_string(s.port()) + "/";
}

CurlEasyPtr get(const std::string& url, std::chrono::milliseconds timeout) {
  auto easy = new_measuring_easy({timeout, ""});
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  return easy;
}

}  // namespace

TEST_CASE("curl engine completes a transfer on the loop", "[net][curl]") {
  TestServer server({});
  EventLoop loop;
  CurlEngine engine(loop);
  bool done = false;
  long status = 0;
  CURLcode result = CURLE_FAILED_INIT;
  engine.start(get(url_for(server), 5s), {}, [&](CURLcode code, CURL* easy, std::string_view) {
    result = code;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    done = true;
  });
  CHECK(engine.in_flight() == 1);
  REQUIRE(loop.run_until([&] { return done; }, 5s));
  CHECK(result == CURLE_OK);
  CHECK(status == 200);
  CHECK(engine.in_flight() == 0);
  CHECK(loop.watched_fds() == 0);
  CHECK(server.accepted() == 1);
}

TEST_CASE("curl engine reports a refused connection", "[net][curl]") {
  std::uint16_t port = 0;
  {
    TestServer closed({});  // bind a port, then free it: nothing listens there afterwards
    port = closed.port();
  }
  EventLoop loop;
  CurlEngine engine(loop);
  bool done = false;
  FailureInfo failure;
  engine.start(get("http://127.0.0.1:" + std::to_string(port) + "/", 5s), {},
               [&](CURLcode code, CURL* easy, std::string_view text) {
                 failure = failure_from_curl(curl_outcome(code, easy, text, false));
                 done = true;
               });
  REQUIRE(loop.run_until([&] { return done; }, 5s));
  CHECK(failure.code == Failure::connection_refused);
  CHECK(failure.op == Operation::connect);
}

TEST_CASE("a hung transfer delays no other transfer", "[net][curl]") {
  TestServer fast({});
  TestServer hole({ServerMode::blackhole});
  EventLoop loop;
  CurlEngine engine(loop);
  const auto t0 = std::chrono::steady_clock::now();
  bool hung_done = false;
  CURLcode hung_code = CURLE_OK;
  std::chrono::steady_clock::duration hung_after{};
  engine.start(get(url_for(hole), 2000ms), {}, [&](CURLcode code, CURL*, std::string_view) {
    hung_code = code;
    hung_after = std::chrono::steady_clock::now() - t0;
    hung_done = true;
  });
  constexpr int kFast = 20;
  int fast_ok = 0;
  int fast_done = 0;
  std::chrono::steady_clock::duration last_fast{};
  for (int i = 0; i < kFast; ++i) {
    engine.start(get(url_for(fast), 2000ms), {}, [&](CURLcode code, CURL*, std::string_view) {
      if (code == CURLE_OK) ++fast_ok;
      ++fast_done;
      last_fast = std::chrono::steady_clock::now() - t0;
    });
  }
  REQUIRE(loop.run_until([&] { return fast_done == kFast; }, 5s));
  CHECK(fast_ok == kFast);
  CHECK_FALSE(hung_done);  // still hanging while all the fast ones finished
  CHECK(last_fast < 1000ms);
  REQUIRE(loop.run_until([&] { return hung_done; }, 5s));
  CHECK(hung_code == CURLE_OPERATION_TIMEDOUT);
  CHECK(hung_after >= 1900ms);
  CHECK(hung_after < 3000ms);
  CHECK(fast.accepted() == kFast);  // one fresh connection per transfer
}

TEST_CASE("destroying the engine drops pending transfers cleanly", "[net][curl]") {
  TestServer hole({ServerMode::blackhole});
  EventLoop loop;
  bool called = false;
  {
    CurlEngine engine(loop);
    engine.start(get(url_for(hole), 5000ms), {}, [&](CURLcode, CURL*, std::string_view) {
      called = true;
    });
    loop.run_until([&] { return hole.accepted() == 1; }, 2s);
    CHECK(loop.watched_fds() == 1);
  }
  CHECK(loop.watched_fds() == 0);
  CHECK(loop.pending_timers() == 0);
  loop.run_until([] { return false; }, 50ms);
  CHECK_FALSE(called);
}

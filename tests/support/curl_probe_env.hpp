// A ProbeEnv for curl-based probe tests: loop, curl engine, a loopback fake DNS resolver,
// the test CA as config.ca_file, and a helper that runs one probe to completion.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "fake_dns_server.hpp"
#include "loop/event_loop.hpp"
#include "net/curl_engine.hpp"
#include "net/dns_engine.hpp"
#include "probe/probe.hpp"
#include "test_pki.hpp"

namespace netvigil::testing {

struct CurlProbeEnv {
  EventLoop loop;
  SystemClock clock;
  FakeDnsServer dns_server{loop};
  std::optional<DnsEngine> dns;
  std::optional<CurlEngine> curl;
  Config config;
  ProbeEnv env;

  CurlProbeEnv() {
    dns.emplace(loop, std::vector<ResolverSpec>{{"lab", "127.0.0.1", dns_server.port(), {"udp"}}});
    curl.emplace(loop);
    config.ca_file = test_pki().ca_file;
    env.loop = &loop;
    env.clock = &clock;
    env.curl = &*curl;
    env.dns = &*dns;
    env.config = &config;
  }

  /// Run one probe; returns its measurement (nullopt if `done` never came within `limit`)
  /// and how long the run took on the loop.
  std::optional<Measurement> run(ProbeRunner runner, const ProbeSpec& spec,
                                 std::chrono::milliseconds timeout,
                                 std::chrono::steady_clock::duration* took = nullptr) {
    std::optional<Measurement> got;
    int calls = 0;
    const auto t0 = std::chrono::steady_clock::now();
    runner(env, spec, timeout, [&](Measurement m) {
      ++calls;
      got = std::move(m);
    });
    loop.run_until([&] { return calls > 0; }, timeout + std::chrono::milliseconds(2000));
    if (took != nullptr) *took = std::chrono::steady_clock::now() - t0;
    // Exactly once: give a stray second call a chance to show.
    loop.run_until([] { return false; }, std::chrono::milliseconds(20));
    if (calls != 1) return std::nullopt;
    return got;
  }
};

}  // namespace netvigil::testing

// The throughput probe against loopback servers, one of them paced like a throttled link.
#include "probe/throughput_probe.hpp"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "../support/curl_probe_env.hpp"
#include "../support/test_server.hpp"

using namespace netvigil;
using namespace netvigil::testing;
using namespace std::chrono_literals;

namespace {

ProbeSpec throughput_spec(const TestServer& s, std::int64_t expect, const char* scheme = "http") {
  ProbeSpec spec;
  spec.id = "throughput-test";
  spec.kind = ProbeKind::throughput;
  spec.group = Group::domestic;
  spec.url = std::string(scheme) + "://files.test:" + std::to_string(s.port()) + "/1m.bin";
  spec.address = "127.0.0.1";
  spec.expect_bytes = expect;
  return spec;
}

double rate_from(const Measurement& m) {
  return static_cast<double>(m.bytes) * 8.0 / (m.evidence["download_ms"].get<double>() / 1000.0);
}

}  // namespace

TEST_CASE("throughput probe: whole file, bytes and rate", "[probe][throughput]") {
  const std::string file(1 << 20, 'z');
  TestServer server({ServerMode::respond, http_response(200, file)});
  CurlProbeEnv e;
  auto m = e.run(&run_throughput_probe, throughput_spec(server, 1 << 20), 5000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK(m->ok);
  CHECK(m->bytes == (1 << 20));
  CHECK(m->evidence["bytes"] == (1 << 20));
  CHECK(m->evidence["address"] == "127.0.0.1");
  CHECK(m->phases.connect_us >= 0);
  CHECK(m->evidence["download_ms"].get<double>() > 0.0);
  const auto bps = m->evidence["bits_per_second"].get<std::int64_t>();
  CHECK(bps > 0);
  CHECK(static_cast<double>(bps) == Approx(rate_from(*m)).epsilon(0.01));
}

TEST_CASE("throughput probe: a paced server shows a lower rate", "[probe][throughput]") {
  // 256 KiB in 64 KiB writes with 60 ms pauses: at least 3 pauses, so at most
  // 256 KiB × 8 / 0.18 s ≈ 11.7 Mbit/s whatever the machine.
  const std::string file(256 * 1024, 'p');
  ServerOptions paced{ServerMode::respond, http_response(200, file)};
  paced.pace_ms = 60;
  TestServer server(paced);
  CurlProbeEnv e;
  auto m = e.run(&run_throughput_probe, throughput_spec(server, 256 * 1024), 5000ms);
  REQUIRE(m);
  INFO(m->evidence.dump());
  CHECK(m->ok);
  CHECK(m->bytes == 256 * 1024);
  CHECK(m->evidence["download_ms"].get<double>() >= 170.0);
  CHECK(m->evidence["bits_per_second"].get<std::int64_t>() < 12'500'000);
}

TEST_CASE("throughput probe: stops at expect_bytes without failing", "[probe][throughput]") {
  const std::string file(1 << 20, 'z');
  TestServer server({ServerMode::respond, http_response(200, file)});
  CurlProbeEnv e;
  auto m = e.run(&run_throughput_probe, throughput_spec(server, 100'000), 5000ms);
  REQUIRE(m);
  INFO(m->failure.ooni_string());
  CHECK(m->ok);
  CHECK(m->bytes == 100'000);
}

TEST_CASE("throughput probe: failures", "[probe][throughput]") {
  CurlProbeEnv e;
  SECTION("refused") {
    std::uint16_t port = 0;
    {
      TestServer gone({});
      port = gone.port();
    }
    ProbeSpec spec;
    spec.id = "t";
    spec.kind = ProbeKind::throughput;
    spec.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    auto m = e.run(&run_throughput_probe, spec, 3000ms);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "connection_refused");
    CHECK(m->method == Method::tcp_ip);
  }
  SECTION("a download too slow for the deadline times out while reading") {
    ServerOptions paced{ServerMode::respond, http_response(200, std::string(1 << 20, 's'))};
    paced.pace_ms = 200;
    TestServer server(paced);
    std::chrono::steady_clock::duration took{};
    auto m = e.run(&run_throughput_probe, throughput_spec(server, 1 << 20), 600ms, &took);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "generic_timeout_error");
    CHECK(m->failure.op == Operation::read);
    CHECK(m->bytes > 0);
    CHECK(m->bytes < (1 << 20));
    CHECK(took < 1100ms);
  }
  SECTION("HTTP 500") {
    TestServer server({ServerMode::respond, http_response(500, "err")});
    auto m = e.run(&run_throughput_probe, throughput_spec(server, 0), 3000ms);
    REQUIRE(m);
    CHECK(m->failure.ooni_string() == "unknown_failure: http_status: 500");
    CHECK(m->method == Method::http_failure);
  }
}

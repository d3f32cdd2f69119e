// HttpServer over real loopback HTTP: /metrics, /healthz, status page, 404, auth, TLS, bind errors.
#include "metrics/http_server.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <thread>

#include "../support/test_pki.hpp"
#include "http_get.hpp"
#include "sample_metrics.hpp"

using namespace netvigil;
using netvigil::testing::http_get;
using netvigil::testing::http_request;
using netvigil::testing::populate;
using netvigil::testing::sample_vantage;

namespace {

HttpServerOptions loopback_any_port() {
  HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  return o;
}

std::unique_ptr<HttpServer> must_start(const HttpServerOptions& o, const Metrics& m,
                                       const Heartbeat* hb = nullptr,
                                       HttpServer::SnapshotProvider snap = {}) {
  std::string error;
  auto s = HttpServer::start(o, m.collectable(), hb, std::move(snap), error);
  INFO(error);
  REQUIRE(s);
  REQUIRE(s->port() > 0);
  return s;
}

std::string write_temp(const std::string& content) {
  char path[] = "/tmp/netvigil-http-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp");
  if (::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()))
    throw std::runtime_error("write");
  ::close(fd);
  return path;
}

}  // namespace

TEST_CASE("GET /metrics serves the registry in text format 0.0.4", "[metrics][http]") {
  Metrics m(sample_vantage(), "9.9.9");
  populate(m);
  auto server = must_start(loopback_any_port(), m);
  const auto r = http_get(server->port(), "/metrics");
  CHECK(r.status == 200);
  CHECK(r.headers.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(r.body.find("netvigil_build_info{version=\"9.9.9\"} 1\n") != std::string::npos);
  CHECK(r.body.find("netvigil_state{state=\"intl_blackout\"} 1\n") != std::string::npos);
  // The scrape sees later updates: the server reads the live registry.
  m.set_state("normal");
  CHECK(http_get(server->port(), "/metrics").body.find("netvigil_state{state=\"normal\"} 1\n") !=
        std::string::npos);
  const auto head = http_request(server->port(), "HEAD /metrics HTTP/1.1");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
}

TEST_CASE("promtool check metrics is clean on a scrape over HTTP", "[metrics][http][promtool]") {
  const std::string promtool = netvigil::testing::promtool();
  INFO("promtool missing: apt-get install prometheus");
  REQUIRE_FALSE(promtool.empty());
  Metrics m(sample_vantage());
  populate(m);
  auto server = must_start(loopback_any_port(), m);
  const auto r = http_get(server->port(), "/metrics");
  REQUIRE(r.status == 200);
  const std::string path = write_temp(r.body);
  std::string out;
  const int rc = netvigil::testing::run_command(promtool + " check metrics < " + path, out);
  std::remove(path.c_str());
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.empty());
}

TEST_CASE("/healthz follows the loop heartbeat", "[metrics][http]") {
  Metrics m(sample_vantage());
  Heartbeat hb;
  auto o = loopback_any_port();
  o.health_max_age = std::chrono::milliseconds(300);
  auto server = must_start(o, m, &hb);
  auto r = http_get(server->port(), "/healthz");
  CHECK(r.status == 503);
  hb.beat();
  r = http_get(server->port(), "/healthz");
  CHECK(r.status == 200);
  CHECK(r.body == "ok\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(http_get(server->port(), "/healthz").status == 503);
}

TEST_CASE("the status page shows the published snapshot", "[metrics][http]") {
  Metrics m(sample_vantage());
  SnapshotBox box;
  auto server = must_start(loopback_any_port(), m, nullptr, [&box] { return box.get(); });
  auto r = http_get(server->port(), "/");
  CHECK(r.status == 200);
  CHECK(r.headers.find("Content-Type: text/html") != std::string::npos);
  CHECK(r.body.find("warming_up") != std::string::npos);

  // Published from another thread, as the loop does.
  std::thread loop([&box] {
    auto s = std::make_shared<StatusSnapshot>();
    s->state = "full_blackout";
    s->intl_index = 3;
    s->domestic_index = 12;
    s->generated_at = 1'790'000'000;
    s->vantage = sample_vantage();
    for (std::int64_t t = s->generated_at - 3600; t <= s->generated_at; t += 60)
      s->series.push_back({t, 3, 12});
    Event e;
    e.type = "full_blackout";
    e.scope = "international";
    e.start = s->generated_at - 1800;
    s->events.push_back(e);
    box.set(std::move(s));
  });
  loop.join();
  r = http_get(server->port(), "/");
  CHECK(r.status == 200);
  CHECK(r.body.find("full_blackout") != std::string::npos);
  CHECK(r.body.find("<svg") != std::string::npos);
  CHECK(r.body.find("ongoing") != std::string::npos);
  CHECK(r.body.find("tehran-home") != std::string::npos);
  CHECK(r.body.find("<script") == std::string::npos);
}

TEST_CASE("unknown paths give 404, other methods 405", "[metrics][http]") {
  Metrics m(sample_vantage());
  auto server = must_start(loopback_any_port(), m);
  CHECK(http_get(server->port(), "/nope").status == 404);
  CHECK(http_get(server->port(), "/metrics/extra").status == 404);
  CHECK(http_get(server->port(), "/../etc/passwd").status != 200);
  const auto post = http_request(server->port(), "POST /metrics HTTP/1.1\r\nContent-Length: 0");
  CHECK(post.status == 405);
}

TEST_CASE("basic auth: 401 without or with wrong credentials, 200 with the right ones",
          "[metrics][http][auth]") {
  Metrics m(sample_vantage());
  Heartbeat hb;
  hb.beat();
  auto o = loopback_any_port();
  o.basic_auth_user = "prom";
  o.basic_auth_password = "s3cret";
  auto server = must_start(o, m, &hb);
  const int port = server->port();
  auto r = http_get(port, "/metrics");
  CHECK(r.status == 401);
  CHECK(r.headers.find("WWW-Authenticate: Basic realm=\"netvigil\"") != std::string::npos);
  CHECK(r.body.find("netvigil_") == std::string::npos);
  // base64("prom:wrong"), base64("prom:s3cre"), base64("prom:s3cret")
  CHECK(http_get(port, "/metrics", "Authorization: Basic cHJvbTp3cm9uZw==").status == 401);
  CHECK(http_get(port, "/metrics", "Authorization: Basic cHJvbTpzM2NyZQ==").status == 401);
  CHECK(http_get(port, "/metrics", "Authorization: Basic !!!!").status == 401);
  CHECK(http_get(port, "/metrics", "Authorization: Bearer cHJvbTpzM2NyZXQ=").status == 401);
  CHECK(http_get(port, "/", "").status == 401);
  r = http_get(port, "/metrics", "Authorization: Basic cHJvbTpzM2NyZXQ=");
  CHECK(r.status == 200);
  CHECK(r.body.find("netvigil_build_info") != std::string::npos);
  CHECK(http_get(port, "/", "Authorization: Basic cHJvbTpzM2NyZXQ=").status == 200);
  // Liveness stays open for supervisors; it reveals nothing.
  CHECK(http_get(port, "/healthz").status == 200);
}

TEST_CASE("http_options_from reads the password file", "[metrics][http][auth]") {
  HttpConfig c;
  c.basic_auth_user = "prom";
  c.basic_auth_password_file = write_temp("pa55word\n");
  HttpServerOptions o;
  CHECK(http_options_from(c, o).empty());
  CHECK(o.basic_auth_password == "pa55word");
  std::remove(c.basic_auth_password_file.c_str());
  CHECK(http_options_from(c, o).find("cannot read the password file") != std::string::npos);
  c.basic_auth_password_file = write_temp("\n");
  CHECK(http_options_from(c, o).find("the password file is empty") != std::string::npos);
  std::remove(c.basic_auth_password_file.c_str());
  HttpConfig t;
  t.tls_cert = "/x.pem";
  CHECK(http_options_from(t, o) == "http: tls_cert and tls_key must be set together");
}

TEST_CASE("a port already in use gives a clear error, not an exception", "[metrics][http]") {
  Metrics m(sample_vantage());
  auto first = must_start(loopback_any_port(), m);
  HttpServerOptions o;
  o.listen = "127.0.0.1:" + std::to_string(first->port());
  std::string error;
  std::unique_ptr<HttpServer> second;
  REQUIRE_NOTHROW(second = HttpServer::start(o, m.collectable(), nullptr, {}, error));
  CHECK_FALSE(second);
  CHECK(error ==
        "cannot listen on 127.0.0.1:" + std::to_string(first->port()) + ": address in use");
  // The first server still answers.
  CHECK(http_get(first->port(), "/metrics").status == 200);
}

TEST_CASE("a malformed listen address is an error", "[metrics][http]") {
  Metrics m(sample_vantage());
  for (const char* bad : {"localhost", "127.0.0.1:", "127.0.0.1:99999", "nohost:9567", ":x"}) {
    HttpServerOptions o;
    o.listen = bad;
    std::string error;
    CHECK_FALSE(HttpServer::start(o, m.collectable(), nullptr, {}, error));
    CHECK(error.rfind(std::string("cannot listen on ") + bad + ": ", 0) == 0);
  }
}

TEST_CASE("TLS: serves with the configured certificate, or refuses clearly",
          "[metrics][http][tls]") {
  const auto& pki = netvigil::testing::test_pki();
  Metrics m(sample_vantage());
  auto o = loopback_any_port();
  o.tls_cert = write_temp(pki.good.cert_pem);
  o.tls_key = write_temp(pki.good.key_pem);
  std::string error;
  auto server = HttpServer::start(o, m.collectable(), nullptr, {}, error);
  if (!server) {
    // Debian 12: civetweb 1.15 cannot load OpenSSL 3. The refusal must be this exact message.
    WARN("TLS not available in this civetweb build: " << error);
    CHECK(error == std::string("cannot listen on 127.0.0.1:0: ") + kTlsUnavailable);
  } else {
    const auto r = http_request(server->port(), "GET /metrics HTTP/1.1", pki.ca_file);
    CHECK(r.status == 200);
    CHECK(r.body.find("netvigil_build_info") != std::string::npos);
    bool plain_served = false;
    try {
      plain_served =
          http_get(server->port(), "/metrics").body.find("netvigil_") != std::string::npos;
    } catch (const std::exception&) {
    }
    CHECK_FALSE(plain_served);
    server.reset();
  }
  std::remove(o.tls_cert.c_str());
  std::remove(o.tls_key.c_str());
  // A plain server still starts after a refused TLS one (the library reference count is kept).
  CHECK(must_start(loopback_any_port(), m)->port() > 0);
}

TEST_CASE("TLS with an unreadable key fails to start with an error", "[metrics][http][tls]") {
  Metrics m(sample_vantage());
  auto o = loopback_any_port();
  o.tls_cert = "/nonexistent/cert.pem";
  o.tls_key = "/nonexistent/key.pem";
  std::string error;
  CHECK_FALSE(HttpServer::start(o, m.collectable(), nullptr, {}, error));
  CHECK(error.rfind("cannot listen on 127.0.0.1:0: ", 0) == 0);
}

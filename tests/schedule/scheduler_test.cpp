// The scheduler on a real loop with fake probe runners: in-flight cap, services, guards.
#include "schedule/scheduler.hpp"

#include <catch2/catch.hpp>
#include <map>

#include "loop/event_loop.hpp"

using namespace netvigil;
using namespace std::chrono_literals;

namespace {

// Fake runners keyed by probe id prefix: "ok-…" succeeds after 20 ms, "bad-…" fails with
// connection_refused at connect, "hang-…" never calls done (the guard must end it).
struct FakeNet {
  EventLoop* loop;
  int in_flight = 0;
  int max_in_flight = 0;
};
FakeNet* g_net = nullptr;

void fake_runner(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds, ProbeDone done) {
  if (spec.id.rfind("hang-", 0) == 0) return;
  g_net->in_flight++;
  g_net->max_in_flight = std::max(g_net->max_in_flight, g_net->in_flight);
  const bool ok = spec.id.rfind("ok-", 0) == 0;
  env.loop->add_timer_after(20ms, [ok, done] {
    g_net->in_flight--;
    Measurement m;
    m.ok = ok;
    if (!ok) {
      m.failure = {Failure::connection_refused, Operation::connect, {}};
      m.method = Method::tcp_ip;
    }
    done(m);
  });
}

ProbeSpec probe(std::string id, std::string service = "", std::string check = "", std::string host = "") {
  ProbeSpec p;
  p.id = std::move(id);
  p.kind = ProbeKind::tcp;
  p.service = std::move(service);
  p.check = std::move(check);
  p.host = std::move(host);
  return p;
}

}  // namespace

TEST_CASE("run_once runs every job with at most max_in_flight at once", "[schedule]") {
  EventLoop loop;
  FakeNet net{&loop};
  g_net = &net;
  SystemClock clock;
  Config config;
  config.schedule.max_in_flight = 8;
  Catalog cat;
  for (int i = 0; i < 50; ++i) cat.probes.push_back(probe("ok-" + std::to_string(i)));
  config.catalogs.push_back(cat);
  ProbeEnv env;
  env.loop = &loop;
  env.clock = &clock;
  std::vector<Measurement> out;
  Scheduler s(env, config, [&](Measurement m) { out.push_back(std::move(m)); },
              [](ProbeKind) { return &fake_runner; });
  bool done = false;
  s.run_once([&] { done = true; });
  REQUIRE(loop.run_until([&] { return done; }, 5s));
  CHECK(out.size() == 50);
  CHECK(net.max_in_flight == 8);
  CHECK(s.stats().in_flight == 0);
  for (const auto& m : out) CHECK(m.ok);
  CHECK(out.front().probe_id.rfind("ok-", 0) == 0);
}

TEST_CASE("services emit endpoint results and a verdict with its method", "[schedule][service]") {
  EventLoop loop;
  FakeNet net{&loop};
  g_net = &net;
  SystemClock clock;
  Config config;
  Catalog cat;
  ServiceSpec svc;
  svc.id = "whatsapp";
  svc.checks.push_back({"endpoints", VerdictRule::each_host_any_port, {}});
  svc.checks.push_back({"web", VerdictRule::all_success, {}});
  cat.services.push_back(svc);
  cat.probes.push_back(probe("bad-e1-443", "whatsapp", "endpoints", "e1.example"));
  cat.probes.push_back(probe("ok-e1-5222", "whatsapp", "endpoints", "e1.example"));
  cat.probes.push_back(probe("bad-e2-443", "whatsapp", "endpoints", "e2.example"));
  cat.probes.push_back(probe("bad-e2-5222", "whatsapp", "endpoints", "e2.example"));
  cat.probes.push_back(probe("bad-web", "whatsapp", "web", "web.example"));
  config.catalogs.push_back(cat);
  ProbeEnv env;
  env.loop = &loop;
  env.clock = &clock;
  std::vector<Measurement> out;
  Scheduler s(env, config, [&](Measurement m) { out.push_back(std::move(m)); },
              [](ProbeKind) { return &fake_runner; });
  bool done = false;
  s.run_once([&] { done = true; });
  REQUIRE(loop.run_until([&] { return done; }, 5s));
  REQUIRE(out.size() == 6);
  const Measurement& verdict = out.back();
  CHECK(verdict.kind == ProbeKind::service);
  CHECK(verdict.probe_id == "whatsapp");
  CHECK_FALSE(verdict.ok);  // the web check failed
  CHECK(verdict.method == Method::tcp_ip);
  CHECK(to_string(verdict.failure.code) == "connection_refused");
  const auto& checks = verdict.evidence["checks"];
  CHECK(checks[0]["ok"] == true);  // e1 reachable on 5222: the endpoints check holds
  CHECK(checks[0]["blocked_hosts"] == nlohmann::json::array({"e2.example"}));
  CHECK(checks[1]["ok"] == false);
  for (std::size_t i = 0; i + 1 < out.size(); ++i) CHECK(out[i].service == "whatsapp");
}

TEST_CASE("a runner that never answers is ended by the guard with a timeout", "[schedule]") {
  EventLoop loop;
  FakeNet net{&loop};
  g_net = &net;
  SystemClock clock;
  Config config;
  config.schedule.timeout = 100ms;
  Catalog cat;
  cat.probes.push_back(probe("hang-1"));
  cat.probes.push_back(probe("ok-1"));
  config.catalogs.push_back(cat);
  ProbeEnv env;
  env.loop = &loop;
  env.clock = &clock;
  std::map<std::string, Measurement> out;
  Scheduler s(env, config, [&](Measurement m) { out[m.probe_id] = m; },
              [](ProbeKind) { return &fake_runner; });
  bool done = false;
  s.run_once([&] { done = true; });
  REQUIRE(loop.run_until([&] { return done; }, 5s));
  CHECK(out.at("ok-1").ok);
  CHECK(to_string(out.at("hang-1").failure.code) == "generic_timeout_error");
}

TEST_CASE("periodic runs skip a slot while the previous run is still going", "[schedule]") {
  EventLoop loop;
  FakeNet net{&loop};
  g_net = &net;
  SystemClock clock;
  Config config;
  config.schedule.interval = 50ms;
  config.schedule.jitter = 0ms;
  config.schedule.timeout = 150ms;  // hang-… holds its slot for timeout + 2 s guard
  Catalog cat;
  cat.probes.push_back(probe("ok-periodic"));
  cat.probes.push_back(probe("hang-periodic"));
  config.catalogs.push_back(cat);
  ProbeEnv env;
  env.loop = &loop;
  env.clock = &clock;
  int ok_runs = 0;
  Scheduler s(env, config, [&](Measurement m) { ok_runs += m.ok; },
              [](ProbeKind) { return &fake_runner; });
  s.start();
  loop.run_until([] { return false; }, 520ms);
  s.stop();
  CHECK(ok_runs >= 8);   // ~10 slots in 520 ms at 50 ms
  CHECK(ok_runs <= 11);
  CHECK(s.stats().skipped >= 8);  // hang-periodic's later slots were skipped, not queued
}

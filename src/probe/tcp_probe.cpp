// The tcp probe: non-blocking connects on the loop (EPOLLOUT, then SO_ERROR), one per target.
#include "probe/tcp_probe.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "loop/event_loop.hpp"
#include "net/dns_engine.hpp"

namespace netvigil {
namespace {

using Us = std::chrono::microseconds;

std::int32_t clamp_us(std::chrono::steady_clock::duration d) {
  const auto us = std::chrono::duration_cast<Us>(d).count();
  return static_cast<std::int32_t>(std::clamp<long long>(us, 0, INT32_MAX));
}

FailureInfo connect_failure(int err) {
  const Failure f = failure_from_errno(err);
  if (f == Failure::unknown_failure) return unknown_failure(Operation::connect, std::strerror(err));
  return {f, Operation::connect, {}};
}

struct Attempt {
  IpAddress address;
  std::uint16_t port = 0;
  std::uint32_t scope_id = 0;
  std::string label;  // what evidence shows as the address
  int fd = -1;
  SteadyTime started;
  std::optional<EventLoop::TimerId> timer;
  bool finished = false;
  FailureInfo failure;
  std::int32_t connect_us = -1;
};

struct Run {
  ProbeEnv* env = nullptr;
  ProbeSpec spec;
  ProbeDone done;
  Measurement m;
  SteadyTime started;
  SteadyTime deadline;
  std::vector<Attempt> attempts;
  std::size_t left = 0;
  bool finished = false;

  Run() = default;
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  // Only reached with open sockets when the loop itself is torn down mid-run (its callbacks
  // held the last references): close them so no fd outlives the probe.
  ~Run() {
    for (auto& a : attempts)
      if (a.fd >= 0) ::close(a.fd);
  }
};
using RunRef = std::shared_ptr<Run>;

void report(const RunRef& run) {
  if (run->finished) return;
  run->finished = true;
  Measurement& m = run->m;
  nlohmann::json connects = nlohmann::json::array();
  std::int32_t fastest = -1;
  bool any_ok = false;
  for (const auto& a : run->attempts) {
    connects.push_back({{"family", a.address.v4 ? "v4" : "v6"},
                        {"address", a.label},
                        {"port", a.port},
                        {"failure", a.failure.failed() ? nlohmann::json(a.failure.ooni_string())
                                                       : nlohmann::json()},
                        {"connect_us", a.connect_us}});
    const bool counts = !a.failure.failed() ||
                        (run->spec.refused_ok && a.failure.code == Failure::connection_refused);
    any_ok = any_ok || counts;
    if (!a.failure.failed() && (fastest < 0 || a.connect_us < fastest)) fastest = a.connect_us;
  }
  m.evidence["connects"] = std::move(connects);
  if (!m.failure.failed()) {  // a resolve or no-route failure is already set
    m.ok = any_ok;
    if (!m.ok) {
      m.failure = run->attempts.empty()
                      ? unknown_failure(Operation::connect, "no address to connect to")
                      : run->attempts.front().failure;
      m.method = Method::tcp_ip;
    }
  }
  m.phases.connect_us = fastest;
  m.phases.total_us = clamp_us(run->env->loop->now() - run->started);
  auto done = std::move(run->done);
  done(std::move(m));
}

void end_attempt(const RunRef& run, std::size_t i, FailureInfo failure) {
  Attempt& a = run->attempts[i];
  if (a.finished) return;
  a.finished = true;
  EventLoop& loop = *run->env->loop;
  if (a.timer) loop.cancel_timer(*a.timer);
  if (a.fd >= 0) {
    loop.unwatch(a.fd);
    ::close(a.fd);
    a.fd = -1;
  }
  a.failure = std::move(failure);
  if (!a.failure.failed()) a.connect_us = clamp_us(loop.now() - a.started);
  // Posted: an attempt can end inside run_tcp_probe itself, and done must never run there.
  if (--run->left == 0) loop.post([run] { report(run); });
}

void start_attempt(const RunRef& run, std::size_t i) {
  Attempt& a = run->attempts[i];
  EventLoop& loop = *run->env->loop;
  a.started = loop.now();
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (a.address.v4) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(a.port);
    std::memcpy(&sa->sin_addr, &a.address.bytes[12], 4);
    len = sizeof *sa;
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(a.port);
    std::memcpy(&sa->sin6_addr, a.address.bytes.data(), 16);
    sa->sin6_scope_id = a.scope_id;
    len = sizeof *sa;
  }
  a.fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (a.fd < 0) return end_attempt(run, i, connect_failure(errno));
  if (::connect(a.fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) return end_attempt(run, i, {});
  if (errno != EINPROGRESS) return end_attempt(run, i, connect_failure(errno));
  // connect(2): EINPROGRESS, then writable when done; SO_ERROR tells how it ended.
  loop.watch(a.fd, EPOLLOUT, [run, i](std::uint32_t) {
    int err = 0;
    socklen_t l = sizeof err;
    if (getsockopt(run->attempts[i].fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0) err = errno;
    end_attempt(run, i, err == 0 ? FailureInfo{} : connect_failure(err));
  });
  a.timer = loop.add_timer(run->deadline, [run, i] {
    end_attempt(run, i, {Failure::generic_timeout_error, Operation::connect, {}});
  });
}

void connect_all(const RunRef& run, const std::vector<IpAddress>& addresses,
                 const std::string& label, std::uint32_t scope_id) {
  auto ports = run->spec.ports;
  if (ports.empty()) ports = {443};
  for (const auto& ip : addresses)
    for (auto port : ports) {
      Attempt a;
      a.address = ip;
      a.port = port;
      a.scope_id = scope_id;
      a.label = label.empty() ? ip.to_string() : label;
      run->attempts.push_back(std::move(a));
    }
}

void start_all(const RunRef& run) {
  run->left = run->attempts.size();
  if (run->attempts.empty()) {
    run->env->loop->post([run] { report(run); });
    return;
  }
  // Index loop: an attempt can end (and report) synchronously; report waits for the last.
  const std::size_t n = run->attempts.size();
  for (std::size_t i = 0; i < n; ++i) start_attempt(run, i);
}

void run_gateway(const RunRef& run, const LinkPaths& paths) {
  Measurement& m = run->m;
  const auto v4 = read_default_gateway_v4(paths.route);
  const auto v6 = read_default_gateway_v6(paths.ipv6_route);
  if (!v4 && !v6) {
    nlohmann::json carriers = nlohmann::json::object();
    for (const auto& [iface, c] : read_all_carriers(paths.sys_class_net))
      carriers[iface] = c ? nlohmann::json(*c) : nlohmann::json();
    m.evidence["gateway"] = nullptr;
    m.evidence["carrier"] = std::move(carriers);
    m.failure = {Failure::network_unreachable, Operation::connect, {}};
    m.method = Method::tcp_ip;
    start_all(run);
    return;
  }
  const std::string iface = v4 ? v4->interface : v6->interface;
  const auto carrier = read_carrier(paths.sys_class_net, iface);
  m.evidence["gateway"] = {{"interface", iface}, {"v4", v4.has_value()}, {"v6", v6.has_value()}};
  m.evidence["carrier"] = {{iface, carrier ? nlohmann::json(*carrier) : nlohmann::json()}};
  if (v4) connect_all(run, {v4->address}, "gateway", 0);
  if (v6) connect_all(run, {v6->address}, "gateway", if_nametoindex(v6->interface.c_str()));
  start_all(run);
}

}  // namespace

void run_tcp_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                   ProbeDone done) {
  run_tcp_probe(env, spec, timeout, std::move(done), LinkPaths{});
}

void run_tcp_probe(ProbeEnv& env, const ProbeSpec& spec, std::chrono::milliseconds timeout,
                   ProbeDone done, const LinkPaths& paths) {
  auto run = std::make_shared<Run>();
  run->env = &env;
  run->spec = spec;
  run->done = std::move(done);
  static const SystemClock kSystemClock;
  run->m = start_measurement(spec, env.clock != nullptr ? *env.clock : kSystemClock);
  run->m.evidence["host"] = spec.host;
  run->started = env.loop->now();
  run->deadline = run->started + timeout;

  if (spec.host == "@gateway") return run_gateway(run, paths);
  const std::string target = spec.address.empty() ? spec.host : spec.address;
  if (auto ip = IpAddress::parse(target)) {
    connect_all(run, {*ip}, "", 0);
    return start_all(run);
  }
  if (env.dns == nullptr) {
    run->m.failure = unknown_failure(Operation::resolve, "no resolver");
    run->m.method = Method::dns;
    return start_all(run);
  }
  env.dns->resolve(target, timeout, [run](ResolveResult r) {
    Measurement& m = run->m;
    nlohmann::json addrs = nlohmann::json::array();
    for (const auto& a : r.addresses) addrs.push_back(a.to_string());
    m.evidence["resolve"] = {
        {"addresses", addrs},
        {"duration_us", r.duration_us},
        {"failure",
         r.failure.failed() ? nlohmann::json(r.failure.ooni_string()) : nlohmann::json()}};
    m.phases.resolve_us = r.duration_us;
    if (r.failure.failed() || r.addresses.empty()) {
      m.failure = r.failure.failed() ? r.failure
                                     : FailureInfo{Failure::dns_no_answer, Operation::resolve, {}};
      m.method = Method::dns;
    } else {
      connect_all(run, r.addresses, "", 0);
    }
    start_all(run);
  });
}

}  // namespace netvigil

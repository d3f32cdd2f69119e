// c-ares 1.18 on the EventLoop: one channel per (resolver, transport), driven by sock-state
// callbacks, ares_process_fd and ares_timeout. All c-ares knowledge lives in dns_engine.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/failure.hpp"
#include "net/prefix.hpp"

namespace netvigil {

class EventLoop;

/// One query's outcome. `failure` uses the c-ares → OONI mapping (operation resolve).
struct DnsAnswer {
  std::string resolver;          ///< resolver name from config
  std::string resolver_address;  ///< the resolver's address (a configured target, not ours)
  std::string transport;         ///< "udp" | "tcp"
  std::string qtype;             ///< "A" | "AAAA"
  int rcode = -1;                ///< DNS rcode from the reply header; -1 if no reply
  std::vector<IpAddress> addresses;
  std::vector<std::string> cnames;
  std::int32_t duration_us = 0;
  FailureInfo failure;  ///< none, or e.g. dns_nxdomain_error, generic_timeout_error
};

/// A and AAAA together, as a connecting probe needs them.
struct ResolveResult {
  std::vector<DnsAnswer> answers;    ///< one per qtype asked
  std::vector<IpAddress> addresses;  ///< union of the answers, v4 first
  std::int32_t duration_us = 0;
  FailureInfo failure;  ///< set only when no address came back
};

/// Not copyable or movable (c-ares callbacks capture `this`).
class DnsEngine {
 public:
  DnsEngine(EventLoop& loop, const std::vector<ResolverSpec>& resolvers);
  /// As above, reading the "system" resolver (first `nameserver` line) from `resolv_conf`
  /// instead of /etc/resolv.conf. With no usable nameserver line, "system" is 127.0.0.1
  /// (what glibc and c-ares fall back to).
  DnsEngine(EventLoop& loop, const std::vector<ResolverSpec>& resolvers,
            const std::string& resolv_conf);
  /// Queries still in flight are abandoned: their `done` never runs.
  ~DnsEngine();
  DnsEngine(const DnsEngine&) = delete;
  DnsEngine& operator=(const DnsEngine&) = delete;

  /// Ask `resolver` (a configured name) over `transport` for `qtype` of `name`.
  /// `done` runs on the loop exactly once, within `timeout`.
  void query(const std::string& resolver, const std::string& transport, const std::string& name,
             const std::string& qtype, std::chrono::milliseconds timeout,
             std::function<void(DnsAnswer)> done);

  /// A and AAAA for `name` through the default (first configured) resolver over UDP.
  /// An IP literal returns at once without a query.
  void resolve(const std::string& name, std::chrono::milliseconds timeout,
               std::function<void(ResolveResult)> done);

  /// Names of the configured resolvers, in config order.
  std::vector<std::string> resolver_names() const;
  /// Transports configured for `resolver` (empty when unknown).
  std::vector<std::string> transports(const std::string& resolver) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace netvigil

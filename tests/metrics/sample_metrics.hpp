// A Metrics instance populated the way a running daemon would populate it, for scrape tests.
#pragma once

#include <prometheus/text_serializer.h>

#include <sstream>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"

namespace netvigil::testing {

inline std::string scrape(const Metrics& m) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, m.collectable()->Collect());
  return out.str();
}

inline ProbeSpec probe_spec(std::string id, ProbeKind kind, Group group, std::string service = "") {
  ProbeSpec p;
  p.id = std::move(id);
  p.kind = kind;
  p.group = group;
  p.service = std::move(service);
  return p;
}

inline Vantage sample_vantage() {
  Vantage v;
  v.id = "tehran-home";
  v.country = "IR";
  v.asn = "AS58224";
  v.network_type = "broadband";
  return v;
}

/// Every family gets at least one series: probes of each group, a failure, a certificate,
/// groups, state, a blocked service, an event and the health series.
inline void populate(Metrics& m) {
  std::vector<ProbeSpec> probes{
      probe_spec("gateway", ProbeKind::tcp, Group::local),
      probe_spec("isp-dns", ProbeKind::dns, Group::isp),
      probe_spec("aparat-https", ProbeKind::http, Group::domestic),
      probe_spec("google-tls", ProbeKind::tls, Group::international),
      probe_spec("telegram-dc1-443", ProbeKind::tcp, Group::international, "telegram"),
  };
  ServiceSpec telegram;
  telegram.id = "telegram";
  telegram.name = "Telegram";
  m.register_probes(probes, {telegram});

  Measurement ok;
  ok.probe_id = "google-tls";
  ok.kind = ProbeKind::tls;
  ok.group = Group::international;
  ok.ok = true;
  ok.phases = {12'000, 30'000, 80'000, -1, 125'000};
  ok.evidence = {{"cert_not_after", "2027-01-31T12:00:00Z"}};
  m.observe(ok);

  Measurement bad;
  bad.probe_id = "telegram-dc1-443";
  bad.kind = ProbeKind::tcp;
  bad.group = Group::international;
  bad.service = "telegram";
  bad.failure = {Failure::connection_reset, Operation::connect, ""};
  bad.method = Method::tcp_ip;
  bad.phases.connect_us = 45'000;
  bad.phases.total_us = 45'000;
  m.observe(bad);

  Measurement verdict;
  verdict.probe_id = "telegram";
  verdict.kind = ProbeKind::service;
  verdict.group = Group::international;
  verdict.service = "telegram";
  verdict.failure = {Failure::connection_reset, Operation::connect, ""};
  verdict.method = Method::tcp_ip;
  m.observe(verdict);

  m.set_group(Group::international, 0.2, 21.5);
  m.set_group(Group::domestic, 0.98, 100);
  m.set_group(Group::local, 1, 100);
  m.set_group(Group::isp, 1, 100);
  m.set_state("intl_blackout");
  m.set_service_blocked("telegram", Method::tcp_ip);
  m.set_event("intl_blackout", "international", "", true, 1'790'000'000);
  m.set_event("service_interference", "service:telegram", "telegram", true, 1'790'000'060);
  m.set_store_health({1, 2, 3, 1'790'000'100, 4});
  m.set_scheduler(0.004, 3);
  m.inc_skipped();
}

}  // namespace netvigil::testing

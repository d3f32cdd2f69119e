// The loaded, validated configuration and probe catalogs: plain data, defaults applied.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/vocabulary.hpp"
#include "net/prefix.hpp"

namespace netvigil {

/// Vantage labels chosen by the operator. Never an address.
struct Vantage {
  std::string id = "default";
  std::string country;       ///< ISO 3166 alpha-2, e.g. "IR"
  std::string asn;           ///< "AS12345"
  std::string network_type;  ///< broadband | mobile | ...
  std::string timezone = "UTC";
};

/// A DNS resolver to measure through. name "system" = first nameserver of /etc/resolv.conf.
struct ResolverSpec {
  std::string name;
  std::string address;             ///< IP literal; empty for "system"
  std::uint16_t port = 53;
  std::vector<std::string> transports{"udp"};  ///< udp, tcp
};

/// Where a block-page fingerprint looks and how it matches.
struct Fingerprint {
  std::string id;
  std::string where = "body";      ///< body | header | dns
  std::string header;              ///< header name when where == header
  std::string type = "contains";   ///< exact | prefix | contains | regexp
  std::string pattern;
  std::string country;
  std::string scope;               ///< e.g. nationwide, isp
  std::string source;
};

/// One probe from a catalog (also a service's endpoint). Fields unused by a kind stay empty.
struct ProbeSpec {
  std::string id;                  ///< slug: [a-z0-9][a-z0-9._-]*, never an address
  ProbeKind kind = ProbeKind::tcp;
  Group group = Group::international;
  std::string service;             ///< set for a service's endpoints
  std::string check;               ///< the service check this endpoint belongs to
  std::string host;                ///< name or IP literal; "@gateway" = the default gateway
  std::vector<std::uint16_t> ports;  ///< tcp: ports to connect to (default 443)
  std::string url;                 ///< http, throughput
  std::string http_method = "GET";
  std::string http_body;
  std::string sni;                 ///< tls: SNI to send (default host)
  std::string address;             ///< tls/http/tcp: connect here instead of resolving host
  std::vector<std::string> resolvers;  ///< dns: resolver names (default: all configured)
  std::vector<std::string> qtypes{"A", "AAAA"};  ///< dns
  std::string expect_prefixes;     ///< dns: name of a catalog prefix list answers must fall in
  bool refused_ok = false;         ///< tcp: a refused connect proves reachability (local link)
  bool ignore_status = false;      ///< http: any HTTP status is a complete transaction
  std::size_t body_cap = 65536;    ///< http: bytes kept for hashing and fingerprints
  std::int64_t expect_bytes = 0;   ///< throughput: bytes to download
  std::optional<std::chrono::milliseconds> interval;  ///< overrides schedule.interval
  std::optional<std::chrono::milliseconds> timeout;   ///< overrides schedule.timeout
  std::string source;              ///< where the entry comes from (page, OONI spec)
  std::string origin;              ///< file:line of the definition, for messages
};

/// Verdict rules for a service check.
enum class VerdictRule : std::uint8_t { any_success, all_success, each_host_any_port };

struct ServiceCheck {
  std::string name;
  VerdictRule rule = VerdictRule::any_success;
  std::vector<std::string> endpoint_ids;
};

/// A messenger or other service: named checks over endpoint probes, each with a rule.
struct ServiceSpec {
  std::string id;                  ///< slug, e.g. "telegram"
  std::string name;                ///< display name, e.g. "Telegram"
  Group group = Group::international;
  bool control = false;            ///< a domestic control service
  std::vector<ServiceCheck> checks;
  std::string reviewed;            ///< date the endpoints were last reviewed
  std::string source;
};

/// A dated list of address prefixes (e.g. Facebook's AS32934) that answers must fall in.
struct PrefixList {
  std::string name;
  std::string reviewed;
  std::vector<Prefix> prefixes;
  std::string source;              ///< public page the prefixes come from
};

struct Catalog {
  std::string name;
  std::string reviewed;
  std::string license;             ///< of the catalog data, e.g. "CC-BY-4.0"
  std::string description;
  std::string path;                ///< file it came from, or "embedded:NAME"
  std::vector<ProbeSpec> probes;   ///< plain probes and, flattened, every service endpoint
  std::vector<ServiceSpec> services;
  std::vector<Fingerprint> fingerprints;
  std::vector<Prefix> blockpage_addresses;
  std::vector<PrefixList> prefix_lists;
};

struct Schedule {
  std::chrono::milliseconds interval{60'000};
  std::chrono::milliseconds jitter{5'000};
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_in_flight = 64;
};

struct Retention {
  std::chrono::hours raw{24 * 30};       ///< raw measurement rows
  std::chrono::hours rollups{24 * 3650}; ///< per-minute rollups (years)
};

struct DetectorConfig {
  std::chrono::milliseconds step{60'000};
  std::chrono::hours baseline_window{24 * 7};
  std::chrono::milliseconds warmup{3'600'000};
};

struct HttpConfig {
  std::string listen = "127.0.0.1:9567";
  std::string basic_auth_user;
  std::string basic_auth_password_file;
  std::string tls_cert;
  std::string tls_key;
};

struct Config {
  std::string path;                ///< the file loaded, or "embedded"
  Vantage vantage;
  std::string database = "./var/netvigil.db";
  HttpConfig http;
  std::vector<ResolverSpec> resolvers{{"system", "", 53, {"udp"}}};
  std::string ca_file;             ///< empty: the system CA set
  std::vector<std::string> catalog_paths;  ///< files, or "embedded:NAME"
  Schedule schedule;
  Retention retention;
  DetectorConfig detector;
  std::vector<Prefix> bogon_ordinary;     ///< ranges declared ordinary (the lab's doc ranges)
  std::vector<Prefix> blockpage_extra;    ///< block-page addresses added by config
  std::string signing_key;         ///< optional Ed25519 private key to sign chain heads
  std::vector<Catalog> catalogs;   ///< loaded from catalog_paths
};

}  // namespace netvigil

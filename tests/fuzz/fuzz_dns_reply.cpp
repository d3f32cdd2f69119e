// Fuzz target: raw DNS replies as c-ares hands them to ares_query's callback, turned into
// DnsAnswers (ares_parse_a_reply / ares_parse_aaaa_reply and our mapping), then judged together
// as one dns probe run: bogon, block-page and expected-prefix checks, consistency, the verdict
// and the evidence as the store serialises it.
//
// Input: byte 0 = run flags (bits 0-1: replies - 1; bit 2: expect the lab prefix list), then per
// reply: a flags byte (bit 0: AAAA instead of A; bit 1: tcp; bit 2: second resolver; bits 4-7:
// c-ares status, an index into kStatuses), a big-endian u16 length and that many reply bytes.
#include <ares.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config_loader.hpp"
#include "fuzz_support.hpp"
#include "net/dns_reply.hpp"
#include "probe/blocking_knowledge.hpp"
#include "probe/dns_probe.hpp"

using namespace netvigil;

namespace {

constexpr int kStatuses[16] = {ARES_SUCCESS,   ARES_SUCCESS,  ARES_SUCCESS,   ARES_SUCCESS,
                               ARES_ENODATA,   ARES_ENOTFOUND, ARES_ESERVFAIL, ARES_EREFUSED,
                               ARES_ETIMEOUT,  ARES_ECONNREFUSED, ARES_EBADRESP, ARES_EFORMERR,
                               ARES_ENOTIMP,   ARES_EBADNAME, ARES_ECONNREFUSED, ARES_ENOMEM};

// The lab config: documentation ranges ordinary, block-page addresses, the lab prefix list.
const BlockingKnowledge& knowledge() {
  static const BlockingKnowledge k = [] {
    constexpr std::string_view kConfig = R"(resolvers:
  - {name: lab-resolver, address: 192.0.2.53, transports: [udp, tcp]}
  - {name: second, address: 203.0.113.53, transports: [udp]}
catalogs: [catalogs/lab.yaml, embedded:iran]
bogons:
  ordinary: [192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32]
blockpage_addresses: [198.51.100.35]
)";
    LoadResult r = load_config_text(kConfig, "fuzz-dns.yaml",
                                    NETVIGIL_SOURCE_DIR "/tests/fixtures/config");
    if (!r.ok()) {
      for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
      std::abort();
    }
    return BlockingKnowledge::from(*r.config);
  }();
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const BlockingKnowledge& k = knowledge();
  const std::size_t count = 1 + (data[0] & 3u);
  ProbeSpec spec;
  spec.id = "fuzz-dns";
  spec.kind = ProbeKind::dns;
  spec.host = "www.example.com";
  spec.qtypes = {"A", "AAAA"};
  if ((data[0] & 4u) != 0) spec.expect_prefixes = "lab-expected";

  std::vector<DnsAnswer> answers;
  std::size_t at = 1;
  while (answers.size() < count && at + 3 <= size) {
    const std::uint8_t flags = data[at];
    std::size_t len = (std::size_t{data[at + 1]} << 8) | data[at + 2];
    at += 3;
    if (len > size - at) len = size - at;
    // A private copy of exactly `len` bytes, so ASan sees any read past the reply.
    std::vector<unsigned char> reply(data + at, data + at + len);
    at += len;
    DnsAnswer a;
    a.resolver = (flags & 4u) != 0 ? "second" : "lab-resolver";
    a.resolver_address = (flags & 4u) != 0 ? "203.0.113.53" : "192.0.2.53";
    a.transport = (flags & 2u) != 0 ? "tcp" : "udp";
    a.qtype = (flags & 1u) != 0 ? "AAAA" : "A";
    const int status = kStatuses[flags >> 4];
    fill_answer_from_reply(a, status, reply.empty() ? nullptr : reply.data(),
                           static_cast<int>(reply.size()), status == ARES_ECONNREFUSED ? ENETUNREACH : 0);
    NV_FUZZ_CHECK(a.rcode >= -1 && a.rcode <= 15);
    // An answer with addresses and no failure came from a successful parse.
    if (status != ARES_SUCCESS) NV_FUZZ_CHECK(a.failure.failed());
    for (const auto& ip : a.addresses) NV_FUZZ_CHECK(IpAddress::parse(ip.to_string()) == ip);
    answers.push_back(std::move(a));
  }

  Measurement m;
  judge_dns_answers(spec, &k, answers, m);
  NV_FUZZ_CHECK(m.ok != m.failure.failed());
  // A clean answer carrying a bogon or block-page address must fail the run as dns_bogon_error.
  for (const auto& a : answers) {
    if (a.failure.failed()) continue;
    for (const auto& ip : a.addresses)
      if (k.is_blockpage(ip) || k.is_bogon(ip))
        NV_FUZZ_CHECK(!m.ok && m.failure.code == Failure::dns_bogon_error);
  }
  (void)m.failure.ooni_string();
  // As the store writes evidence (measurement_store.cpp): invalid UTF-8 replaced, never thrown.
  (void)m.evidence.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}

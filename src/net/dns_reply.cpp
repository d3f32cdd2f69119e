// Parsing a raw DNS reply with c-ares 1.18 (ares_parse_a_reply / ares_parse_aaaa_reply).
#include "net/dns_reply.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>

#include "net/ares_failure.hpp"

namespace netvigil {
namespace {

void parse_answers(DnsAnswer& a, const unsigned char* abuf, int alen) {
  hostent* host = nullptr;
  int status = ARES_SUCCESS;
  if (a.qtype == "A") {
    ares_addrttl ttls[64];
    int n = 64;
    status = ares_parse_a_reply(abuf, alen, &host, ttls, &n);
  } else {
    ares_addr6ttl ttls[64];
    int n = 64;
    status = ares_parse_aaaa_reply(abuf, alen, &host, ttls, &n);
  }
  if (status != ARES_SUCCESS || host == nullptr) {
    a.failure = failure_from_ares(status == ARES_SUCCESS ? ARES_ENODATA : status, a.rcode);
    if (host) ares_free_hostent(host);
    return;
  }
  for (char** alias = host->h_aliases; alias && *alias; ++alias) a.cnames.emplace_back(*alias);
  for (char** p = host->h_addr_list; p && *p; ++p) {
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(host->h_addrtype, *p, text, sizeof text) == nullptr) continue;
    if (auto ip = IpAddress::parse(text)) a.addresses.push_back(*ip);
  }
  ares_free_hostent(host);
  if (a.addresses.empty()) a.failure = failure_from_ares(ARES_ENODATA, a.rcode);
}

}  // namespace

// The rcode is read from the header (RFC 1035 §4.1.1) whenever a reply arrived.
void fill_answer_from_reply(DnsAnswer& a, int status, const unsigned char* abuf, int alen,
                            int sys_errno) {
  a.rcode = (abuf != nullptr && alen >= 12) ? (abuf[3] & 0x0f) : -1;
  a.failure = failure_from_ares(status, a.rcode, sys_errno);
  if (status == ARES_SUCCESS) parse_answers(a, abuf, alen);
}

}  // namespace netvigil

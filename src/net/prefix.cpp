// Address parsing with inet_pton; prefix membership by byte comparison.
#include "net/prefix.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace netvigil {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  std::string s(text);
  IpAddress a;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    a.v4 = true;
    a.bytes[10] = 0xff;
    a.bytes[11] = 0xff;
    std::memcpy(&a.bytes[12], &v4, 4);
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(a.bytes.data(), &v6, 16);
    return a;
  }
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (v4) {
    inet_ntop(AF_INET, &bytes[12], buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  Prefix p;
  const auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  p.base = *addr;
  const int max = addr->v4 ? 32 : 128;
  p.length = max;
  if (slash != std::string_view::npos) {
    auto len = text.substr(slash + 1);
    int n = -1;
    auto [ptr, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
    if (ec != std::errc{} || ptr != len.data() + len.size() || n < 0 || n > max)
      return std::nullopt;
    p.length = n;
  }
  return p;
}

bool Prefix::contains(const IpAddress& a) const noexcept {
  if (a.v4 != base.v4) return false;
  const int offset = base.v4 ? 96 : 0;
  const int bits = offset + length;
  const int full = bits / 8;
  if (std::memcmp(a.bytes.data(), base.bytes.data(), static_cast<std::size_t>(full)) != 0)
    return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[static_cast<std::size_t>(full)] & mask) ==
         (base.bytes[static_cast<std::size_t>(full)] & mask);
}

std::string Prefix::to_string() const {
  return base.to_string() + "/" + std::to_string(length);
}

const std::array<std::string_view, 19>& default_bogons() {
  static const std::array<std::string_view, 19> kBogons{
      "0.0.0.0/8",       "10.0.0.0/8",      "100.64.0.0/10",   "127.0.0.0/8",
      "169.254.0.0/16",  "172.16.0.0/12",   "192.0.0.0/24",    "192.0.2.0/24",
      "192.168.0.0/16",  "198.18.0.0/15",   "198.51.100.0/24", "203.0.113.0/24",
      "224.0.0.0/4",     "240.0.0.0/4",     "::/128",          "::1/128",
      "fc00::/7",        "fe80::/10",       "2001:db8::/32"};
  return kBogons;
}

}  // namespace netvigil

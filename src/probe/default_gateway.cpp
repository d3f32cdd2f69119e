// Parsing the kernel's routing tables (proc(5): /proc/net/route, /proc/net/ipv6_route).
#include "probe/default_gateway.hpp"

#include <dirent.h>
#include <netinet/in.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace netvigil {
namespace {

constexpr unsigned long kRtfUp = 0x1;       // RTF_UP, <linux/route.h>
constexpr unsigned long kRtfGateway = 0x2;  // RTF_GATEWAY

bool parse_hex(const std::string& s, unsigned long& out) {
  if (s.empty() || s.size() > 16) return false;
  char* end = nullptr;
  out = std::strtoul(s.c_str(), &end, 16);
  return end == s.c_str() + s.size();
}

bool parse_hex128(const std::string& s, IpAddress& out) {
  if (s.size() != 32) return false;
  out = IpAddress{};
  for (std::size_t i = 0; i < 16; ++i) {
    unsigned long byte = 0;
    if (!parse_hex(s.substr(2 * i, 2), byte)) return false;
    out.bytes[i] = static_cast<std::uint8_t>(byte);
  }
  return true;
}

}  // namespace

std::optional<DefaultGateway> read_default_gateway_v4(const std::string& route_path) {
  std::ifstream in(route_path);
  std::string line;
  std::getline(in, line);  // header
  std::optional<DefaultGateway> best;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string iface, dest, gw, flags, refcnt, use, metric, mask;
    if (!(f >> iface >> dest >> gw >> flags >> refcnt >> use >> metric >> mask)) continue;
    unsigned long d = 0, g = 0, fl = 0, me = 0, ma = 0;
    if (!parse_hex(dest, d) || !parse_hex(gw, g) || !parse_hex(flags, fl) || !parse_hex(mask, ma))
      continue;
    char* end = nullptr;
    me = std::strtoul(metric.c_str(), &end, 10);  // the metric column is decimal
    if (d != 0 || ma != 0 || g == 0 || (fl & kRtfUp) == 0 || (fl & kRtfGateway) == 0) continue;
    // The kernel prints the network-order 32-bit value as a host integer ("%08X"), so storing
    // the parsed integer back into s_addr restores the address bytes on any endianness.
    in_addr a{};
    a.s_addr = static_cast<std::uint32_t>(g);
    DefaultGateway gwy;
    gwy.interface = iface;
    gwy.address.v4 = true;
    gwy.address.bytes[10] = 0xff;
    gwy.address.bytes[11] = 0xff;
    std::memcpy(&gwy.address.bytes[12], &a.s_addr, 4);
    gwy.metric = static_cast<std::uint32_t>(me);
    if (!best || gwy.metric < best->metric) best = gwy;
  }
  return best;
}

std::optional<DefaultGateway> read_default_gateway_v6(const std::string& ipv6_route_path) {
  std::ifstream in(ipv6_route_path);
  std::string line;
  std::optional<DefaultGateway> best;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string dest, dplen, src, splen, hop, metric, refcnt, use, flags, iface;
    if (!(f >> dest >> dplen >> src >> splen >> hop >> metric >> refcnt >> use >> flags >> iface))
      continue;
    IpAddress d, h;
    unsigned long plen = 0, me = 0, fl = 0;
    if (!parse_hex128(dest, d) || !parse_hex128(hop, h) || !parse_hex(dplen, plen) ||
        !parse_hex(metric, me) || !parse_hex(flags, fl))
      continue;
    if (d != IpAddress{} || plen != 0 || h == IpAddress{} || (fl & kRtfUp) == 0) continue;
    if (iface == "lo") continue;  // the kernel's unreachable default sits on lo
    DefaultGateway gwy{iface, h, static_cast<std::uint32_t>(me)};
    if (!best || gwy.metric < best->metric) best = gwy;
  }
  return best;
}

std::optional<bool> read_carrier(const std::string& sys_class_net, const std::string& interface) {
  if (interface.empty() || interface.find('/') != std::string::npos) return std::nullopt;
  std::ifstream in(sys_class_net + "/" + interface + "/carrier");
  int v = -1;
  if (!(in >> v) || (v != 0 && v != 1)) return std::nullopt;
  return v == 1;
}

std::map<std::string, std::optional<bool>> read_all_carriers(const std::string& sys_class_net) {
  std::map<std::string, std::optional<bool>> out;
  DIR* dir = opendir(sys_class_net.c_str());
  if (dir == nullptr) return out;
  while (const dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || name == "lo") continue;
    out[name] = read_carrier(sys_class_net, name);
  }
  closedir(dir);
  return out;
}

}  // namespace netvigil

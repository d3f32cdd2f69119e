// Plain words for event types, methods and time spans.
#include "export/event_words.hpp"

#include "export/text_format.hpp"

namespace netvigil {

std::string event_type_label(const std::string& type) {
  if (type == "full_blackout") return "Full blackout";
  if (type == "intl_blackout") return "International cut";
  if (type == "degraded") return "Degraded connectivity";
  if (type == "local_outage") return "Own link down (gap)";
  if (type == "service_interference") return "Service interference";
  if (type == "throttling") return "Throttling";
  return type;
}

std::string method_words(Method m) {
  switch (m) {
    case Method::dns: return "DNS poisoning";
    case Method::tcp_ip: return "TCP/IP blocking";
    case Method::tls: return "TLS interference (SNI filtering)";
    case Method::http_blockpage: return "HTTP block page";
    case Method::http_failure: return "HTTP failures";
    case Method::none: break;
  }
  return "";
}

std::string event_color(const std::string& type) {
  if (type == "full_blackout") return "#e03131";
  if (type == "intl_blackout") return "#f76707";
  if (type == "degraded") return "#f59f00";
  if (type == "local_outage") return "#868e96";
  if (type == "service_interference") return "#7048e8";
  if (type == "throttling") return "#0c8599";
  return "#adb5bd";
}

std::string event_span_utc(std::int64_t start, std::optional<std::int64_t> end) {
  if (!end) return utc_format(start, "%d %b %H:%M") + " UTC \u2013 ongoing";
  if (*end - start < 86400 && utc_format(start, "%F") == utc_format(*end, "%F"))
    return utc_format(start, "%H:%M") + "\u2013" + utc_format(*end, "%H:%M") + " UTC";
  if (*end - start < 86400)
    return utc_format(start, "%H:%M") + "\u2013" + utc_format(*end, "%H:%M") + " UTC (+1 d)";
  return utc_format(start, "%d %b %H:%M") + " \u2013 " + utc_format(*end, "%d %b %H:%M") + " UTC";
}

}  // namespace netvigil

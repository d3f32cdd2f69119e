// Plain words for event types, methods and time spans (chart labels and the HTML report).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/event.hpp"

namespace netvigil {

/// "International cut", "Full blackout", …; the raw type for unknown ones.
std::string event_type_label(const std::string& type);

/// "DNS poisoning", "TCP/IP blocking", …; "" for Method::none.
std::string method_words(Method m);

/// Shading colour (#rrggbb) for an event type.
std::string event_color(const std::string& type);

/// "14:32–03:33 UTC" within a day, "13 Jun 14:32 – 15 Jun 03:33 UTC" across days,
/// "13 Jun 14:32 UTC – ongoing" while open.
std::string event_span_utc(std::int64_t start, std::optional<std::int64_t> end);

}  // namespace netvigil

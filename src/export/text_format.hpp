// Text conventions shared by the export writers: UTC times, numbers, durations, escaping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netvigil {

/// "2026-06-13T14:32:00Z" (ISO 8601, UTC, seconds).
std::string iso_utc(std::int64_t unix_s);
/// "2026-06-13 14:32:00" (OONI measurement_start_time).
std::string ooni_time(std::int64_t unix_s);
/// strftime over the UTC broken-down time of `unix_s`.
std::string utc_format(std::int64_t unix_s, const char* fmt);

/// A number with at most `decimals` decimals, trailing zeros removed ("3.25", "100", "0.5");
/// "" for NaN or infinity.
std::string fixed_number(double v, int decimals);

/// "61 h 1 min", "13 min", "45 s", "2 d 3 h".
std::string human_duration(std::int64_t seconds);

/// One CSV field quoted per RFC 4180 when it holds a comma, quote, CR or LF; a leading
/// = + - @ is prefixed with ' so a spreadsheet never evaluates it as a formula.
std::string csv_field(std::string_view s);

/// XML/HTML text and attribute escaping (& < > " ').
std::string xml_escape(std::string_view s);

/// Lower-case hex of `n` bytes.
std::string to_hex(const unsigned char* data, std::size_t n);

/// Replace every IPv4/IPv6 address in `text` that is not in `keep` (target addresses of the
/// measurement, compared as written) with "[scrubbed]".
std::string scrub_except(std::string_view text, const std::vector<std::string>& keep);

}  // namespace netvigil

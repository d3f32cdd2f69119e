// The kernel clock's trust (adjtimex): recorded per sweep because timestamps are evidence.
#pragma once

#include <cstdint>

namespace netvigil {

/// What the kernel says about the wall clock at one moment.
struct ClockTrust {
  std::int64_t t_unix_ms = 0;    ///< wall clock when read
  bool synced = false;           ///< kernel believes the clock is NTP-disciplined
  std::int64_t max_error_us = 0; ///< kernel maximum error (grows 500 ppm while unsynchronised)
  std::int64_t est_error_us = 0; ///< kernel estimated error
};

/// Reads ntp_adjtime() without changing anything (modes = 0). Never fails: when the call
/// itself fails, returns synced = false with max_error_us = -1.
ClockTrust read_clock_trust();

}  // namespace netvigil

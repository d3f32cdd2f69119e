// The one mapping from a finished curl transfer (CURLcode, OS errno, X509 verify result,
// how far it got) to an OONI failure and the operation that failed.
#pragma once

#include <string>
#include <string_view>

#include <curl/curl.h>

#include "core/failure.hpp"
#include "core/vocabulary.hpp"

namespace netvigil {

/// What the mapping looks at. Built from a CURL* by curl_outcome(); tests build it by hand.
struct CurlOutcome {
  CURLcode code = CURLE_OK;
  long os_errno = 0;            ///< CURLINFO_OS_ERRNO
  long verify_result = 0;       ///< CURLINFO_SSL_VERIFYRESULT (X509_V_* value)
  bool tls = false;             ///< the transfer had a TLS handshake to do (https)
  bool connected = false;       ///< CURLINFO_CONNECT_TIME_T > 0
  bool tls_done = false;        ///< CURLINFO_APPCONNECT_TIME_T > 0
  bool first_byte = false;      ///< CURLINFO_STARTTRANSFER_TIME_T > 0
  std::string error_text;       ///< CURLOPT_ERRORBUFFER text (or curl_easy_strerror)
};

/// Read the outcome of a finished transfer from its handle.
CurlOutcome curl_outcome(CURLcode code, CURL* easy, std::string_view error_text, bool tls);

/// The operation that had not completed when the transfer ended: connect, tls_handshake
/// (tls only), http_round_trip (no response byte yet) or read.
Operation pending_operation(const CurlOutcome& o) noexcept;

/// The mapping. CURLE_OK gives none. Rows:
///  COULDNT_CONNECT → errno mapping (connection_refused, host_unreachable …)/connect;
///  OPERATION_TIMEDOUT → generic_timeout_error/pending_operation;
///  RECV_ERROR, SEND_ERROR → errno mapping (ECONNRESET: connection_reset)/pending_operation;
///  SSL_CONNECT_ERROR → connection_reset (ECONNRESET), eof_error (peer closed), else
///    ssl_failed_handshake/tls_handshake;
///  PEER_FAILED_VERIFICATION → ssl_invalid_hostname (hostname/IP mismatch: X509 result, or
///    curl's own name check, told by its text), ssl_unknown_authority (issuer not
///    trusted), else ssl_invalid_certificate/tls_handshake;
///  GOT_NOTHING → eof_error/http_round_trip; PARTIAL_FILE → eof_error/read;
///  COULDNT_RESOLVE_HOST → unknown_failure/resolve (netvigil resolves, curl never should);
///  curl's response-header caps (300 KB in all, 100 KB a line: OUT_OF_MEMORY after the first
///    byte) → unknown_failure: http_headers_too_large/read;
///  anything else → unknown_failure: <scrubbed curl text>/pending_operation.
FailureInfo failure_from_curl(const CurlOutcome& o);

/// The interference method a failed operation points to (resolve → dns, connect → tcp_ip,
/// tls_handshake → tls, http_round_trip/read → http_failure).
Method method_for(Operation op) noexcept;

}  // namespace netvigil

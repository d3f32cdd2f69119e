// curl → OONI failure mapping (the only place that interprets CURLcode values).
#include "net/curl_failure.hpp"

#include <openssl/x509_vfy.h>

#include <cerrno>

namespace netvigil {
namespace {

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

bool peer_closed(const CurlOutcome& o) {
  // OpenSSL 3 reports a peer that closed mid-handshake as "unexpected eof while reading";
  // curl reports SSL_ERROR_SYSCALL with no errno the same way when the option
  // SSL_OP_IGNORE_UNEXPECTED_EOF is set.
  return contains(o.error_text, "unexpected eof") ||
         (o.os_errno == 0 && contains(o.error_text, "SSL_ERROR_SYSCALL"));
}

Failure from_verify_result(long v) {
  switch (v) {
    case X509_V_OK:  // chain verified; curl's own host name check failed afterwards
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return Failure::ssl_invalid_hostname;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return Failure::ssl_unknown_authority;
    default:
      return Failure::ssl_invalid_certificate;
  }
}

FailureInfo from_errno_or_text(const CurlOutcome& o, Operation op) {
  if (o.os_errno != 0) {
    const Failure f = failure_from_errno(static_cast<int>(o.os_errno));
    if (f != Failure::unknown_failure) return {f, op, {}};
  }
  // Receive errors do not always set CURLINFO_OS_ERRNO; curl's text carries strerror().
  if (contains(o.error_text, "Connection reset by peer")) return {Failure::connection_reset, op, {}};
  if (contains(o.error_text, "Connection refused")) return {Failure::connection_refused, op, {}};
  return unknown_failure(op, o.error_text.empty() ? curl_easy_strerror(o.code) : o.error_text);
}

}  // namespace

CurlOutcome curl_outcome(CURLcode code, CURL* easy, std::string_view error_text, bool tls) {
  CurlOutcome o;
  o.code = code;
  o.tls = tls;
  o.error_text = error_text.empty() ? std::string(curl_easy_strerror(code)) : std::string(error_text);
  curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &o.os_errno);
  curl_easy_getinfo(easy, CURLINFO_SSL_VERIFYRESULT, &o.verify_result);
  curl_off_t connect = 0, appconnect = 0, starttransfer = 0;
  curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect);
  curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &appconnect);
  curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &starttransfer);
  o.connected = connect > 0;
  o.tls_done = appconnect > 0;
  o.first_byte = starttransfer > 0;
  return o;
}

Operation pending_operation(const CurlOutcome& o) noexcept {
  if (!o.connected) return Operation::connect;
  if (o.tls && !o.tls_done) return Operation::tls_handshake;
  if (!o.first_byte) return Operation::http_round_trip;
  return Operation::read;
}

FailureInfo failure_from_curl(const CurlOutcome& o) {
  const Operation pending = pending_operation(o);
  // curl's caps on what a server may send before the body: 300 KB of headers in all
  // ("Too large response headers: N > 307200", CURLE_RECV_ERROR since the CVE-2023-38039
  // fix), and 100 KB for one header line (CURLE_OUT_OF_MEMORY, no text). One stable
  // label, not curl's varying numbers nor an "Out of memory" netvigil never had.
  if (contains(o.error_text, "Too large response headers") ||
      (o.code == CURLE_OUT_OF_MEMORY && o.first_byte))
    return unknown_failure(Operation::read, "http_headers_too_large");
  switch (o.code) {
    case CURLE_OK:
      return {};
    case CURLE_COULDNT_RESOLVE_HOST:
      return unknown_failure(Operation::resolve, o.error_text);
    case CURLE_COULDNT_CONNECT:
      return from_errno_or_text(o, Operation::connect);
    case CURLE_OPERATION_TIMEDOUT:
      return {Failure::generic_timeout_error, pending, {}};
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return from_errno_or_text(o, pending);
    case CURLE_SSL_CONNECT_ERROR:
      if (o.os_errno == ECONNRESET || o.os_errno == EPIPE ||
          contains(o.error_text, "Connection reset by peer"))
        return {Failure::connection_reset, Operation::tls_handshake, {}};
      if (peer_closed(o)) return {Failure::eof_error, Operation::tls_handshake, {}};
      return {Failure::ssl_failed_handshake, Operation::tls_handshake, {}};
    case CURLE_PEER_FAILED_VERIFICATION:
      // curl checks the name itself after the chain verified and then leaves the verify
      // result unset ("SSL: no alternative certificate subject name matches target host
      // name 'x'", "SSL: certificate subject name 'y' does not match target host name").
      if (contains(o.error_text, "subject name") || contains(o.error_text, "common name"))
        return {Failure::ssl_invalid_hostname, Operation::tls_handshake, {}};
      return {from_verify_result(o.verify_result), Operation::tls_handshake, {}};
    case CURLE_GOT_NOTHING:
      return {Failure::eof_error, Operation::http_round_trip, {}};
    case CURLE_PARTIAL_FILE:
      return {Failure::eof_error, Operation::read, {}};
    default:
      return unknown_failure(pending, o.error_text.empty() ? curl_easy_strerror(o.code)
                                                           : o.error_text);
  }
}

Method method_for(Operation op) noexcept {
  switch (op) {
    case Operation::none: return Method::none;
    case Operation::resolve: return Method::dns;
    case Operation::connect: return Method::tcp_ip;
    case Operation::tls_handshake: return Method::tls;
    case Operation::http_round_trip:
    case Operation::read: return Method::http_failure;
  }
  return Method::http_failure;
}

}  // namespace netvigil

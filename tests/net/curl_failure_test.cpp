// The curl → OONI failure mapping, row by row.
#include "net/curl_failure.hpp"

#include <openssl/x509_vfy.h>

#include <cerrno>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace netvigil;

namespace {

enum Stage { none, connected, tls_done, first_byte };

CurlOutcome outcome(CURLcode code, long err, Stage stage, bool tls, long verify = 0,
                    std::string text = "") {
  CurlOutcome o;
  o.code = code;
  o.os_errno = err;
  o.verify_result = verify;
  o.tls = tls;
  o.connected = stage >= connected;
  o.tls_done = stage >= tls_done;
  o.first_byte = stage >= first_byte;
  o.error_text = std::move(text);
  return o;
}

struct Row {
  const char* name;
  CurlOutcome in;
  Failure code;
  Operation op;
};

}  // namespace

TEST_CASE("curl failure mapping table", "[net][curl]") {
  const std::vector<Row> rows = {
      {"ok", outcome(CURLE_OK, 0, first_byte, true), Failure::none, Operation::none},
      {"refused", outcome(CURLE_COULDNT_CONNECT, ECONNREFUSED, none, true),
       Failure::connection_refused, Operation::connect},
      {"host unreachable", outcome(CURLE_COULDNT_CONNECT, EHOSTUNREACH, none, false),
       Failure::host_unreachable, Operation::connect},
      {"net unreachable", outcome(CURLE_COULDNT_CONNECT, ENETUNREACH, none, false),
       Failure::network_unreachable, Operation::connect},
      {"connect ETIMEDOUT", outcome(CURLE_COULDNT_CONNECT, ETIMEDOUT, none, false),
       Failure::generic_timeout_error, Operation::connect},
      {"connect refused, errno only in text",
       outcome(CURLE_COULDNT_CONNECT, 0, none, false, 0, "Failed to connect: Connection refused"),
       Failure::connection_refused, Operation::connect},
      {"timeout in connect", outcome(CURLE_OPERATION_TIMEDOUT, 0, none, true),
       Failure::generic_timeout_error, Operation::connect},
      {"timeout in tls", outcome(CURLE_OPERATION_TIMEDOUT, 0, connected, true),
       Failure::generic_timeout_error, Operation::tls_handshake},
      {"timeout waiting for response (http)", outcome(CURLE_OPERATION_TIMEDOUT, 0, connected, false),
       Failure::generic_timeout_error, Operation::http_round_trip},
      {"timeout waiting for response (https)", outcome(CURLE_OPERATION_TIMEDOUT, 0, tls_done, true),
       Failure::generic_timeout_error, Operation::http_round_trip},
      {"timeout in body", outcome(CURLE_OPERATION_TIMEDOUT, 0, first_byte, true),
       Failure::generic_timeout_error, Operation::read},
      {"reset before tls done", outcome(CURLE_RECV_ERROR, ECONNRESET, connected, true),
       Failure::connection_reset, Operation::tls_handshake},
      {"reset before response", outcome(CURLE_RECV_ERROR, ECONNRESET, connected, false),
       Failure::connection_reset, Operation::http_round_trip},
      {"reset in body", outcome(CURLE_RECV_ERROR, ECONNRESET, first_byte, false),
       Failure::connection_reset, Operation::read},
      {"reset, errno only in text",
       outcome(CURLE_RECV_ERROR, 0, tls_done, true, 0, "Recv failure: Connection reset by peer"),
       Failure::connection_reset, Operation::http_round_trip},
      {"send EPIPE", outcome(CURLE_SEND_ERROR, EPIPE, connected, false),
       Failure::connection_reset, Operation::http_round_trip},
      {"tls reset", outcome(CURLE_SSL_CONNECT_ERROR, ECONNRESET, connected, true),
       Failure::connection_reset, Operation::tls_handshake},
      {"tls eof (OpenSSL 3)",
       outcome(CURLE_SSL_CONNECT_ERROR, 0, connected, true, 0,
               "OpenSSL SSL_connect: error:0A000126:SSL routines::unexpected eof while reading"),
       Failure::eof_error, Operation::tls_handshake},
      {"tls eof (SYSCALL)",
       outcome(CURLE_SSL_CONNECT_ERROR, 0, connected, true, 0,
               "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to good.test:443"),
       Failure::eof_error, Operation::tls_handshake},
      {"tls alert", outcome(CURLE_SSL_CONNECT_ERROR, 0, connected, true, 0, "tlsv1 alert protocol version"),
       Failure::ssl_failed_handshake, Operation::tls_handshake},
      {"hostname mismatch after verified chain",
       outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true, X509_V_OK),
       Failure::ssl_invalid_hostname, Operation::tls_handshake},
      {"hostname mismatch (curl's check, verify result unset)",
       outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true, 1,
               "SSL: no alternative certificate subject name matches target host name 'good.test'"),
       Failure::ssl_invalid_hostname, Operation::tls_handshake},
      {"hostname mismatch (curl's CN check)",
       outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true, 1,
               "SSL: certificate subject name 'wrong.test' does not match target host name 'good.test'"),
       Failure::ssl_invalid_hostname, Operation::tls_handshake},
      {"hostname mismatch (X509)",
       outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true, X509_V_ERR_HOSTNAME_MISMATCH),
       Failure::ssl_invalid_hostname, Operation::tls_handshake},
      {"ip mismatch (X509)",
       outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true, X509_V_ERR_IP_ADDRESS_MISMATCH),
       Failure::ssl_invalid_hostname, Operation::tls_handshake},
      {"unknown issuer", outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true,
                                 X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
       Failure::ssl_unknown_authority, Operation::tls_handshake},
      {"self-signed leaf", outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true,
                                   X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT),
       Failure::ssl_unknown_authority, Operation::tls_handshake},
      {"self-signed in chain", outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true,
                                       X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN),
       Failure::ssl_unknown_authority, Operation::tls_handshake},
      {"leaf signature", outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true,
                                 X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE),
       Failure::ssl_unknown_authority, Operation::tls_handshake},
      {"missing issuer", outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true,
                                 X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT),
       Failure::ssl_unknown_authority, Operation::tls_handshake},
      {"untrusted", outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true,
                            X509_V_ERR_CERT_UNTRUSTED),
       Failure::ssl_unknown_authority, Operation::tls_handshake},
      {"expired", outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true,
                          X509_V_ERR_CERT_HAS_EXPIRED),
       Failure::ssl_invalid_certificate, Operation::tls_handshake},
      {"not yet valid", outcome(CURLE_PEER_FAILED_VERIFICATION, 0, connected, true,
                                X509_V_ERR_CERT_NOT_YET_VALID),
       Failure::ssl_invalid_certificate, Operation::tls_handshake},
      {"got nothing", outcome(CURLE_GOT_NOTHING, 0, tls_done, true), Failure::eof_error,
       Operation::http_round_trip},
      {"partial body", outcome(CURLE_PARTIAL_FILE, 0, first_byte, false), Failure::eof_error,
       Operation::read},
      {"resolve (never expected)", outcome(CURLE_COULDNT_RESOLVE_HOST, 0, none, false, 0,
                                           "Could not resolve host: x.test"),
       Failure::unknown_failure, Operation::resolve},
      {"too many redirects", outcome(CURLE_TOO_MANY_REDIRECTS, 0, first_byte, true, 0,
                                     "Maximum (0) redirects followed"),
       Failure::unknown_failure, Operation::read},
      {"weird reply", outcome(CURLE_WEIRD_SERVER_REPLY, 0, connected, false, 0,
                              "Unsupported HTTP version in response"),
       Failure::unknown_failure, Operation::http_round_trip},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const FailureInfo f = failure_from_curl(row.in);
    CHECK(to_string(f.code) == to_string(row.code));
    CHECK(to_string(f.op) == to_string(row.op));
  }
}

TEST_CASE("curl unknown failures carry scrubbed curl text", "[net][curl]") {
  const auto f = failure_from_curl(outcome(CURLE_WEIRD_SERVER_REPLY, 0, connected, false, 0,
                                           "Weird server reply from 203.0.113.7 and 2001:db8::1"));
  CHECK(f.code == Failure::unknown_failure);
  CHECK(f.ooni_string().rfind("unknown_failure: Weird server reply from ", 0) == 0);
  CHECK(f.ooni_string().find("203.0.113.7") == std::string::npos);
  CHECK(f.ooni_string().find("2001:db8::1") == std::string::npos);

  // No error-buffer text: curl's own description of the code is used.
  const auto g = failure_from_curl(outcome(CURLE_TOO_MANY_REDIRECTS, 0, first_byte, false));
  CHECK(g.ooni_string() == std::string("unknown_failure: ") + curl_easy_strerror(CURLE_TOO_MANY_REDIRECTS));
}

TEST_CASE("method follows the failed operation", "[net][curl]") {
  CHECK(method_for(Operation::resolve) == Method::dns);
  CHECK(method_for(Operation::connect) == Method::tcp_ip);
  CHECK(method_for(Operation::tls_handshake) == Method::tls);
  CHECK(method_for(Operation::http_round_trip) == Method::http_failure);
  CHECK(method_for(Operation::read) == Method::http_failure);
  CHECK(method_for(Operation::none) == Method::none);
}

// What a curl transfer's TLS handshake showed: version, cipher and the presented leaf
// certificate, observed through OpenSSL callbacks (also when verification fails).
#pragma once

#include <cstdint>
#include <string>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

namespace netvigil {

/// Filled while the handshake runs. The leaf is the certificate the server presented,
/// recorded even when the chain or name check fails (evidence of an interception).
struct TlsSeen {
  bool tcp_connected = false;    ///< the TLS layer started: TCP was connected (curl's
                                 ///< CONNECT_TIME_T stays 0 until the handshake is done)
  bool handshake_done = false;
  std::string version;           ///< e.g. "TLSv1.3"
  std::string cipher;            ///< OpenSSL name, e.g. "TLS_AES_256_GCM_SHA384"
  bool have_leaf = false;
  std::int64_t leaf_not_after = 0;  ///< unix seconds
  std::string leaf_subject_cn;
  std::string leaf_issuer_cn;

  /// {"tls_version","cipher","cert_not_after","cert_subject_cn","cert_issuer_cn"}, only the
  /// fields observed.
  nlohmann::json evidence() const;
};

/// Most intermediate certificates a verified chain may hold (SSL_CTX_set_verify_depth). Real
/// chains have 1–3; a longer one fails as ssl_invalid_certificate (chain too long) instead
/// of costing a signature check per certificate (OpenSSL's default admits 100).
inline constexpr int kMaxTlsChainDepth = 10;

/// Make `easy` fill `*seen` during its handshakes (CURLOPT_SSL_CTX_FUNCTION, OpenSSL backend)
/// and cap its verify depth at kMaxTlsChainDepth.
/// `seen` must outlive the easy handle (CurlEngine frees the handle before its `done`).
void observe_tls(CURL* easy, TlsSeen* seen);

}  // namespace netvigil

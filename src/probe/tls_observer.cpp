// OpenSSL info and verify callbacks (and a verify-depth cap) on each SSL_CTX curl makes.
#include "probe/tls_observer.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>

namespace netvigil {
namespace {

constexpr std::size_t kMaxName = 256;

int ctx_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

TlsSeen* seen_of(const SSL* ssl) {
  return static_cast<TlsSeen*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index()));
}

std::string common_name(const X509_NAME* name) {
  if (name == nullptr) return {};
  const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return {};
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  if (s == nullptr) return {};
  const auto len = static_cast<std::size_t>(ASN1_STRING_length(s));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     len < kMaxName ? len : kMaxName);
}

void record_leaf(TlsSeen& seen, X509* leaf) {
  if (leaf == nullptr || seen.have_leaf) return;
  seen.have_leaf = true;
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1) seen.leaf_not_after = timegm(&tm);
  seen.leaf_subject_cn = common_name(X509_get_subject_name(leaf));
  seen.leaf_issuer_cn = common_name(X509_get_issuer_name(leaf));
}

int on_verify(int preverify_ok, X509_STORE_CTX* store) noexcept {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl != nullptr)
    if (TlsSeen* seen = seen_of(ssl)) record_leaf(*seen, X509_STORE_CTX_get0_cert(store));
  return preverify_ok;  // observe only: curl's verification decides
}

void on_info(const SSL* ssl, int where, int /*ret*/) noexcept {
  if ((where & SSL_CB_HANDSHAKE_DONE) == 0) return;
  TlsSeen* seen = seen_of(ssl);
  if (seen == nullptr) return;
  seen->handshake_done = true;
  seen->version = SSL_get_version(ssl);
  if (const char* c = SSL_get_cipher_name(ssl)) seen->cipher = c;
  record_leaf(*seen, SSL_get0_peer_certificate(ssl));
}

CURLcode on_ssl_ctx(CURL* /*easy*/, void* sslctx, void* userp) noexcept {
  auto* ctx = static_cast<SSL_CTX*>(sslctx);
  // curl builds the SSL_CTX once its TCP connection is up (the TLS filter runs on top).
  if (userp != nullptr) static_cast<TlsSeen*>(userp)->tcp_connected = true;
  SSL_CTX_set_ex_data(ctx, ctx_index(), userp);
  SSL_CTX_set_info_callback(ctx, &on_info);
  // Keep curl's verify mode; only add an observing callback.
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), &on_verify);
  // A hostile server may send a 100-certificate chain that OpenSSL would walk (issue 8).
  SSL_CTX_set_verify_depth(ctx, kMaxTlsChainDepth);
  return CURLE_OK;
}

}  // namespace

nlohmann::json TlsSeen::evidence() const {
  nlohmann::json j = nlohmann::json::object();
  if (handshake_done) {
    j["tls_version"] = version;
    j["cipher"] = cipher;
  }
  if (have_leaf) {
    j["cert_not_after"] = leaf_not_after;
    j["cert_subject_cn"] = leaf_subject_cn;
    j["cert_issuer_cn"] = leaf_issuer_cn;
  }
  return j;
}

void observe_tls(CURL* easy, TlsSeen* seen) {
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, &on_ssl_ctx);
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, seen);
}

}  // namespace netvigil

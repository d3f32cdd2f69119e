// Test certificates made at test time with OpenSSL: a trusted CA, a server certificate for
// "good.test"/"localhost"/127.0.0.1/::1, a wrong-host one, and one from an unknown CA.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

namespace netvigil::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* c) const noexcept { X509_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

/// A certificate with its key, as PEM text.
struct CertKey {
  std::string cert_pem;
  std::string key_pem;
  std::time_t not_after = 0;
};

inline PkeyPtr make_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

inline void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("X509V3_EXT_conf_nid failed");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

/// A certificate for `cn` signed by `issuer_key` (self-signed when issuer is null).
inline X509Ptr make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
                         const char* san, bool ca, long serial, std::time_t not_after) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : cert.get();
  if (ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "CA:FALSE");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), signer, NID_subject_alt_name, san);
  }
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0)
    throw std::runtime_error("X509_sign failed");
  return cert;
}

inline std::string cert_pem(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

inline std::string key_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

/// The test PKI, made once per process. `ca_file` holds only the trusted test CA.
struct TestPki {
  std::string dir;
  std::string ca_file;
  CertKey good;         ///< good.test, localhost, 127.0.0.1, ::1 — trusted CA
  CertKey wrong_host;   ///< wrong.test only — trusted CA
  CertKey unknown_ca;   ///< good.test, localhost, 127.0.0.1, ::1 — an untrusted CA

  ~TestPki() {
    if (!ca_file.empty()) std::remove(ca_file.c_str());
    if (!dir.empty()) rmdir(dir.c_str());
  }
};

inline void make_test_pki(TestPki& p) {
  // Whole seconds, a fixed distance ahead, so a test can compare notAfter exactly.
  const std::time_t not_after = std::time(nullptr) / 60 * 60 + 30 * 86400;
  const char* san_good = "DNS:good.test,DNS:localhost,IP:127.0.0.1,IP:::1";
  auto ca_key = make_key();
  auto ca = make_cert(ca_key.get(), "netvigil test CA", nullptr, nullptr, nullptr, true, 1,
                      not_after + 86400);
  auto other_ca_key = make_key();
  auto other_ca = make_cert(other_ca_key.get(), "unknown test CA", nullptr, nullptr, nullptr,
                            true, 2, not_after + 86400);
  auto issue = [&](X509* issuer, EVP_PKEY* issuer_key, const char* cn, const char* san,
                   long serial) {
    auto key = make_key();
    auto cert = make_cert(key.get(), cn, issuer, issuer_key, san, false, serial, not_after);
    return CertKey{cert_pem(cert.get()), key_pem(key.get()), not_after};
  };
  p.good = issue(ca.get(), ca_key.get(), "good.test", san_good, 10);
  p.wrong_host = issue(ca.get(), ca_key.get(), "wrong.test", "DNS:wrong.test", 11);
  p.unknown_ca = issue(other_ca.get(), other_ca_key.get(), "good.test", san_good, 12);

  char tmpl[] = "/tmp/netvigil-pki-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  p.dir = tmpl;
  p.ca_file = p.dir + "/ca.pem";
  std::FILE* f = std::fopen(p.ca_file.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write CA file");
  const std::string pem = cert_pem(ca.get());
  std::fwrite(pem.data(), 1, pem.size(), f);
  std::fclose(f);
}

inline const TestPki& test_pki() {
  static TestPki pki;
  static const bool made = (make_test_pki(pki), true);
  (void)made;
  return pki;
}

}  // namespace netvigil::testing

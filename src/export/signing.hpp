// Ed25519 signing of export files (OpenSSL 3): keygen, detached .sig files, verification.
#pragma once

#include <string>
#include <string_view>

namespace netvigil {

/// Result of key generation.
struct KeygenResult {
  bool ok = false;
  std::string error;        ///< why it failed (ok == false)
  std::string public_path;  ///< `<path>.pub`
  std::string fingerprint;  ///< hex SHA-256 of the raw 32-byte public key
};

/// Make an Ed25519 key pair: `path` (PKCS#8 PEM private key, mode 0600) and `path.pub`
/// (SubjectPublicKeyInfo PEM). Refuses to overwrite either file.
KeygenResult generate_signing_key(const std::string& path);

/// Result of signing one file.
struct SignResult {
  bool ok = false;
  std::string error;
  std::string sig_path;
  std::string fingerprint;
};

/// Write a detached signature for `file` to `sig_path` (default `<file>.sig`) with the
/// private key at `key_path`. The .sig file is JSON:
///   {"format":"netvigil-signature-1","algorithm":"ed25519","file":"<basename>",
///    "size":N,"sha256":"<hex>","public_key":"<base64 raw 32 bytes>",
///    "public_key_fingerprint":"<hex sha256 of raw key>","signature":"<base64 64 bytes>",
///    "signed_at":"<ISO 8601 UTC>"}
/// The signature is Ed25519 over the ASCII text "netvigil-signature-1\nsha256:<hex>\n", so the
/// file is hashed as a stream (memory does not grow with its size) and may be renamed.
SignResult sign_file(const std::string& file, const std::string& key_path,
                     const std::string& sig_path = "");

/// What verification found. Distinct so the CLI can say exactly what was checked.
enum class VerifyStatus {
  ok_pinned,          ///< signature good, made by the pinned key: integrity and authorship
  ok_integrity_only,  ///< signature good, but no key pinned: only integrity was checked
  bad_signature,      ///< the file changed since signing, or the signature is not valid
  key_mismatch,       ///< signature good but made by a different key than the pinned one
  malformed,          ///< the .sig file is not a netvigil signature
  io_error,           ///< a file could not be read
};
std::string_view to_string(VerifyStatus s) noexcept;

/// The key the verifier trusts: a public key PEM file, or a fingerprint (hex, ':' allowed).
/// Both empty: no pin.
struct PinnedKey {
  std::string public_key_path;
  std::string fingerprint;
};

struct VerifyResult {
  VerifyStatus status = VerifyStatus::malformed;
  std::string message;      ///< one plain sentence for the user
  std::string fingerprint;  ///< fingerprint of the key in the .sig (when readable)
  bool ok() const noexcept {
    return status == VerifyStatus::ok_pinned || status == VerifyStatus::ok_integrity_only;
  }
};

/// Verify `file` against its detached signature `sig_path` (default `<file>.sig`).
VerifyResult verify_file(const std::string& file, const std::string& sig_path = "",
                         const PinnedKey& pin = {});

/// Fingerprint (hex SHA-256 of the raw key) of a PEM public or private Ed25519 key file;
/// "" if it cannot be read.
std::string key_file_fingerprint(const std::string& path);

}  // namespace netvigil

// Ed25519 detached signatures over the streamed SHA-256 of an export file (OpenSSL 3 EVP).
#include "export/signing.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "export/text_format.hpp"

namespace netvigil {

namespace {

constexpr const char* kFormat = "netvigil-signature-1";

struct PkeyFree { void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); } };
struct BioFree { void operator()(BIO* p) const noexcept { BIO_free(p); } };
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

std::string base64(const std::vector<unsigned char>& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), in.data(), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::vector<unsigned char>> unbase64(const std::string& in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::vector<unsigned char> out(in.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  std::size_t pad = 0;
  if (in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string sha256_hex(const unsigned char* data, std::size_t n) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data, n, md, &len, EVP_sha256(), nullptr);
  return to_hex(md, len);
}

// Streamed SHA-256 of a file and its size; nullopt if unreadable.
std::optional<std::pair<std::string, std::uint64_t>> file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return std::nullopt;
  std::vector<char> buf(1 << 16);
  std::uint64_t size = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), got);
    size += got;
  }
  if (in.bad()) return std::nullopt;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return std::make_pair(to_hex(md, len), size);
}

std::string signed_message(const std::string& sha_hex) {
  return std::string(kFormat) + "\nsha256:" + sha_hex + "\n";
}

std::optional<std::vector<unsigned char>> raw_public(EVP_PKEY* key) {
  std::vector<unsigned char> raw(32);
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &len) != 1 || len != 32) return std::nullopt;
  return raw;
}

std::string read_text(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s;
}

// A PEM Ed25519 key (public, or private whose public half is used); null if unreadable.
Pkey load_key(const std::string& path, bool want_private) {
  bool ok = false;
  std::string pem = read_text(path, ok);
  if (!ok) return nullptr;
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(want_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                        : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key && !want_private) {
    Bio again(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    key.reset(PEM_read_bio_PrivateKey(again.get(), nullptr, nullptr, nullptr));
  }
  if (key && EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) key.reset();
  return key;
}

bool write_new_file(const std::string& path, const std::string& data, mode_t mode, std::string& err) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    err = path + ": " + (errno == EEXIST ? "already exists (refusing to overwrite a key)" : "cannot create");
    return false;
  }
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t off = 0;
  while (ok && off < data.size()) {
    ssize_t w = ::write(fd, data.data() + off, data.size() - off);
    if (w <= 0) ok = false;
    else off += static_cast<std::size_t>(w);
  }
  ok = (::close(fd) == 0) && ok;
  if (!ok) err = path + ": write failed";
  return ok;
}

std::string normalise_fingerprint(std::string fp) {
  fp.erase(std::remove(fp.begin(), fp.end(), ':'), fp.end());
  std::transform(fp.begin(), fp.end(), fp.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return fp;
}

std::string bio_string(BIO* bio) {
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  return std::string(p, static_cast<std::size_t>(n));
}

}  // namespace

std::string_view to_string(VerifyStatus s) noexcept {
  switch (s) {
    case VerifyStatus::ok_pinned: return "ok_pinned";
    case VerifyStatus::ok_integrity_only: return "ok_integrity_only";
    case VerifyStatus::bad_signature: return "bad_signature";
    case VerifyStatus::key_mismatch: return "key_mismatch";
    case VerifyStatus::malformed: return "malformed";
    case VerifyStatus::io_error: return "io_error";
  }
  return "unknown";
}

std::string key_file_fingerprint(const std::string& path) {
  Pkey key = load_key(path, false);
  if (!key) return {};
  auto raw = raw_public(key.get());
  return raw ? sha256_hex(raw->data(), raw->size()) : std::string();
}

KeygenResult generate_signing_key(const std::string& path) {
  KeygenResult r;
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) {
    r.error = "Ed25519 key generation failed";
    return r;
  }
  Bio priv(BIO_new(BIO_s_mem())), pub(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    r.error = "cannot encode the key as PEM";
    return r;
  }
  r.public_path = path + ".pub";
  if (!write_new_file(path, bio_string(priv.get()), 0600, r.error)) return r;
  if (!write_new_file(r.public_path, bio_string(pub.get()), 0644, r.error)) return r;
  auto raw = raw_public(key.get());
  r.fingerprint = raw ? sha256_hex(raw->data(), raw->size()) : "";
  r.ok = true;
  return r;
}

SignResult sign_file(const std::string& file, const std::string& key_path, const std::string& sig_path) {
  SignResult r;
  r.sig_path = sig_path.empty() ? file + ".sig" : sig_path;
  Pkey key = load_key(key_path, true);
  if (!key) {
    r.error = key_path + ": not a readable Ed25519 private key (PEM)";
    return r;
  }
  auto digest = file_sha256(file);
  if (!digest) {
    r.error = file + ": cannot read";
    return r;
  }
  std::string msg = signed_message(digest->first);
  MdCtx ctx(EVP_MD_CTX_new());
  std::vector<unsigned char> sig(64);
  std::size_t sig_len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &sig_len, reinterpret_cast<const unsigned char*>(msg.data()),
                     msg.size()) != 1) {
    r.error = "signing failed";
    return r;
  }
  sig.resize(sig_len);
  auto raw = raw_public(key.get());
  if (!raw) {
    r.error = "cannot read the public half of the key";
    return r;
  }
  r.fingerprint = sha256_hex(raw->data(), raw->size());
  std::string base = file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1);
  nlohmann::json j = {{"format", kFormat},
                      {"algorithm", "ed25519"},
                      {"file", base},
                      {"size", digest->second},
                      {"sha256", digest->first},
                      {"public_key", base64(*raw)},
                      {"public_key_fingerprint", r.fingerprint},
                      {"signature", base64(sig)},
                      {"signed_at", iso_utc(std::time(nullptr))}};
  std::ofstream out(r.sig_path, std::ios::binary | std::ios::trunc);
  out << j.dump(2) << '\n';
  out.close();
  if (!out) {
    r.error = r.sig_path + ": cannot write";
    return r;
  }
  r.ok = true;
  return r;
}

VerifyResult verify_file(const std::string& file, const std::string& sig_path_in, const PinnedKey& pin) {
  VerifyResult r;
  const std::string sig_path = sig_path_in.empty() ? file + ".sig" : sig_path_in;
  bool readable = false;
  std::string text = read_text(sig_path, readable);
  if (!readable) {
    r.status = VerifyStatus::io_error;
    r.message = sig_path + ": cannot read the signature file";
    return r;
  }
  auto malformed = [&](const std::string& why) {
    r.status = VerifyStatus::malformed;
    r.message = sig_path + ": not a netvigil signature file (" + why + ")";
    return r;
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return malformed("not JSON");
  for (const char* k : {"format", "algorithm", "sha256", "public_key", "signature"})
    if (!j.contains(k) || !j[k].is_string()) return malformed(std::string("missing ") + k);
  if (j["format"] != kFormat) return malformed("unknown format");
  if (j["algorithm"] != "ed25519") return malformed("unknown algorithm");
  auto pub_raw = unbase64(j["public_key"].get<std::string>());
  auto sig = unbase64(j["signature"].get<std::string>());
  if (!pub_raw || pub_raw->size() != 32) return malformed("bad public key");
  if (!sig || sig->size() != 64) return malformed("bad signature encoding");
  r.fingerprint = sha256_hex(pub_raw->data(), pub_raw->size());

  auto digest = file_sha256(file);
  if (!digest) {
    r.status = VerifyStatus::io_error;
    r.message = file + ": cannot read";
    return r;
  }
  Pkey pub(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub_raw->data(), pub_raw->size()));
  if (!pub) return malformed("bad public key");
  std::string msg = signed_message(digest->first);
  MdCtx ctx(EVP_MD_CTX_new());
  bool good = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pub.get()) == 1 &&
              EVP_DigestVerify(ctx.get(), sig->data(), sig->size(),
                               reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  if (!good) {
    r.status = VerifyStatus::bad_signature;
    r.message = digest->first != j["sha256"].get<std::string>()
                    ? "FAILED: the file was changed after it was signed (its SHA-256 differs)"
                    : "FAILED: the signature is not valid for this file";
    return r;
  }
  std::string want;
  if (!pin.public_key_path.empty()) {
    want = key_file_fingerprint(pin.public_key_path);
    if (want.empty()) {
      r.status = VerifyStatus::io_error;
      r.message = pin.public_key_path + ": not a readable Ed25519 public key (PEM)";
      return r;
    }
  } else if (!pin.fingerprint.empty()) {
    want = normalise_fingerprint(pin.fingerprint);
    // A pin that is not a fingerprint (e.g. ":") must not turn into "no pin" and pass.
    if (want.size() != 64 || want.find_first_not_of("0123456789abcdef") != std::string::npos) {
      r.status = VerifyStatus::key_mismatch;
      r.message = "FAILED: the file is intact, but the pinned fingerprint \"" + pin.fingerprint +
                  "\" is not a key fingerprint (64 hex digits, ':' allowed), so the signing key " +
                  r.fingerprint + " cannot be checked against it";
      return r;
    }
  }
  if (want.empty()) {
    r.status = VerifyStatus::ok_integrity_only;
    r.message = "OK (integrity only): the file is unchanged since it was signed by key " +
                r.fingerprint +
                ", but no key was pinned, so WHO signed it was not checked; pass --key or "
                "--fingerprint with the publisher's key to check authorship";
    return r;
  }
  if (want != r.fingerprint) {
    r.status = VerifyStatus::key_mismatch;
    r.message = "FAILED: the file is intact but was signed by key " + r.fingerprint +
                ", not by the pinned key " + want;
    return r;
  }
  r.status = VerifyStatus::ok_pinned;
  r.message = "OK: the file is unchanged since it was signed, and it was signed by the pinned key " +
              r.fingerprint;
  return r;
}

}  // namespace netvigil

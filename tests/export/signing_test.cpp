// Signing: keygen, sign, verify (pinned / integrity only), tampering, wrong key, malformed .sig.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "export/signing.hpp"

using namespace netvigil;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() /
           ("nv-export-sig-" + std::to_string(getpid()) + "-" + std::to_string(++n));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("keygen writes a 0600 private key and a .pub, and refuses to overwrite", "[export][signing]") {
  TempDir d;
  auto k = generate_signing_key(d / "key");
  REQUIRE(k.ok);
  CHECK(k.public_path == d / "key.pub");
  CHECK(k.fingerprint.size() == 64);
  struct stat st {};
  REQUIRE(stat((d / "key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read(d / "key").find("BEGIN PRIVATE KEY") != std::string::npos);
  CHECK(read(d / "key.pub").find("BEGIN PUBLIC KEY") != std::string::npos);
  CHECK(key_file_fingerprint(d / "key.pub") == k.fingerprint);
  CHECK(key_file_fingerprint(d / "key") == k.fingerprint);
  auto again = generate_signing_key(d / "key");
  CHECK_FALSE(again.ok);
  CHECK(again.error.find("already exists") != std::string::npos);
}

TEST_CASE("a signed export verifies, and with a pinned key it proves authorship", "[export][signing]") {
  TempDir d;
  auto k = generate_signing_key(d / "key");
  REQUIRE(k.ok);
  std::string data = "time,international_index\r\n2026-06-13T14:32:00Z,3\r\n";
  for (int i = 0; i < 20000; ++i) data += "2026-06-13T14:33:00Z,3.5\r\n";  // spans several read blocks
  write(d / "export.csv", data);
  auto s = sign_file(d / "export.csv", d / "key");
  REQUIRE(s.ok);
  CHECK(s.sig_path == d / "export.csv.sig");
  CHECK(s.fingerprint == k.fingerprint);
  auto sig = nlohmann::json::parse(read(s.sig_path));
  CHECK(sig["format"] == "netvigil-signature-1");
  CHECK(sig["public_key_fingerprint"] == k.fingerprint);
  CHECK(sig["size"] == data.size());

  auto integrity = verify_file(d / "export.csv");
  CHECK(integrity.status == VerifyStatus::ok_integrity_only);
  CHECK(integrity.ok());
  CHECK(integrity.message.find("integrity only") != std::string::npos);
  CHECK(integrity.message.find("not checked") != std::string::npos);

  auto pinned = verify_file(d / "export.csv", "", PinnedKey{d / "key.pub", ""});
  CHECK(pinned.status == VerifyStatus::ok_pinned);
  std::string colon_fp;
  for (std::size_t i = 0; i < k.fingerprint.size(); i += 2) colon_fp += (i ? ":" : "") + k.fingerprint.substr(i, 2);
  for (auto& c : colon_fp) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(verify_file(d / "export.csv", "", PinnedKey{"", colon_fp}).status == VerifyStatus::ok_pinned);
}

TEST_CASE("changing one byte of a signed export makes verification fail", "[export][signing]") {
  TempDir d;
  REQUIRE(generate_signing_key(d / "key").ok);
  std::string data = "{\"timeline\":[{\"international\":3.0}]}\n";
  write(d / "e.json", data);
  REQUIRE(sign_file(d / "e.json", d / "key").ok);
  for (std::size_t pos : {std::size_t{0}, data.size() / 2, data.size() - 1}) {
    std::string t = data;
    t[pos] = static_cast<char>(t[pos] ^ 0x01);
    write(d / "e.json", t);
    auto r = verify_file(d / "e.json", "", PinnedKey{d / "key.pub", ""});
    CHECK(r.status == VerifyStatus::bad_signature);
    CHECK_FALSE(r.ok());
    CHECK(r.message.find("changed") != std::string::npos);
  }
  write(d / "e.json", data);
  CHECK(verify_file(d / "e.json").ok());
  // A forged signature over the right digest fails too.
  auto sig = nlohmann::json::parse(read(d / "e.json.sig"));
  std::string s = sig["signature"];
  s[5] = s[5] == 'A' ? 'B' : 'A';
  sig["signature"] = s;
  write(d / "e.json.sig", sig.dump());
  CHECK(verify_file(d / "e.json").status == VerifyStatus::bad_signature);
}

TEST_CASE("a valid signature by another key fails against the pinned key", "[export][signing]") {
  TempDir d;
  REQUIRE(generate_signing_key(d / "mine").ok);
  auto other = generate_signing_key(d / "other");
  REQUIRE(other.ok);
  write(d / "e.csv", "a,b\r\n1,2\r\n");
  REQUIRE(sign_file(d / "e.csv", d / "other").ok);
  auto r = verify_file(d / "e.csv", "", PinnedKey{d / "mine.pub", ""});
  CHECK(r.status == VerifyStatus::key_mismatch);
  CHECK_FALSE(r.ok());
  CHECK(r.message.find(other.fingerprint) != std::string::npos);
  CHECK(verify_file(d / "e.csv", "", PinnedKey{"", std::string(64, '0')}).status == VerifyStatus::key_mismatch);
}

// Found by tests/fuzz/fuzz_verify (corpus/verify/pin-only-colons): ":" normalised to "" and
// the file passed as "integrity only", exit 0, although the user had pinned a key.
TEST_CASE("a pinned fingerprint that is not one fails instead of being ignored", "[export][signing]") {
  TempDir d;
  auto k = generate_signing_key(d / "key");
  REQUIRE(k.ok);
  write(d / "e.csv", "a,b\r\n1,2\r\n");
  REQUIRE(sign_file(d / "e.csv", d / "key").ok);
  const std::vector<std::string> pins{":", "::::", "zz", k.fingerprint.substr(0, 63),
                                      k.fingerprint + "0", "g" + k.fingerprint.substr(1)};
  for (const auto& pin : pins) {
    INFO(pin);
    auto r = verify_file(d / "e.csv", "", PinnedKey{"", pin});
    CHECK(r.status == VerifyStatus::key_mismatch);
    CHECK_FALSE(r.ok());
  }
  CHECK(verify_file(d / "e.csv", "", PinnedKey{"", k.fingerprint}).status == VerifyStatus::ok_pinned);
}

TEST_CASE("malformed or missing signature files give a clean error", "[export][signing]") {
  TempDir d;
  REQUIRE(generate_signing_key(d / "key").ok);
  write(d / "e.csv", "x\r\n");
  REQUIRE(sign_file(d / "e.csv", d / "key").ok);
  auto good = nlohmann::json::parse(read(d / "e.csv.sig"));
  std::vector<std::string> bad{"", "not json", "[]", "{}", R"({"format":"netvigil-signature-1"})"};
  auto mutate = [&](const char* key, nlohmann::json v) {
    auto j = good;
    j[key] = v;
    return j.dump();
  };
  bad.push_back(mutate("format", "other"));
  bad.push_back(mutate("algorithm", "rsa"));
  bad.push_back(mutate("public_key", "@@@@"));
  bad.push_back(mutate("public_key", "AAAA"));
  bad.push_back(mutate("signature", "AAAA"));
  bad.push_back(mutate("signature", 42));
  bad.push_back(good.dump().substr(0, 40));
  for (const auto& b : bad) {
    INFO(b);
    write(d / "e.csv.sig", b);
    auto r = verify_file(d / "e.csv");
    CHECK(r.status == VerifyStatus::malformed);
    CHECK_FALSE(r.ok());
  }
  CHECK(verify_file(d / "e.csv", d / "missing.sig").status == VerifyStatus::io_error);
  CHECK_FALSE(sign_file(d / "e.csv", d / "missing-key").ok);
  write(d / "e.csv.sig", good.dump());
  CHECK(verify_file(d / "missing.csv").status == VerifyStatus::io_error);
}

// SIGKILL while writing: the database stays sound and keeps every flushed row.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "store/measurement_store.hpp"
#include "store/schema.hpp"
#include "store_test_support.hpp"

using namespace netvigil;
using namespace netvigil::testing;

namespace {

/// Child process: writes measurements, reporting through `fd` how many rows flush() confirmed.
[[noreturn]] void writer_child(const std::string& path, int fd, std::int64_t t0) {
  try {
    MeasurementStore store({.path = path, .commit_interval = std::chrono::milliseconds(50)});
    std::int64_t n = 0;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < end) {
      for (int i = 0; i < 50; ++i, ++n) {
        auto m = make_measurement("p" + std::to_string(n % 20), t0 + n * 10, n % 3 != 0);
        m.evidence = {{"n", n % 40}};
        store.enqueue(m);
      }
      if (store.flush()) {
        if (write(fd, &n, sizeof n) != sizeof n) _exit(4);
      }
    }
  } catch (...) {
    _exit(2);
  }
  _exit(3);
}

}  // namespace

TEST_CASE("SIGKILL mid-write, 10 times on one database: sound, flushed rows all kept", "[store]") {
  TempDir dir;
  const auto path = dir.file("nv.db");
  std::int64_t expected_min = 0;
  for (int round = 0; round < 10; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      writer_child(path, fds[1], 1'750'000'000'000 + round * 100'000'000LL);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + 37 * round));
    REQUIRE(kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    std::int64_t confirmed = 0, v = 0;
    while (read(fds[0], &v, sizeof v) == sizeof v) confirmed = v;
    close(fds[0]);
    INFO("round " << round << ": child confirmed " << confirmed << " rows");
    CHECK(integrity(path) == "ok");
    const auto stored = query_int(path, "SELECT count(*) FROM measurements");
    expected_min += confirmed;
    CHECK(stored >= expected_min);  // every confirmed row survived every kill
    expected_min = stored;          // the next round adds to what is there
  }
  CHECK(expected_min > 0);
}

// One deliberate sanitizer finding (NV_INJECT_LEAK, _UAF or _UB), linked into a copy of
// netvigil by tests/sanitize/prove-detection to show that the tests fail on a report. Only
// `netvigil run …` (--once and the daemon) gets it, so `check` and the others stay clean.
#include <climits>
#include <cstdlib>
#include <cstring>

namespace {

void* volatile sink;
volatile int int_sink;

// Noinline, so no copy of the pointer stays in a register LSan would scan.
[[gnu::noinline]] void leak() {
  sink = std::malloc(4096);
  sink = nullptr;
}

// At exit, after the run did its normal work: only the sanitizer can fail it.
void at_exit() {
#if NV_INJECT_UAF
  int* volatile p = new int[4];
  delete[] p;
  int_sink = p[1];
#elif NV_INJECT_UB
  volatile int big = INT_MAX;
  int_sink = big + 1;
#endif
}

// glibc passes main's arguments to constructors.
[[gnu::constructor]] void inject(int argc, char** argv, char**) {
  if (argc < 2 || std::strcmp(argv[1], "run") != 0) return;
#if NV_INJECT_LEAK
  leak();
#endif
  std::atexit(at_exit);
}

}  // namespace

# Sourced by tests/sanitize/ci, full-lab and prove-detection (each sets san_run to its name
# first): the sanitized build and the runtime options. Sets san_top, san_build, san_reports,
# san_logs and exports ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS.
san_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
san_build="${NETVIGIL_ASAN_BUILD_DIR:-$san_top/build-asan}"
# ASan and LSan reports go to files here (log_path), one per process, so a report from a
# process whose output a test does not show (a daemon, a child) is still found and fails the
# run. UBSan ignores log_path in GCC 12's combined runtime: its reports go to stderr and the
# process exits 1 (UB is not recoverable in this build), which fails the test that ran it.
san_reports="$san_build/sanitizer-reports/${san_run:-manual}"
san_logs="$san_build/sanitizer-logs"  # ctest output per script, beside (not in) the reports
# verify_asan_link_order=0: the clock-step fault test preloads Debian's libfaketime
# (LD_PRELOAD) ahead of the ASan runtime; it only wraps time functions, which ASan does not
# intercept, so the order does not matter and ASan must not refuse to start.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:verify_asan_link_order=0:log_path=$san_reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$san_top/tests/sanitize/lsan.supp:print_suppressions=0"

# Configure and build the sanitized netvigil and, with "unit", the unit test binaries.
# -O0 -g1 (line tables: file:line in every report frame) compiles in half the CPU time of
# -O1 -g (measured on src/cli/export_command.cpp: 11.3 s against 23.0 s; the plain -O2 -g
# build takes 12.7 s); NETVIGIL_SANITIZE_FLAGS="-O1 -g" for faster, fuller-symbol binaries.
san_flags="${NETVIGIL_SANITIZE_FLAGS:--O0 -g1}"
san_build_tree() {
  cmake -S "$san_top" -B "$san_build" -G Ninja -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="$san_flags" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$san_flags" -DNETVIGIL_SANITIZE=ON -DNETVIGIL_WERROR=ON
  local tests=""
  if [[ "${1:-}" == unit ]]; then
    tests=$(ninja -C "$san_build" -t targets all | sed -n 's/^\(test_[a-z_]*\): .*/\1/p' | sort -u)
    [[ -n "$tests" ]] || { echo "FAIL: no unit test targets found" >&2; return 1; }
  fi
  # Catch2 test discovery runs each test binary at build time, sanitized (LSan on).
  cmake --build "$san_build" -j "${NETVIGIL_JOBS:-2}" --target netvigil $tests
}

san_fresh_reports() {
  rm -rf "$san_reports"
  mkdir -p "$san_reports" "$san_logs"
  chmod 1777 "$san_reports"  # in case a test runs the binary as another user
}

# Print every sanitizer report found: the report files, and UBSan or ASan lines in the
# files or directories given (ctest's console log, LastTest.log with every test's output,
# the lab runs' saved netvigil stderr); returns 1 if there is any.
san_collect() {
  local found=0 f
  for f in "$san_reports"/*; do
    [[ -e "$f" ]] || continue
    found=1
    echo "==== sanitizer report $f"
    cat "$f"
  done
  if grep -rInE -m 5 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' "$@" 2>/dev/null; then
    found=1
  fi
  return $found
}

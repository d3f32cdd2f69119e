# Hostile servers (issue 8): hostile_test.py runs netvigil (--once and the daemon) against
# the loopback servers in hostile_servers.py inside `unshare --net`; needs root and openssl.
# Measured 27.8 s on the 2-core dev machine at load average ~14 (tests/faults/README.md).
# RUN_SERIAL: it starts 24 netvigil processes at once.
add_test(NAME "faults: hostile servers end by their deadline, RSS under 64 MB, no crash"
         COMMAND ${Python3_EXECUTABLE} ${_faults}/hostile_test.py --netvigil $<TARGET_FILE:netvigil>)
set_tests_properties("faults: hostile servers end by their deadline, RSS under 64 MB, no crash"
                     PROPERTIES LABELS faults TIMEOUT 240 RUN_SERIAL TRUE)

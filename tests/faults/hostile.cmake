# Hostile servers (issue 8): hostile_test.py runs netvigil (--once and the daemon) against
# the loopback servers in hostile_servers.py inside `unshare --net`; needs root and openssl.
# Measured about 60 s on the 2-core dev machine under load (see tests/faults/README.md).
add_test(NAME "faults: hostile servers end by their deadline, RSS under 64 MB, no crash"
         COMMAND ${Python3_EXECUTABLE} ${_faults}/hostile_test.py --netvigil $<TARGET_FILE:netvigil>)
set_tests_properties("faults: hostile servers end by their deadline, RSS under 64 MB, no crash"
                     PROPERTIES LABELS faults TIMEOUT 240 RUN_SERIAL TRUE)

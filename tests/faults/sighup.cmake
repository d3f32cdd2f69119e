# A bad config on SIGHUP: refused with file:line:col, old probes keep running; then a good one (~25 s).
add_test(NAME "faults: SIGHUP with a bad config keeps the old one and says why"
         COMMAND ${Python3_EXECUTABLE} ${_faults}/sighup_test.py --netvigil $<TARGET_FILE:netvigil>)
set_tests_properties("faults: SIGHUP with a bad config keeps the old one and says why"
                     PROPERTIES LABELS faults TIMEOUT 120)

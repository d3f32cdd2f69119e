# Crash safety (issue 8): 100 SIGKILLs of `netvigil run` at random moments on one database;
# integrity_check after each, and every server-logged answer accounted for (kill100_test.py).
# About 3 minutes; the kills must not share the 2 cores with other heavy tests.
add_test(NAME "faults: 100 SIGKILLs at random moments, integrity and independent count"
         COMMAND ${Python3_EXECUTABLE} ${_faults}/kill100_test.py --netvigil $<TARGET_FILE:netvigil>)
set_tests_properties("faults: 100 SIGKILLs at random moments, integrity and independent count"
                     PROPERTIES LABELS faults TIMEOUT 600 RUN_SERIAL TRUE)

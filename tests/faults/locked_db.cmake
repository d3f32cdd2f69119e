# Database locked (issue 8): a 15 s reader with an export beside it, then a 10 s
# BEGIN EXCLUSIVE, under the running daemon: nothing lost (counted from the servers' access
# log), integrity ok, the condition visible in /metrics (locked_db_test.py). About 50 s.
add_test(NAME "faults: long reader, export and exclusive lock under the daemon, nothing lost"
         COMMAND ${Python3_EXECUTABLE} ${_faults}/locked_db_test.py --netvigil $<TARGET_FILE:netvigil>)
set_tests_properties("faults: long reader, export and exclusive lock under the daemon, nothing lost"
                     PROPERTIES LABELS faults TIMEOUT 300 RUN_SERIAL TRUE)

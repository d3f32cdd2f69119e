# Disk full: a tmpfs state directory filled and emptied under a running daemon (~35 s).
add_test(NAME "faults: disk full, results buffered and written out when space returns"
         COMMAND ${Python3_EXECUTABLE} ${_faults}/disk_full_test.py --netvigil $<TARGET_FILE:netvigil>)
set_tests_properties("faults: disk full, results buffered and written out when space returns"
                     PROPERTIES LABELS faults TIMEOUT 180)

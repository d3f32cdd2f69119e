# A 100 MB config and a 100 MB catalog: check and run exit 78 at once, bounded memory (~2 s).
add_test(NAME "faults: 100 MB config and catalog refused quickly with file:line:col, exit 78"
         COMMAND ${Python3_EXECUTABLE} ${_faults}/big_config_test.py --netvigil $<TARGET_FILE:netvigil>)
set_tests_properties("faults: 100 MB config and catalog refused quickly with file:line:col, exit 78"
                     PROPERTIES LABELS faults TIMEOUT 60)

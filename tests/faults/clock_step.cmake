# Wall clock stepped +1 h then -1 h under libfaketime (monotonic clock untouched) (~27 s).
add_test(NAME "faults: wall clock steps an hour forward and back, no burst, steps recorded"
         COMMAND ${Python3_EXECUTABLE} ${_faults}/clock_step_test.py --netvigil $<TARGET_FILE:netvigil>)
set_tests_properties("faults: wall clock steps an hour forward and back, no burst, steps recorded"
                     PROPERTIES LABELS faults TIMEOUT 120)

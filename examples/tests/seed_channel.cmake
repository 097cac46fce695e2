# Tests of the seed's channel programs (examples/ex7*): the seed's 100 ms
# pause once, then a 1 ms pause; both must print the sum 16 and stay clean
# under every sanitizer.
foreach(prog ex7_channel_sum ex7b_channel_sum_buffered)
  foreach(pause 100 1)
    add_test(NAME ${prog}_pause${pause} COMMAND ${prog} ${pause})
    set_tests_properties(${prog}_pause${pause} PROPERTIES
      PASS_REGULAR_EXPRESSION "sum = 16"
      FAIL_REGULAR_EXPRESSION "WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error"
      TIMEOUT 60)
  endforeach()
endforeach()

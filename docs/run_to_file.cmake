# docs/run_to_file.cmake — cmake -DPROGRAM=path -DOUTPUT=file -P run_to_file.cmake: runs PROGRAM
# with no arguments and writes its standard output to OUTPUT. Fails, showing what the program
# wrote to standard error, when it exits with anything but 0 (the docs build then fails too).
execute_process(COMMAND "${PROGRAM}" OUTPUT_FILE "${OUTPUT}.partial" ERROR_VARIABLE errors
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE "${OUTPUT}.partial")
  message(FATAL_ERROR "${PROGRAM} failed (${status}):\n${errors}")
endif()
file(RENAME "${OUTPUT}.partial" "${OUTPUT}")

// tests/test_main.cpp — the Catch2 entry point: the one translation unit that builds Catch2's
// main(). Every other tests/test_*.cpp holds the tests of one source file.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// tests/test_main.cpp — the Catch2 entry point: the one translation unit that builds Catch2's
// main(). Every other tests/test_*.cpp holds the tests of one source file.
//
// Catch2 v2 is one header that compiles its main() where CATCH_CONFIG_MAIN is defined; v3 is
// a library whose session we start ourselves (v3 ignores the macro).
#define CATCH_CONFIG_MAIN
#include "catch.h"

#if ATTOGRAD_CATCH2_MAJOR >= 3
#include <catch2/catch_session.hpp>

int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
#endif

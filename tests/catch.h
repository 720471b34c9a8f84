// tests/catch.h — the one place that knows which Catch2 is installed. Every test file includes
// this header instead of Catch2's own, so each test is written once and builds against
// Catch2 v2 (Debian 12: one header, catch2/catch.hpp) and Catch2 v3 (Debian 13, Ubuntu 24.04,
// Homebrew: a compiled library with one header per part).
//
// CMake passes ATTOGRAD_CATCH2_MAJOR from the Catch2 it found (tests/CMakeLists.txt); a build
// without CMake (make test-aarch64) falls back to whichever header exists.
//
// What the tests use, spelled the same on both versions:
//   Approx               floating-point comparison (v3 moved it to Catch::Approx)
//   Contains(text)       a string matcher (v3 renamed it Catch::Matchers::ContainsSubstring;
//                        its Contains now matches ranges)
//   StartsWith, EndsWith string matchers
#pragma once

#ifndef ATTOGRAD_CATCH2_MAJOR
#if __has_include(<catch2/catch_all.hpp>)
#define ATTOGRAD_CATCH2_MAJOR 3
#else
#define ATTOGRAD_CATCH2_MAJOR 2
#endif
#endif

#include <string>

#if ATTOGRAD_CATCH2_MAJOR >= 3
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

using Catch::Approx;

namespace test::matchers {
/// Matches a string that holds `text` anywhere (Catch2 v3's ContainsSubstring).
inline Catch::Matchers::StringContainsMatcher Contains(const std::string& text) {
    return Catch::Matchers::ContainsSubstring(text);
}
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;
}  // namespace test::matchers
#else
#include <catch2/catch.hpp>

namespace test::matchers {
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;
}  // namespace test::matchers
#endif

// The string matchers by their plain names, in every test file.
using test::matchers::Contains;
using test::matchers::EndsWith;
using test::matchers::StartsWith;

// tests/test_demo_flags.cpp — the demos' command-line flags (demos/common/flags.h).
//
// Each error test checks the whole message, since the message is the feature. A fixture
// registers the flags a demo would (steps, lr, out, quiet, seed); run() parses a command line
// given as one vector of strings.
#include <limits>
#include <random>
#include <stdexcept>

#include "catch.h"
#include "demos/common/flags.h"

using namespace demo;

namespace {

struct DemoFlags {
    int64_t steps = 1500;
    double lr = 1e-3;
    std::string out = "out";
    bool quiet = false;
    int64_t seed = 0;
    double temperature = 1.0;
    Flags flags{"reverse", "Trains a Transformer to reverse sequences of letters."};

    DemoFlags() {
        flags.add_int("steps", &steps, "training steps", 1, 100000);
        flags.add_float("lr", &lr, "learning rate", 1e-6, 1);
        flags.add_string("out", &out, "directory for the pictures");
        flags.add_bool("quiet", &quiet, "no progress bar");
        flags.add_int("seed", &seed, "random seed", 0, std::numeric_limits<int64_t>::max());
        flags.add_float("temperature", &temperature, "sampling temperature", -1,
                        std::numeric_limits<double>::infinity());
    }

    ParseResult run(const std::vector<std::string>& arguments) {
        std::vector<const char*> argv{"reverse"};
        for (const std::string& argument : arguments) argv.push_back(argument.c_str());
        argv.push_back(nullptr);
        return flags.parse(static_cast<int>(argv.size() - 1), argv.data());
    }

    // The message of a parse that must fail, checking that nothing was set.
    std::string error(const std::vector<std::string>& arguments) {
        const ParseResult result = run(arguments);
        CHECK(result.kind == ParseResult::Error);
        CHECK(steps == 1500);
        CHECK(lr == 1e-3);
        CHECK(out == "out");
        CHECK_FALSE(quiet);
        return result.message;
    }
};

}  // namespace

// ---- Values ----------------------------------------------------------------------------------

TEST_CASE("Flags: no arguments keep the defaults", "[demo][flags]") {
    DemoFlags f;
    const ParseResult result = f.run({});
    CHECK(result.kind == ParseResult::Ok);
    CHECK(result.message.empty());
    CHECK(f.steps == 1500);
    CHECK(f.out == "out");
}

TEST_CASE("Flags: --name value and --name=value", "[demo][flags]") {
    DemoFlags f;
    REQUIRE(f.run({"--steps", "12", "--lr=0.5", "--out", "pictures", "--seed=+7"}).kind ==
            ParseResult::Ok);
    CHECK(f.steps == 12);
    CHECK(f.lr == 0.5);
    CHECK(f.out == "pictures");
    CHECK(f.seed == 7);

    // Negative numbers after a space are values, not flags.
    REQUIRE(f.run({"--temperature", "-0.5"}).kind == ParseResult::Ok);
    CHECK(f.temperature == -0.5);
    REQUIRE(f.run({"--temperature=.25", "--lr", "3e-4"}).kind == ParseResult::Ok);
    CHECK(f.temperature == 0.25);
    CHECK(f.lr == 3e-4);

    // Strings take anything, '=' included; the "=" form can start with "--" or be empty.
    REQUIRE(f.run({"--out=a=b"}).kind == ParseResult::Ok);
    CHECK(f.out == "a=b");
    REQUIRE(f.run({"--out=--odd"}).kind == ParseResult::Ok);
    CHECK(f.out == "--odd");
    REQUIRE(f.run({"--out="}).kind == ParseResult::Ok);
    CHECK(f.out.empty());
    REQUIRE(f.run({"--out", "-"}).kind == ParseResult::Ok);
    CHECK(f.out == "-");
}

TEST_CASE("Flags: bools are set by their name and take true or false after '='", "[demo][flags]") {
    DemoFlags f;
    REQUIRE(f.run({"--quiet"}).kind == ParseResult::Ok);
    CHECK(f.quiet);
    REQUIRE(f.run({"--quiet=false"}).kind == ParseResult::Ok);
    CHECK_FALSE(f.quiet);
    for (const char* yes : {"true", "1", "yes", "on"}) {
        f.quiet = false;
        REQUIRE(f.run({std::string("--quiet=") + yes}).kind == ParseResult::Ok);
        CHECK(f.quiet);
    }
    for (const char* no : {"false", "0", "no", "off"}) {
        f.quiet = true;
        REQUIRE(f.run({std::string("--quiet=") + no}).kind == ParseResult::Ok);
        CHECK_FALSE(f.quiet);
    }
    f.quiet = false;
    CHECK(f.error({"--quiet=maybe"}) == "--quiet: 'maybe' is not true or false");
    // A bool never takes the next argument, so that one is positional.
    CHECK_THAT(f.error({"--quiet", "true"}), StartsWith("unexpected argument 'true'"));
}

TEST_CASE("Flags: a repeated flag is allowed and the last one wins", "[demo][flags]") {
    DemoFlags f;
    REQUIRE(f.run({"--steps", "3", "--quiet", "--steps=7", "--quiet=false"}).kind ==
            ParseResult::Ok);
    CHECK(f.steps == 7);
    CHECK_FALSE(f.quiet);
}

TEST_CASE("Flags: ranges are inclusive and reported", "[demo][flags]") {
    DemoFlags f;
    REQUIRE(f.run({"--steps", "1", "--lr", "1"}).kind == ParseResult::Ok);
    REQUIRE(f.run({"--steps", "100000", "--lr", "1e-6"}).kind == ParseResult::Ok);
    f.steps = 1500, f.lr = 1e-3;
    CHECK(f.error({"--lr", "5"}) == "--lr: 5 is outside [1e-06, 1]");
    CHECK(f.error({"--lr=0"}) == "--lr: 0 is outside [1e-06, 1]");
    CHECK(f.error({"--steps", "0"}) == "--steps: 0 is outside [1, 100000]");
    CHECK(f.error({"--steps=-4"}) == "--steps: -4 is outside [1, 100000]");
    CHECK(f.error({"--steps", "99999999999999999999"}) ==
          "--steps: 99999999999999999999 is outside [1, 100000]");
    CHECK(f.error({"--seed", "-1"}) == "--seed: -1 is outside [0, 9223372036854775807]");
}

// ---- Errors ----------------------------------------------------------------------------------

TEST_CASE("Flags: unknown flags, with a suggestion when one is close", "[demo][flags]") {
    DemoFlags f;
    CHECK(f.error({"--stepz", "5"}) == "unknown flag --stepz (did you mean --steps?)");
    CHECK(f.error({"--step=5"}) == "unknown flag --step (did you mean --steps?)");
    CHECK(f.error({"--Steps"}) == "unknown flag --Steps (did you mean --steps?)");
    CHECK(f.error({"--quite"}) == "unknown flag --quite (did you mean --quiet?)");
    CHECK(f.error({"--hepl"}) == "unknown flag --hepl (did you mean --help?)");
    CHECK(f.error({"--batch-size", "8"}) == "unknown flag --batch-size");
    CHECK(f.error({"--x"}) == "unknown flag --x");  // "lr" is two edits away, but so is anything
    CHECK(f.error({"---steps"}) == "unknown flag ---steps (did you mean --steps?)");
}

TEST_CASE("Flags: missing values", "[demo][flags]") {
    DemoFlags f;
    CHECK(f.error({"--steps"}) == "--steps: missing value");
    CHECK(f.error({"--steps="}) == "--steps: missing value");
    CHECK(f.error({"--lr", "--steps", "3"}) == "--lr: missing value");
    CHECK(f.error({"--out", "--quiet"}) == "--out: missing value");
    CHECK(f.error({"--out"}) == "--out: missing value");
}

TEST_CASE("Flags: values that are not numbers", "[demo][flags]") {
    DemoFlags f;
    CHECK(f.error({"--steps", "abc"}) == "--steps: 'abc' is not an integer");
    CHECK(f.error({"--steps", "12x"}) == "--steps: '12x' is not an integer");
    CHECK(f.error({"--steps", "1.5"}) == "--steps: '1.5' is not an integer");
    CHECK(f.error({"--steps", "1e3"}) == "--steps: '1e3' is not an integer");
    CHECK(f.error({"--steps", " 12"}) == "--steps: ' 12' is not an integer");
    CHECK(f.error({"--steps", "0x10"}) == "--steps: '0x10' is not an integer");
    CHECK(f.error({"--steps", "+"}) == "--steps: '+' is not an integer");
    CHECK(f.error({"--steps", "++3"}) == "--steps: '++3' is not an integer");
    CHECK(f.error({"--lr", "fast"}) == "--lr: 'fast' is not a number");
    CHECK(f.error({"--lr", "0.1.2"}) == "--lr: '0.1.2' is not a number");
    CHECK(f.error({"--lr", "1e"}) == "--lr: '1e' is not a number");
    CHECK(f.error({"--lr", "0x1p-3"}) == "--lr: '0x1p-3' is not a number");
    CHECK(f.error({"--lr", "nan"}) == "--lr: 'nan' is not a finite number");
    CHECK(f.error({"--lr", "inf"}) == "--lr: 'inf' is not a finite number");
    CHECK(f.error({"--lr", "1e400"}) == "--lr: '1e400' cannot be represented as a double");
    CHECK(f.error({"--lr", "1e-400"}) == "--lr: '1e-400' cannot be represented as a double");
}

TEST_CASE("Flags: positional arguments and single dashes are rejected", "[demo][flags]") {
    DemoFlags f;
    CHECK(f.error({"data.txt"}) == "unexpected argument 'data.txt' (reverse takes only --flags)");
    CHECK(f.error({"--steps", "5", "extra"}) ==
          "unexpected argument 'extra' (reverse takes only --flags)");
    CHECK(f.error({""}) == "unexpected argument '' (reverse takes only --flags)");
    CHECK(f.error({"-"}) == "unexpected argument '-' (reverse takes only --flags)");
    CHECK(f.error({"--"}) == "unexpected argument '--' (reverse takes only --flags)");
    CHECK(f.error({"-steps", "5"}) == "-steps: flags start with two dashes (--steps)");
    CHECK(f.error({"-lr=0.1"}) == "-lr=0.1: flags start with two dashes (--lr)");
    CHECK(f.error({"-x"}) == "unknown flag -x");
    CHECK(f.error({"-stepz"}) == "unknown flag -stepz (did you mean --steps?)");
}

TEST_CASE("Flags: user text in messages is made printable and short", "[demo][flags]") {
    DemoFlags f;
    CHECK(f.error({"--st\x1b[2Jeps"}) == "unknown flag --st?[2Jeps");
    CHECK(f.error({"--steps", std::string(100, '7') + "x"}) ==
          "--steps: '" + std::string(40, '7') + "...' is not an integer");
}

TEST_CASE("Flags: --help and -h ask for help unless an error comes first", "[demo][flags]") {
    DemoFlags f;
    CHECK(f.run({"--help"}).kind == ParseResult::Help);
    CHECK(f.run({"-h"}).kind == ParseResult::Help);
    CHECK(f.run({"--steps", "5", "--help"}).kind == ParseResult::Help);
    CHECK(f.steps == 1500);  // help sets nothing
    CHECK(f.run({"--stepz", "--help"}).kind == ParseResult::Error);
    // As a value, "-h" is just text.
    REQUIRE(f.run({"--out", "-h"}).kind == ParseResult::Ok);
    CHECK(f.out == "-h");
}

// ---- Help ------------------------------------------------------------------------------------

TEST_CASE("Flags::help lists every flag with its default and range, aligned", "[demo][flags]") {
    DemoFlags f;
    const std::string help = f.flags.help();
    CHECK_THAT(help, StartsWith("usage: reverse [flags]\n\n"
                                "Trains a Transformer to reverse sequences of letters.\n\n"
                                "flags:\n"));
    CHECK_THAT(help,
               Contains("  --steps N         training steps (default 1500, in [1, 100000])\n"));
    CHECK_THAT(help,
               Contains("  --lr X            learning rate (default 0.001, in [1e-06, 1])\n"));
    CHECK_THAT(help,
               Contains("  --out TEXT        directory for the pictures (default \"out\")\n"));
    CHECK_THAT(help, Contains("  --quiet           no progress bar (default off)\n"));
    CHECK_THAT(help, Contains("  --seed N          random seed (default 0, at least 0)\n"));
    CHECK_THAT(help,
               Contains("  --temperature X   sampling temperature (default 1, at least -1)\n"));
    CHECK_THAT(help, Contains("  -h, --help        show this help and exit\n"));

    // The defaults shown are the values at registration, not after a parse.
    REQUIRE(f.run({"--steps", "9"}).kind == ParseResult::Ok);
    CHECK(f.flags.help() == help);
}

// ---- Registration ----------------------------------------------------------------------------

TEST_CASE("Flags: registration mistakes throw", "[demo][flags]") {
    Flags flags("p", "");
    int64_t n = 5;
    double x = 0.5;
    std::string s;
    bool b = false;
    CHECK_THROWS_AS(flags.add_int("", &n, "", 0, 10), std::invalid_argument);
    CHECK_THROWS_AS(flags.add_int("--n", &n, "", 0, 10), std::invalid_argument);
    CHECK_THROWS_AS(flags.add_int("a b", &n, "", 0, 10), std::invalid_argument);
    CHECK_THROWS_AS(flags.add_int("a=b", &n, "", 0, 10), std::invalid_argument);
    CHECK_THROWS_AS(flags.add_bool("help", &b, ""), std::invalid_argument);
    CHECK_THROWS_AS(flags.add_bool("h", &b, ""), std::invalid_argument);
    CHECK_THROWS_AS(flags.add_int("n", nullptr, "", 0, 10), std::invalid_argument);
    CHECK_THROWS_AS(flags.add_int("n", &n, "", 10, 0), std::invalid_argument);
    CHECK_THROWS_AS(flags.add_int("n", &n, "", 6, 10), std::invalid_argument);  // default 5
    CHECK_THROWS_AS(flags.add_float("x", &x, "", 1, 2), std::invalid_argument);
    CHECK_THROWS_AS(flags.add_float("x", &x, "", NAN, 2), std::invalid_argument);
    CHECK_NOTHROW(flags.add_int("n", &n, "", 0, 10));
    CHECK_THROWS_AS(flags.add_string("n", &s, ""), std::invalid_argument);  // twice
    CHECK_NOTHROW(flags.add_string("batch_size-2", &s, ""));
}

// ---- Robustness ------------------------------------------------------------------------------

TEST_CASE("Flags::parse survives degenerate argv", "[demo][flags]") {
    DemoFlags f;
    CHECK(f.flags.parse(0, nullptr).kind == ParseResult::Ok);
    CHECK(f.flags.parse(5, nullptr).kind == ParseResult::Ok);
    const char* only_program[] = {"reverse", nullptr};
    CHECK(f.flags.parse(1, only_program).kind == ParseResult::Ok);
    const char* with_null[] = {"reverse", "--steps", nullptr};
    CHECK(f.flags.parse(3, with_null).kind == ParseResult::Error);  // "--steps: missing value"
    const char* null_first[] = {"reverse", nullptr, "--quiet"};
    CHECK(f.flags.parse(3, null_first).kind == ParseResult::Error);  // an empty argument
}

TEST_CASE("Flags::parse never throws on random command lines", "[demo][flags]") {
    DemoFlags f;
    const std::vector<std::string> pieces = {"--",
                                             "-",
                                             "--steps",
                                             "--lr",
                                             "--out",
                                             "--quiet",
                                             "--seed",
                                             "=",
                                             "1",
                                             "-1",
                                             "1e9",
                                             "x",
                                             "--help",
                                             "-h",
                                             "nan",
                                             "\xff",
                                             std::string(1, '\0'),
                                             "--stepz",
                                             "+",
                                             ".",
                                             "e",
                                             "true"};
    std::mt19937 rng(12345);
    std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1), length(0, 6), parts(1, 3);
    for (int trial = 0; trial < 20000; ++trial) {
        std::vector<std::string> arguments(length(rng));
        for (std::string& argument : arguments) {
            for (size_t k = parts(rng); k > 0; --k) argument += pieces[pick(rng)];
        }
        ParseResult result;
        REQUIRE_NOTHROW(result = f.run(arguments));
        if (result.kind == ParseResult::Error) REQUIRE_FALSE(result.message.empty());
        CHECK(f.steps >= 1);
        CHECK(f.steps <= 100000);
        CHECK(f.lr >= 1e-6);
        CHECK(f.lr <= 1);
    }
}

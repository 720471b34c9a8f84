// tests/test_demo_cli.cpp — the demos' command lines (demos/common/cli.h, on CLI11): what a
// user sees, the exit code and the message, on Debian 12's CLI11 2.1 and Debian 13's 2.4.
#include <cstdio>
#include <string>
#include <vector>

#include "catch.h"
#include "demos/common/cli.h"

using namespace demo;

namespace {

// A demo's flags, as run_demo.cpp registers them, and one command line run through them.
struct Demo {
    int64_t steps = 1500;
    double lr = 1e-3;
    std::string out = "out";
    std::string task = "reverse";
    bool resume = false;
    ModelSize size{.d_model = 128, .heads = 4, .layers = 2, .d_ff = 512};
    CLI::App app{"Trains a Transformer to reverse sequences of digits.", "reverse"};

    Demo() {
        use_demo_conventions(app);
        app.add_option("--steps", steps, "training steps")
            ->check(CLI::Range(int64_t{1}, int64_t{100000}));
        app.add_option("--lr", lr, "learning rate")->check(FiniteRange(1e-6, 1));
        app.add_option("--out", out, "directory for the pictures");
        app.add_option("--task", task, "the task")->check(CLI::IsMember({"copy", "reverse"}));
        app.add_flag("--resume", resume, "continue from the checkpoint");
        add_model_size_flags(app, size, "encoder and decoder layers");
        app.final_callback([this] { check_model_size(size); });
    }

    // What the user sees: the exit code (-1: the program goes on), stdout and stderr.
    struct Seen {
        int code;
        std::string out, err;
    };
    Seen run(const std::vector<std::string>& arguments) {
        std::vector<const char*> argv{"reverse"};
        for (const std::string& argument : arguments) argv.push_back(argument.c_str());
        std::FILE* out_file = std::tmpfile();
        std::FILE* err_file = std::tmpfile();
        REQUIRE(out_file != nullptr);
        REQUIRE(err_file != nullptr);
        const std::optional<int> code =
            parse_command_line(app, static_cast<int>(argv.size()), argv.data(), out_file, err_file);
        Seen seen{code.value_or(-1), read_all(out_file), read_all(err_file)};
        std::fclose(out_file);
        std::fclose(err_file);
        return seen;
    }

    static std::string read_all(std::FILE* file) {
        std::rewind(file);
        std::string text;
        for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file)) text += static_cast<char>(c);
        return text;
    }
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A refused command line: exit 2, nothing on stdout, a message naming `flag` and the hint.
void check_refused(const std::vector<std::string>& arguments, const std::string& flag) {
    Demo demo;
    const Demo::Seen seen = demo.run(arguments);
    INFO("stderr: " << seen.err);
    CHECK(seen.code == 2);
    CHECK(seen.out.empty());
    CHECK(contains(seen.err, flag));
    CHECK(contains(seen.err, "run with --help to see the flags"));
}

}  // namespace

TEST_CASE("demo command line: no arguments keep the defaults and go on", "[demo][cli]") {
    Demo demo;
    const Demo::Seen seen = demo.run({});
    CHECK(seen.code == -1);
    CHECK(seen.out.empty());
    CHECK(seen.err.empty());
    CHECK(demo.steps == 1500);
    CHECK(demo.lr == 1e-3);
    CHECK(demo.out == "out");
    CHECK_FALSE(demo.resume);
    CHECK(demo.size.heads == 4);
}

TEST_CASE("demo command line: values in both spellings, flags, the last repeat wins",
          "[demo][cli]") {
    Demo demo;
    const Demo::Seen seen = demo.run({"--steps", "7", "--lr=0.5", "--out", "x y", "--resume",
                                      "--d-model", "96", "--heads=3", "--steps", "9"});
    CHECK(seen.code == -1);
    CHECK(seen.err.empty());
    CHECK(demo.steps == 9);
    CHECK(demo.lr == 0.5);
    CHECK(demo.out == "x y");
    CHECK(demo.resume);
    CHECK(demo.size.d_model == 96);
    CHECK(demo.size.heads == 3);
}

TEST_CASE("demo command line: --help lists every flag with its default and exits 0",
          "[demo][cli]") {
    Demo demo;
    const Demo::Seen seen = demo.run({"--steps", "3", "--help"});
    CHECK(seen.code == 0);
    CHECK(seen.err.empty());
    INFO("help: " << seen.out);
    CHECK(contains(seen.out, "Trains a Transformer to reverse sequences of digits."));
    for (const char* flag : {"--steps", "--lr", "--out", "--task", "--resume", "--d-model",
                             "--heads", "--layers", "--d-ff", "--help"}) {
        CHECK(contains(seen.out, flag));
    }
    CHECK(contains(seen.out, "1500"));  // the defaults are shown
    CHECK(contains(seen.out, "512"));
}

TEST_CASE("demo command line: each kind of mistake exits 2 naming the flag", "[demo][cli]") {
    check_refused({"--stepz", "10"}, "--stepz");   // unknown flag
    check_refused({"extra"}, "extra");             // a positional argument
    check_refused({"--steps", "abc"}, "--steps");  // not a number
    check_refused({"--steps", "12x"}, "--steps");  // not all of it a number
    check_refused({"--steps", "0"}, "--steps");    // out of range
    check_refused({"--steps"}, "--steps");         // no value
    check_refused({"--lr", "5"}, "--lr");          // out of range
    check_refused({"--lr", "nan"}, "--lr");        // not finite (CLI::Range lets it by)
    check_refused({"--lr", "inf"}, "--lr");
    check_refused({"--lr", "0.5x"}, "--lr");
    check_refused({"--task", "sort"}, "--task");  // not one of the choices
    check_refused({"--d-model", "128", "--heads", "3"}, "--heads: must divide --d-model");
}

TEST_CASE("FiniteRange: finite numbers in [min, max] pass, the rest are named", "[demo][cli]") {
    const CLI::Validator check = FiniteRange(-1, 2);
    for (std::string good : {"-1", "0", "2", "1.5e0", "+0.25"}) CHECK(check(good).empty());
    for (std::string bad : {"-1.01", "3", "nan", "-inf", "", "1,5", "two"}) {
        INFO(bad);
        CHECK_FALSE(check(bad).empty());
    }
}

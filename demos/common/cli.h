// demos/common/cli.h — the demos' command lines, on CLI11 (Debian's libcli11-dev, Homebrew's
// cli11), with the conventions every demo shares.
//
//     Settings s;  // the variables, holding their defaults
//     CLI::App app("Trains a Transformer to reverse sequences of letters.", "reverse");
//     app.add_option("--steps", s.steps, "training steps")->check(CLI::Range(1, 1000000));
//     app.add_option("--lr", s.lr, "learning rate")->check(demo::FiniteRange(1e-6, 1.0));
//     app.add_flag("--resume", s.resume, "continue from the checkpoint");
//     if (const std::optional<int> code = demo::parse_command_line(app, argc, argv)) return *code;
//
// The conventions: "--help" prints the flags with their defaults and exits 0; a bad command
// line prints what is wrong, naming the flag, then "run with --help to see the flags", and
// exits 2 (CLI11's own exit codes differ, so its errors are caught and mapped here). A flag
// given twice takes the last value, so a script's defaults can be overridden by appending.
// A check that needs several flags at once (--heads must divide --d-model) goes in
// app.final_callback and throws CLI::ValidationError, which ends the same way.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace demo {

/// Makes `app` follow the demos' conventions: defaults shown in --help, the last of a
/// repeated flag wins. Call before adding options (CLI11 copies these defaults into each).
void use_demo_conventions(CLI::App& app);

/// Parses argv[1..argc-1] with `app` (which use_demo_conventions has set up). Returns
/// std::nullopt when the program should go on, with the variables set; otherwise the exit
/// code after printing: 0 for --help (the usage, on `out`), 2 for any parse or validation
/// error (the message naming the flag, and a hint, on `err`). Throws nothing CLI11 throws.
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::FILE* out = stdout, std::FILE* err = stderr);

/// A CLI11 check: the value is a finite number in [min, max]. (CLI::Range lets NaN through,
/// since NaN compares false with both ends.)
CLI::Validator FiniteRange(double min, double max);

/// The size of a Transformer, as the demos' flags set it.
struct ModelSize {
    int64_t d_model = 64, heads = 4, layers = 2, d_ff = 256;
};

/// Adds --d-model, --heads, --layers and --d-ff for `size` (which holds the defaults), with
/// `layers_help` saying what --layers counts.
void add_model_size_flags(CLI::App& app, ModelSize& size, const std::string& layers_help);

/// The check across those flags, for app.final_callback: throws CLI::ValidationError
/// ("--heads: must divide --d-model") unless heads divides d_model.
void check_model_size(const ModelSize& size);

}  // namespace demo

// fuzz/fuzz_flags.cpp — libFuzzer target for the demos' command-line parsing.
//
// The input bytes are split at NUL bytes into arguments and parsed with a flag set of every
// kind the demos use (integers with ranges, floats with ranges, strings, booleans), then the
// help text is produced. Any outcome (Ok, Help, Error with a message) is fine; a crash, a
// sanitizer report, an exception or a hang is a bug.
#include <cstdint>
#include <string>
#include <vector>

#include "demos/common/flags.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> arguments{"reverse"};
    std::string current;
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 0) {
            arguments.push_back(current);
            current.clear();
        } else {
            current += static_cast<char>(data[i]);
        }
    }
    arguments.push_back(current);
    std::vector<const char*> argv;
    for (const std::string& argument : arguments) argv.push_back(argument.c_str());
    argv.push_back(nullptr);

    int64_t steps = 1500, heads = 4, seed = 1;
    double learning_rate = 1e-3, dropout = 0.0;
    std::string out = "out/reverse";
    bool resume = false;
    demo::Flags flags("reverse", "Trains a Transformer to reverse sequences of digits.");
    flags.add_int("steps", &steps, "training steps", 1, 10'000'000);
    flags.add_int("heads", &heads, "attention heads", 1, 1024);
    flags.add_int("seed", &seed, "seed", 0, INT64_MAX);
    flags.add_float("lr", &learning_rate, "peak learning rate", 1e-7, 1.0);
    flags.add_float("dropout", &dropout, "dropout probability", 0.0, 0.99);
    flags.add_string("out", &out, "output directory");
    flags.add_bool("resume", &resume, "continue from the checkpoint");
    const demo::ParseResult result = flags.parse(static_cast<int>(arguments.size()), argv.data());
    (void)result;
    (void)flags.help();
    return 0;
}

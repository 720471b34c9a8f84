// demos/common/flags.h — command-line flags for the demos, declared next to the variables
// they set, with errors that say what is wrong.
//
//     int64_t steps = 1500;
//     double lr = 1e-3;
//     bool quiet = false;
//     demo::Flags flags("reverse", "Trains a Transformer to reverse sequences of letters.");
//     flags.add_int("steps", &steps, "training steps", 1, 1000000);
//     flags.add_float("lr", &lr, "learning rate", 1e-6, 1);
//     flags.add_bool("quiet", &quiet, "no progress bar");
//     const demo::ParseResult result = flags.parse(argc, argv);
//     if (result.kind == demo::ParseResult::Help) {
//         std::printf("%s", flags.help().c_str());
//         return 0;
//     }
//     if (result.kind == demo::ParseResult::Error) {
//         std::fprintf(stderr, "reverse: %s\nrun with --help to see the flags\n",
//                      result.message.c_str());
//         return 2;
//     }
//
// The rules:
//   - "--name value" and "--name=value". The next argument is taken as the value unless it
//     starts with "--" ("--lr -0.5" works; "--out --steps 3" is "--out: missing value"); a
//     value starting with "--" needs the "=" form.
//   - A bool flag is set by "--name" alone, or "--name=true" / "--name=false" (also 1/0,
//     yes/no, on/off); it never takes the next argument.
//   - Integers are decimal ("12", "-3", "+7"); floats as C writes them ("0.5", "3e-4"), finite.
//     The whole text must be the number ("12x" is an error) and within [min, max].
//   - "--help" or "-h" anywhere before an error gives Help.
//   - A flag given twice: the last one wins (so a script's defaults can be overridden by
//     appending flags).
//   - Positional arguments and single-dash flags (other than -h) are errors.
//   - Nothing is written to the variables unless the whole command line is valid.
//
// parse() is meant to survive any input (it is fuzzed): no exceptions, no recursion, and work
// linear in the length of the command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace demo {

/// What parse() found: Ok (the variables are set), Help (the user asked for help()), or Error
/// (message says what is wrong, e.g. "--steps: 'abc' is not an integer").
struct ParseResult {
    enum Kind { Ok, Help, Error };
    Kind kind = Ok;
    std::string message;
};

class Flags {
public:
    /// The program's name (for the usage line) and a sentence or two on what it does.
    Flags(std::string program, std::string description);

    // Registering flags. `value` points at the variable to set and holds the default (shown
    // by help()). Names are letters, digits, '-' and '_', without the leading "--". These
    // throw std::invalid_argument on a programmer's mistake: an invalid or repeated name
    // (or "help"/"h"), a null pointer, min > max, a default outside [min, max].

    /// --name N, an integer in [min, max].
    void add_int(const std::string& name, int64_t* value, const std::string& help, int64_t min,
                 int64_t max);
    /// --name X, a finite floating-point number in [min, max].
    void add_float(const std::string& name, double* value, const std::string& help, double min,
                   double max);
    /// --name TEXT, any string (possibly empty, with "--name=").
    void add_string(const std::string& name, std::string* value, const std::string& help);
    /// --name sets *value to true; --name=false sets it to false.
    void add_bool(const std::string& name, bool* value, const std::string& help);

    /// Parses argv[1..argc-1] (argv[0] is the program). Sets the variables only if the result
    /// is Ok.
    ParseResult parse(int argc, const char* const* argv);

    /// The usage text: the description, then one aligned line per flag with its default and
    /// range, ending in a newline.
    std::string help() const;

private:
    enum class Type { Int, Float, String, Bool };
    struct Flag {
        std::string name, help;
        Type type = Type::Int;
        void* value = nullptr;  // int64_t*, double*, std::string* or bool*, as type says
        int64_t int_min = 0, int_max = 0;
        double float_min = 0, float_max = 0;
        std::string default_text;  // the default, as help() shows it
    };
    static Flag make_flag(const std::string& name, const std::string& help, Type type, void* value);
    void add(Flag flag);
    const Flag* find(const std::string& name) const;
    std::string closest_name(const std::string& name) const;

    std::string program_, description_;
    std::vector<Flag> flags_;
};

}  // namespace demo

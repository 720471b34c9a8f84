// demos/common/flags.cpp — the flag parser: registration, parsing, suggestions, help.
//
// Sections: helpers (quoting user text, number parsing, edit distance); registration;
// parsing; help.
//
// parse() reads the arguments left to right into a list of pending assignments and applies
// them only when every argument was understood, so a failed parse leaves the defaults alone.
#include "demos/common/flags.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace demo {

namespace {

// ---- Helpers --------------------------------------------------------------------------------

// User text as it appears in an error message: control characters become '?' (they could
// move a terminal's cursor), and more than 40 bytes are cut with "...".
std::string printable(const std::string& text) {
    constexpr size_t kLimit = 40;
    std::string out = text.substr(0, std::min(text.size(), kLimit));
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return text.size() > kLimit ? out + "..." : out;
}

std::string quoted(const std::string& text) { return "'" + printable(text) + "'"; }

std::string format_float(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

bool starts_with_dashes(const char* text) {
    return text != nullptr && text[0] == '-' && text[1] == '-';
}

// from_chars does not take a leading '+'; we do, before a digit or '.'.
std::string_view without_plus(std::string_view text) {
    if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') {
        text.remove_prefix(1);
    }
    return text;
}

// The number of single-character insertions, deletions and substitutions that turn a into b
// (Levenshtein), by the usual dynamic programme over one row. Called only on short strings.
size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];  // the previous row's row[j - 1]
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

bool valid_name(const std::string& name) {
    if (name.empty() || name[0] == '-') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

}  // namespace

// ---- Registration ---------------------------------------------------------------------------

Flags::Flags(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}

Flags::Flag Flags::make_flag(const std::string& name, const std::string& help, Type type,
                             void* value) {
    Flag flag;
    flag.name = name, flag.help = help, flag.type = type, flag.value = value;
    return flag;
}

void Flags::add(Flag flag) {
    if (!valid_name(flag.name)) {
        throw std::invalid_argument("Flags: invalid flag name '" + flag.name +
                                    "' (letters, digits, '-' and '_', no leading '-')");
    }
    if (flag.name == "help" || flag.name == "h") {
        throw std::invalid_argument("Flags: --" + flag.name + " is reserved for the help");
    }
    if (find(flag.name) != nullptr) {
        throw std::invalid_argument("Flags: --" + flag.name + " is registered twice");
    }
    if (flag.value == nullptr) {
        throw std::invalid_argument("Flags: --" + flag.name + " has a null value pointer");
    }
    flags_.push_back(std::move(flag));
}

void Flags::add_int(const std::string& name, int64_t* value, const std::string& help, int64_t min,
                    int64_t max) {
    if (min > max || (value != nullptr && (*value < min || *value > max))) {
        throw std::invalid_argument("Flags: --" + name + ": the default is not in [min, max]" +
                                    " or min > max");
    }
    Flag flag = make_flag(name, help, Type::Int, value);
    flag.int_min = min, flag.int_max = max;
    if (value != nullptr) flag.default_text = std::to_string(*value);
    add(std::move(flag));
}

void Flags::add_float(const std::string& name, double* value, const std::string& help, double min,
                      double max) {
    if (!(min <= max) || (value != nullptr && !(*value >= min && *value <= max))) {
        throw std::invalid_argument("Flags: --" + name + ": the default is not in [min, max]" +
                                    " or min > max");
    }
    Flag flag = make_flag(name, help, Type::Float, value);
    flag.float_min = min, flag.float_max = max;
    if (value != nullptr) flag.default_text = format_float(*value);
    add(std::move(flag));
}

void Flags::add_string(const std::string& name, std::string* value, const std::string& help) {
    Flag flag = make_flag(name, help, Type::String, value);
    if (value != nullptr) flag.default_text = "\"" + *value + "\"";
    add(std::move(flag));
}

void Flags::add_bool(const std::string& name, bool* value, const std::string& help) {
    Flag flag = make_flag(name, help, Type::Bool, value);
    if (value != nullptr) flag.default_text = *value ? "on" : "off";
    add(std::move(flag));
}

const Flags::Flag* Flags::find(const std::string& name) const {
    for (const Flag& flag : flags_) {
        if (flag.name == name) return &flag;
    }
    return nullptr;
}

// The registered name (or "help") nearest to `name`, if at most two edits away and not a
// complete rewrite of it (no "--lr" for "--x"); otherwise "".
std::string Flags::closest_name(const std::string& name) const {
    std::string best;
    size_t best_distance = 3;
    const auto consider = [&](const std::string& candidate) {
        const size_t longer = std::max(name.size(), candidate.size());
        if (longer - std::min(name.size(), candidate.size()) > 2) return;  // cheap and bounded
        const size_t distance = edit_distance(name, candidate);
        if (distance < best_distance && distance < candidate.size()) {
            best = candidate, best_distance = distance;
        }
    };
    for (const Flag& flag : flags_) consider(flag.name);
    consider("help");
    return best;
}

// ---- Parsing --------------------------------------------------------------------------------

ParseResult Flags::parse(int argc, const char* const* argv) {
    struct Pending {
        const Flag* flag = nullptr;
        int64_t int_value = 0;
        double float_value = 0;
        std::string string_value;
        bool bool_value = false;
    };
    std::vector<Pending> pending;
    const auto error = [](std::string message) {
        return ParseResult{ParseResult::Error, std::move(message)};
    };

    for (int i = 1; argv != nullptr && i < argc; ++i) {
        const std::string arg = argv[i] != nullptr ? argv[i] : "";
        if (arg == "--help" || arg == "-h") return {ParseResult::Help, ""};

        // Not a flag: a positional argument, or a flag with one dash.
        if (!starts_with_dashes(arg.c_str()) || arg == "--") {
            if (arg.size() > 1 && arg[0] == '-' && arg != "--") {
                const std::string name = arg.substr(1, arg.find('=') - 1);
                if (find(name) != nullptr) {
                    return error(printable(arg) + ": flags start with two dashes (--" + name + ")");
                }
                const std::string guess = closest_name(name);
                return error("unknown flag " + printable("-" + name) +
                             (guess.empty() ? "" : " (did you mean --" + guess + "?)"));
            }
            return error("unexpected argument " + quoted(arg) + " (" + program_ +
                         " takes only --flags)");
        }

        // --name or --name=value.
        const size_t equals = arg.find('=');
        const std::string name =
            arg.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
        const Flag* flag = find(name);
        if (flag == nullptr) {
            const std::string guess = closest_name(name);
            return error("unknown flag --" + printable(name) +
                         (guess.empty() ? "" : " (did you mean --" + guess + "?)"));
        }
        const std::string where = "--" + flag->name + ": ";
        Pending assignment;
        assignment.flag = flag;

        if (flag->type == Type::Bool) {
            if (equals == std::string::npos) {
                assignment.bool_value = true;
            } else {
                const std::string text = arg.substr(equals + 1);
                if (text == "true" || text == "1" || text == "yes" || text == "on") {
                    assignment.bool_value = true;
                } else if (text == "false" || text == "0" || text == "no" || text == "off") {
                    assignment.bool_value = false;
                } else {
                    return error(where + quoted(text) + " is not true or false");
                }
            }
            pending.push_back(std::move(assignment));
            continue;
        }

        // The value: after '=', or the next argument unless that is a flag.
        std::string text;
        if (equals != std::string::npos) {
            text = arg.substr(equals + 1);
        } else if (i + 1 < argc && argv[i + 1] != nullptr && !starts_with_dashes(argv[i + 1])) {
            text = argv[++i];
        } else {
            return error(where + "missing value");
        }

        if (flag->type == Type::String) {
            assignment.string_value = std::move(text);
        } else if (text.empty()) {
            return error(where + "missing value");
        } else if (flag->type == Type::Int) {
            const std::string_view digits = without_plus(text);
            int64_t value = 0;
            const auto [end, code] =
                std::from_chars(digits.data(), digits.data() + digits.size(), value);
            const bool whole = end == digits.data() + digits.size();
            if (code == std::errc::invalid_argument || !whole) {
                return error(where + quoted(text) + " is not an integer");
            }
            if (code == std::errc::result_out_of_range || value < flag->int_min ||
                value > flag->int_max) {
                return error(where + printable(text) + " is outside [" +
                             std::to_string(flag->int_min) + ", " + std::to_string(flag->int_max) +
                             "]");
            }
            assignment.int_value = value;
        } else {  // Type::Float
            const std::string_view digits = without_plus(text);
            double value = 0;
            const auto [end, code] = std::from_chars(digits.data(), digits.data() + digits.size(),
                                                     value, std::chars_format::general);
            const bool whole = end == digits.data() + digits.size();
            if (code == std::errc::invalid_argument || !whole) {
                return error(where + quoted(text) + " is not a number");
            }
            if (code == std::errc::result_out_of_range) {  // 1e400 or 1e-400
                return error(where + quoted(text) + " cannot be represented as a double");
            }
            if (!std::isfinite(value)) {  // "inf", "nan"
                return error(where + quoted(text) + " is not a finite number");
            }
            if (value < flag->float_min || value > flag->float_max) {
                return error(where + printable(text) + " is outside [" +
                             format_float(flag->float_min) + ", " + format_float(flag->float_max) +
                             "]");
            }
            assignment.float_value = value;
        }
        pending.push_back(std::move(assignment));
    }

    // Everything was understood: set the variables, in order, so the last of a repeated flag
    // wins.
    for (Pending& assignment : pending) {
        void* value = assignment.flag->value;
        switch (assignment.flag->type) {
            case Type::Int:
                *static_cast<int64_t*>(value) = assignment.int_value;
                break;
            case Type::Float:
                *static_cast<double*>(value) = assignment.float_value;
                break;
            case Type::String:
                *static_cast<std::string*>(value) = std::move(assignment.string_value);
                break;
            case Type::Bool:
                *static_cast<bool*>(value) = assignment.bool_value;
                break;
        }
    }
    return {ParseResult::Ok, ""};
}

// ---- Help -----------------------------------------------------------------------------------

std::string Flags::help() const {
    // Left column "--name N", right column the help, its default and its range.
    std::vector<std::pair<std::string, std::string>> lines;
    for (const Flag& flag : flags_) {
        std::string left = "--" + flag.name;
        std::string range;
        switch (flag.type) {
            case Type::Int: {
                left += " N";
                constexpr auto lowest = std::numeric_limits<int64_t>::min();
                constexpr auto highest = std::numeric_limits<int64_t>::max();
                if (flag.int_min != lowest && flag.int_max != highest) {
                    range = ", in [" + std::to_string(flag.int_min) + ", " +
                            std::to_string(flag.int_max) + "]";
                } else if (flag.int_min != lowest) {
                    range = ", at least " + std::to_string(flag.int_min);
                } else if (flag.int_max != highest) {
                    range = ", at most " + std::to_string(flag.int_max);
                }
                break;
            }
            case Type::Float: {
                left += " X";
                constexpr double highest = std::numeric_limits<double>::max();
                const bool low = flag.float_min >= -highest, high = flag.float_max <= highest;
                if (low && high) {
                    range = ", in [" + format_float(flag.float_min) + ", " +
                            format_float(flag.float_max) + "]";
                } else if (low) {
                    range = ", at least " + format_float(flag.float_min);
                } else if (high) {
                    range = ", at most " + format_float(flag.float_max);
                }
                break;
            }
            case Type::String:
                left += " TEXT";
                break;
            case Type::Bool:
                break;
        }
        lines.emplace_back(left, flag.help + " (default " + flag.default_text + range + ")");
    }
    lines.emplace_back("-h, --help", "show this help and exit");

    size_t width = 0;
    for (const auto& line : lines) width = std::max(width, line.first.size());
    std::string text = "usage: " + program_ + " [flags]\n\n";
    if (!description_.empty()) text += description_ + "\n\n";
    text += "flags:\n";
    for (const auto& [left, right] : lines) {
        text += "  " + left + std::string(width - left.size() + 3, ' ') + right + "\n";
    }
    return text;
}

}  // namespace demo

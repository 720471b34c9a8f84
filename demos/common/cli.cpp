// demos/common/cli.cpp — see cli.h.
#include "demos/common/cli.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace demo {

void use_demo_conventions(CLI::App& app) {
    app.option_defaults()->always_capture_default()->multi_option_policy(
        CLI::MultiOptionPolicy::TakeLast);
}

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::FILE* out, std::FILE* err) {
    try {
        app.parse(argc, argv);
        return std::nullopt;
    } catch (const CLI::CallForHelp&) {
        std::fprintf(out, "%s", app.help().c_str());
        return 0;
    } catch (const CLI::ParseError& error) {
        // Every other way a command line is wrong: unknown flags, values that do not convert
        // or fail a check, missing values, and the final_callback's cross-flag checks.
        std::fprintf(err, "%s: %s\nrun with --help to see the flags\n", app.get_name().c_str(),
                     error.what());
        return 2;
    }
}

CLI::Validator FiniteRange(double min, double max) {
    char range[64];
    std::snprintf(range, sizeof range, "[%g, %g]", min, max);
    return CLI::Validator(
        [min, max, range = std::string(range)](std::string& text) -> std::string {
            char* end = nullptr;
            const double value = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0') return "'" + text + "' is not a number";
            if (!std::isfinite(value) || value < min || value > max) {
                return "'" + text + "' is outside " + range;
            }
            return {};
        },
        std::string("in ") + range);
}

void add_model_size_flags(CLI::App& app, ModelSize& size, const std::string& layers_help) {
    app.add_option("--d-model", size.d_model, "width of the model (d_model)")
        ->check(CLI::Range(int64_t{1}, int64_t{65536}));
    app.add_option("--heads", size.heads, "attention heads (must divide --d-model)")
        ->check(CLI::Range(int64_t{1}, int64_t{1024}));
    app.add_option("--layers", size.layers, layers_help)
        ->check(CLI::Range(int64_t{1}, int64_t{64}));
    app.add_option("--d-ff", size.d_ff, "width of the feed-forward layer")
        ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
}

void check_model_size(const ModelSize& size) {
    if (size.d_model % size.heads != 0) {
        throw CLI::ValidationError("--heads", "must divide --d-model");
    }
}

}  // namespace demo

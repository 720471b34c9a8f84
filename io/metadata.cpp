// io/metadata.cpp — strict numbers from metadata strings.
#include "io/metadata.h"

#include <charconv>
#include <cmath>

#include "io/safetensors.h"

namespace ag::io {

namespace {

[[noreturn]] void fail(std::string_view function, const std::string& path, const std::string& key,
                       const std::string& problem) {
    throw CheckpointError(std::string(function) + ": " + path + ": metadata '" + key + "' " +
                          problem);
}

}  // namespace

std::optional<int64_t> parse_integer(std::string_view text, int64_t min, int64_t max) {
    int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
        return std::nullopt;
    }
    return value;
}

std::optional<double> parse_finite(std::string_view text) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

const std::string& metadata_text(const std::map<std::string, std::string>& metadata,
                                 const std::string& key, std::string_view function,
                                 const std::string& path) {
    const auto found = metadata.find(key);
    if (found == metadata.end()) fail(function, path, key, "is missing");
    return found->second;
}

int64_t metadata_integer(const std::map<std::string, std::string>& metadata, const std::string& key,
                         int64_t min, int64_t max, std::string_view function,
                         const std::string& path) {
    const std::string& text = metadata_text(metadata, key, function, path);
    const std::optional<int64_t> value = parse_integer(text, min, max);
    if (!value) {
        fail(function, path, key,
             "is '" + text + "', not a whole number in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "]");
    }
    return *value;
}

uint64_t metadata_unsigned(const std::map<std::string, std::string>& metadata,
                           const std::string& key, std::string_view function,
                           const std::string& path) {
    const std::string& text = metadata_text(metadata, key, function, path);
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        fail(function, path, key, "is '" + text + "', not a whole number in [0, 2^64 - 1]");
    }
    return value;
}

double metadata_finite(const std::map<std::string, std::string>& metadata, const std::string& key,
                       std::string_view function, const std::string& path) {
    const std::string& text = metadata_text(metadata, key, function, path);
    const std::optional<double> value = parse_finite(text);
    if (!value) fail(function, path, key, "is '" + text + "', not a finite number");
    return *value;
}

bool metadata_bool(const std::map<std::string, std::string>& metadata, const std::string& key,
                   std::string_view function, const std::string& path) {
    const std::string& text = metadata_text(metadata, key, function, path);
    if (text != "true" && text != "false")
        fail(function, path, key, "is '" + text + "', not true or false");
    return text == "true";
}

}  // namespace ag::io

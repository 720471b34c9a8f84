// io/safetensors_detail.h — what the writer and the reader of io/safetensors.h share: where
// the checksum sits in a header, and small text helpers. Not part of the API.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ag::io::detail {

/// The checksum's value while the file is being checksummed.
inline constexpr const char* kZeroChecksum = "00000000";

/// `value` as 8 lowercase hex digits.
std::string hex8(uint32_t value);
/// `name` between single quotes, for messages.
std::string quoted(const std::string& name);
/// `length` as the 8 little-endian bytes that start a safetensors file.
std::array<unsigned char, 8> length_bytes(uint64_t length);

/// The offset of the checksum's 8 digits in compact header JSON, where the writer put them:
/// the text "checksum":"<8 characters>" occurs once (a metadata key is unique, and quotes
/// inside any other string are escaped). std::string_view::npos if it occurs zero times or
/// more than once.
inline size_t checksum_digits_at(std::string_view header) {
    constexpr std::string_view key = "\"checksum\":\"";
    const size_t first = header.find(key);
    if (first == std::string_view::npos || header.find(key, first + 1) != std::string_view::npos ||
        first + key.size() + 9 > header.size() || header[first + key.size() + 8] != '"') {
        return std::string_view::npos;
    }
    return first + key.size();
}

}  // namespace ag::io::detail

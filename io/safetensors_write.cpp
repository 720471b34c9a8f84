// io/safetensors_write.cpp — CRC-32, and writing a safetensors file.
//
// Sections: CRC-32; writing (check names and values, lay out the data section, build the
// header with a zero checksum, checksum the whole file, fill the checksum in, write it
// atomically).
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "io/json.h"
#include "io/safetensors.h"
#include "io/safetensors_detail.h"

namespace ag::io {

// Tensor bytes go to and from the file with memcpy, which writes the little-endian layout the
// format requires only on a little-endian machine (x86-64, ARM64 as configured by every OS).
static_assert(std::endian::native == std::endian::little,
              "io/safetensors assumes a little-endian machine");

// ---- CRC-32 ---------------------------------------------------------------------------------
//
// The CRC is the remainder of dividing the data, as a polynomial over GF(2), by the IEEE
// polynomial (0x04C11DB7; 0xEDB88320 with its bits reversed, as CRC-32 processes the low bit of
// each byte first). The table holds that remainder for every byte value, so the loop advances
// eight bits per step instead of one.

namespace {

constexpr std::array<uint32_t, 256> make_crc_table() {
    std::array<uint32_t, 256> table{};
    for (uint32_t byte = 0; byte < 256; ++byte) {
        uint32_t remainder = byte;
        for (int bit = 0; bit < 8; ++bit) {
            remainder = (remainder & 1) ? (remainder >> 1) ^ 0xEDB88320u : remainder >> 1;
        }
        table[byte] = remainder;
    }
    return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

}  // namespace

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    crc = ~crc;  // the standard CRC-32 starts from all ones and inverts the result
    for (size_t i = 0; i < size; ++i) crc = kCrcTable[(crc ^ bytes[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

namespace detail {

std::string hex8(uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(value));
    return text;
}

std::string quoted(const std::string& name) { return "'" + name + "'"; }

std::array<unsigned char, 8> length_bytes(uint64_t length) {
    std::array<unsigned char, 8> bytes{};  // little-endian, byte by byte
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(length >> (8 * i));
    return bytes;
}

}  // namespace detail

// ---- writing ----------------------------------------------------------------------------------

namespace {

using detail::quoted;

// One tensor's place in the data section.
struct Blob {
    std::string name;
    const char* dtype;
    Shape shape;
    const void* bytes;
    uint64_t size;  // in bytes
};

void check_name(const std::string& path, const std::string& name,
                std::unordered_set<std::string>& seen) {
    const auto reject = [&](const std::string& why) {
        throw ValueError("save_safetensors: " + path + ": tensor name " + quoted(name) + " " + why);
    };
    if (name.empty()) reject("is empty");
    if (name == "__metadata__") reject("is reserved for the metadata");
    if (!json::is_valid_utf8(name)) reject("is not valid UTF-8");
    if (!seen.insert(name).second) reject("appears twice");
}

void check_finite(const std::string& path, const std::string& name, const Tensor& tensor) {
    const float* values = tensor.data();
    for (int64_t i = 0; i < tensor.numel(); ++i) {
        if (!std::isfinite(values[i])) {
            throw ValueError("save_safetensors: " + path + ": tensor " + quoted(name) + " holds " +
                             std::to_string(values[i]) + " at element " + std::to_string(i) +
                             " (a checkpoint keeps finite values only)");
        }
    }
}

json::Value header_entry(const Blob& blob, uint64_t offset) {
    json::Value shape = json::Value::array();
    for (int64_t size : blob.shape.sizes()) shape.push_back(json::Value::number(size));
    json::Value offsets = json::Value::array();
    offsets.push_back(json::Value::number(static_cast<int64_t>(offset)));
    offsets.push_back(json::Value::number(static_cast<int64_t>(offset + blob.size)));
    json::Value entry = json::Value::object();
    entry.set("dtype", json::Value::string(blob.dtype));
    entry.set("shape", std::move(shape));
    entry.set("data_offsets", std::move(offsets));
    return entry;
}

}  // namespace

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata,
                      const std::vector<std::pair<std::string, IndexTensor>>& indices) {
    for (const char* reserved : {"format", "format_version", "checksum"}) {
        if (metadata.count(reserved) > 0) {
            throw ValueError("save_safetensors: " + path + ": metadata key '" + reserved +
                             "' is reserved (attograd writes it)");
        }
    }
    // Lay out the data section: the 8-byte integers first, then the floats, so every tensor
    // starts at a multiple of its element size (the header is padded to keep the data section
    // itself 8-byte aligned), as the reference serializer does.
    std::unordered_set<std::string> seen;
    std::vector<Blob> blobs;
    for (const auto& [name, index] : indices) {
        check_name(path, name, seen);
        blobs.push_back({name, "I64", index.shape(), index.data(),
                         static_cast<uint64_t>(index.numel()) * sizeof(int64_t)});
    }
    for (const auto& [name, tensor] : tensors) {
        check_name(path, name, seen);
        if (!tensor.defined()) {
            throw ValueError("save_safetensors: " + path + ": tensor " + quoted(name) +
                             " is undefined");
        }
        check_finite(path, name, tensor);
        blobs.push_back({name, "F32", tensor.shape(), tensor.data(),
                         static_cast<uint64_t>(tensor.numel()) * sizeof(float)});
    }

    // The header, with the checksum's digits at zero for now.
    json::Value metadata_object = json::Value::object();  // std::map: sorted keys
    std::map<std::string, std::string> all_metadata = metadata;
    all_metadata["format"] = std::string(kFormat);
    all_metadata["format_version"] = std::to_string(kFormatVersion);
    all_metadata["checksum"] = detail::kZeroChecksum;
    for (const auto& [key, value] : all_metadata) {
        if (!json::is_valid_utf8(key) || !json::is_valid_utf8(value)) {
            throw ValueError("save_safetensors: " + path + ": metadata " + quoted(key) +
                             " is not valid UTF-8");
        }
        metadata_object.set(key, json::Value::string(value));
    }
    json::Value header = json::Value::object();
    header.set("__metadata__", std::move(metadata_object));
    uint64_t offset = 0;
    for (const Blob& blob : blobs) {
        header.set(blob.name, header_entry(blob, offset));
        offset += blob.size;
    }
    std::string header_text = json::write(header);
    header_text.resize((header_text.size() + 7) / 8 * 8, ' ');  // pad to a multiple of 8

    // The checksum of the whole file as it would be with zero digits, then the digits.
    const auto length = detail::length_bytes(header_text.size());
    uint32_t checksum = crc32(length.data(), length.size());
    checksum = crc32(header_text.data(), header_text.size(), checksum);
    for (const Blob& blob : blobs) {
        if (blob.size > 0) checksum = crc32(blob.bytes, blob.size, checksum);
    }
    const size_t digits = detail::checksum_digits_at(header_text);
    header_text.replace(digits, 8, detail::hex8(checksum));

    std::vector<Bytes> pieces{{length.data(), length.size()},
                              {header_text.data(), header_text.size()}};
    for (const Blob& blob : blobs) pieces.push_back({blob.bytes, blob.size});
    try {
        write_file_atomically(path, pieces, "save_safetensors");
    } catch (const FileError& e) {
        throw CheckpointError(e.what());
    }
}

}  // namespace ag::io

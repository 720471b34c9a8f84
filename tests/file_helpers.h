// tests/file_helpers.h — what the file-format tests share: a temporary folder, raw bytes in
// and out, a safetensors file built by hand, and the message of the CheckpointError thrown.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "catch.h"
#include "core/random.h"
#include "core/tensor.h"
#include "io/safetensors.h"

namespace test {

using namespace ag;
using ag::io::CheckpointError;
namespace fs = std::filesystem;

inline Tensor random_tensor(const Shape& shape, uint64_t seed) {
    Generator generator(seed);
    return randn(shape, generator);
}

// A fresh directory under the system's temporary directory, removed with its contents.
struct TempDir {
    fs::path root;
    TempDir() {
        root = fs::temp_directory_path() /
               ("attograd_test_" + std::to_string(std::random_device{}()));
        fs::create_directories(root);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(root, ignored);
    }
    std::string file(const std::string& name) const { return (root / name).string(); }
};

inline std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

// A safetensors file: the 8-byte little-endian header length, the header, the data.
inline std::string make_file(const std::string& header, const std::string& data = "") {
    std::string bytes;
    for (int i = 0; i < 8; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
    return bytes + header + data;
}

// The message of the CheckpointError that `action` throws.
template <typename Action>
std::string checkpoint_error(Action&& action) {
    try {
        action();
    } catch (const CheckpointError& e) {
        return e.what();
    }
    FAIL("expected a CheckpointError");
    return "";
}

/// Whether a and b have the same shape and the same bits (NaN == NaN, -0 != 0).
inline bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           (a.numel() == 0 || std::memcmp(a.data(), b.data(), a.numel() * sizeof(float)) == 0);
}

}  // namespace test

// io/safetensors_read.cpp — reading a safetensors file, checking everything before use.
//
// The order: open (regular files only); the header length against the file size; the JSON
// header entry by entry; what the metadata says the file is (attograd's, which version); the
// offsets against each other and the file size; then the data, front to back, checksummed on
// the way; last the checksum and, for attograd's files, that every float is finite.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "io/json.h"
#include "io/safetensors.h"
#include "io/safetensors_detail.h"

namespace ag::io {

namespace {

using detail::quoted;

enum class Dtype { F32, F64, I64 };

// A double rounded to float. Casting a double beyond float's range is undefined behaviour in
// C++, so those become +-infinity explicitly, as IEEE rounding would make them.
float to_float(double value) {
    constexpr double largest = std::numeric_limits<float>::max();
    if (value > largest) return std::numeric_limits<float>::infinity();
    if (value < -largest) return -std::numeric_limits<float>::infinity();
    return static_cast<float>(value);  // NaN stays NaN
}

// One checked header entry.
struct Entry {
    std::string name;
    Dtype dtype;
    std::vector<int64_t> shape;
    uint64_t begin, end;  // [begin, end) in the data section
};

// The reader's state: which function is reading which file, for error messages.
class Reader {
public:
    Reader(const std::string& path, const ReadOptions& options) : path_(path), options_(options) {}

    SafetensorsFile read() {
        OpenFile opened;
        try {
            opened = open_regular_file(path_, options_.caller);
        } catch (const FileError& e) {
            throw CheckpointError(e.what());
        }
        std::FILE* file = opened.file.get();
        const uint64_t file_size = opened.size;

        // The header length, then the header: both checked against the file's size before any
        // allocation, so a garbage length cannot ask for 2^63 bytes.
        if (file_size < 8) {
            problem("not a safetensors file (" + std::to_string(file_size) +
                    " bytes, shorter than the 8-byte header length)");
        }
        unsigned char length_bytes[8];
        read_exactly(file, length_bytes, 8, "the header length");
        uint64_t header_length = 0;
        for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | length_bytes[i];
        if (header_length > file_size - 8) {
            problem("not a safetensors file (header length " + std::to_string(header_length) +
                    " exceeds file size " + std::to_string(file_size) + ")");
        }
        std::string header_text(header_length, '\0');
        read_exactly(file, header_text.data(), header_length, "the header");

        SafetensorsFile result;
        std::vector<Entry> entries = parse_header(header_text, result.metadata);
        attograds_ = check_format(result.metadata);
        check_layout(entries, file_size - 8 - header_length);
        if (attograds_) start_checksum(length_bytes, header_text, result.metadata);
        read_data(file, entries, result);
        if (attograds_) check_checksum_and_values(result);
        return result;
    }

private:
    [[noreturn]] void problem(const std::string& what) const {
        throw CheckpointError(std::string(options_.caller) + ": " + path_ + ": " + what);
    }

    void read_exactly(std::FILE* file, void* out, uint64_t size, const std::string& what) const {
        if (size > 0 && std::fread(out, 1, size, file) != size) {
            problem("truncated while reading " + what +
                    (std::ferror(file) ? std::string(": ") + std::strerror(errno) : ""));
        }
    }

    std::vector<Entry> parse_header(const std::string& text,
                                    std::map<std::string, std::string>& metadata) const {
        json::Value header;
        try {
            header = json::parse(text);
        } catch (const json::JsonError& e) {
            problem("malformed JSON header at byte " + std::to_string(e.offset()) + ": " +
                    e.problem());
        }
        if (!header.is_object()) problem("the JSON header is not an object");
        std::vector<Entry> entries;
        for (const auto& [name, value] : header.as_object()) {
            if (name == "__metadata__") {
                if (!value.is_object()) problem("\"__metadata__\" is not an object");
                for (const auto& [key, text_value] : value.as_object()) {
                    if (!text_value.is_string()) {
                        problem("metadata value " + quoted(key) + " is not a string");
                    }
                    metadata[key] = text_value.as_string();
                }
            } else {
                entries.push_back(parse_entry(name, value));
            }
        }
        return entries;
    }

    // One tensor's entry: {"dtype": "F32", "shape": [2,3], "data_offsets": [0, 24]}.
    Entry parse_entry(const std::string& name, const json::Value& value) const {
        const std::string tensor = "tensor " + quoted(name);
        if (!value.is_object()) problem(tensor + ": entry is not an object");
        const json::Value* dtype = value.find("dtype");
        const json::Value* shape = value.find("shape");
        const json::Value* offsets = value.find("data_offsets");
        if (!dtype || !dtype->is_string()) problem(tensor + " has no \"dtype\" string");
        if (!shape || !shape->is_array()) problem(tensor + " has no \"shape\" array");
        if (!offsets || !offsets->is_array()) problem(tensor + " has no \"data_offsets\" array");

        Entry entry{name, Dtype::F32, {}, 0, 0};
        uint64_t element_size = 4;
        if (dtype->as_string() == "F64") {
            entry.dtype = Dtype::F64, element_size = 8;
        } else if (dtype->as_string() == "I64") {
            entry.dtype = Dtype::I64, element_size = 8;
        } else if (dtype->as_string() != "F32") {
            problem(tensor + " has unsupported dtype '" + dtype->as_string() +
                    "' (attograd reads F32, F64 and I64)");
        }
        // Count the bytes the shape needs, refusing a product that overflows. Sizes of 0 are
        // left out of the product and zero it at the end, so that every partial product that
        // Shape::numel() computes later is known to fit too.
        uint64_t bytes = element_size;
        bool empty = false;
        for (const json::Value& size : shape->as_array()) {
            const std::optional<int64_t> n = size.as_int64();
            if (!n || *n < 0) problem(tensor + " has a shape entry that is not an integer >= 0");
            entry.shape.push_back(*n);
            if (*n == 0) {
                empty = true;
            } else if (static_cast<uint64_t>(*n) > (uint64_t{1} << 62) / bytes) {
                problem(tensor + " has a shape with too many elements");
            } else {
                bytes *= static_cast<uint64_t>(*n);
            }
        }
        if (empty) bytes = 0;
        const auto& range = offsets->as_array();
        const std::optional<int64_t> begin = range.size() == 2 ? range[0].as_int64() : std::nullopt;
        const std::optional<int64_t> end = range.size() == 2 ? range[1].as_int64() : std::nullopt;
        if (!begin || !end || *begin < 0 || *end < *begin) {
            problem(tensor +
                    " has bad data_offsets (expected [begin, end] with 0 <= begin <= end)");
        }
        entry.begin = static_cast<uint64_t>(*begin);
        entry.end = static_cast<uint64_t>(*end);
        if (entry.end - entry.begin != bytes) {
            problem(tensor + " has shape " + Shape(entry.shape).to_string() + " and dtype " +
                    dtype->as_string() + " (" + std::to_string(bytes) +
                    " bytes) but data_offsets [" + std::to_string(entry.begin) + "," +
                    std::to_string(entry.end) + "] span " +
                    std::to_string(entry.end - entry.begin) + " bytes");
        }
        return entry;
    }

    // Whether the file is attograd's (then fully checked), refusing one of another version,
    // and one from elsewhere unless the caller accepts it.
    bool check_format(const std::map<std::string, std::string>& metadata) const {
        const auto format = metadata.find("format");
        const bool ours = format != metadata.end() && format->second == kFormat;
        // A file with attograd's marks is checked in full, even with from_elsewhere: a format
        // that starts with "attograd", or both a format_version and a checksum. One flipped
        // bit can spoil one mark but not both, so it cannot make a damaged checkpoint pass for
        // a foreign file and skip its checksum.
        const bool looks_ours =
            ours || (format != metadata.end() && format->second.starts_with("attograd")) ||
            (metadata.count("format_version") != 0 && metadata.count("checksum") != 0);
        const std::string what = format == metadata.end()
                                     ? std::string("no \"format\" in its metadata")
                                     : "format '" + format->second + "'";
        if (!looks_ours) {
            if (options_.from_elsewhere) return false;
            problem("not an attograd checkpoint (" + what +
                    "); a safetensors file from elsewhere loads with from_elsewhere");
        }
        if (!ours) {
            problem("damaged: it has attograd's marks but " + what + ", expected '" +
                    std::string(kFormat) + "'");
        }
        const auto version = metadata.find("format_version");
        const std::string found = version == metadata.end() ? "(none)" : version->second;
        if (found != std::to_string(kFormatVersion)) {
            problem("format version " + found + ", expected " + std::to_string(kFormatVersion));
        }
        if (metadata.count("checksum") == 0) problem("no checksum in the metadata");
        return true;
    }

    // The checksum covers the length bytes and the header with the checksum's digits at zero.
    void start_checksum(const unsigned char (&length)[8], std::string header,
                        const std::map<std::string, std::string>& metadata) {
        const size_t digits = detail::checksum_digits_at(header);
        if (digits == std::string::npos || header.compare(digits, 8, metadata.at("checksum"))) {
            problem("the checksum is not 8 hex digits where attograd writes it");
        }
        header.replace(digits, 8, detail::kZeroChecksum);
        checksum_ = crc32(length, 8);
        checksum_ = crc32(header.data(), header.size(), checksum_);
    }

    // Sorts the entries by offset and checks that they tile the data section exactly: no
    // overlap (two tensors sharing bytes), no gap, nothing beyond the end of the file.
    void check_layout(std::vector<Entry>& entries, uint64_t data_size) const {
        std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        const auto range = [](const Entry& e) {
            return "[" + std::to_string(e.begin) + "," + std::to_string(e.end) + "]";
        };
        uint64_t covered = 0;
        for (size_t i = 0; i < entries.size(); ++i) {
            const Entry& entry = entries[i];
            if (entry.begin < covered) {
                const Entry& previous = entries[i - 1];
                problem("tensors " + quoted(previous.name) + " " + range(previous) + " and " +
                        quoted(entry.name) + " " + range(entry) + " have overlapping data_offsets");
            }
            if (entry.begin > covered) {
                problem("gap in the data section: bytes " + std::to_string(covered) + " to " +
                        std::to_string(entry.begin) + " before tensor " + quoted(entry.name) +
                        " belong to no tensor");
            }
            covered = entry.end;
        }
        if (covered > data_size) {
            problem("truncated: header says " + std::to_string(covered) +
                    " bytes of data, file has " + std::to_string(data_size));
        }
        if (covered < data_size) {
            problem("the data section has " + std::to_string(data_size) +
                    " bytes but the header describes only " + std::to_string(covered));
        }
    }

    // Reads every tensor, in offset order (the data section is read once, front to back),
    // continuing the checksum on the way.
    void read_data(std::FILE* file, const std::vector<Entry>& entries, SafetensorsFile& out) {
        for (const Entry& entry : entries) {
            const std::string what = "tensor " + quoted(entry.name);
            const uint64_t size = entry.end - entry.begin;
            const Shape shape(entry.shape);
            if (entry.dtype == Dtype::I64) {
                std::vector<int64_t> values(static_cast<size_t>(shape.numel()));
                read_exactly(file, values.data(), size, what);
                checksum_ = crc32(values.data(), size, checksum_);
                out.indices.emplace_back(entry.name, IndexTensor(std::move(values), shape));
                continue;
            }
            Tensor tensor(shape);
            if (entry.dtype == Dtype::F32) {
                read_exactly(file, tensor.data(), size, what);
                checksum_ = crc32(tensor.data(), size, checksum_);
            } else {  // F64: read the doubles, then round each to the nearest float
                std::vector<double> values(static_cast<size_t>(shape.numel()));
                read_exactly(file, values.data(), size, what);
                checksum_ = crc32(values.data(), size, checksum_);
                std::transform(values.begin(), values.end(), tensor.data(), to_float);
            }
            out.tensors.emplace_back(entry.name, tensor);
        }
    }

    void check_checksum_and_values(const SafetensorsFile& file) const {
        const std::string& stored = file.metadata.at("checksum");
        if (stored != detail::hex8(checksum_)) {
            problem("checksum mismatch: file is corrupt (metadata says " + stored +
                    ", the file has " + detail::hex8(checksum_) + ")");
        }
        for (const auto& [name, tensor] : file.tensors) {
            const float* values = tensor.data();
            for (int64_t i = 0; i < tensor.numel(); ++i) {
                if (!std::isfinite(values[i])) {
                    problem("tensor " + quoted(name) + " holds " + std::to_string(values[i]) +
                            " at element " + std::to_string(i) + " (not a finite number)");
                }
            }
        }
    }

    const std::string& path_;
    const ReadOptions& options_;
    bool attograds_ = false;
    uint32_t checksum_ = 0;
};

}  // namespace

SafetensorsFile read_safetensors(const std::string& path, const ReadOptions& options) {
    return Reader(path, options).read();
}

const Tensor& SafetensorsFile::tensor(const std::string& name) const {
    for (const auto& [key, value] : tensors) {
        if (key == name) return value;
    }
    throw CheckpointError("SafetensorsFile::tensor: no tensor " + quoted(name) +
                          (std::any_of(indices.begin(), indices.end(),
                                       [&](const auto& entry) { return entry.first == name; })
                               ? " (there is an index tensor of that name)"
                               : ""));
}

const IndexTensor& SafetensorsFile::index_tensor(const std::string& name) const {
    for (const auto& [key, value] : indices) {
        if (key == name) return value;
    }
    throw CheckpointError("SafetensorsFile::index_tensor: no index tensor " + quoted(name));
}

}  // namespace ag::io

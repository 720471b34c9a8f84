// nn/checkpoint.cpp — safetensors writing and reading, and loading them into a Module.
//
// Sections: CRC-32; writing (lay out the data section, build the header, write a temporary
// file and rename it); reading (check the header entry by entry, then the offsets against each
// other and the file size, then read the data and verify the checksum); loading into a Module.
#include "nn/checkpoint.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "nn/json.h"

#if defined(_WIN32)
#include <io.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace ag::nn {

// Tensor bytes go to and from the file with memcpy, which writes the little-endian layout the
// format requires only on a little-endian machine (x86-64, ARM64 as configured by every OS).
static_assert(std::endian::native == std::endian::little,
              "checkpoint.cpp assumes a little-endian machine");

namespace {

constexpr const char* kFormat = "attograd-checkpoint";
constexpr const char* kFormatVersion = "1";
constexpr size_t kListedPerKind = 4;  // mismatches listed by name in an error, per kind

[[noreturn]] void fail(std::string_view function, const std::string& path,
                       const std::string& problem) {
    throw CheckpointError(std::string(function) + ": " + path + ": " + problem);
}

std::string quoted(const std::string& name) { return "'" + name + "'"; }

std::string hex8(uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(value));
    return text;
}

// ---- CRC-32 ---------------------------------------------------------------------------------
//
// The CRC is the remainder of dividing the data, as a polynomial over GF(2), by the IEEE
// polynomial (0x04C11DB7; 0xEDB88320 with its bits reversed, as CRC-32 processes the low bit of
// each byte first). The table holds that remainder for every byte value, so the loop advances
// eight bits per step instead of one.

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

// ---- writing ----------------------------------------------------------------------------------

namespace {

// One tensor's place in the data section.
struct Blob {
    std::string name;
    const char* dtype;
    Shape shape;
    const void* bytes;
    uint64_t size;  // in bytes
};

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Forces the file's data from the OS cache to the disk, so that a power cut after the rename
// cannot leave a renamed but empty file.
bool sync_to_disk(std::FILE* file) {
#if defined(_WIN32)
    return _commit(_fileno(file)) == 0;
#else
    return fsync(fileno(file)) == 0;
#endif
}

// Forces the directory entry made by the rename to the disk as well.
void sync_directory_of(const std::string& path) {
#if !defined(_WIN32)
    std::string directory = std::filesystem::path(path).parent_path().string();
    if (directory.empty()) directory = ".";
    const int fd = open(directory.c_str(), O_RDONLY);
    if (fd >= 0) {
        fsync(fd);  // best effort: some file systems do not sync directories
        close(fd);
    }
#else
    (void)path;
#endif
}

// Writes the file under path + ".tmp", syncs it, then renames it over `path`: a crash at any
// point leaves either the old file or the new one, never a half-written one at `path`.
void write_atomically(const std::string& path, const std::string& header,
                      const std::vector<Blob>& blobs) {
    const std::string temp_path = path + ".tmp";
    FilePtr file(std::fopen(temp_path.c_str(), "wb"));
    const auto give_up = [&](const std::string& what) {
        const int error = errno;
        file.reset();
        std::remove(temp_path.c_str());
        fail("save_safetensors", path, what + ": " + std::strerror(error));
    };
    if (!file) give_up("cannot create " + temp_path);

    unsigned char length[8];  // the header length, little-endian byte by byte
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(header.size() >> (8 * i));
    bool ok = std::fwrite(length, 1, 8, file.get()) == 8 &&
              std::fwrite(header.data(), 1, header.size(), file.get()) == header.size();
    for (const Blob& blob : blobs) {
        if (ok && blob.size > 0) {
            ok = std::fwrite(blob.bytes, 1, blob.size, file.get()) == blob.size;
        }
    }
    if (!ok) give_up("cannot write " + temp_path);
    if (std::fflush(file.get()) != 0 || !sync_to_disk(file.get())) {
        give_up("cannot flush " + temp_path);
    }
    if (std::fclose(file.release()) != 0) give_up("cannot close " + temp_path);
    // std::filesystem::rename replaces an existing `path` atomically on POSIX and Windows alike
    // (std::rename fails on Windows when the target exists).
    std::error_code error;
    std::filesystem::rename(temp_path, path, error);
    if (error) {
        std::remove(temp_path.c_str());
        fail("save_safetensors", path,
             "cannot rename " + temp_path + " to " + path + ": " + error.message());
    }
    sync_directory_of(path);
}

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
        blobs.push_back({name, "F32", tensor.shape(), tensor.data(),
                         static_cast<uint64_t>(tensor.numel()) * sizeof(float)});
    }

    uint32_t checksum = 0;
    for (const Blob& blob : blobs) {
        if (blob.size > 0) checksum = crc32(blob.bytes, blob.size, checksum);
    }

    json::Value metadata_object = json::Value::object();  // std::map: sorted keys
    std::map<std::string, std::string> all_metadata = metadata;
    all_metadata["format"] = kFormat;
    all_metadata["format_version"] = kFormatVersion;
    all_metadata["checksum"] = hex8(checksum);
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
        json::Value shape = json::Value::array();
        for (int64_t size : blob.shape.sizes()) shape.push_back(json::Value::number(size));
        json::Value offsets = json::Value::array();
        offsets.push_back(json::Value::number(static_cast<int64_t>(offset)));
        offsets.push_back(json::Value::number(static_cast<int64_t>(offset + blob.size)));
        json::Value entry = json::Value::object();
        entry.set("dtype", json::Value::string(blob.dtype));
        entry.set("shape", std::move(shape));
        entry.set("data_offsets", std::move(offsets));
        header.set(blob.name, std::move(entry));
        offset += blob.size;
    }
    std::string header_text = json::write(header);
    header_text.resize((header_text.size() + 7) / 8 * 8, ' ');  // pad to a multiple of 8
    write_atomically(path, header_text, blobs);
}

// ---- reading ----------------------------------------------------------------------------------

namespace {

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
    Reader(std::string_view function, const std::string& path) : function_(function), path_(path) {}

    SafetensorsFile read() {
        FilePtr file(std::fopen(path_.c_str(), "rb"));
        if (!file) fail(function_, path_, std::string("cannot open: ") + std::strerror(errno));
        std::error_code error;
        const uint64_t file_size = std::filesystem::file_size(path_, error);
        if (error) fail(function_, path_, "cannot read: " + error.message());

        // The header length, then the header: both checked against the file's size before any
        // allocation, so a garbage length cannot ask for 2^63 bytes.
        if (file_size < 8) {
            problem("not a safetensors file (" + std::to_string(file_size) +
                    " bytes, shorter than the 8-byte header length)");
        }
        unsigned char length_bytes[8];
        read_exactly(file.get(), length_bytes, 8, "the header length");
        uint64_t header_length = 0;
        for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | length_bytes[i];
        if (header_length > file_size - 8) {
            problem("not a safetensors file (header length " + std::to_string(header_length) +
                    " exceeds file size " + std::to_string(file_size) + ")");
        }
        std::string header_text(header_length, '\0');
        read_exactly(file.get(), header_text.data(), header_length, "the header");

        SafetensorsFile result;
        std::vector<Entry> entries = parse_header(header_text, result.metadata);
        check_layout(entries, file_size - 8 - header_length);
        read_data(file.get(), entries, result);
        check_checksum_and_format(result.metadata);
        return result;
    }

private:
    [[noreturn]] void problem(const std::string& what) const { fail(function_, path_, what); }

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

    // Sorts the entries by offset and checks that they tile the data section exactly: no
    // overlap (two tensors sharing bytes), no gap, nothing beyond the end of the file.
    void check_layout(std::vector<Entry>& entries, uint64_t data_size) const {
        std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        uint64_t covered = 0;
        for (size_t i = 0; i < entries.size(); ++i) {
            const Entry& entry = entries[i];
            const auto range = [](const Entry& e) {
                return "[" + std::to_string(e.begin) + "," + std::to_string(e.end) + "]";
            };
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
    // computing the CRC-32 of the data section on the way.
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

    void check_checksum_and_format(const std::map<std::string, std::string>& metadata) const {
        const auto format = metadata.find("format");
        const auto version = metadata.find("format_version");
        if (format != metadata.end() && format->second == kFormat &&
            (version == metadata.end() || version->second != kFormatVersion)) {
            problem("unsupported format_version '" +
                    (version == metadata.end() ? std::string("(none)") : version->second) +
                    "' (this attograd reads version " + kFormatVersion + ")");
        }
        const auto stored = metadata.find("checksum");
        if (stored == metadata.end()) return;  // written by another program: nothing to check
        std::string expected = stored->second;
        std::transform(expected.begin(), expected.end(), expected.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (expected != hex8(checksum_)) {
            problem("checksum mismatch: file is corrupt (metadata says " + stored->second +
                    ", the data has " + hex8(checksum_) + ")");
        }
    }

    std::string_view function_;
    const std::string& path_;
    uint32_t checksum_ = 0;
};

}  // namespace

SafetensorsFile read_safetensors(const std::string& path) {
    return Reader("read_safetensors", path).read();
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

// ---- loading into a Module ------------------------------------------------------------------

void save_checkpoint(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata) {
    save_safetensors(path, module.named_parameters(), metadata);
}

namespace {

bool is_optimizer_state(const std::string& name) { return name.starts_with(kOptimizerPrefix); }

// "a; b; c; d; and 3 more <kind>": the first few problems of one kind, and how many more.
void list_problems(const std::vector<std::string>& problems, const std::string& kind,
                   std::vector<std::string>& out) {
    for (size_t i = 0; i < problems.size() && i < kListedPerKind; ++i) out.push_back(problems[i]);
    if (problems.size() > kListedPerKind) {
        out.push_back("and " + std::to_string(problems.size() - kListedPerKind) + " more " + kind);
    }
}

void copy_into(Tensor& parameter, const Tensor& source) {
    if (parameter.numel() > 0) {
        std::memcpy(parameter.data(), source.data(), parameter.numel() * sizeof(float));
    }
}

// A file's float tensors by name, and the names of its index tensors.
struct FileNames {
    explicit FileNames(const SafetensorsFile& file) {
        for (const auto& [name, tensor] : file.tensors) tensors[name] = &tensor;
        for (const auto& [name, index] : file.indices) indices.insert(name);
    }
    std::unordered_map<std::string, const Tensor*> tensors;
    std::unordered_set<std::string> indices;
};

}  // namespace

void load_checkpoint(Module& module, const std::string& path) {
    const SafetensorsFile file = Reader("load_checkpoint", path).read();
    const FileNames in_file(file);

    // Compare names, dtypes and shapes; collect every problem before reporting any.
    std::vector<std::string> missing, unexpected, mismatched;
    std::unordered_set<std::string> parameter_names;
    const auto parameters = module.named_parameters();
    for (const auto& [name, parameter] : parameters) {
        parameter_names.insert(name);
        const auto found = in_file.tensors.find(name);
        if (found != in_file.tensors.end()) {
            const Shape& stored = found->second->shape();
            if (!(stored == parameter.shape())) {
                mismatched.push_back("tensor " + quoted(name) + " has shape " + stored.to_string() +
                                     ", the model expects " + parameter.shape().to_string());
            }
        } else if (in_file.indices.count(name) > 0) {
            mismatched.push_back("tensor " + quoted(name) +
                                 " has dtype I64, the model expects a float tensor");
        } else {
            missing.push_back("missing tensor " + quoted(name));
        }
    }
    const auto check_unexpected = [&](const std::string& name) {
        if (!is_optimizer_state(name) && parameter_names.count(name) == 0) {
            unexpected.push_back("unexpected tensor " + quoted(name));
        }
    };
    for (const auto& entry : file.tensors) check_unexpected(entry.first);
    for (const auto& entry : file.indices) check_unexpected(entry.first);

    std::vector<std::string> problems;
    list_problems(mismatched, "mismatched tensors", problems);
    list_problems(missing, "missing tensors", problems);
    list_problems(unexpected, "unexpected tensors", problems);
    if (!problems.empty()) {
        std::string message;
        for (const std::string& p : problems) message += (message.empty() ? "" : "; ") + p;
        fail("load_checkpoint", path, message);
    }
    // Everything matches: only now touch the model.
    for (auto [name, parameter] : parameters) copy_into(parameter, *in_file.tensors.at(name));
}

LoadReport load_checkpoint_partial(Module& module, const std::string& path) {
    const SafetensorsFile file = Reader("load_checkpoint_partial", path).read();
    const FileNames in_file(file);

    LoadReport report;
    std::unordered_set<std::string> loaded;
    for (auto [name, parameter] : module.named_parameters()) {
        const auto found = in_file.tensors.find(name);
        if (found != in_file.tensors.end() && found->second->shape() == parameter.shape()) {
            copy_into(parameter, *found->second);
            report.loaded.push_back(name);
            loaded.insert(name);
        } else if (found == in_file.tensors.end() && in_file.indices.count(name) == 0) {
            report.missing.push_back(name);
        }
    }
    const auto skip_unless_loaded = [&](const std::string& name) {
        if (!is_optimizer_state(name) && loaded.count(name) == 0) report.skipped.push_back(name);
    };
    for (const auto& entry : file.tensors) skip_unless_loaded(entry.first);
    for (const auto& entry : file.indices) skip_unless_loaded(entry.first);
    return report;
}

}  // namespace ag::nn

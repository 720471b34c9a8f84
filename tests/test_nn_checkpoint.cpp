// tests/test_nn_checkpoint.cpp — safetensors checkpoints and the JSON reader behind them
// (nn/checkpoint.h, nn/json.h).
//
// Most corruption tests build a file by hand with make_file(header, data), so each one changes
// exactly one thing. To check by hand that Python reads our files, see
// tests/reference/check_safetensors.py.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "catch.h"
#include "core/random.h"
#include "nn/checkpoint.h"
#include "nn/json.h"

using namespace ag;
using namespace ag::nn;
namespace fs = std::filesystem;

namespace {

Tensor random_tensor(const Shape& shape, uint64_t seed) {
    Generator generator(seed);
    return randn(shape, generator);
}

// y = decoder(encoder(x)) * scale, in miniature: "scale", "encoder.weight", "encoder.bias",
// "decoder.weight", "decoder.bias".
struct Affine : Module {
    Tensor weight, bias;
    Affine(int64_t out, int64_t in, uint64_t seed) {
        weight = register_parameter("weight", random_tensor({out, in}, seed));
        bias = register_parameter("bias", random_tensor({out}, seed + 1));
    }
};
struct TinyModel : Module {
    Affine encoder, decoder;
    Tensor scale;
    explicit TinyModel(uint64_t seed, int64_t width = 4)
        : encoder(width, 3, seed), decoder(2, width, seed + 2) {
        scale = register_parameter("scale", scalar(0.5f + static_cast<float>(seed)));
        register_module("encoder", encoder);
        register_module("decoder", decoder);
    }
};

// A fresh directory under the system's temporary directory, removed with its contents.
struct TempDir {
    fs::path root;
    TempDir() {
        root = fs::temp_directory_path() /
               ("attograd_checkpoint_test_" + std::to_string(std::random_device{}()));
        fs::create_directories(root);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(root, ignored);
    }
    std::string file(const std::string& name) const { return (root / name).string(); }
};

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

// A safetensors file: the 8-byte little-endian header length, the header, the data.
std::string make_file(const std::string& header, const std::string& data = "") {
    std::string bytes;
    for (int i = 0; i < 8; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
    return bytes + header + data;
}

// Every parameter's bits, to check "untouched" exactly (NaN != NaN, -0 == 0 for floats).
std::vector<std::vector<uint32_t>> bits_of(const Module& module) {
    std::vector<std::vector<uint32_t>> bits;
    for (const Tensor& t : module.parameters()) {
        bits.emplace_back(static_cast<size_t>(t.numel()));
        if (t.numel() > 0) std::memcpy(bits.back().data(), t.data(), t.numel() * sizeof(float));
    }
    return bits;
}

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           (a.numel() == 0 || std::memcmp(a.data(), b.data(), a.numel() * sizeof(float)) == 0);
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

}  // namespace

// ---- CRC-32 and JSON ----------------------------------------------------------------------------

TEST_CASE("crc32 gives the IEEE check value and can be computed in pieces", "[nn][checkpoint]") {
    const std::string text = "123456789";
    REQUIRE(crc32(text.data(), text.size()) == 0xCBF43926u);
    REQUIRE(crc32(nullptr, 0) == 0u);
    REQUIRE(crc32(text.data() + 4, 5, crc32(text.data(), 4)) == 0xCBF43926u);
}

TEST_CASE("json parses, keeps key order and integers exactly, and writes back", "[nn][json]") {
    const json::Value v = json::parse(
        R"( {"b": [1, -2, 9007199254740993, 1.5e3, true, null], "a": "x\"\u00e9\ud83d\ude00\n"} )");
    REQUIRE(v.as_object().size() == 2);
    REQUIRE(v.as_object()[0].first == "b");  // file order, not sorted
    const auto& b = v.find("b")->as_array();
    REQUIRE(b[1].as_int64() == -2);
    REQUIRE(b[2].as_int64() == 9007199254740993);  // 2^53 + 1: a double would round it
    REQUIRE_FALSE(b[3].as_int64().has_value());
    REQUIRE(b[3].as_double() == 1500.0);
    REQUIRE(b[4].as_bool());
    REQUIRE(b[5].is_null());
    REQUIRE(v.find("a")->as_string() == "x\"\xC3\xA9\xF0\x9F\x98\x80\n");
    REQUIRE(json::write(v) ==
            "{\"b\":[1,-2,9007199254740993,1.5e3,true,null],\"a\":"
            "\"x\\\"\xC3\xA9\xF0\x9F\x98\x80\\n\"}");
    REQUIRE(json::write(json::parse(json::write(v))) == json::write(v));
}

TEST_CASE("json rejects malformed text and says where", "[nn][json]") {
    const auto offset_of_error = [](const std::string& text) -> size_t {
        try {
            json::parse(text);
        } catch (const json::JsonError& e) {
            return e.offset();
        }
        FAIL("no JsonError for " << text);
        return 0;
    };
    REQUIRE(offset_of_error(R"({"a" 1})") == 5);           // missing ':'
    REQUIRE(offset_of_error(R"({"a": 1, "a": 2})") == 9);  // duplicate key
    REQUIRE(offset_of_error(R"([1, 2] x)") == 7);          // trailing text
    REQUIRE(offset_of_error(R"([01])") == 2);              // leading zero
    REQUIRE(offset_of_error("\"\xC3\x28\"") == 1);         // invalid UTF-8
    REQUIRE(offset_of_error(R"("\ud800")") == 7);          // lone high surrogate
    REQUIRE(offset_of_error("[1,") == 3);
    REQUIRE(offset_of_error("") == 0);
    REQUIRE(offset_of_error(std::string(100000, '[')) == json::kMaxDepth);  // no stack overflow
    REQUIRE_THROWS_WITH(json::parse("{\"a\" 1}"), Contains("at byte 5") && Contains("':'"));
}

// ---- save_safetensors / read_safetensors --------------------------------------------------------

TEST_CASE("save_safetensors round-trips tensors, index tensors and metadata bit-exactly",
          "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("all.safetensors");
    const float inf = std::numeric_limits<float>::infinity();
    const Tensor special =
        from_vector({-0.0f, inf, -inf, std::nanf("0x123"), 1e-45f, 3.5f}, {2, 3});
    const Tensor scalar_value = scalar(-7.25f);
    const Tensor empty = zeros({0, 3});
    const Tensor big = random_tensor({5, 7}, 3);
    const IndexTensor ids({-1, 0, 1, std::numeric_limits<int64_t>::max(), 42, 7}, {3, 2});
    const IndexTensor no_ids({}, {0});
    const std::map<std::string, std::string> metadata = {
        {"step", "1200"}, {"note", "quotes \" backslash \\ newline \n é"}, {"empty", ""}};
    save_safetensors(
        path, {{"special", special}, {"scalar", scalar_value}, {"empty", empty}, {"big", big}},
        metadata, {{"ids", ids}, {"no_ids", no_ids}});

    const SafetensorsFile file = read_safetensors(path);
    REQUIRE(file.tensors.size() == 4);
    REQUIRE(file.tensors[0].first == "special");  // saved order
    REQUIRE(file.tensors[3].first == "big");
    REQUIRE(same_bits(file.tensor("special"), special));
    REQUIRE(file.tensor("scalar").shape() == Shape{});
    REQUIRE(same_bits(file.tensor("scalar"), scalar_value));
    REQUIRE(file.tensor("empty").shape() == Shape{0, 3});
    REQUIRE(same_bits(file.tensor("big"), big));
    REQUIRE(file.index_tensor("ids").shape() == Shape{3, 2});
    REQUIRE(file.index_tensor("ids").values() == ids.values());
    REQUIRE(file.index_tensor("no_ids").numel() == 0);
    for (const auto& [key, value] : metadata) REQUIRE(file.metadata.at(key) == value);
    REQUIRE(file.metadata.at("format") == "attograd-checkpoint");
    REQUIRE(file.metadata.at("format_version") == "1");
    REQUIRE(file.metadata.at("checksum").size() == 8);

    REQUIRE_THROWS_WITH(file.tensor("nope"), Contains("'nope'"));
    REQUIRE_THROWS_AS(file.index_tensor("big"), CheckpointError);
}

TEST_CASE("the file layout is the safetensors one", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("layout.safetensors");
    save_safetensors(path, {{"a", random_tensor({3}, 1)}, {"b", random_tensor({2, 2}, 2)}}, {},
                     {{"ids", IndexTensor({5, 6, 7})}});
    const std::string bytes = read_bytes(path);
    uint64_t header_length = 0;
    for (int i = 7; i >= 0; --i)
        header_length = header_length << 8 | static_cast<uint8_t>(bytes[i]);
    REQUIRE(header_length % 8 == 0);
    REQUIRE(bytes[8] == '{');
    const std::string header = bytes.substr(8, header_length);
    REQUIRE(header.find_last_not_of(' ') == header.find_last_of('}'));  // padded with spaces
    const json::Value root = json::parse(header);
    // Data offsets tile the data section: ids (I64, first for alignment), then a, then b.
    const uint64_t data_size = bytes.size() - 8 - header_length;
    int64_t expected_begin = 0;
    for (const char* name : {"ids", "a", "b"}) {
        const auto& offsets = root.find(name)->find("data_offsets")->as_array();
        REQUIRE(offsets[0].as_int64() == expected_begin);
        expected_begin = *offsets[1].as_int64();
    }
    REQUIRE(expected_begin == static_cast<int64_t>(data_size));
    REQUIRE(data_size == 3 * 8 + 3 * 4 + 4 * 4);
    REQUIRE(root.find("b")->find("dtype")->as_string() == "F32");
    REQUIRE(root.find("ids")->find("dtype")->as_string() == "I64");
    REQUIRE(json::write(*root.find("b")->find("shape")) == "[2,2]");
    // The checksum is the CRC-32 of the data section, as Python's zlib.crc32 would compute it.
    const std::string data = bytes.substr(8 + header_length);
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", crc32(data.data(), data.size()));
    REQUIRE(root.find("__metadata__")->find("checksum")->as_string() == hex);
}

TEST_CASE("save_safetensors rejects bad names and reserved metadata keys", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("bad.safetensors");
    const Tensor t = zeros({2});
    REQUIRE_THROWS_AS(save_safetensors(path, {{"a", t}, {"a", t}}), ValueError);
    REQUIRE_THROWS_AS(save_safetensors(path, {{"a", t}}, {}, {{"a", IndexTensor({1})}}),
                      ValueError);
    REQUIRE_THROWS_AS(save_safetensors(path, {{"", t}}), ValueError);
    REQUIRE_THROWS_AS(save_safetensors(path, {{"__metadata__", t}}), ValueError);
    REQUIRE_THROWS_AS(save_safetensors(path, {{"a", Tensor()}}), ValueError);
    REQUIRE_THROWS_WITH(save_safetensors(path, {{"a", t}}, {{"checksum", "0"}}),
                        Contains("'checksum'") && Contains("reserved"));
    REQUIRE_FALSE(fs::exists(path));
}

TEST_CASE("read_safetensors reads files written by other programs", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("python.safetensors");
    // As torch would write them: F64 and I64 data, no checksum, header not padded, keys in
    // any order.
    const double doubles[2] = {0.1, -1e300};  // -1e300 is beyond float: -infinity
    const int64_t longs[2] = {3, -4};
    std::string data(reinterpret_cast<const char*>(longs), 16);
    data += std::string(reinterpret_cast<const char*>(doubles), 16);
    write_bytes(path, make_file(R"({"w":{"shape":[2],"dtype":"F64","data_offsets":[16,32]},)"
                                R"("i":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]},)"
                                R"("__metadata__":{"format":"pt"}})",
                                data));
    const SafetensorsFile file = read_safetensors(path);
    REQUIRE(file.tensor("w").to_vector() ==
            std::vector<float>{0.1f, -std::numeric_limits<float>::infinity()});
    REQUIRE(file.index_tensor("i").values() == std::vector<int64_t>{3, -4});
    REQUIRE(file.metadata.at("format") == "pt");
}

// ---- corrupt files ------------------------------------------------------------------------------

TEST_CASE("a truncated file is a CheckpointError naming the path and the problem",
          "[nn][checkpoint]") {
    TempDir dir;
    const std::string good = dir.file("good.safetensors");
    save_safetensors(good, {{"w", random_tensor({16, 16}, 5)}});
    const std::string bytes = read_bytes(good);
    const size_t data_start = bytes.size() - 16 * 16 * 4;
    const std::string path = dir.file("cut.safetensors");
    const std::vector<std::pair<size_t, std::string>> cuts = {
        {0, "shorter than the 8-byte header length"},
        {5, "shorter than the 8-byte header length"},
        {8, "exceeds file size 8"},
        {20, "exceeds file size 20"},
        {data_start, "truncated: header says 1024 bytes of data, file has 0"},
        {data_start + 512, "truncated: header says 1024 bytes of data, file has 512"},
        {bytes.size() - 1, "file has 1023"}};
    for (const auto& [size, problem] : cuts) {
        INFO("cut at " << size);
        write_bytes(path, bytes.substr(0, size));
        const std::string message = checkpoint_error([&] { read_safetensors(path); });
        CHECK_THAT(message, Contains("read_safetensors: " + path + ": ") && Contains(problem));
    }
}

TEST_CASE("corrupt data and headers are rejected with the specific problem", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("bad.safetensors");
    const auto error_for = [&](const std::string& bytes) {
        write_bytes(path, bytes);
        const std::string message = checkpoint_error([&] { read_safetensors(path); });
        CHECK_THAT(message, Contains(path));
        return message;
    };
    const std::string f32x2(8, '\0');  // two zero floats
    const auto entry = [](const std::string& name, const std::string& body) {
        return "\"" + name + "\":{" + body + "}";
    };

    SECTION("one flipped data byte") {
        save_safetensors(path, {{"w", random_tensor({8}, 1)}});
        std::string bytes = read_bytes(path);
        bytes[bytes.size() - 3] ^= 0x10;
        CHECK_THAT(error_for(bytes), Contains("checksum mismatch: file is corrupt"));
    }
    SECTION("header problems") {
        CHECK_THAT(error_for(make_file("{\"w\": [1,, 2]}")),
                   Contains("malformed JSON header at byte 9"));
        CHECK_THAT(error_for(make_file("\x01\x02garbage!")), Contains("malformed JSON header"));
        CHECK_THAT(error_for(make_file("[1, 2]")), Contains("not an object"));
        CHECK_THAT(error_for(std::string("\0\0\0\0\2\0\0\0", 8) + std::string(92, ' ')),
                   Contains("not a safetensors file (header length 8589934592 exceeds file size "
                            "100)"));
        CHECK_THAT(error_for(make_file(R"({"__metadata__":{"step":12}})")),
                   Contains("metadata value 'step' is not a string"));
    }
    SECTION("entry problems") {
        // A file holding one tensor 'w' described by `body`, with 8 bytes of data.
        const auto one_tensor = [&](const std::string& body) {
            // Built with append: GCC 12 warns falsely (-Wrestrict) on "{" + std::string.
            std::string header = "{";
            header.append(entry("w", body)).append("}");
            return error_for(make_file(header, f32x2));
        };
        CHECK_THAT(one_tensor(R"("shape":[2],"data_offsets":[0,8])"),
                   Contains("tensor 'w' has no \"dtype\""));
        CHECK_THAT(one_tensor(R"("dtype":"F32","data_offsets":[0,8])"),
                   Contains("tensor 'w' has no \"shape\""));
        CHECK_THAT(one_tensor(R"("dtype":"F32","shape":[2])"),
                   Contains("tensor 'w' has no \"data_offsets\""));
        CHECK_THAT(one_tensor(R"("dtype":"BF16","shape":[4],"data_offsets":[0,8])"),
                   Contains("unsupported dtype 'BF16'"));
        CHECK_THAT(one_tensor(R"("dtype":"F32","shape":[-2],"data_offsets":[0,8])"),
                   Contains("shape entry"));
        CHECK_THAT(one_tensor(R"("dtype":"F32","shape":[2.0],"data_offsets":[0,8])"),
                   Contains("shape entry"));
        CHECK_THAT(one_tensor(R"("dtype":"F32","shape":[4294967296,4294967296],)"
                              R"("data_offsets":[0,8])"),
                   Contains("too many elements"));
        CHECK_THAT(one_tensor(R"("dtype":"F32","shape":[2],"data_offsets":[8,0])"),
                   Contains("bad data_offsets"));
        CHECK_THAT(one_tensor(R"("dtype":"F32","shape":[2],"data_offsets":[0])"),
                   Contains("bad data_offsets"));
        CHECK_THAT(one_tensor(R"("dtype":"F32","shape":[3],"data_offsets":[0,8])"),
                   Contains("shape [3] and dtype F32 (12 bytes) but data_offsets [0,8] span 8"));
    }
    SECTION("offsets that overlap, leave gaps or miss bytes") {
        const std::string a = entry("a", R"("dtype":"F32","shape":[2],"data_offsets":[0,8])");
        const std::string b_overlap =
            entry("b", R"("dtype":"F32","shape":[1],"data_offsets":[4,8])");
        const std::string b_gap = entry("b", R"("dtype":"F32","shape":[1],"data_offsets":[12,16])");
        CHECK_THAT(error_for(make_file("{" + a + "," + b_overlap + "}", f32x2)),
                   Contains("tensors 'a' [0,8] and 'b' [4,8] have overlapping data_offsets"));
        CHECK_THAT(error_for(make_file("{" + a + "," + b_gap + "}", std::string(16, '\0'))),
                   Contains("gap in the data section"));
        CHECK_THAT(error_for(make_file("{" + a + "}", std::string(12, '\0'))),
                   Contains("the data section has 12 bytes but the header describes only 8"));
    }
}

TEST_CASE("a missing file or directory is an error naming the path", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("nowhere.safetensors");
    CHECK_THAT(checkpoint_error([&] { read_safetensors(path); }),
               Contains("read_safetensors: " + path + ": cannot open: No such file"));
    TinyModel model(1);
    CHECK_THAT(checkpoint_error([&] { load_checkpoint(model, path); }),
               Contains("load_checkpoint: " + path));
    const std::string in_missing_dir = dir.file("no/such/dir/model.safetensors");
    CHECK_THAT(checkpoint_error([&] { save_checkpoint(model, in_missing_dir); }),
               Contains("save_safetensors: " + in_missing_dir) && Contains("No such file"));
}

// ---- crash safety -------------------------------------------------------------------------------

TEST_CASE("saving writes a temporary file and renames it", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    TinyModel first(1), second(2);
    save_checkpoint(first, path);
    REQUIRE(fs::exists(path));
    REQUIRE_FALSE(fs::exists(path + ".tmp"));

    // An "interrupted" second save left half a file behind: the real file still loads, intact.
    const std::string half = read_bytes(path);
    write_bytes(path + ".tmp", half.substr(0, half.size() / 2));
    load_checkpoint(second, path);
    REQUIRE(bits_of(second) == bits_of(first));

    // The next save replaces the stale temporary file and leaves none.
    TinyModel third(3);
    save_checkpoint(third, path);
    REQUIRE_FALSE(fs::exists(path + ".tmp"));
    load_checkpoint(second, path);
    REQUIRE(bits_of(second) == bits_of(third));
}

// ---- loading into a Module ----------------------------------------------------------------------

TEST_CASE("load_checkpoint restores every parameter bit-exactly", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    TinyModel trained(1), fresh(7);
    save_checkpoint(trained, path, {{"epoch", "3"}});
    REQUIRE(bits_of(fresh) != bits_of(trained));
    load_checkpoint(fresh, path);
    REQUIRE(bits_of(fresh) == bits_of(trained));
    REQUIRE(fresh.scale.requires_grad());  // still the same parameter tensors, updated in place
    REQUIRE(read_safetensors(path).metadata.at("epoch") == "3");
}

TEST_CASE("load_checkpoint ignores optimizer state", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("with_optimizer.safetensors");
    TinyModel trained(1), fresh(7);
    auto tensors = trained.named_parameters();
    tensors.emplace_back("optimizer.adam.m.encoder.weight", zeros({4, 3}));
    save_safetensors(path, tensors, {}, {{"optimizer.adam.step", IndexTensor({10})}});
    load_checkpoint(fresh, path);
    REQUIRE(bits_of(fresh) == bits_of(trained));
    REQUIRE(load_checkpoint_partial(fresh, path).skipped.empty());
}

TEST_CASE("load_checkpoint leaves the model untouched on any error", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    TinyModel model(7);
    const auto before = bits_of(model);
    std::string message;

    SECTION("corrupt file") {
        TinyModel other(1);
        save_checkpoint(other, path);
        std::string bytes = read_bytes(path);
        bytes[bytes.size() - 1] ^= 1;
        write_bytes(path, bytes);
        message = checkpoint_error([&] { load_checkpoint(model, path); });
        CHECK_THAT(message, Contains("checksum mismatch"));
    }
    SECTION("shape mismatch") {
        TinyModel wider(1, 5);
        save_checkpoint(wider, path);
        message = checkpoint_error([&] { load_checkpoint(model, path); });
        CHECK_THAT(message,
                   Contains("tensor 'encoder.weight' has shape [5,3], the model expects [4,3]"));
        CHECK_THAT(message,
                   Contains("tensor 'decoder.weight' has shape [2,5], the model expects [2,4]"));
    }
    SECTION("missing and unexpected names") {
        TinyModel other(1);
        auto tensors = other.named_parameters();
        tensors.erase(tensors.begin() + 4);  // decoder.bias
        tensors.erase(tensors.begin());      // scale, saved below as an index tensor instead
        tensors.emplace_back("foo", zeros({1}));
        save_safetensors(path, tensors, {}, {{"scale", IndexTensor({1})}});
        message = checkpoint_error([&] { load_checkpoint(model, path); });
        CHECK_THAT(message, Contains("missing tensor 'decoder.bias'"));
        CHECK_THAT(message, Contains("unexpected tensor 'foo'"));
        CHECK_THAT(message, Contains("tensor 'scale' has dtype I64"));
    }
    SECTION("many mismatches are summarized") {
        std::vector<std::pair<std::string, Tensor>> strangers;
        for (int i = 0; i < 9; ++i)
            strangers.emplace_back("stranger" + std::to_string(i), zeros({1}));
        save_safetensors(path, strangers);
        message = checkpoint_error([&] { load_checkpoint(model, path); });
        CHECK_THAT(message, Contains("missing tensor 'scale'") &&
                                Contains("and 1 more missing tensors") &&
                                Contains("unexpected tensor 'stranger3'") &&
                                Contains("and 5 more unexpected tensors"));
    }
    CHECK_THAT(message, Contains("load_checkpoint: " + path + ": "));
    REQUIRE(bits_of(model) == before);
}

TEST_CASE("load_checkpoint_partial loads what fits and reports the rest", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("pretrained.safetensors");
    TinyModel pretrained(1, 5), model(7, 4);  // encoder.weight and decoder.weight differ in shape
    auto tensors = pretrained.named_parameters();
    tensors.erase(tensors.begin() + 2);  // encoder.bias
    tensors.emplace_back("extra.weight", zeros({3}));
    save_safetensors(path, tensors);
    const Tensor encoder_weight = model.encoder.weight.clone();

    const LoadReport report = load_checkpoint_partial(model, path);
    REQUIRE(report.loaded == std::vector<std::string>{"scale", "decoder.bias"});
    REQUIRE(report.skipped ==
            std::vector<std::string>{"encoder.weight", "decoder.weight", "extra.weight"});
    REQUIRE(report.missing == std::vector<std::string>{"encoder.bias"});
    REQUIRE(same_bits(model.scale, pretrained.scale));
    REQUIRE(same_bits(model.decoder.bias, pretrained.decoder.bias));
    REQUIRE(same_bits(model.encoder.weight, encoder_weight));

    // A corrupt file is rejected before anything is copied.
    TinyModel untouched(9);
    const auto untouched_bits = bits_of(untouched);
    std::string bytes = read_bytes(path);
    write_bytes(path, bytes.substr(0, bytes.size() - 4));
    CHECK_THAT(checkpoint_error([&] { load_checkpoint_partial(untouched, path); }),
               Contains("load_checkpoint_partial: " + path + ": truncated"));
    REQUIRE(bits_of(untouched) == untouched_bits);
}

TEST_CASE("random corruption is always a CheckpointError, never a crash", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("fuzzed.safetensors");
    save_safetensors(path, {{"a", random_tensor({3, 2}, 1)}, {"b", scalar(1.0f)}}, {{"k", "v"}},
                     {{"ids", IndexTensor({1, 2})}});
    const std::string original = read_bytes(path);
    std::mt19937 random(1234);
    for (int trial = 0; trial < 500; ++trial) {
        std::string bytes = original;
        const int flips = 1 + static_cast<int>(random() % 3);
        for (int i = 0; i < flips; ++i) {
            bytes[random() % bytes.size()] = static_cast<char>(random() % 256);
        }
        if (trial % 5 == 0) bytes.resize(random() % bytes.size());
        write_bytes(path, bytes);
        INFO("trial " << trial);
        try {
            read_safetensors(path);  // a change that keeps the file valid (e.g. in padding)
        } catch (const CheckpointError& e) {
            CHECK_THAT(e.what(), Contains(path));
        }
    }
}

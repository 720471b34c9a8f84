// tests/test_io_safetensors.cpp — safetensors files and the JSON reader behind them
// (io/safetensors.h, io/json.h).
//
// Most corruption tests build a file by hand with make_file(header, data), so each one changes
// exactly one thing; such a file has none of attograd's metadata, so they read it as a file
// from elsewhere. To check by hand that Python reads our files, see
// tests/reference/check_safetensors.py.
#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "file_helpers.h"
#include "io/json.h"
#include "io/safetensors.h"

using namespace ag;
using namespace ag::io;
using namespace test;

// ---- CRC-32 and JSON ----------------------------------------------------------------------------

TEST_CASE("crc32 gives the IEEE check value and can be computed in pieces", "[io][safetensors]") {
    const std::string text = "123456789";
    REQUIRE(crc32(text.data(), text.size()) == 0xCBF43926u);
    REQUIRE(crc32(nullptr, 0) == 0u);
    REQUIRE(crc32(text.data() + 4, 5, crc32(text.data(), 4)) == 0xCBF43926u);
}

TEST_CASE("json parses, keeps key order and integers exactly, and writes back", "[io][json]") {
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

TEST_CASE("json rejects malformed text and says where", "[io][json]") {
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
          "[io][safetensors]") {
    TempDir dir;
    const std::string path = dir.file("all.safetensors");
    const Tensor special = from_vector(
        {-0.0f, std::numeric_limits<float>::max(), -1e38f, 1e-45f, 1.17549435e-38f, 3.5f}, {2, 3});
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
    REQUIRE(file.metadata.at("format_version") == "2");
    REQUIRE(file.metadata.at("checksum").size() == 8);

    REQUIRE_THROWS_WITH(file.tensor("nope"), Contains("'nope'"));
    REQUIRE_THROWS_AS(file.index_tensor("big"), CheckpointError);
}

TEST_CASE("the file layout is the safetensors one", "[io][safetensors]") {
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
    // The checksum is the CRC-32 of the whole file with the checksum's digits at "00000000",
    // as Python's zlib.crc32 would compute it.
    const std::string stored = root.find("__metadata__")->find("checksum")->as_string();
    std::string zeroed = bytes;
    const size_t at = zeroed.find("\"checksum\":\"" + stored + "\"");
    REQUIRE(at != std::string::npos);
    zeroed.replace(at + 12, 8, "00000000");
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", crc32(zeroed.data(), zeroed.size()));
    REQUIRE(stored == hex);
}

TEST_CASE("a checkpoint keeps finite numbers only, on save and on load", "[io][safetensors]") {
    TempDir dir;
    const std::string path = dir.file("nan.safetensors");
    for (const float bad : {std::nanf(""), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity()}) {
        REQUIRE_THROWS_WITH(save_safetensors(path, {{"w", from_vector({1.0f, bad}, {2})}}),
                            Contains("tensor 'w' holds") && Contains("at element 1"));
    }
    REQUIRE_FALSE(fs::exists(path));
    // A NaN written by hand into a valid attograd file, with its checksum made right again: the
    // load still refuses it (a resumed run would train on it and save it back).
    save_safetensors(path, {{"w", from_vector({1.0f, 2.0f}, {2})}});
    std::string bytes = read_bytes(path);
    const float nan = std::nanf("");
    std::memcpy(&bytes[bytes.size() - 4], &nan, 4);
    const size_t at = bytes.find("\"checksum\":\"") + 12;
    bytes.replace(at, 8, "00000000");
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", crc32(bytes.data(), bytes.size()));
    bytes.replace(at, 8, hex);
    write_bytes(path, bytes);
    CHECK_THAT(checkpoint_error([&] { read_safetensors(path); }),
               Contains("tensor 'w' holds nan at element 1"));
}

TEST_CASE("save_safetensors rejects bad names and reserved metadata keys", "[io][safetensors]") {
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

TEST_CASE("read_safetensors reads files written by other programs", "[io][safetensors]") {
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
    CHECK_THAT(checkpoint_error([&] { read_safetensors(path); }),
               Contains("not an attograd checkpoint (format 'pt')"));
    const SafetensorsFile file = read_safetensors(path, {.from_elsewhere = true});
    REQUIRE(file.tensor("w").to_vector() ==
            std::vector<float>{0.1f, -std::numeric_limits<float>::infinity()});
    REQUIRE(file.index_tensor("i").values() == std::vector<int64_t>{3, -4});
    REQUIRE(file.metadata.at("format") == "pt");
}

// ---- corrupt files ------------------------------------------------------------------------------

TEST_CASE("a truncated file is a CheckpointError naming the path and the problem",
          "[io][safetensors]") {
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

TEST_CASE("corrupt data and headers are rejected with the specific problem", "[io][safetensors]") {
    TempDir dir;
    const std::string path = dir.file("bad.safetensors");
    const auto error_for = [&](const std::string& bytes) {
        write_bytes(path, bytes);
        const std::string message =
            checkpoint_error([&] { read_safetensors(path, {.from_elsewhere = true}); });
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

// ---- crash safety -------------------------------------------------------------------------------

TEST_CASE("a save writes only its own file: never through a link, never over a special file",
          "[io][safetensors]") {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    const std::vector<std::pair<std::string, Tensor>> first = {{"w", random_tensor({4}, 1)}};
    const std::vector<std::pair<std::string, Tensor>> second = {{"w", random_tensor({4}, 2)}};
    save_safetensors(path, first);

    // What an earlier save left behind, and a trap: a link where the old fixed temporary name
    // was, pointing at a file outside. Neither is touched by the next save.
    const std::string precious = dir.file("precious.txt");
    write_bytes(precious, "keep me");
    fs::create_symlink(precious, path + ".tmp");
    write_bytes(path + ".tmp.1.0", "half a file");  // process 1 lives: a writer at work
    write_bytes(path + ".tmp.999999999.3", "a killed writer's");  // no such process
    save_safetensors(path, second);
    REQUIRE_FALSE(fs::exists(path + ".tmp.999999999.3"));  // cleaned up
    REQUIRE(read_bytes(precious) == "keep me");
    REQUIRE(read_bytes(path + ".tmp.1.0") == "half a file");
    REQUIRE(read_safetensors(path).tensor("w").to_vector() == second[0].second.to_vector());
    int entries = 0;  // model, precious, the link, the stale file: nothing new beside them
    for (const auto& entry : fs::directory_iterator(dir.root)) entries += !entry.path().empty();
    REQUIRE(entries == 4);

    // The checkpoint itself a link, a folder or a named pipe: refused by name, nothing written.
    const std::string link = dir.file("link.safetensors");
    fs::create_symlink(precious, link);
    CHECK_THAT(checkpoint_error([&] { save_safetensors(link, first); }),
               Contains("save_safetensors: " + link + ": is a symbolic link"));
    REQUIRE(read_bytes(precious) == "keep me");
    REQUIRE(fs::is_symlink(link));
    const std::string folder = dir.file("folder.safetensors");
    fs::create_directory(folder);
    CHECK_THAT(checkpoint_error([&] { save_safetensors(folder, first); }),
               Contains("is a folder, not a regular file"));
    const std::string pipe = dir.file("pipe.safetensors");
    REQUIRE(mkfifo(pipe.c_str(), 0600) == 0);
    CHECK_THAT(checkpoint_error([&] { save_safetensors(pipe, first); }),
               Contains("is a named pipe, not a regular file"));
    REQUIRE(fs::is_fifo(pipe));
}

TEST_CASE("a read refuses special files instead of blocking on them", "[io][safetensors]") {
    TempDir dir;
    const std::string pipe = dir.file("pipe.safetensors");
    REQUIRE(mkfifo(pipe.c_str(), 0600) == 0);
    CHECK_THAT(checkpoint_error([&] { read_safetensors(pipe); }),
               Contains("read_safetensors: " + pipe + ": is a named pipe, not a regular file"));
    CHECK_THAT(checkpoint_error([&] { read_safetensors(dir.root.string()); }),
               Contains("is a folder, not a regular file"));
    CHECK_THAT(checkpoint_error([&] { read_safetensors("/dev/null"); }),
               Contains("is a device, not a regular file"));
}

TEST_CASE("a file of another format version, or without its checksum, is refused by name",
          "[io][safetensors]") {
    TempDir dir;
    const std::string path = dir.file("old.safetensors");
    const std::string empty_data;
    write_bytes(path, make_file(R"({"__metadata__":{"checksum":"00000000","format":)"
                                R"("attograd-checkpoint","format_version":"1"}})"));
    CHECK_THAT(checkpoint_error([&] { read_safetensors(path); }),
               Contains("format version 1, expected 2"));
    CHECK_THAT(checkpoint_error([&] { read_safetensors(path, {.from_elsewhere = true}); }),
               Contains("format version 1, expected 2"));
    write_bytes(path, make_file(R"({"__metadata__":{"format":"attograd-checkpoint",)"
                                R"("format_version":"2"}})"));
    CHECK_THAT(checkpoint_error([&] { read_safetensors(path, {.from_elsewhere = true}); }),
               Contains("no checksum in the metadata"));
}

TEST_CASE("a damaged checkpoint is not taken for a file from elsewhere", "[io][safetensors]") {
    // One changed byte in "format" must not turn off the checksum: a file with attograd's
    // other marks is checked in full even with from_elsewhere.
    TempDir dir;
    const std::string good = dir.file("good.safetensors");
    save_safetensors(good, {{"w", random_tensor({4}, 5)}});
    const std::string bytes = read_bytes(good);
    const std::string path = dir.file("damaged.safetensors");
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"\"attograd-checkpoint\"", "\"xttograd-checkpoint\""},
             {"\"attograd-checkpoint\"", "\"attograd-checkpoinu\""},
             {"\"format\":", "\"formaz\":"}}) {
        INFO(to);
        std::string damaged = bytes;
        damaged.replace(damaged.find(from), from.size(), to);
        damaged.back() ^= 0x40;  // and a float of the data, which only the checksum sees
        write_bytes(path, damaged);
        CHECK_THAT(checkpoint_error([&] { read_safetensors(path, {.from_elsewhere = true}); }),
                   Contains(path + ": damaged: it has attograd's marks but"));
    }
}

TEST_CASE("random corruption is always a CheckpointError, never a crash", "[io][safetensors]") {
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
        if (bytes == original) continue;
        // The checksum covers the header too: every change is caught, none loads silently.
        CHECK_THAT(checkpoint_error([&] { read_safetensors(path); }), Contains(path));
    }
}

TEST_CASE("every one-bit flip anywhere in a checkpoint is refused", "[io][safetensors]") {
    TempDir dir;
    const std::string path = dir.file("flipped.safetensors");
    save_safetensors(path, {{"w", random_tensor({2}, 1)}},
                     {{"task", "reverse"}, {"losses", "1:2.5"}});
    const std::string original = read_bytes(path);
    int accepted = 0;
    // Also where files from elsewhere are accepted: no flip makes it pass for one.
    for (const bool from_elsewhere : {false, true}) {
        for (size_t byte = 0; byte < original.size(); ++byte) {
            for (int bit = 0; bit < 8; ++bit) {
                std::string bytes = original;
                bytes[byte] = static_cast<char>(bytes[byte] ^ (1 << bit));
                write_bytes(path, bytes);
                try {
                    read_safetensors(path, {.from_elsewhere = from_elsewhere});
                    ++accepted;
                    UNSCOPED_INFO("accepted a flip of bit "
                                  << bit << " of byte " << byte
                                  << (from_elsewhere ? " (from elsewhere)" : ""));
                } catch (const CheckpointError&) {
                }
            }
        }
    }
    REQUIRE(accepted == 0);
}

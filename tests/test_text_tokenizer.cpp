// tests/test_text_tokenizer.cpp — the tokenizers of text/tokenizer.h: lossless on any bytes,
// merges worked out by hand, the same merges on any thread count, and files that are checked.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "catch.h"
#include "core/error.h"
#include "core/parallel.h"
#include "file_helpers.h"
#include "io/file.h"
#include "text/tokenizer.h"

using namespace ag::text;

namespace {

std::string random_bytes(size_t size, uint32_t seed) {
    std::mt19937 rng(seed);
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
    return bytes;
}

// English-like text of pseudo-words on many lines, with some UTF-8 and digits.
std::string pseudo_text(size_t words, uint32_t seed) {
    const std::vector<std::string> pieces{"th", "e", "an", "d", "in", "g", "o", "u",
                                          "s",  "t", "er", "é", "42", ",", "."};
    std::mt19937 rng(seed);
    std::string text;
    for (size_t w = 0; w < words; ++w) {
        const size_t length = 1 + rng() % 4;
        for (size_t p = 0; p < length; ++p) text += pieces[rng() % pieces.size()];
        text += (rng() % 9 == 0) ? "\n" : " ";
    }
    return text;
}

}  // namespace

TEST_CASE("split_chunks cuts words with their leading space, and loses nothing", "[text]") {
    using Chunks = std::vector<std::string_view>;
    CHECK(split_chunks("Hello, world!") == Chunks{"Hello", ",", " world", "!"});
    CHECK(split_chunks("a  b") == Chunks{"a", " ", " b"});
    CHECK(split_chunks("x\n  y\t") == Chunks{"x", "\n ", " y", "\t"});
    CHECK(split_chunks("in 2026 café") == Chunks{"in", " 2026", " café"});
    CHECK(split_chunks("end ") == Chunks{"end", " "});
    CHECK(split_chunks("").empty());
    for (uint32_t seed = 1; seed <= 20; ++seed) {
        const std::string bytes = random_bytes(500, seed);
        std::string joined;
        for (const std::string_view chunk : split_chunks(bytes)) {
            REQUIRE_FALSE(chunk.empty());
            joined += chunk;
        }
        CHECK(joined == bytes);
    }
}

TEST_CASE("the byte tokenizer: ids are the bytes, specials come after them", "[text]") {
    const ByteTokenizer bytes;
    CHECK(bytes.vocabulary_size() == 258);
    CHECK(bytes.encode("A\xff") == std::vector<int64_t>{65, 255});
    const std::vector<int64_t> with_specials{104, kPadding, 105, kEndOfText};
    CHECK(bytes.decode(with_specials) == "hi");  // the special tokens stand for no bytes
    const std::string all = random_bytes(4096, 7);
    CHECK(bytes.decode(bytes.encode(all)) == all);
    const std::vector<int64_t> outside{258};
    CHECK_THROWS_AS(bytes.decode(outside), ag::IndexError);
    CHECK_THROWS_WITH(bytes.decode(std::vector<int64_t>{-1}),
                      Contains("id -1 is outside the vocabulary [0, 258)"));
}

TEST_CASE("BPE learns the merges worked out by hand", "[text]") {
    // "low lower lowest": chunks "low", " lower", " lowest". Pairs, every adjacent position:
    // (l,o) 3, (o,w) 3, (' ',l) 2, (w,e) 2, then 1s. The tie of 3 goes to the smaller pair
    // (l,o) = (108,111) -> 258. Then (258,w) 3 -> 259; then (' ',259) 2 and (259,e) 2 tie, the
    // smaller is (32,259) -> 260; then (260,e) 2 -> 261. Every pair left occurs once: stop.
    const BpeTokenizer bpe = BpeTokenizer::train("low lower lowest", 1000);
    const std::vector<Merge> expected{{108, 111}, {258, 119}, {32, 259}, {260, 101}};
    CHECK(bpe.merges() == expected);
    CHECK(bpe.vocabulary_size() == 262);
    CHECK(bpe.token_bytes(259) == "low");
    CHECK(bpe.token_bytes(261) == " lowe");
    // "lowest": l o w e s t -> (l,o) -> (258,w) -> 259 e s t; " low" -> 32 258 w -> 32 259 -> 260.
    CHECK(bpe.encode("lowest low") == std::vector<int64_t>{259, 101, 115, 116, 260});
    // A vocabulary of 260 stops after two merges.
    CHECK(BpeTokenizer::train("low lower lowest", 260).merges() ==
          std::vector<Merge>{{108, 111}, {258, 119}});
    // Overlapping occurrences merge left to right: "aaa" with (a,a) is [aa, a].
    const BpeTokenizer aa(std::vector<Merge>{{97, 97}});
    CHECK(aa.encode("aaa") == std::vector<int64_t>{258, 97});
}

TEST_CASE("BPE is lossless on any bytes, and a trained one compresses its text", "[text]") {
    const std::string text = pseudo_text(20000, 3);
    const BpeTokenizer bpe = BpeTokenizer::train(text, 512);
    CHECK(bpe.vocabulary_size() == 512);
    const std::vector<int64_t> ids = bpe.encode(text);
    CHECK(bpe.decode(ids) == text);
    CHECK(ids.size() * 2 < text.size());  // at least two bytes a token on its own text
    for (uint32_t seed = 1; seed <= 10; ++seed) {
        const std::string bytes = random_bytes(2000, seed) + text.substr(0, 300);
        CHECK(bpe.decode(bpe.encode(bytes)) == bytes);
    }
}

TEST_CASE("BPE learns the same merges whatever the thread count", "[text]") {
    const std::string text = pseudo_text(40000, 11);
    const int saved = ag::get_num_threads();
    std::vector<std::vector<Merge>> merges;
    for (const int threads : {1, 2, 3}) {
        ag::set_num_threads(threads);
        merges.push_back(BpeTokenizer::train(text, 700).merges());
    }
    ag::set_num_threads(saved);
    CHECK(merges[0].size() == 700 - 258);
    CHECK(merges[1] == merges[0]);
    CHECK(merges[2] == merges[0]);
}

TEST_CASE("BPE refuses merges that cannot be, and vocabularies too small", "[text]") {
    CHECK_THROWS_AS(BpeTokenizer::train("abc", 257), ag::ValueError);
    const auto refuses = [](std::vector<Merge> merges, const std::string& why) {
        CHECK_THROWS_WITH(BpeTokenizer(std::move(merges)), Contains(why));
    };
    refuses({{97, kPadding}}, "merge 0 (97 257) names a special token");
    refuses({{97, 98}, {258, 259}}, "merge 1 (258 259) names an id that does not exist before it");
    refuses({{97, 98}, {97, 98}}, "merge 1 (97 98) repeats an earlier merge");
    refuses({{-1, 98}}, "names an id that does not exist");
}

TEST_CASE("tokenizers save and load exactly, and a bad file is named with its problem", "[text]") {
    const test::TempDir folder;
    const BpeTokenizer bpe = BpeTokenizer::train(pseudo_text(5000, 5), 300);
    bpe.save(folder.file("bpe.txt"));
    const auto loaded = load_tokenizer(folder.file("bpe.txt"));
    REQUIRE(loaded->kind() == "bpe");
    CHECK(loaded->to_text() == bpe.to_text());
    CHECK(dynamic_cast<const BpeTokenizer&>(*loaded).merges() == bpe.merges());
    ByteTokenizer().save(folder.file("bytes.txt"));
    CHECK(load_tokenizer(folder.file("bytes.txt"))->kind() == "bytes");
    CHECK(ag::io::read_file(folder.file("bytes.txt")) == "attograd-tokenizer bytes\n");

    const std::string path = folder.file("bad.txt");
    const auto refuses = [&](const std::string& contents, const std::string& why) {
        const std::string before = contents;
        ag::io::write_file_atomically(path, {{contents.data(), contents.size()}});
        CHECK_THROWS_AS(load_tokenizer(path), ag::ValueError);
        CHECK_THROWS_WITH(load_tokenizer(path), Contains(path + ": " + why));
        CHECK(ag::io::read_file(path) == before);  // a failed load changes nothing
    };
    refuses("", "line 1: ends early: expected the header");
    refuses("{\"safetensors\": 1}\n", "line 1: does not start with 'attograd-tokenizer '");
    refuses("attograd-tokenizer words\n", "line 1: unknown tokenizer kind 'words' (bytes, bpe)");
    refuses("attograd-tokenizer bpe\nmerges x\n", "line 2: expected a count of merges, found 'x'");
    refuses("attograd-tokenizer bpe\nmerges 2\n97 98\n",
            "line 4: ends early: expected merge 2 of 2");
    refuses("attograd-tokenizer bpe\nmerges 1\n97 98", "line 3: ends without a newline");
    refuses("attograd-tokenizer bpe\nmerges 1\n97,98\n", "line 3: expected a merge 'left right'");
    refuses("attograd-tokenizer bpe\nmerges 1\n97 300\n",
            "BpeTokenizer: merge 0 (97 300) names an id that does not exist before it");
    refuses("attograd-tokenizer bytes\nextra\n", "line 2: text after the end of the tokenizer");
    CHECK_THROWS_AS(load_tokenizer(folder.file("missing.txt")), ag::io::FileError);
    CHECK_THROWS_AS(tokenizer_from_text("attograd-tokenizer bpe\n", "the checkpoint's tokenizer"),
                    ag::ValueError);
}

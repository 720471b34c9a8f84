// tests/test_demo_corpus.cpp — the corpus reader of demos/common/corpus.h: which files, in
// which order, how documents are cut, and the fixed split.
#include <filesystem>
#include <random>
#include <string>

#include "catch.h"
#include "core/error.h"
#include "demos/common/corpus.h"
#include "file_helpers.h"
#include "io/file.h"

using namespace demo;

namespace {

// n fortunes "<name> <i>", each of two lines.
std::string fortunes(const std::string& name, int n) {
    std::string text;
    for (int i = 1; i <= n; ++i) text += name + " " + std::to_string(i) + "\nsecond line\n%\n";
    return text;
}

}  // namespace

TEST_CASE("documents are fortunes between '%' lines, else paragraphs", "[demo][corpus]") {
    CHECK(split_documents("one\ntwo\n%\nthree\n%\n") ==
          std::vector<std::string>{"one\ntwo", "three"});
    CHECK(split_documents("%\n\n%\nlast") == std::vector<std::string>{"last"});
    CHECK(split_documents("a\nb\n\n\nc\n") == std::vector<std::string>{"a\nb", "c"});
    CHECK(split_documents("100%\n").size() == 1);  // only a line holding just "%" separates
}

TEST_CASE("a corpus folder is read in name order, with the fixed split", "[demo][corpus]") {
    const test::TempDir folder;
    test::write_bytes(folder.file("b-topic"), fortunes("b", 12));
    test::write_bytes(folder.file("a-topic"), fortunes("a", 8));
    test::write_bytes(folder.file("a-topic.dat"), "index bytes");
    test::write_bytes(folder.file("ethnic"), fortunes("x", 5));
    test::write_bytes(folder.file("men-women"), fortunes("x", 5));
    test::write_bytes(folder.file("ascii-art"), fortunes("x", 5));
    std::filesystem::create_symlink(folder.root / "a-topic", folder.root / "a-topic.u8");
    std::filesystem::create_symlink(folder.root / "b-topic", folder.root / "c-link");
    const Corpus corpus = read_corpus(folder.root.string());
    REQUIRE(corpus.files.size() == 2);
    CHECK(corpus.files[0] == (folder.root / "a-topic").string());
    CHECK(corpus.files[1] == (folder.root / "b-topic").string());
    // 20 fortunes: a 1..8, then b 1..12. The 10th and 20th are held out: b 2 and b 12.
    REQUIRE(corpus.train.size() == 18);
    REQUIRE(corpus.held_out.size() == 2);
    CHECK(corpus.held_out[0].text == "b 2\nsecond line");
    CHECK(corpus.held_out[0].topic == "b-topic");
    CHECK(corpus.held_out[1].text == "b 12\nsecond line");
    CHECK(corpus.train.front().text == "a 1\nsecond line");
    CHECK(corpus.train.front().topic == "a-topic");
    CHECK(corpus.bytes(true) == 2 * 15 + 1);
}

TEST_CASE("a corpus that cannot be read or split says why", "[demo][corpus]") {
    const test::TempDir folder;
    CHECK_THROWS_AS(read_corpus((folder.root / "missing").string()), ag::io::FileError);
    CHECK_THROWS_WITH(read_corpus((folder.root / "missing").string()), Contains("does not exist"));
    test::write_bytes(folder.file("short"), fortunes("s", 9));
    CHECK_THROWS_WITH(read_corpus((folder.root / "short").string()),
                      Contains("9 documents; at least 10 are needed"));
    test::write_bytes(folder.file("one-file"), fortunes("f", 10));
    CHECK(read_corpus((folder.root / "one-file").string()).held_out.size() == 1);
}

TEST_CASE("joined_text ends every document with a newline", "[demo][corpus]") {
    CHECK(joined_text({{.text = "one\ntwo", .topic = "a"}, {.text = "three", .topic = "b"}}) ==
          "one\ntwo\nthree\n");
    CHECK(joined_text({}).empty());
}

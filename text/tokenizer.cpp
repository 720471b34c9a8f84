// text/tokenizer.cpp — encoding, decoding and the text form of the tokenizers (tokenizer.h).
// Training BPE is in bpe_train.cpp.
#include "text/tokenizer.h"

#include <charconv>

#include "core/error.h"
#include "io/file.h"
#include "text/bpe_merge.h"

namespace ag::text {
namespace {

constexpr std::string_view kHeader = "attograd-tokenizer ";

void check_id(int64_t id, int64_t vocabulary_size, const char* function) {
    if (id < 0 || id >= vocabulary_size) {
        throw IndexError(std::string(function) + ": id " + std::to_string(id) +
                         " is outside the vocabulary [0, " + std::to_string(vocabulary_size) + ")");
    }
}

// The 256 bytes and the two special tokens (which stand for no bytes).
std::vector<std::string> byte_tokens() {
    std::vector<std::string> tokens;
    for (int byte = 0; byte < 256; ++byte) tokens.emplace_back(1, static_cast<char>(byte));
    tokens.emplace_back();  // kEndOfText
    tokens.emplace_back();  // kPadding
    return tokens;
}

enum class Kind { Letter, Digit, Space, Other };
Kind kind_of(unsigned char c) {
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return Kind::Letter;
    if (c >= 0x80) return Kind::Letter;  // UTF-8 lead and continuation bytes stay together
    if (c >= '0' && c <= '9') return Kind::Digit;
    if (c == ' ' || (c >= '\t' && c <= '\r')) return Kind::Space;
    return Kind::Other;
}

}  // namespace

std::string Tokenizer::decode(std::span<const int64_t> ids) const {
    std::string text;
    for (const int64_t id : ids) {
        check_id(id, vocabulary_size(), "decode");
        text += token_bytes(id);
    }
    return text;
}

void Tokenizer::save(const std::string& path) const {
    const std::string text = to_text();
    io::write_file_atomically(path, {{text.data(), text.size()}}, "Tokenizer::save");
}

ByteTokenizer::ByteTokenizer() : tokens_(byte_tokens()) {}

std::vector<int64_t> ByteTokenizer::encode(std::string_view text) const {
    std::vector<int64_t> ids(text.size());
    for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
    return ids;
}

const std::string& ByteTokenizer::token_bytes(int64_t id) const {
    check_id(id, vocabulary_size(), "ByteTokenizer::token_bytes");
    return tokens_[static_cast<size_t>(id)];
}

std::string ByteTokenizer::to_text() const { return std::string(kHeader) + "bytes\n"; }

BpeTokenizer::BpeTokenizer(std::vector<Merge> merges)
    : merges_(std::move(merges)), tokens_(byte_tokens()) {
    for (size_t i = 0; i < merges_.size(); ++i) {
        const Merge& m = merges_[i];
        const int64_t size = static_cast<int64_t>(tokens_.size());
        const auto bad = [&](const std::string& why) {
            throw ValueError("BpeTokenizer: merge " + std::to_string(i) + " (" +
                             std::to_string(m.left) + " " + std::to_string(m.right) + ") " + why);
        };
        for (const int64_t id : {m.left, m.right}) {
            if (id == kEndOfText || id == kPadding) bad("names a special token");
            if (id < 0 || id >= size) bad("names an id that does not exist before it");
        }
        if (!rank_.emplace(detail::pair_key(m.left, m.right), static_cast<int64_t>(i)).second) {
            bad("repeats an earlier merge");
        }
        tokens_.push_back(tokens_[static_cast<size_t>(m.left)] +
                          tokens_[static_cast<size_t>(m.right)]);
    }
}

// GPT-2's encoding loop: while some adjacent pair has a merge, apply the merge learned first
// (the lowest rank) at every place it occurs, left to right.
std::vector<int64_t> BpeTokenizer::encode_chunk(std::string_view chunk) const {
    std::vector<int64_t> ids(chunk.size());
    for (size_t i = 0; i < chunk.size(); ++i) ids[i] = static_cast<unsigned char>(chunk[i]);
    while (ids.size() >= 2) {
        int64_t best_rank = -1;
        for (size_t i = 0; i + 1 < ids.size(); ++i) {
            const auto found = rank_.find(detail::pair_key(ids[i], ids[i + 1]));
            if (found != rank_.end() && (best_rank < 0 || found->second < best_rank)) {
                best_rank = found->second;
            }
        }
        if (best_rank < 0) break;
        detail::apply_merge(ids, merges_[static_cast<size_t>(best_rank)],
                            kFirstMergedId + best_rank);
    }
    return ids;
}

std::vector<int64_t> BpeTokenizer::encode(std::string_view text) const {
    // Text repeats its words: each distinct chunk is merged once per call.
    std::unordered_map<std::string_view, std::vector<int64_t>> seen;
    std::vector<int64_t> ids;
    for (const std::string_view chunk : split_chunks(text)) {
        auto found = seen.find(chunk);
        if (found == seen.end()) found = seen.emplace(chunk, encode_chunk(chunk)).first;
        ids.insert(ids.end(), found->second.begin(), found->second.end());
    }
    return ids;
}

const std::string& BpeTokenizer::token_bytes(int64_t id) const {
    check_id(id, vocabulary_size(), "BpeTokenizer::token_bytes");
    return tokens_[static_cast<size_t>(id)];
}

std::string BpeTokenizer::to_text() const {
    std::string text =
        std::string(kHeader) + "bpe\nmerges " + std::to_string(merges_.size()) + "\n";
    for (const Merge& m : merges_) {
        text += std::to_string(m.left) + " " + std::to_string(m.right) + "\n";
    }
    return text;
}

std::vector<std::string_view> split_chunks(std::string_view text) {
    const auto kind = [&](size_t i) { return kind_of(static_cast<unsigned char>(text[i])); };
    std::vector<std::string_view> chunks;
    for (size_t start = 0, end = 0; start < text.size(); start = end) {
        end = start;
        // A space right before a word, number or punctuation belongs to it.
        if (text[end] == ' ' && end + 1 < text.size() && kind(end + 1) != Kind::Space) ++end;
        const Kind run = kind(end);
        while (end < text.size() && kind(end) == run) ++end;
        // A run of white space leaves its last space to the word after it.
        if (run == Kind::Space && end < text.size() && end - start >= 2 && text[end - 1] == ' ') {
            --end;
        }
        chunks.push_back(text.substr(start, end - start));
    }
    return chunks;
}

std::unique_ptr<Tokenizer> tokenizer_from_text(std::string_view text, const std::string& source) {
    size_t line_number = 0;
    const auto fail = [&](const std::string& why) -> void {
        throw ValueError(source + ": line " + std::to_string(line_number) + ": " + why);
    };
    const auto next_line = [&](const std::string& expected) -> std::string_view {
        ++line_number;
        const size_t end = text.find('\n');
        if (end == std::string_view::npos) {
            fail(text.empty() ? "ends early: expected " + expected
                              : "ends without a newline: expected " + expected);
        }
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(end + 1);
        return line;
    };
    const auto number = [&](std::string_view digits, const char* what) {
        int64_t value = -1;
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
            value < 0) {
            fail(std::string("expected ") + what + ", found '" + std::string(digits) + "'");
        }
        return value;
    };
    const std::string_view header = next_line("the header");
    if (header.substr(0, kHeader.size()) != kHeader) {
        fail("does not start with '" + std::string(kHeader) + "': not an attograd tokenizer");
    }
    const std::string_view kind = header.substr(kHeader.size());
    std::unique_ptr<Tokenizer> tokenizer;
    if (kind == "bytes") {
        tokenizer = std::make_unique<ByteTokenizer>();
    } else if (kind == "bpe") {
        const std::string_view count_line = next_line("'merges <count>'");
        if (count_line.substr(0, 7) != "merges ") fail("expected 'merges <count>'");
        const int64_t count = number(count_line.substr(7), "a count of merges");
        if (count > (int64_t{1} << 24)) fail("more merges than a tokenizer may have (2^24)");
        std::vector<Merge> merges;
        for (int64_t i = 0; i < count; ++i) {
            const std::string_view line =
                next_line("merge " + std::to_string(i + 1) + " of " + std::to_string(count));
            const size_t space = line.find(' ');
            if (space == std::string_view::npos) fail("expected a merge 'left right'");
            merges.push_back({number(line.substr(0, space), "a token id"),
                              number(line.substr(space + 1), "a token id")});
        }
        try {
            tokenizer = std::make_unique<BpeTokenizer>(std::move(merges));
        } catch (const ValueError& e) {
            throw ValueError(source + ": " + e.what());
        }
    } else {
        fail("unknown tokenizer kind '" + std::string(kind) + "' (bytes, bpe)");
    }
    if (!text.empty()) {
        ++line_number;
        fail("text after the end of the tokenizer");
    }
    return tokenizer;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
    return tokenizer_from_text(io::read_file(path, "load_tokenizer"), path);
}

}  // namespace ag::text

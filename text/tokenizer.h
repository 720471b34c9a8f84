/** \file
text/tokenizer.h — text to token ids and back: bytes, and byte-level BPE (GPT-2's idea).

\verbatim
A language model reads integers. A tokenizer turns text into them (encode) and back
(decode), losslessly for any bytes, invalid UTF-8 included: every token stands for a
string of bytes, and the 256 single bytes are always tokens, so nothing is ever unknown.

  ids 0..255     the bytes themselves
  id 256         kEndOfText: ends a document (a fortune); the model learns to predict it
  id 257         kPadding: fills a batch; never a target
  ids 258..      BpeTokenizer's merged tokens, in the order they were learned

The special ids come right after the bytes, so no byte is ever taken for padding, and they
are the same for both tokenizers, so a model can switch tokenizers without renumbering them.

Byte-pair encoding (Sennrich et al., 2016; byte-level as in GPT-2, Radford et al., 2019):
start from the bytes, and repeatedly merge the pair of adjacent tokens that occurs most often
in the training text into a new token. Encoding applies the learned merges in the order they
were learned. Merges never cross the boundaries of pre-tokenization chunks (split_chunks), so
a token is a word, a piece of one, or a run of punctuation or space, not " the end." across.

Tokenizers serialise to a short text (to_text: a header line, then one merge per line), the
form save() writes and checkpoints embed, so a model file carries its tokenizer.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ag::text {

/// The id that ends a document (the same for every tokenizer).
inline constexpr int64_t kEndOfText = 256;
/// The id that pads a batch (the same for every tokenizer).
inline constexpr int64_t kPadding = 257;
/// The first id a BPE merge gets: the 256 bytes and the two special tokens come first.
inline constexpr int64_t kFirstMergedId = 258;

/// What every tokenizer does: bytes to ids and back, and its own description as text.
class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    /// The ids of `text`, any bytes. Special tokens are never produced: append kEndOfText
    /// yourself where a document ends.
    virtual std::vector<int64_t> encode(std::string_view text) const = 0;
    /// The bytes of `ids`, concatenated; kEndOfText and kPadding stand for no bytes and are
    /// skipped. decode(encode(t)) == t for every t. Throws ag::IndexError naming the first id
    /// outside [0, vocabulary_size()).
    std::string decode(std::span<const int64_t> ids) const;
    /// The bytes token `id` stands for (empty for the special tokens).
    /// Throws ag::IndexError if `id` is outside [0, vocabulary_size()).
    virtual const std::string& token_bytes(int64_t id) const = 0;
    /// How many ids there are: every id is in [0, vocabulary_size()).
    virtual int64_t vocabulary_size() const = 0;
    /// "bytes" or "bpe".
    virtual std::string kind() const = 0;
    /// The tokenizer as text, which tokenizer_from_text reads back exactly.
    virtual std::string to_text() const = 0;
    /// Writes to_text() to `path`, atomically and never through a link (io::write_file_atomically).
    /// Throws io::FileError naming the path.
    void save(const std::string& path) const;
};

/// Bytes as tokens: ids 0..255 are the bytes, then the two special tokens (258 ids in all).
class ByteTokenizer final : public Tokenizer {
public:
    ByteTokenizer();
    /// One id per byte: the byte's value.
    std::vector<int64_t> encode(std::string_view text) const override;
    /// See Tokenizer::token_bytes.
    const std::string& token_bytes(int64_t id) const override;
    /// 258.
    int64_t vocabulary_size() const override { return kFirstMergedId; }
    /// "bytes".
    std::string kind() const override { return "bytes"; }
    /// "attograd-tokenizer bytes\n".
    std::string to_text() const override;

private:
    std::vector<std::string> tokens_;  // what each id stands for
};

/// One learned merge: the tokens `left` and `right`, side by side, become one new token.
struct Merge {
    int64_t left;   ///< the id of the first token
    int64_t right;  ///< the id of the second token
    /// Pairs compare as (left, right).
    friend bool operator==(const Merge&, const Merge&) = default;
};

/// Byte-level BPE: the bytes, the special tokens, then one token per merge, in learned order.
class BpeTokenizer final : public Tokenizer {
public:
    /// The tokenizer of `merges`: merge i makes id kFirstMergedId + i.
    /// Throws ag::ValueError naming the merge if one names a special token, an id that does
    /// not exist before it, or the same pair as an earlier merge.
    explicit BpeTokenizer(std::vector<Merge> merges);

    /// Learns merges on `text` until the vocabulary holds `vocabulary_size` ids, or no pair of
    /// adjacent tokens occurs twice. Each step merges the pair that occurs most often (counting
    /// every adjacent position, within chunks); a tie goes to the smallest (left, right), so the
    /// merges depend on the text alone, whatever the thread count. Pair counts are kept up to
    /// date incrementally: a merge touches only the chunks that hold its pair.
    /// Throws ag::ValueError if `vocabulary_size` < kFirstMergedId.
    static BpeTokenizer train(std::string_view text, int64_t vocabulary_size);

    /// Each chunk's bytes, merged as train learned: at each step the pair of adjacent tokens
    /// whose merge was learned first, every occurrence left to right.
    std::vector<int64_t> encode(std::string_view text) const override;
    /// See Tokenizer::token_bytes.
    const std::string& token_bytes(int64_t id) const override;
    /// kFirstMergedId + the number of merges.
    int64_t vocabulary_size() const override { return static_cast<int64_t>(tokens_.size()); }
    /// "bpe".
    std::string kind() const override { return "bpe"; }
    /// "attograd-tokenizer bpe\nmerges N\n" and one line "left right" per merge.
    std::string to_text() const override;
    /// The merges, in learned order.
    const std::vector<Merge>& merges() const { return merges_; }

private:
    std::vector<int64_t> encode_chunk(std::string_view chunk) const;

    std::vector<Merge> merges_;
    std::vector<std::string> tokens_;
    std::unordered_map<uint64_t, int64_t> rank_;  // (left, right) -> merge index
};

/// The pre-tokenization chunks of `text`, which together are `text` exactly. A chunk is an
/// optional space and then a run of letters (ASCII letters and every byte >= 0x80, so a UTF-8
/// character is never split), or of digits, or of other visible bytes; or a run of white space,
/// whose last space goes with the word after it (as GPT-2's " word" tokens).
std::vector<std::string_view> split_chunks(std::string_view text);

/// Reads a tokenizer from the text of Tokenizer::to_text. Throws ag::ValueError starting with
/// `source` (a file name, or "the checkpoint's tokenizer") and the line, for anything else: an
/// unknown header or kind, a bad count, a malformed or invalid merge, text after the end.
std::unique_ptr<Tokenizer> tokenizer_from_text(std::string_view text, const std::string& source);

/// Reads the tokenizer Tokenizer::save wrote to `path`. Throws io::FileError if the file cannot
/// be read, ag::ValueError naming the path and the line if it is not a tokenizer.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

}  // namespace ag::text

// demos/common/corpus.h — real text to learn from: the fortunes that Debian's `fortunes`
// package installs (Homebrew: `fortune`), or any text file or folder given with --data.
//
// The fortunes are some 2.3 MB of English in about 40 files under /usr/share/games/fortunes,
// one topic per file (computers, science, politics, literature, ...), fortunes separated by
// lines that hold only "%". The split is fixed, so that results compare from run to run and
// machine to machine:
//   - files in name order, leaving out the .dat indexes, the .u8 links, anything that is not a
//     regular file, and three files whose text the docs should not print (ethnic, men-women,
//     ascii-art);
//   - documents in file order: fortunes, or for a file without "%" lines its paragraphs
//     (separated by empty lines);
//   - every 10th document (the 10th, 20th, ...) held out, the rest for training.
#pragma once

#include <string>
#include <vector>

namespace demo {

/// Where Debian installs the fortunes (Homebrew: $(brew --prefix)/share/games/fortunes).
inline constexpr const char* kFortunesFolder = "/usr/share/games/fortunes";

/// One document of a corpus.
struct Document {
    std::string text;   ///< its bytes, without the "%" line or the paragraph break after it
    std::string topic;  ///< the name of the file it came from (a fortune's topic)
};

/// A corpus, split.
struct Corpus {
    std::vector<Document> train;     ///< 9 documents in 10
    std::vector<Document> held_out;  ///< every 10th document
    std::vector<std::string> files;  ///< the files read, in order
    /// The bytes of all training or held-out documents.
    size_t bytes(bool held_out_part) const;
};

/// The documents of one file's text: split at lines holding only "%" if it has any, else at
/// empty lines. Empty documents are dropped; a document keeps its inner newlines and loses the
/// one before the separator.
std::vector<std::string> split_documents(const std::string& text);

/// The documents' texts joined, each followed by a newline: the text a tokenizer is trained on.
std::string joined_text(const std::vector<Document>& documents);

/// Reads `path`, a text file or a folder of them, and splits it as the top of this file says.
/// Throws io::FileError naming the path if it does not exist, cannot be read, or is not a file
/// or folder; ag::ValueError if it holds no document, or too few (under 10) to hold one out.
Corpus read_corpus(const std::string& path);

}  // namespace demo
